//! `shulian dataset ...` and `shulian lineage ...`: the data catalog and derived data sets.

use super::Context;
use super::org::send;
use super::submit::{NewId, submit_for_ids};
use crate::args::{DatasetCommand, LineageCommand};
use crate::error::{CliError, exit};
use crate::render::ledger;
use shulian_runtime::Call;
use shulian_runtime::call::{CatalogCall, LineageCall, ParentRef};

const DATASET: NewId = NewId { label: "dataset", event: "dataset_registered", field: "dataset" };
const DERIVED: NewId = NewId { label: "dataset", event: "derived_registered", field: "dataset" };

/// Runs one `dataset` subcommand.
pub(super) fn run(ctx: &Context, cmd: DatasetCommand) -> Result<u8, CliError> {
    match cmd {
        DatasetCommand::Register { call, spec } => {
            let key = ctx.unlock(&call.from)?;
            let c = Call::Catalog(CatalogCall::Register { dataset: spec.spec() });
            submit_for_ids(ctx, &key, c, call.nonce, call.timeout(), &[DATASET])
        }
        DatasetCommand::Version { call, dataset, metadata_hash, schema_hash, fields } => {
            let fields = (!fields.is_empty()).then_some(fields);
            send(ctx, &call, Call::Catalog(CatalogCall::PublishVersion { dataset, metadata_hash, schema_hash, fields }))
        }
        DatasetCommand::Retire { call, dataset } => send(ctx, &call, Call::Catalog(CatalogCall::Retire { dataset })),
        DatasetCommand::NegativeList { call, dataset, reason } => {
            send(ctx, &call, Call::Catalog(CatalogCall::NegativeList { dataset, reason }))
        }
        DatasetCommand::Unlist { call, dataset, reason } => {
            send(ctx, &call, Call::Catalog(CatalogCall::RemoveNegativeList { dataset, reason }))
        }
        DatasetCommand::Show { id } => {
            let v = ctx.client().get(&format!("/api/dataset/{id}"))?;
            ctx.out.result(&v, || ledger::dataset(&v))?;
            Ok(exit::SUCCESS)
        }
    }
}

/// Runs one `lineage` subcommand.
pub(super) fn lineage(ctx: &Context, cmd: LineageCommand) -> Result<u8, CliError> {
    match cmd {
        LineageCommand::Register { call, spec, parents } => {
            let key = ctx.unlock(&call.from)?;
            let parents = parents.into_iter().map(|p| ParentRef { dataset: p.dataset, grant: p.grant }).collect();
            let c = Call::Lineage(LineageCall::RegisterDerived { dataset: spec.spec(), parents });
            // The lineage contract may announce the catalog entry either way; take whichever comes.
            submit_for_ids(ctx, &key, c, call.nonce, call.timeout(), &[DERIVED, DATASET])
        }
        LineageCommand::Show { id } => {
            let v = ctx.client().get(&format!("/api/dataset/{id}"))?;
            let text = || format!("{:<14}{id}\n", "data set") + &ledger::lineage(&v);
            ctx.out.result(&v, text)?;
            Ok(exit::SUCCESS)
        }
    }
}
