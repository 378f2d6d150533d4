//! `shulian dataset ...` and `shulian lineage ...`: the data catalog and derived data sets.

use super::Context;
use super::submit::{CallPlan, execute, not_a_call};
use crate::args::{DatasetCommand, LineageCommand};
use crate::error::{CliError, exit};
use crate::render::ledger;
use shulian_runtime::Call;
use shulian_runtime::call::{CatalogCall, ElementSource, LineageCall, ParentRef};

/// Runs one `dataset` subcommand.
pub(super) fn run(ctx: &Context, cmd: DatasetCommand) -> Result<u8, CliError> {
    match cmd {
        DatasetCommand::Show { id } => {
            let v = ctx.client().dataset(&id)?;
            ctx.out.result(&v, || ledger::dataset(&v))?;
            Ok(exit::SUCCESS)
        }
        cmd => execute(ctx, plan(cmd)?),
    }
}

/// The catalog call a `dataset` subcommand asks for.
pub(super) fn plan(cmd: DatasetCommand) -> Result<CallPlan, CliError> {
    let (opts, call) = match cmd {
        DatasetCommand::Register { call, spec, elements, copy_of: None } if elements.is_empty() => {
            (call, CatalogCall::Register { dataset: spec.spec() })
        }
        DatasetCommand::Register { call, spec, elements, copy_of } => {
            let source = copy_of.map_or(ElementSource::Authoritative, ElementSource::CopyOf);
            (call, CatalogCall::RegisterWithElements { dataset: spec.spec(), elements, source })
        }
        DatasetCommand::Version { call, dataset, metadata_hash, schema_hash, fields } => {
            let fields = (!fields.is_empty()).then_some(fields);
            (call, CatalogCall::PublishVersion { dataset, metadata_hash, schema_hash, fields })
        }
        DatasetCommand::Retire { call, dataset } => (call, CatalogCall::Retire { dataset }),
        DatasetCommand::NegativeList { call, dataset, reason } => (call, CatalogCall::NegativeList { dataset, reason }),
        DatasetCommand::Unlist { call, dataset, reason } => (call, CatalogCall::RemoveNegativeList { dataset, reason }),
        DatasetCommand::Regrade { call, dataset, classification, sharing, reason } => (
            call,
            CatalogCall::Regrade { dataset, classification: classification.into(), sharing: sharing.into(), reason },
        ),
        DatasetCommand::Show { .. } => return Err(not_a_call("dataset show")),
    };
    Ok(CallPlan::new(&opts, Call::Catalog(call)))
}

/// Runs one `lineage` subcommand.
pub(super) fn lineage(ctx: &Context, cmd: LineageCommand) -> Result<u8, CliError> {
    match cmd {
        LineageCommand::Show { id } => {
            let v = ctx.client().dataset(&id)?;
            let text = || format!("{:<14}{id}\n", "data set") + &ledger::lineage(&v);
            ctx.out.result(&v, text)?;
            Ok(exit::SUCCESS)
        }
        cmd => execute(ctx, lineage_plan(cmd)?),
    }
}

/// The lineage call a `lineage` subcommand asks for.
pub(super) fn lineage_plan(cmd: LineageCommand) -> Result<CallPlan, CliError> {
    match cmd {
        LineageCommand::Register { call, spec, parents } => {
            let parents = parents.into_iter().map(|p| ParentRef { dataset: p.dataset, grant: p.grant }).collect();
            let c = Call::Lineage(LineageCall::RegisterDerived { dataset: spec.spec(), parents });
            Ok(CallPlan::new(&call, c))
        }
        LineageCommand::Show { .. } => Err(not_a_call("lineage show")),
    }
}
