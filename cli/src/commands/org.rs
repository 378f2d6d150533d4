//! `shulian org ...`: governance proposals and votes, and the organizations and proposals they
//! concern.

use super::Context;
use super::submit::{CallPlan, execute, not_a_call};
use crate::args::OrgCommand;
use crate::error::{CliError, exit};
use crate::render::ledger;
use shulian_runtime::call::{OrgsCall, ProposalAction};
use shulian_runtime::{Call, Height};

/// Runs one `org` subcommand.
pub(super) fn run(ctx: &Context, cmd: OrgCommand) -> Result<u8, CliError> {
    match cmd {
        OrgCommand::Show { id } => {
            let v = ctx.client().org(&id)?;
            ctx.out.result(&v, || ledger::org(&v))?;
            Ok(exit::SUCCESS)
        }
        OrgCommand::Proposal { id } => {
            let v = ctx.client().proposal(&id)?;
            ctx.out.result(&v, || ledger::proposal(&v))?;
            Ok(exit::SUCCESS)
        }
        cmd => execute(ctx, plan(cmd)?),
    }
}

/// The governance call a subcommand asks for; a proposal always waits and prints its id.
pub(super) fn plan(cmd: OrgCommand) -> Result<CallPlan, CliError> {
    let (call, action) = match cmd {
        OrgCommand::ProposeAdmit { call, name, roles, public_key } => {
            (call, ProposalAction::Admit { name, roles: roles.into_iter().map(Into::into).collect(), public_key })
        }
        OrgCommand::ProposeSuspend { call, org, reason } => (call, ProposalAction::Suspend { org, reason }),
        OrgCommand::ProposeReinstate { call, org } => (call, ProposalAction::Reinstate { org }),
        OrgCommand::ProposeRotateKey { call, org, old_key, new_key } => {
            (call, ProposalAction::RotateKey { org, old_key, new_key })
        }
        OrgCommand::ProposeAddValidator { call, name, public_key, operator, power, possession } => {
            (call, ProposalAction::AddValidator { name, public_key, operator, power, possession })
        }
        OrgCommand::ProposeRemoveValidator { call, public_key } => {
            (call, ProposalAction::RemoveValidator { public_key })
        }
        OrgCommand::ProposeValidatorPower { call, public_key, power } => {
            (call, ProposalAction::SetValidatorPower { public_key, power })
        }
        OrgCommand::ProposeUpgrade { call, version, height } => {
            (call, ProposalAction::ScheduleUpgrade { version, height: Height(height) })
        }
        OrgCommand::RotateValidatorKey { call, old_key, new_key, possession } => {
            let rotate = OrgsCall::RotateValidatorKey { old_key, new_key, possession };
            return Ok(CallPlan::new(&call, Call::Orgs(rotate)));
        }
        OrgCommand::ProposeDefineElement { call, code, name, responsible } => {
            (call, ProposalAction::DefineElement { code, name, responsible })
        }
        OrgCommand::ProposeTransferElement { call, code, to, reason } => {
            (call, ProposalAction::TransferElement { code, to, reason })
        }
        OrgCommand::Suspend { call, org, reason } => {
            return Ok(CallPlan::new(&call, Call::Orgs(OrgsCall::RegulatorSuspend { org, reason })));
        }
        OrgCommand::Reinstate { call, org, reason } => {
            return Ok(CallPlan::new(&call, Call::Orgs(OrgsCall::RegulatorReinstate { org, reason })));
        }
        OrgCommand::Vote(v) => {
            return Ok(CallPlan::new(&v.call, Call::Orgs(OrgsCall::Vote { proposal: v.proposal, approve: v.approve })));
        }
        OrgCommand::Show { .. } => return Err(not_a_call("org show")),
        OrgCommand::Proposal { .. } => return Err(not_a_call("org proposal")),
    };
    Ok(CallPlan::new(&call, Call::Orgs(OrgsCall::Propose { action })))
}
