//! Every hash and signature domain tag of the ledger, in one place.
//!
//! A tag is hashed (or signed) first, then `0x00`, then the bytes (`Hash::tagged`,
//! `crypto::signing_bytes`), so a hash or a signature made for one meaning can never be taken for
//! another: a vote is never a transaction, a data set id never a listing id. Each meaning has its
//! own tag; a test checks that no two tags are equal and none is a prefix of another.
//!
//! Every tag here is part of the protocol: nodes, wallets and the explorer must agree on it.
//! Changing one changes hashes, ids or signatures on the ledger, so it needs a fixed test vector
//! and a note in `docs/consensus.md` ("Domain tags").

/// Declares the tags and [`ALL`] from one list, so a tag cannot be left out of the checks.
macro_rules! tags {
    ($($(#[doc = $doc:literal])+ $name:ident = $tag:literal;)+) => {
        $($(#[doc = $doc])+ pub const $name: &[u8] = $tag;)+

        /// Every tag with its constant's name, for the distinctness test and for documentation.
        pub const ALL: &[(&str, &[u8])] = &[$((stringify!($name), $name),)+];
    };
}

tags! {
    // Signatures.

    /// Signature of a transaction: over `borsh(UnsignedTransaction)`.
    TX_SIGN = b"shulian/tx/v1";
    /// Signature of a consensus vote (prevote or precommit, and so of commit certificates): over
    /// `Vote::sign_bytes`.
    VOTE_SIGN = b"shulian/vote/v1";
    /// Signature of a consensus block proposal: over `borsh(BlockHeader)` of the proposed block.
    PROPOSAL_SIGN = b"shulian/proposal/v1";
    /// Signature of a head announcement (`wire::SignedStatus`): over `borsh(StatusHeader)`, the
    /// chain id, height and block hash a node says it has stored; on an `sm2-sm3` chain followed
    /// by the sender's libp2p peer id bytes, which binds its SM2 key to its transport identity.
    STATUS_SIGN = b"shulian/status/v1";

    /// The seed of an `sm2-sm3` node's libp2p (ed25519) identity: over its SM2 secret's bytes.
    /// libp2p has no SM2 identity; the node binds this one to its SM2 key in its signed heads.
    P2P_IDENTITY = b"shulian/p2p-identity/v1";

    // Hashes of ledger objects.

    /// Transaction hash: over `borsh(Transaction)`, signature included.
    TX_HASH = b"shulian/txhash/v1";
    /// Block hash: over `borsh(BlockHeader)`.
    BLOCK_HASH = b"shulian/block/v1";
    /// Hash of a validator set: over `borsh(ValidatorSet)`.
    VALIDATOR_SET_HASH = b"shulian/validators/v1";
    /// Proof that a new consensus key is held: its signature over `borsh(valset::PossessionClaim)`
    /// (chain id, the key, its operator), required to add a validator or rotate its key.
    VALIDATOR_POSSESSION = b"shulian/validator-possession/v1";
    /// Hash of a genesis document: over `borsh(Genesis)`.
    GENESIS_HASH = b"shulian/genesis/v1";
    /// Hash of one transaction's outcome, the leaves of a header's `outcomes_root`.
    OUTCOME_HASH = b"shulian/outcome/v1";

    // Commitments (Merkle trees).

    /// Path of a state key in the sparse Merkle tree: over the key's bytes.
    STATE_KEY = b"shulian/state/key";
    /// Hash of a state value in the sparse Merkle tree: over the value's bytes.
    STATE_VALUE = b"shulian/state/value";
    /// Leaf of the sparse Merkle tree: over key hash ++ value hash.
    SMT_LEAF = b"shulian/smt/leaf";
    /// Inner node of the sparse Merkle tree: over left ++ right.
    SMT_NODE = b"shulian/smt/node";
    /// Leaf of a list's Merkle root (`tx_root`, `outcomes_root`): over the item's hash.
    LIST_LEAF = b"shulian/list/leaf";
    /// Inner node of a list's Merkle root: over left ++ right.
    LIST_NODE = b"shulian/list/node";
    /// One link of a grant's receipt chain (ADR 0004): over `borsh((previous head, receipt
    /// event))`; the head in state commits to every receipt of the grant, in order.
    RECEIPT_CHAIN = b"shulian/receipt-chain/v1";

    /// A provider system's countersignature of one use under a grant: over
    /// `borsh(call::ReceiptAttestation)` (grant, sequence number, query and result hashes, row
    /// count).
    RECEIPT_COUNTERSIGN = b"shulian/receipt-countersign/v1";
    // State snapshots (state sync).

    /// One chunk of a state snapshot: over the chunk's borsh bytes (`snapshot::SnapshotChunk`), the
    /// hash a snapshot manifest lists for it, checked before the chunk is used.
    SNAPSHOT_CHUNK = b"shulian/snapshot/chunk/v1";
    /// A snapshot manifest: over `borsh(SnapshotManifest)`, how peers offering the same snapshot
    /// are seen to agree.
    SNAPSHOT_MANIFEST = b"shulian/snapshot/manifest/v1";

    // Signature checking.

    /// Seed of the batch weights of `sigcheck`: over every signature, key and challenge of a batch.
    SIG_BATCH_WEIGHTS = b"shulian/sigcheck/batch/v1";

    // Ids and addresses derived on the ledger.

    /// An organization's account id: over its first public key.
    ACCOUNT_ID = b"shulian/account/v1";
    /// The escrow account of the settlement contract: over nothing.
    ESCROW_ACCOUNT = b"shulian/escrow/v1";
    /// A governance proposal's id: over the hash of the transaction that opened it. Not
    /// [`PROPOSAL_SIGN`], which signs consensus proposals (the two shared a tag before).
    GOV_PROPOSAL_ID = b"shulian/gov-proposal/v1";
    /// A data set's id: over the hash of the transaction that registered it.
    DATASET_ID = b"shulian/dataset/v1";
    /// A data-use request's id: over the hash of the transaction that filed it.
    REQUEST_ID = b"shulian/request/v1";
    /// A grant's id: over the id of the request it answers.
    GRANT_ID = b"shulian/grant/v1";
    /// The request id standing behind the grant of a completed market order: over the order id.
    ORDER_GRANT_REQUEST_ID = b"shulian/order-grant/v1";
    /// A market listing's id: over the hash of the transaction that submitted it.
    LISTING_ID = b"shulian/listing/v1";
    /// A market order's id: over the hash of the transaction that placed it.
    ORDER_ID = b"shulian/order/v1";
    /// A demand's id (the demand list, 需求清单): over the hash of the transaction that filed it.
    DEMAND_ID = b"shulian/demand/v1";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_distinct_and_none_is_a_prefix_of_another() {
        for (i, (name_a, a)) in ALL.iter().enumerate() {
            for (name_b, b) in &ALL[i + 1..] {
                assert!(!a.starts_with(b) && !b.starts_with(a), "{name_a} and {name_b} overlap");
            }
        }
    }

    #[test]
    fn every_tag_is_a_shulian_path_without_the_separator_byte() {
        for (name, tag) in ALL {
            assert!(tag.starts_with(b"shulian/") && !tag.contains(&0), "{name}");
        }
    }

    #[test]
    fn head_announcements_have_their_own_signature_tag() {
        assert_eq!(STATUS_SIGN, b"shulian/status/v1");
    }

    #[test]
    fn governance_proposals_no_longer_share_the_consensus_proposal_tag() {
        assert_eq!(PROPOSAL_SIGN, b"shulian/proposal/v1");
        assert_eq!(GOV_PROPOSAL_ID, b"shulian/gov-proposal/v1");
    }
}
