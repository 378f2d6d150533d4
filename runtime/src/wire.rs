//! Everything validators send each other, in borsh, and the length-prefixed frame that carries
//! one message. These types are a wire contract: change them only by appending variants, and keep
//! the round-trip tests below passing. They live in the runtime (pure types and decoding, no I/O)
//! so that the fuzz targets in `fuzz/` can decode exactly what the node decodes without building
//! the node's network and storage stack; `shulian_node::network::wire` re-exports them.

use crate::evidence::SignedVote;
use crate::{Block, CommitCertificate, Hash, Height, PublicKey, SecretKey, Signature};
use borsh::{BorshDeserialize, BorshSerialize};

/// Domain tag of a proposal signature, so a proposal can never be replayed as a vote or a tx (an
/// alias of [`crate::domain::PROPOSAL_SIGN`]).
pub const PROPOSAL_SIGN_TAG: &[u8] = crate::domain::PROPOSAL_SIGN;

/// Largest consensus or transaction message accepted from a peer.
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024 * 1024;
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

/// A message pushed to every peer.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub enum WireMsg {
    /// Encoded transactions (each checked by the receiver's mempool admission).
    Txs(Vec<Vec<u8>>),
    /// A block proposal.
    Proposal(Box<SignedProposal>),
    /// A prevote or precommit.
    Vote(SignedVote),
    /// The sender's head.
    Status(Status),
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
                chain_id: "c".into(),
                height: Height(3),
                parent_hash: Hash([1; 32]),
                timestamp_ms: 9,
                proposer: key.public_key(),
                tx_root: Hash([2; 32]),
                outcomes_root: Hash([3; 32]),
                state_root: Hash([4; 32]),
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
        roundtrip(&SyncRequest { from: Height(1), max: 64 });
        let cert = CommitCertificate { height: Height(3), round: 0, block_hash: p.block.hash(), signatures: vec![] };
        roundtrip(&SyncResponse { blocks: vec![(block(), cert)] });
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
    fn garbage_does_not_decode() {
        assert!(borsh::from_slice::<WireMsg>(&[9, 9, 9]).is_err());
        assert!(borsh::from_slice::<SyncResponse>(&[255, 255, 255, 255]).is_err());
    }
}
