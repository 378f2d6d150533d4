//! Writes the small seed corpus in `fuzz/seeds/<target>/`: a few valid encodings of each input
//! type, signed with fixed keys, so the fuzzer starts from real structure. Run from `fuzz/` with
//! `cargo run --example make_seeds` after a wire type changes, and commit the result.

use borsh::BorshSerialize;
use shulian_runtime::block::{VOTE_SIGN_TAG, VoteKind};
use shulian_runtime::call::{Call, SettlementCall};
use shulian_runtime::evidence::SignedVote;
use shulian_runtime::snapshot::{SNAPSHOT_FORMAT, SnapshotChunk, SnapshotManifest, chunk_hash};
use shulian_runtime::wire::{
    MAX_MESSAGE_BYTES, SignedProposal, SnapshotInfo, SnapshotRequest, SnapshotResponse, Status, SyncRequest,
    SyncResponse, WireMsg, encode_frame,
};
use shulian_runtime::{
    AccountId, Block, BlockHeader, CommitCertificate, CommitSig, Fen, Hash, Height, SecretKey, Transaction,
    UnsignedTransaction, Vote,
};
use std::path::Path;

const CHAIN_ID: &str = "shulian-fuzz";

fn key(i: u8) -> SecretKey {
    SecretKey::from_bytes(&[i; 32])
}

fn tx(nonce: u64, call: Call) -> Transaction {
    let k = key(9);
    UnsignedTransaction { chain_id: CHAIN_ID.into(), sender: k.public_key(), nonce, call }.sign(&k)
}

fn txs() -> Vec<Transaction> {
    vec![
        tx(0, Call::Settlement(SettlementCall::Transfer { to: AccountId([7; 32]), amount: Fen(5) })),
        tx(
            1,
            Call::Settlement(SettlementCall::Deposit {
                to: AccountId([8; 32]),
                amount: Fen(9),
                bank_ref: "b-1".into(),
            }),
        ),
    ]
}

fn block(height: u64, txs: Vec<Transaction>) -> Block {
    Block {
        header: BlockHeader {
            protocol_version: 1,
            chain_id: CHAIN_ID.into(),
            height: Height(height),
            parent_hash: Hash([1; 32]),
            timestamp_ms: 1_700_000_000_000,
            proposer: key(1).public_key(),
            tx_root: Hash([2; 32]),
            outcomes_root: Hash([3; 32]),
            state_root: Hash([4; 32]),
            next_validators_hash: Hash([5; 32]),
        },
        txs,
    }
}

fn vote(i: u8, height: u64, kind: VoteKind, value: Option<Hash>) -> SignedVote {
    let vote = Vote { chain_id: CHAIN_ID.into(), height: Height(height), round: 0, kind, block_hash: value };
    SignedVote { signature: key(i).sign(VOTE_SIGN_TAG, &vote.sign_bytes()), validator: key(i).public_key(), vote }
}

fn cert(b: &Block) -> CommitCertificate {
    let signatures = (1..=3u8)
        .map(|i| {
            let v = vote(i, b.header.height.0, VoteKind::Precommit, Some(b.hash()));
            CommitSig { validator: v.validator, signature: v.signature }
        })
        .collect();
    CommitCertificate { height: b.header.height, round: 0, block_hash: b.hash(), signatures }
}

fn write(dir: &Path, target: &str, name: &str, value: &impl BorshSerialize, framed: bool) -> std::io::Result<()> {
    let d = dir.join(target);
    std::fs::create_dir_all(&d)?;
    let bytes = borsh::to_vec(value)?;
    std::fs::write(d.join(name), &bytes)?;
    if framed {
        let frame = encode_frame(value, MAX_MESSAGE_BYTES).map_err(std::io::Error::other)?;
        std::fs::write(d.join(format!("{name}-frame")), frame)?;
    }
    Ok(())
}

fn main() -> std::io::Result<()> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    for (i, t) in txs().iter().enumerate() {
        write(&dir, "tx", &format!("tx{i}"), t, false)?;
    }
    let b = block(3, txs());
    write(&dir, "block", "empty", &block(2, vec![]), false)?;
    write(&dir, "block", "two-txs", &b, false)?;

    let proposal = SignedProposal::sign(&key(1), CHAIN_ID, 0, None, b.clone());
    let tx_bytes = txs().iter().map(borsh::to_vec).collect::<Result<Vec<_>, _>>()?;
    write(&dir, "wire_msg", "proposal", &WireMsg::Proposal(Box::new(proposal)), true)?;
    write(&dir, "wire_msg", "prevote", &WireMsg::Vote(vote(2, 3, VoteKind::Prevote, Some(b.hash()))), true)?;
    write(&dir, "wire_msg", "precommit-nil", &WireMsg::Vote(vote(3, 3, VoteKind::Precommit, None)), true)?;
    write(&dir, "wire_msg", "txs", &WireMsg::Txs(tx_bytes), true)?;
    write(&dir, "wire_msg", "status", &WireMsg::Status(Status { height: Height(3), block_hash: b.hash() }), true)?;

    write(&dir, "sync", "request", &SyncRequest { from: Height(1), max: 64 }, true)?;
    let (b1, b2) = (block(1, vec![]), b);
    let (c1, c2) = (cert(&b1), cert(&b2));
    write(&dir, "sync", "response", &SyncResponse { blocks: vec![(b1.clone(), c1.clone()), (b2, c2)] }, true)?;

    // State sync (`/shulian/snapshot/1`), decoded by the same target.
    let chunk =
        borsh::to_vec(&SnapshotChunk { entries: vec![(b"a".to_vec(), b"1".to_vec()), (b"b".to_vec(), vec![])] })?;
    let manifest = SnapshotManifest {
        format: SNAPSHOT_FORMAT,
        chain_id: CHAIN_ID.into(),
        height: Height(1),
        block_hash: b1.hash(),
        state_root: b1.header.state_root,
        entries: 2,
        total_bytes: chunk.len() as u64,
        chunk_hashes: vec![chunk_hash(&chunk)],
    };
    let info = SnapshotInfo { height: Height(1), block_hash: b1.hash(), chunks: 1, manifest_hash: manifest.hash() };
    write(&dir, "sync", "snapshot-request", &SnapshotRequest::Chunk { height: Height(1), index: 0 }, false)?;
    write(&dir, "sync", "snapshot-list", &SnapshotResponse::List(vec![info]), false)?;
    write(&dir, "sync", "snapshot-manifest", &SnapshotResponse::Manifest(Some(manifest)), false)?;
    write(&dir, "sync", "snapshot-chunk", &SnapshotResponse::Chunk(Some(chunk)), false)?;
    write(&dir, "sync", "snapshot-headers", &SnapshotResponse::Headers(shulian_runtime::wire::HeaderBatch { headers: vec![(b1.header, c1)], sets: vec![] }), false)?;
    Ok(())
}
