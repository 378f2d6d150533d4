//! `shulian org ...`, `shulian dataset ...` and `shulian lineage ...`: governance of the
//! organizations, the data catalog and derived data sets.

use super::common::{CallOpts, ClassificationArg, DatasetSpecArgs, RoleArg, SharingArg};
use clap::{Args, Subcommand};
use shulian_runtime::{AccountId, DatasetId, GrantId, Hash, ProposalId, PublicKey, Signature};
use std::str::FromStr;

/// `shulian org ...`.
#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Propose admitting a new organization, controlled by PUBLIC_KEY, with one or more roles.
    ///
    /// Only validator operators propose and vote; the proposal passes when more than 2/3 of them
    /// approve. The proposer's own approval is not implied: vote with `org vote`. Waits for the
    /// block and prints the proposal id.
    ProposeAdmit {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// Human name of the organization.
        #[arg(long)]
        name: String,
        /// A role it will play; repeat for several.
        #[arg(long = "role", value_enum, required = true)]
        roles: Vec<RoleArg>,
        /// Its first public key (64 hex characters); its account id is the blake3 of this key.
        #[arg(long, value_name = "HEX")]
        public_key: PublicKey,
    },
    /// Propose suspending an organization: while suspended it can do nothing, and grants it gives
    /// or holds cannot be used. Prints the proposal id.
    ProposeSuspend {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The organization (account id).
        #[arg(long, value_name = "ID")]
        org: AccountId,
        /// Why, for the record.
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// Propose defining a data element and its responsible department (governance keeps the
    /// registry too, beside the regulator). Prints the proposal id.
    ProposeDefineElement {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// Its code (a-z, 0-9, `_`, `.`, `-`).
        #[arg(long, value_name = "CODE")]
        code: String,
        /// Its human name.
        #[arg(long, value_name = "TEXT")]
        name: String,
        /// The responsible department.
        #[arg(long, value_name = "ORG")]
        responsible: AccountId,
    },
    /// Propose moving a data element's responsibility to another department. Prints the
    /// proposal id.
    ProposeTransferElement {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The element's code.
        #[arg(long, value_name = "CODE")]
        code: String,
        /// The department responsible from then on.
        #[arg(long, value_name = "ORG")]
        to: AccountId,
        /// Why; not empty.
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// As a regulator, suspend an organization at once, without a vote (not another regulator):
    /// it can do nothing, and grants it gives or holds cannot be used, until reinstated.
    Suspend {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The organization (account id).
        #[arg(long, value_name = "ID")]
        org: AccountId,
        /// Why; not empty.
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// As a regulator, lift an organization's suspension at once.
    Reinstate {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The organization (account id).
        #[arg(long, value_name = "ID")]
        org: AccountId,
        /// Why; not empty.
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// Propose lifting an organization's suspension. Prints the proposal id.
    ProposeReinstate {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The organization (account id).
        #[arg(long, value_name = "ID")]
        org: AccountId,
    },
    /// Propose replacing one of an organization's keys; the old key can sign nothing afterwards.
    /// Prints the proposal id.
    ProposeRotateKey {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The organization (account id).
        #[arg(long, value_name = "ID")]
        org: AccountId,
        /// An active key of the organization (64 hex characters).
        #[arg(long, value_name = "HEX")]
        old_key: PublicKey,
        /// The replacement key, not bound to any organization (64 hex characters).
        #[arg(long, value_name = "HEX")]
        new_key: PublicKey,
    },
    /// Propose adding a validator. Its operator first makes its node's home with `shulian-node
    /// init` and prints the possession proof with `shulian-node possession-proof --home DIR
    /// --operator ID`. The new validator signs from the second block after the one that passes
    /// the proposal. Prints the proposal id.
    ProposeAddValidator {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The validator's name (its operator's, by convention).
        #[arg(long)]
        name: String,
        /// Its consensus key (64 hex characters: `shulian-node init` prints it).
        #[arg(long, value_name = "HEX")]
        public_key: PublicKey,
        /// The operating organization (account id; holds the validator_operator role).
        #[arg(long, value_name = "ID")]
        operator: AccountId,
        /// Voting power (> 0; no validator may end up with more than 2/3 of the total).
        #[arg(long)]
        power: u64,
        /// The consensus key's possession proof (128 hex characters).
        #[arg(long, value_name = "HEX")]
        possession: Signature,
    },
    /// Propose removing a validator (its node keeps following the chain as an observer). Prints
    /// the proposal id.
    ProposeRemoveValidator {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The validator's consensus key.
        #[arg(long, value_name = "HEX")]
        public_key: PublicKey,
    },
    /// Propose changing a validator's voting power. Prints the proposal id.
    ProposeValidatorPower {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The validator's consensus key.
        #[arg(long, value_name = "HEX")]
        public_key: PublicKey,
        /// The new power (> 0).
        #[arg(long)]
        power: u64,
    },
    /// Propose a protocol upgrade: from block HEIGHT on, blocks carry VERSION, and nodes that do
    /// not run it stop there (docs/operations.md, "Upgrades"). Prints the proposal id.
    ProposeUpgrade {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The new protocol version.
        #[arg(long)]
        version: u32,
        /// The first block of the new version.
        #[arg(long)]
        height: u64,
    },
    /// Rotate the consensus key of a validator this organization operates (no vote needed). The
    /// new key signs from the second block after this transaction's; restart the node with it
    /// then (docs/operations.md, "Rotating a validator key").
    RotateValidatorKey {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The validator's current consensus key.
        #[arg(long, value_name = "HEX")]
        old_key: PublicKey,
        /// The new consensus key.
        #[arg(long, value_name = "HEX")]
        new_key: PublicKey,
        /// The new key's possession proof (`shulian-node possession-proof`).
        #[arg(long, value_name = "HEX")]
        possession: Signature,
    },
    /// Vote for (--approve) or against (--reject) an open governance proposal; each validator
    /// operator votes once.
    Vote(VoteArgs),
    /// Show an organization: name, roles, keys and whether it is suspended.
    Show {
        /// Account id of the organization.
        #[arg(value_name = "ID")]
        id: AccountId,
    },
    /// Show a governance proposal: its action, ballots and status.
    Proposal {
        /// Proposal id.
        #[arg(value_name = "ID")]
        id: ProposalId,
    },
}

/// `shulian org vote`.
#[derive(Debug, Args)]
#[group(id = "ballot", required = true, multiple = false, args = ["approve", "reject"])]
pub struct VoteArgs {
    /// Signing key and waiting.
    #[command(flatten)]
    pub call: CallOpts,
    /// The proposal.
    #[arg(long, value_name = "ID")]
    pub proposal: ProposalId,
    /// Vote for the proposal.
    #[arg(long)]
    pub approve: bool,
    /// Vote against the proposal.
    #[arg(long)]
    pub reject: bool,
}

/// `shulian dataset ...`.
#[derive(Debug, Subcommand)]
pub enum DatasetCommand {
    /// Register a data set you own (your organization must be a department) in the catalog at
    /// version 1.
    ///
    /// Only hashes of the metadata and schema documents go on the ledger. The data set id is
    /// derived by the contract, so this waits for the block and prints it.
    Register {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The catalog entry.
        #[command(flatten)]
        spec: DatasetSpecArgs,
        /// A data element it carries (its code, see `element list`); repeat for several. Without
        /// --copy-of, the data set is their authoritative source: you must be each one's
        /// responsible department and none may have a live source yet (一数一源).
        #[arg(long = "element", value_name = "CODE")]
        elements: Vec<String>,
        /// The elements are a copy of this authoritative data set, which carries them all; the
        /// copy is classified and shared at least as strictly.
        #[arg(long, value_name = "ID", requires = "elements")]
        copy_of: Option<DatasetId>,
    },
    /// Publish a new version of your data set: new metadata and schema hashes and optionally a new
    /// field list. Grants already issued keep the version they were granted on.
    Version {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The data set.
        #[arg(long, value_name = "ID")]
        dataset: DatasetId,
        /// blake3 of the new metadata document.
        #[arg(long, value_name = "HEX")]
        metadata_hash: Hash,
        /// blake3 of the new schema document.
        #[arg(long, value_name = "HEX")]
        schema_hash: Hash,
        /// The new field list (repeat or separate with commas); omit to keep the current fields.
        #[arg(long = "field", value_name = "FIELD", value_delimiter = ',')]
        fields: Vec<String>,
    },
    /// Retire your data set: it can no longer be requested or versioned.
    Retire {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The data set.
        #[arg(long, value_name = "ID")]
        dataset: DatasetId,
    },
    /// As a regulator, put a data set on the negative list: no new grants, and no further use
    /// (usage receipts) under grants already issued.
    NegativeList {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The data set.
        #[arg(long, value_name = "ID")]
        dataset: DatasetId,
        /// Why; not empty.
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// As a regulator, take a data set off the negative list.
    Unlist {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The data set.
        #[arg(long, value_name = "ID")]
        dataset: DatasetId,
        /// Why; not empty.
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// As a regulator, re-grade a data set: set its classification level and sharing attribute,
    /// higher or lower (the only way a classification is lowered), with a reason that is
    /// recorded. Grants already issued keep their terms; data sets derived from it from now on
    /// must be at least as strict.
    Regrade {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The data set.
        #[arg(long, value_name = "ID")]
        dataset: DatasetId,
        /// Its new classification level.
        #[arg(long, value_enum)]
        classification: ClassificationArg,
        /// Its new sharing attribute.
        #[arg(long, value_enum)]
        sharing: SharingArg,
        /// Why; not empty.
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// Show a data set: catalog entry, versions, and its lineage (ancestors and descendants).
    Show {
        /// Data set id.
        #[arg(value_name = "ID")]
        id: DatasetId,
    },
}

/// A parent of a derived data set: `DATASET_ID` (a data set you own) or `DATASET_ID:GRANT_ID`
/// (the grant you hold on someone else's data set).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParentArg {
    /// The parent data set.
    pub dataset: DatasetId,
    /// The grant under which it was used.
    pub grant: Option<GrantId>,
}

impl FromStr for ParentArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (d, g) = match s.split_once(':') {
            Some((d, g)) => (d, Some(g)),
            None => (s, None),
        };
        let dataset = d.parse().map_err(|_| format!("{d:?} is not a data set id (64 hex characters)"))?;
        let grant = match g {
            Some(g) => Some(g.parse().map_err(|_| format!("{g:?} is not a grant id (64 hex characters)"))?),
            None => None,
        };
        Ok(ParentArg { dataset, grant })
    }
}

/// `shulian lineage ...`.
// Parsed once per process; boxing the big variant would only make the code harder to read.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum LineageCommand {
    /// Register a derived data set together with its lineage: the parent data sets it was made
    /// from and, for parents you do not own, the grant you used each under. Waits for the block
    /// and prints the new data set id.
    Register {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The derived data set's catalog entry.
        #[command(flatten)]
        spec: DatasetSpecArgs,
        /// A parent: DATASET_ID if you own it, DATASET_ID:GRANT_ID otherwise; repeat for each.
        #[arg(long = "parent", value_name = "DATASET_ID[:GRANT_ID]", required = true)]
        parents: Vec<ParentArg>,
    },
    /// Show a data set's lineage: parents, children, and all ancestors and descendants.
    Show {
        /// Data set id.
        #[arg(value_name = "DATASET_ID")]
        id: DatasetId,
    },
}
