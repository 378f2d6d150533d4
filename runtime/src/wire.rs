//! Everything validators send each other, in borsh, and the length-prefixed frame that carries
//! one message. These types are a wire contract: change them only by appending variants, and keep
//! the round-trip tests below passing. They live in the runtime (pure types and decoding, no I/O)
//! so that the fuzz targets in `fuzz/` can decode exactly what the node decodes without building
//! the node's network and storage stack; `shulian_node::network::wire` re-exports them.

use crate::evidence::SignedVote;
use crate::snapshot::{MAX_CHUNK_BYTES, SnapshotManifest};
use crate::{Block, BlockHeader, CommitCertificate, Hash, Height, PublicKey, SecretKey, Signature};
use borsh::{BorshDeserialize, BorshSerialize};

/// Domain tag of a proposal signature, so a proposal can never be replayed as a vote or a tx (an
/// alias of [`crate::domain::PROPOSAL_SIGN`]).
pub const PROPOSAL_SIGN_TAG: &[u8] = crate::domain::PROPOSAL_SIGN;

/// Largest consensus or transaction message accepted from a peer: the frame limit, checked on
/// the length prefix. Each message type has a lower cap of its own ([`max_body_bytes`]).
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024 * 1024;
/// Largest vote, head announcement or other small consensus message: a signed vote is about 150
/// bytes plus the chain id, so 1 KiB leaves room for any sane chain id and nothing for junk.
pub const MAX_SMALL_MESSAGE_BYTES: usize = 1024;
/// Largest relayed-transaction message (`WireMsg::Txs`): senders cut batches at this size, so a
/// peer's frame above it is junk refused before its body is read. 1 MiB holds thousands of
/// ordinary transactions or 15 of the largest (64 KiB), and bounds what one stream can make a
/// receiver allocate.
pub const MAX_TXS_MESSAGE_BYTES: usize = 1024 * 1024;
/// Most transactions in one relayed-transaction message (the sender's batch is at most this).
pub const MAX_TXS_PER_MESSAGE: usize = 2_048;
/// Largest block-sync response accepted from a peer.
pub const MAX_SYNC_RESPONSE_BYTES: usize = 64 * 1024 * 1024;
/// Most blocks asked for in one sync request.
pub const MAX_SYNC_BLOCKS: u32 = 64;

/// What a proposer signs: the block it proposes for a height and round.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct ProposalHeader {
    /// Chain.
    pub chain_id: String,
    /// Height.
    pub height: Height,
    /// Round.
    pub round: u32,
    /// The round of the proof-of-lock this re-proposal rests on (Tendermint's `validRound`).
    pub valid_round: Option<u32>,
    /// Hash of the proposed block's header.
    pub block_hash: Hash,
}

/// A signed proposal with the block it names.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct SignedProposal {
    /// What was signed.
    pub header: ProposalHeader,
    /// The proposer.
    pub proposer: PublicKey,
    /// Signature over the borsh of `header` with [`PROPOSAL_SIGN_TAG`].
    pub signature: Signature,
    /// The block itself; its hash must equal `header.block_hash`.
    pub block: Block,
}

impl SignedProposal {
    /// Signs `block` as the proposal for `round`.
    pub fn sign(key: &SecretKey, chain_id: &str, round: u32, valid_round: Option<u32>, block: Block) -> Self {
        let header = ProposalHeader {
            chain_id: chain_id.to_string(),
            height: block.header.height,
            round,
            valid_round,
            block_hash: block.hash(),
        };
        let signature = key.sign(PROPOSAL_SIGN_TAG, &borsh::to_vec(&header).unwrap_or_default());
        SignedProposal { header, proposer: key.public_key(), signature, block }
    }

    /// Checks the signature and that the block is the one signed.
    pub fn verify(&self) -> Result<(), &'static str> {
        if self.block.hash() != self.header.block_hash {
            return Err("block does not match the signed hash");
        }
        if self.block.header.height != self.header.height {
            return Err("block height does not match the proposal");
        }
        let bytes = borsh::to_vec(&self.header).map_err(|_| "unencodable proposal")?;
        self.proposer.verify(PROPOSAL_SIGN_TAG, &bytes, &self.signature).map_err(|_| "bad proposal signature")
    }
}

/// A node's chain head, announced periodically so that peers behind it can sync.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Status {
    /// Last committed height.
    pub height: Height,
    /// Its block hash.
    pub block_hash: Hash,
}

/// What a node signs when it announces its head: the chain, its stored height and block hash.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct StatusHeader {
    /// Chain.
    pub chain_id: String,
    /// The head.
    pub status: Status,
}

/// A head announcement signed by the announcing node's key (its consensus key, whose libp2p peer
/// id is the connection's), so a peer's claim to have blocks is its own and is attributable.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct SignedStatus {
    /// What was signed.
    pub header: StatusHeader,
    /// The announcing node's key.
    pub signer: PublicKey,
    /// Signature over `borsh(header)` with [`crate::domain::STATUS_SIGN`].
    pub signature: Signature,
}

impl SignedStatus {
    /// Signs `status` as this node's head on `chain_id`; `peer` is the sender's libp2p peer id
    /// (its bytes), signed with the header on an `sm2-sm3` chain ([`SignedStatus::signed_bytes`]).
    pub fn sign(key: &SecretKey, chain_id: &str, status: Status, peer: &[u8]) -> Self {
        let header = StatusHeader { chain_id: chain_id.to_string(), status };
        let signature = key.sign(crate::domain::STATUS_SIGN, &Self::signed_bytes(&header, peer));
        SignedStatus { header, signer: key.public_key(), signature }
    }

    /// What is signed: `borsh(header)`, followed on an `sm2-sm3` chain by the sending peer's id.
    /// An ed25519 validator's peer id is a function of its key, so the connection itself says
    /// whose head it is; an SM2 key names no peer id, so the signature binds the two.
    pub fn signed_bytes(header: &StatusHeader, peer: &[u8]) -> Vec<u8> {
        let mut bytes = borsh::to_vec(header).unwrap_or_default();
        if crate::suite::active() == crate::suite::CryptoSuite::Sm2Sm3 {
            bytes.extend_from_slice(peer);
        }
        bytes
    }

    /// Checks the signature as sent by `peer` (who signed it is the caller's check on an ed25519
    /// chain: the sending peer's key; on an `sm2-sm3` chain the signature covers `peer`).
    pub fn verify(&self, peer: &[u8]) -> Result<(), &'static str> {
        let bytes = Self::signed_bytes(&self.header, peer);
        self.signer.verify(crate::domain::STATUS_SIGN, &bytes, &self.signature).map_err(|_| "bad status signature")
    }
}

/// The borsh enum tag (first body byte) of each [`WireMsg`] variant, pinned by a test: the
/// receiver reads it to choose the message's size cap before it allocates the body.
pub mod tag {
    /// `WireMsg::Txs`.
    pub const TXS: u8 = 0;
    /// `WireMsg::Proposal`.
    pub const PROPOSAL: u8 = 1;
    /// `WireMsg::Vote`.
    pub const VOTE: u8 = 2;
    /// `WireMsg::Status`.
    pub const STATUS: u8 = 3;
    /// `WireMsg::SignedStatus`.
    pub const SIGNED_STATUS: u8 = 4;
}

/// The largest body a [`WireMsg`] whose first body byte is `tag` may have: a proposal up to
/// `max_proposal_bytes` (a block at the block limits plus its signed header), relayed
/// transactions up to [`MAX_TXS_MESSAGE_BYTES`], everything else [`MAX_SMALL_MESSAGE_BYTES`]; an
/// unknown tag gets 0 (it cannot decode).
pub fn max_body_bytes(tag: u8, max_proposal_bytes: usize) -> usize {
    match tag {
        tag::TXS => MAX_TXS_MESSAGE_BYTES,
        tag::PROPOSAL => max_proposal_bytes.min(MAX_MESSAGE_BYTES),
        tag::VOTE | tag::STATUS | tag::SIGNED_STATUS => MAX_SMALL_MESSAGE_BYTES,
        _ => 0,
    }
}

/// The most bytes a proposal of a block within `max_block_txs` transactions and
/// `max_block_bytes` transaction bytes encodes to: the transactions, a 4-byte length prefix each,
/// and 64 KiB for the header, the signed proposal header and the chain id.
pub fn max_proposal_bytes(max_block_txs: usize, max_block_bytes: usize) -> usize {
    max_block_bytes.saturating_add(max_block_txs.saturating_mul(4)).saturating_add(64 * 1024)
}

/// A message pushed to every peer.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub enum WireMsg {
    /// Encoded transactions (each checked by the receiver's mempool admission).
    Txs(Vec<Vec<u8>>),
    /// A block proposal.
    Proposal(Box<SignedProposal>),
    /// A prevote or precommit.
    Vote(SignedVote),
    /// The sender's head, unsigned (sent by older nodes; no longer used to choose a sync peer).
    Status(Status),
    /// The sender's head, signed by its key ([`SignedStatus`]).
    SignedStatus(SignedStatus),
}

impl WireMsg {
    /// The variant's name, for logs and counters.
    pub fn kind(&self) -> &'static str {
        match self {
            WireMsg::Txs(_) => "txs",
            WireMsg::Proposal(_) => "proposal",
            WireMsg::Vote(_) => "vote",
            WireMsg::Status(_) => "status",
            WireMsg::SignedStatus(_) => "signed_status",
        }
    }
}

/// Acknowledges a pushed message (the push protocol's response).
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Ack;

/// Asks for committed blocks `from`, `from + 1`, ... (at most `max`).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct SyncRequest {
    /// First height wanted.
    pub from: Height,
    /// Most blocks wanted.
    pub max: u32,
}

/// Committed blocks with the certificates that prove them final, in height order.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct SyncResponse {
    /// The blocks.
    pub blocks: Vec<(Block, CommitCertificate)>,
}

/// Largest state-sync request (`/shulian/snapshot/1`): every request is a tag and a few numbers.
pub const MAX_SNAPSHOT_REQUEST_BYTES: usize = 64;
/// Most snapshots one [`SnapshotResponse::List`] names.
pub const MAX_SNAPSHOTS_LISTED: usize = 16;
/// Most headers asked for in one [`SnapshotRequest::Headers`].
pub const MAX_SYNC_HEADERS: u32 = 512;
/// Largest header list served: a server stops adding headers past half of it, so 512 headers
/// with certificates of a few hundred validators fit.
pub const MAX_HEADERS_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// The borsh enum tag (first body byte) of each [`SnapshotResponse`] variant, pinned by a test:
/// the receiver reads it to choose the response's size cap before it allocates the body.
pub mod snapshot_tag {
    /// `SnapshotResponse::List`.
    pub const LIST: u8 = 0;
    /// `SnapshotResponse::Manifest`.
    pub const MANIFEST: u8 = 1;
    /// `SnapshotResponse::Chunk`.
    pub const CHUNK: u8 = 2;
    /// `SnapshotResponse::Headers`.
    pub const HEADERS: u8 = 3;
}

/// The largest body of a [`SnapshotResponse`] whose first byte is `tag`: a list a few KiB, a
/// manifest its chunk hashes (32 bytes each, [`crate::snapshot::MAX_SNAPSHOT_CHUNKS`] at most), a
/// chunk [`MAX_CHUNK_BYTES`], headers [`MAX_HEADERS_RESPONSE_BYTES`]; an unknown tag 0.
pub fn max_snapshot_response_bytes(tag: u8) -> usize {
    match tag {
        snapshot_tag::LIST => 16 * 1024,
        snapshot_tag::MANIFEST => 64 * 1024 + 32 * crate::snapshot::MAX_SNAPSHOT_CHUNKS,
        snapshot_tag::CHUNK => MAX_CHUNK_BYTES + 64,
        snapshot_tag::HEADERS => MAX_HEADERS_RESPONSE_BYTES,
        _ => 0,
    }
}

/// A state-sync request (`/shulian/snapshot/1`, `docs/consensus.md`, "State snapshots").
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub enum SnapshotRequest {
    /// The snapshots the peer holds.
    List,
    /// The manifest of the snapshot at a height.
    Manifest {
        /// Its height.
        height: Height,
    },
    /// One chunk of the snapshot at a height.
    Chunk {
        /// The snapshot's height.
        height: Height,
        /// The chunk's index in its manifest.
        index: u32,
    },
    /// Block headers with their commit certificates, without bodies, from `from` on.
    Headers {
        /// First height wanted.
        from: Height,
        /// Most headers wanted (at most [`MAX_SYNC_HEADERS`] are served).
        max: u32,
    },
}

/// A snapshot a peer offers.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct SnapshotInfo {
    /// Height of the block after which the state was taken.
    pub height: Height,
    /// That block's hash.
    pub block_hash: Hash,
    /// Number of chunks.
    pub chunks: u32,
    /// Hash of its manifest ([`SnapshotManifest::hash`]).
    pub manifest_hash: Hash,
}

/// A state-sync response; `None` or an empty list when the peer does not hold what was asked.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub enum SnapshotResponse {
    /// The peer's snapshots, newest first, at most [`MAX_SNAPSHOTS_LISTED`].
    List(Vec<SnapshotInfo>),
    /// A manifest.
    Manifest(Option<SnapshotManifest>),
    /// A chunk's bytes (checked against its manifest's hash before they are decoded).
    Chunk(Option<Vec<u8>>),
    /// Consecutive headers with their certificates, from the height asked.
    Headers(HeaderBatch),
}

/// Consecutive headers with their certificates, and the validator sets those headers announce
/// (each header whose `next_validators_hash` differs from its parent's names a set the receiver
/// needs to check the next certificates; `docs/consensus.md`, "Certificates across set changes").
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct HeaderBatch {
    /// The headers with their certificates, from the height asked.
    pub headers: Vec<(BlockHeader, CommitCertificate)>,
    /// The sets the headers announce, in the order announced.
    pub sets: Vec<crate::ValidatorSet>,
}

/// Bytes of a frame's length prefix (u32, little-endian).
pub const FRAME_PREFIX_BYTES: usize = 4;

/// Why a frame was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The length prefix announces more than the limit (checked before allocating).
    #[error("message of {len} bytes exceeds {max}")]
    TooLarge {
        /// Announced length.
        len: usize,
        /// Limit.
        max: usize,
    },
    /// Fewer bytes than the prefix announces.
    #[error("frame truncated: {got} of {want} bytes")]
    Truncated {
        /// Bytes present.
        got: usize,
        /// Bytes announced (with the prefix).
        want: usize,
    },
    /// The body is not one borsh value of the expected type (or has trailing bytes).
    #[error("undecodable message: {0}")]
    Undecodable(String),
    /// The value cannot be encoded.
    #[error("unencodable message: {0}")]
    Unencodable(String),
}

/// The body length a frame's prefix announces, refused if over `max`.
pub fn frame_len(prefix: [u8; FRAME_PREFIX_BYTES], max: usize) -> Result<usize, FrameError> {
    let len = u32::from_le_bytes(prefix) as usize;
    if len > max {
        return Err(FrameError::TooLarge { len, max });
    }
    Ok(len)
}

/// Decodes a frame body: exactly one borsh value, no trailing bytes.
pub fn decode_body<T: BorshDeserialize>(body: &[u8]) -> Result<T, FrameError> {
    borsh::from_slice(body).map_err(|e| FrameError::Undecodable(e.to_string()))
}

/// Decodes one whole frame (prefix and body) held in memory, as the stream codec does.
pub fn decode_frame<T: BorshDeserialize>(bytes: &[u8], max: usize) -> Result<T, FrameError> {
    let want = |len: usize| len.saturating_add(FRAME_PREFIX_BYTES);
    let Some((prefix, rest)) = bytes.split_first_chunk::<FRAME_PREFIX_BYTES>() else {
        return Err(FrameError::Truncated { got: bytes.len(), want: FRAME_PREFIX_BYTES });
    };
    let len = frame_len(*prefix, max)?;
    let Some(body) = rest.get(..len) else {
        return Err(FrameError::Truncated { got: bytes.len(), want: want(len) });
    };
    if rest.len() > len {
        return Err(FrameError::Undecodable(format!("{} bytes after the frame", rest.len() - len)));
    }
    decode_body(body)
}

/// Encodes one length-prefixed borsh value, refusing one over `max` bytes.
pub fn encode_frame<T: BorshSerialize>(value: &T, max: usize) -> Result<Vec<u8>, FrameError> {
    let bytes = borsh::to_vec(value).map_err(|e| FrameError::Unencodable(e.to_string()))?;
    if bytes.len() > max || u32::try_from(bytes.len()).is_err() {
        return Err(FrameError::TooLarge { len: bytes.len(), max });
    }
    let mut out = Vec::with_capacity(FRAME_PREFIX_BYTES + bytes.len());
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(&bytes);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block::VoteKind;
    use crate::test_utils::key;
    use crate::{BlockHeader, Vote};

    fn block() -> Block {
        let key = key(7);
        Block {
            header: BlockHeader {
                protocol_version: 1,
                chain_id: "c".into(),
                height: Height(3),
                parent_hash: Hash([1; 32]),
                timestamp_ms: 9,
                proposer: key.public_key(),
                tx_root: Hash([2; 32]),
                outcomes_root: Hash([3; 32]),
                state_root: Hash([4; 32]),
                next_validators_hash: Hash([5; 32]),
            },
            txs: vec![],
        }
    }

    fn roundtrip<T: BorshSerialize + BorshDeserialize + PartialEq + std::fmt::Debug>(v: &T) {
        let bytes = borsh::to_vec(v).expect("encode");
        assert_eq!(&borsh::from_slice::<T>(&bytes).expect("decode"), v);
    }

    #[test]
    fn wire_messages_roundtrip() {
        let key = key(7);
        let p = SignedProposal::sign(&key, "c", 2, Some(1), block());
        roundtrip(&WireMsg::Proposal(Box::new(p.clone())));
        let vote =
            Vote { chain_id: "c".into(), height: Height(3), round: 2, kind: VoteKind::Prevote, block_hash: None };
        let sig = key.sign(crate::block::VOTE_SIGN_TAG, &vote.sign_bytes());
        roundtrip(&WireMsg::Vote(SignedVote { vote, validator: key.public_key(), signature: sig }));
        roundtrip(&WireMsg::Txs(vec![vec![1, 2], vec![]]));
        roundtrip(&WireMsg::Status(Status { height: Height(5), block_hash: Hash([9; 32]) }));
        let signed = SignedStatus::sign(&key, "c", Status { height: Height(5), block_hash: Hash([9; 32]) }, b"peer");
        roundtrip(&WireMsg::SignedStatus(signed));
        roundtrip(&SyncRequest { from: Height(1), max: 64 });
        let cert = CommitCertificate { height: Height(3), round: 0, block_hash: p.block.hash(), signatures: vec![] };
        roundtrip(&SyncResponse { blocks: vec![(block(), cert.clone())] });
        roundtrip(&SnapshotRequest::Chunk { height: Height(1000), index: 3 });
        roundtrip(&SnapshotRequest::Headers { from: Height(1), max: 512 });
        roundtrip(&SnapshotResponse::Headers(HeaderBatch { headers: vec![(block().header, cert)], sets: vec![] }));
        roundtrip(&SnapshotResponse::Chunk(Some(vec![1, 2, 3])));
    }

    #[test]
    fn snapshot_response_tags_are_pinned_and_requests_are_small() {
        let info = SnapshotInfo { height: Height(9), block_hash: Hash([1; 32]), chunks: 2, manifest_hash: Hash::ZERO };
        let responses = [
            (snapshot_tag::LIST, SnapshotResponse::List(vec![info; MAX_SNAPSHOTS_LISTED])),
            (snapshot_tag::MANIFEST, SnapshotResponse::Manifest(None)),
            (snapshot_tag::CHUNK, SnapshotResponse::Chunk(Some(vec![0; MAX_CHUNK_BYTES]))),
            (snapshot_tag::HEADERS, SnapshotResponse::Headers(HeaderBatch::default())),
        ];
        for (t, r) in &responses {
            let bytes = borsh::to_vec(r).expect("encode");
            assert_eq!(bytes[0], *t);
            assert!(bytes.len() <= max_snapshot_response_bytes(*t), "{t} fits its cap");
        }
        assert_eq!(max_snapshot_response_bytes(4), 0);
        for r in [
            SnapshotRequest::List,
            SnapshotRequest::Manifest { height: Height(u64::MAX) },
            SnapshotRequest::Chunk { height: Height(u64::MAX), index: u32::MAX },
            SnapshotRequest::Headers { from: Height(u64::MAX), max: u32::MAX },
        ] {
            assert!(borsh::to_vec(&r).expect("encode").len() <= MAX_SNAPSHOT_REQUEST_BYTES);
        }
    }

    #[test]
    fn proposal_signature_covers_block_and_round() {
        let key = key(7);
        let p = SignedProposal::sign(&key, "c", 2, None, block());
        assert!(p.verify().is_ok());
        let mut other_round = p.clone();
        other_round.header.round = 3;
        assert!(other_round.verify().is_err(), "round is signed");
        let mut other_block = p.clone();
        other_block.block.header.timestamp_ms += 1;
        assert!(other_block.verify().is_err(), "block must match the signed hash");
        let mut forged = p;
        forged.proposer = crate::test_utils::key(8).public_key();
        assert!(forged.verify().is_err(), "signer is checked");
    }

    #[test]
    fn frames_roundtrip_and_refuse_bad_lengths() {
        let frame = encode_frame(&WireMsg::Txs(vec![vec![1, 2, 3]]), 100).expect("encode");
        assert_eq!(decode_frame::<WireMsg>(&frame, 100), Ok(WireMsg::Txs(vec![vec![1, 2, 3]])));
        assert!(matches!(decode_frame::<WireMsg>(&frame, 3), Err(FrameError::TooLarge { .. })));
        assert!(matches!(decode_frame::<WireMsg>(&frame[..frame.len() - 1], 100), Err(FrameError::Truncated { .. })));
        let mut long = frame.clone();
        long.push(0);
        assert!(matches!(decode_frame::<WireMsg>(&long, 100), Err(FrameError::Undecodable(_))));
        assert!(matches!(decode_frame::<WireMsg>(&u32::MAX.to_le_bytes(), 1 << 20), Err(FrameError::TooLarge { .. })));
        assert!(encode_frame(&vec![0u8; 200], 100).is_err(), "oversized messages are not sent");
    }

    #[test]
    fn variant_tags_are_pinned_and_pick_the_size_cap() {
        let key = key(7);
        let status = Status { height: Height(5), block_hash: Hash([9; 32]) };
        let vote =
            Vote { chain_id: "c".into(), height: Height(3), round: 2, kind: VoteKind::Prevote, block_hash: None };
        let sig = key.sign(crate::block::VOTE_SIGN_TAG, &vote.sign_bytes());
        let msgs = [
            (tag::TXS, WireMsg::Txs(vec![])),
            (tag::PROPOSAL, WireMsg::Proposal(Box::new(SignedProposal::sign(&key, "c", 0, None, block())))),
            (tag::VOTE, WireMsg::Vote(SignedVote { vote, validator: key.public_key(), signature: sig })),
            (tag::STATUS, WireMsg::Status(status.clone())),
            (tag::SIGNED_STATUS, WireMsg::SignedStatus(SignedStatus::sign(&key, "c", status, b"peer"))),
        ];
        for (t, msg) in &msgs {
            let bytes = borsh::to_vec(msg).expect("encode");
            assert_eq!(bytes[0], *t, "{}", msg.kind());
            assert!(bytes.len() <= max_body_bytes(*t, max_proposal_bytes(10_000, 8 << 20)), "{} fits", msg.kind());
        }
        assert_eq!(max_body_bytes(tag::VOTE, usize::MAX), MAX_SMALL_MESSAGE_BYTES);
        assert_eq!(max_body_bytes(tag::TXS, 0), MAX_TXS_MESSAGE_BYTES);
        assert_eq!(max_body_bytes(9, usize::MAX), 0, "unknown variants have no room");
        assert!(max_body_bytes(tag::PROPOSAL, usize::MAX) <= MAX_MESSAGE_BYTES);
    }

    #[test]
    fn status_signature_covers_chain_height_and_hash() {
        let key = key(7);
        let s = SignedStatus::sign(&key, "c", Status { height: Height(5), block_hash: Hash([9; 32]) }, b"peer");
        assert!(s.verify(b"peer").is_ok());
        let mut higher = s.clone();
        higher.header.status.height = Height(6);
        assert!(higher.verify(b"peer").is_err(), "height is signed");
        let mut other_chain = s.clone();
        other_chain.header.chain_id = "d".into();
        assert!(other_chain.verify(b"peer").is_err(), "chain id is signed");
        // On an sm2-sm3 chain the sending peer is signed too (its key names no peer id); on an
        // ed25519 chain the peer id is the key's, and the signed bytes are the header's alone.
        let relayed = s.verify(b"other peer");
        match crate::suite::active() {
            crate::suite::CryptoSuite::Sm2Sm3 => assert!(relayed.is_err(), "the peer is signed"),
            crate::suite::CryptoSuite::Ed25519Blake3 => {
                assert!(relayed.is_ok());
                assert_eq!(
                    SignedStatus::signed_bytes(&s.header, b"peer"),
                    borsh::to_vec(&s.header).unwrap_or_default(),
                    "unchanged from before suites"
                );
            }
        }
        let mut other_signer = s;
        other_signer.signer = crate::test_utils::key(8).public_key();
        assert!(other_signer.verify(b"peer").is_err(), "signer is checked");
    }

    #[test]
    fn garbage_does_not_decode() {
        assert!(borsh::from_slice::<WireMsg>(&[9, 9, 9]).is_err());
        assert!(borsh::from_slice::<SyncResponse>(&[255, 255, 255, 255]).is_err());
    }
}
