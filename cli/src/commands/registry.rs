//! `shulian element ...`, `shulian demand ...` and `shulian regulator department-stats`: the
//! responsibility list, the demand list and each department's statistics.

use super::Context;
use super::lists::{api_str, base_query, export, fetch, show};
use super::submit::{CallPlan, execute, not_a_call};
use crate::args::when::wall_clock_ms;
use crate::args::{DemandCommand, ElementCommand, StatsArgs};
use crate::error::CliError;
use shulian_api::registry::DemandState;
use shulian_api::regulator::ViewQuery;
use shulian_api::routes;
use shulian_runtime::Call;
use shulian_runtime::call::RegistryCall;

/// Runs one `element` subcommand.
pub(super) fn element(ctx: &Context, cmd: ElementCommand) -> Result<u8, CliError> {
    match cmd {
        ElementCommand::List { org, page } => {
            let q = ViewQuery { org: org.map(|o| o.to_string()), ..ViewQuery::default() };
            let client = ctx.client();
            let rows = fetch(&page, q, |q| client.list_elements(q))?;
            show(ctx, &rows, "no data element is defined")
        }
        cmd => execute(ctx, element_plan(cmd)?),
    }
}

/// The registry call an `element` subcommand asks for.
pub(super) fn element_plan(cmd: ElementCommand) -> Result<CallPlan, CliError> {
    let (opts, call) = match cmd {
        ElementCommand::Define { call, code, name, responsible } => {
            (call, RegistryCall::DefineElement { code, name, responsible })
        }
        ElementCommand::Transfer { call, code, to, reason } => {
            (call, RegistryCall::TransferElement { code, to, reason })
        }
        ElementCommand::List { .. } => return Err(not_a_call("element list")),
    };
    Ok(CallPlan::new(&opts, Call::Registry(call)))
}

/// Runs one `demand` subcommand.
pub(super) fn demand(ctx: &Context, cmd: DemandCommand) -> Result<u8, CliError> {
    match cmd {
        DemandCommand::List { requester, org, state, range, page } => {
            let q = ViewQuery {
                requester: requester.map(|o| o.to_string()),
                org: org.map(|o| o.to_string()),
                state: state.map(DemandState::from).as_ref().and_then(api_str),
                ..base_query(&range, page.limit)
            };
            let client = ctx.client();
            let rows = fetch(&page, q, |q| client.list_demands(q))?;
            show(ctx, &rows, "no demands")
        }
        cmd => execute(ctx, demand_plan(cmd)?),
    }
}

/// The registry call a `demand` subcommand asks for.
pub(super) fn demand_plan(cmd: DemandCommand) -> Result<CallPlan, CliError> {
    let (opts, call) = match cmd {
        DemandCommand::File { call, elements, purpose } => (call, RegistryCall::FileDemand { elements, purpose }),
        DemandCommand::Assign { call, demand, to, deadline, due_in } => {
            // clap requires one of the two; a span counts from this machine's clock.
            let deadline_ms = match (deadline, due_in) {
                (Some(d), _) => d,
                (None, Some(span)) => wall_clock_ms().saturating_add(span),
                (None, None) => return Err(CliError::Usage("give --deadline or --due-in".into())),
            };
            (call, RegistryCall::AssignDemand { demand, to, deadline_ms })
        }
        DemandCommand::Answer { call, demand, grant } => (call, RegistryCall::AnswerDemand { demand, grant }),
        DemandCommand::Refuse { call, demand, legal_basis } => {
            (call, RegistryCall::RefuseDemand { demand, legal_basis })
        }
        DemandCommand::Withdraw { call, demand } => (call, RegistryCall::WithdrawDemand { demand }),
        DemandCommand::List { .. } => return Err(not_a_call("demand list")),
    };
    Ok(CallPlan::new(&opts, Call::Registry(call)))
}

/// `shulian regulator department-stats`: the rows as text, or the node's export.
pub(super) fn department_stats(ctx: &Context, a: &StatsArgs) -> Result<u8, CliError> {
    let q = ViewQuery { since_ms: a.range.since, until_ms: a.range.until, ..ViewQuery::default() };
    if let Some(format) = a.export {
        return export(ctx, routes::LIST_DEPARTMENT_STATS, &q, format.into(), a.out.as_deref());
    }
    let rows = ctx.client().list_department_stats(&q)?;
    show(ctx, &rows, "no department did anything in the period")
}
