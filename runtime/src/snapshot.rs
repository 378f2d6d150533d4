//! The state snapshot format (state sync, `docs/consensus.md`, "State snapshots"): a manifest
//! naming a certified block (height, block hash, state root) and the hash of each chunk, and the
//! chunks, each the borsh encoding of a run of state entries `(key, value)` in key order. A chunk
//! is hashed with [`crate::domain::SNAPSHOT_CHUNK`] over its exact bytes, so a node fetching it
//! checks it against the manifest before it decodes it; the assembled state is then checked
//! against the certified header's `state_root`, which is what makes a snapshot trustworthy (the
//! manifest itself is only a peer's claim). Pure: cutting, hashing and checking, no I/O.

use crate::{Hash, Height};
use borsh::{BorshDeserialize, BorshSerialize};

/// The version of this format, first field of every manifest.
pub const SNAPSHOT_FORMAT: u32 = 1;
/// A chunk is closed before the entry that would take its encoding above this many bytes (a
/// chunk of one entry may be larger, up to [`MAX_CHUNK_BYTES`]): the default, and the most a node
/// may be configured with. Nodes with the same state, height and target make the same chunks and
/// manifest, so a network keeps one target (a test uses a small one to get many chunks).
pub const CHUNK_TARGET_BYTES: usize = 4 * 1024 * 1024;
/// The least chunk target a node may be configured with.
pub const MIN_CHUNK_TARGET_BYTES: usize = 256;
/// The largest chunk encoding accepted from a peer.
pub const MAX_CHUNK_BYTES: usize = 16 * 1024 * 1024;
/// Most chunks a manifest may list (4 MiB each: 256 GiB of state), which bounds its size.
pub const MAX_SNAPSHOT_CHUNKS: usize = 1 << 16;

/// What a snapshot holds and how to check it.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct SnapshotManifest {
    /// [`SNAPSHOT_FORMAT`].
    pub format: u32,
    /// The chain.
    pub chain_id: String,
    /// Height of the block after which the state was taken.
    pub height: Height,
    /// That block's hash.
    pub block_hash: Hash,
    /// That block's `state_root`: what the assembled entries must hash to.
    pub state_root: Hash,
    /// Number of state entries in all chunks.
    pub entries: u64,
    /// Bytes of all chunks' encodings.
    pub total_bytes: u64,
    /// Hash of each chunk's bytes ([`chunk_hash`]), in key order.
    pub chunk_hashes: Vec<Hash>,
}

impl SnapshotManifest {
    /// The manifest's hash ([`crate::domain::SNAPSHOT_MANIFEST`]).
    pub fn hash(&self) -> Hash {
        Hash::of_borsh(crate::domain::SNAPSHOT_MANIFEST, self)
    }

    /// The shape checks a peer's manifest must pass before anything is fetched for it: this
    /// format, this chain, at most [`MAX_SNAPSHOT_CHUNKS`] chunks, and no entries without chunks.
    pub fn check_shape(&self, chain_id: &str) -> Result<(), ChunkError> {
        if self.format != SNAPSHOT_FORMAT {
            return Err(ChunkError::Manifest(format!("format {}, expected {SNAPSHOT_FORMAT}", self.format)));
        }
        if self.chain_id != chain_id {
            return Err(ChunkError::Manifest(format!("chain {:?}, expected {chain_id:?}", self.chain_id)));
        }
        if self.chunk_hashes.len() > MAX_SNAPSHOT_CHUNKS {
            return Err(ChunkError::Manifest(format!("{} chunks", self.chunk_hashes.len())));
        }
        if self.chunk_hashes.is_empty() != (self.entries == 0) {
            return Err(ChunkError::Manifest("entries and chunks disagree".into()));
        }
        Ok(())
    }
}

/// A run of state entries in strictly increasing key order.
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct SnapshotChunk {
    /// `(key, value)` pairs.
    pub entries: Vec<(Vec<u8>, Vec<u8>)>,
}

/// The hash a manifest lists for a chunk whose encoding is `bytes`.
pub fn chunk_hash(bytes: &[u8]) -> Hash {
    Hash::tagged(crate::domain::SNAPSHOT_CHUNK, bytes)
}

/// Why a chunk or manifest was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChunkError {
    /// The manifest is unusable.
    #[error("manifest: {0}")]
    Manifest(String),
    /// No such chunk in the manifest.
    #[error("chunk {index} is not in the manifest ({count} chunks)")]
    OutOfRange {
        /// Index asked.
        index: u32,
        /// Chunks listed.
        count: usize,
    },
    /// The bytes do not hash to the manifest's hash for the chunk.
    #[error("chunk {index} hashes to {got}, the manifest lists {want}")]
    Hash {
        /// Index.
        index: u32,
        /// Hash of the bytes received.
        got: Hash,
        /// Hash listed.
        want: Hash,
    },
    /// The bytes are not one chunk.
    #[error("chunk {index} does not decode: {detail}")]
    Undecodable {
        /// Index.
        index: u32,
        /// Decoder's message.
        detail: String,
    },
    /// Keys not strictly increasing (within the chunk or after the previous chunk), or an empty chunk.
    #[error("chunk {index}: entries are not in strictly increasing key order")]
    Order {
        /// Index.
        index: u32,
    },
}

/// Checks chunk `index` of `manifest`: its bytes hash to the listed hash (before anything is
/// decoded), decode to one chunk with no trailing bytes, and hold at least one entry with keys in
/// strictly increasing order.
pub fn check_chunk(manifest: &SnapshotManifest, index: u32, bytes: &[u8]) -> Result<SnapshotChunk, ChunkError> {
    let want = *manifest
        .chunk_hashes
        .get(index as usize)
        .ok_or(ChunkError::OutOfRange { index, count: manifest.chunk_hashes.len() })?;
    let got = chunk_hash(bytes);
    if got != want {
        return Err(ChunkError::Hash { index, got, want });
    }
    let chunk: SnapshotChunk =
        borsh::from_slice(bytes).map_err(|e| ChunkError::Undecodable { index, detail: e.to_string() })?;
    if chunk.entries.is_empty() || chunk.entries.windows(2).any(|w| w[0].0 >= w[1].0) {
        return Err(ChunkError::Order { index });
    }
    Ok(chunk)
}

/// Cuts entries given in strictly increasing key order into chunks of about a target size
/// ([`CHUNK_TARGET_BYTES`] by default), the one rule every node applies, so nodes with the same
/// state at the same height make the same chunks and the same manifest.
pub struct Chunker {
    current: SnapshotChunk,
    bytes: usize,
    target: usize,
}

impl Default for Chunker {
    fn default() -> Self {
        Chunker::new(CHUNK_TARGET_BYTES)
    }
}

/// Borsh bytes of one entry: two length prefixes and the bytes.
fn entry_bytes(key: &[u8], value: &[u8]) -> usize {
    8 + key.len() + value.len()
}

impl Chunker {
    /// A chunker closing chunks at `target` bytes, kept within
    /// [`MIN_CHUNK_TARGET_BYTES`]..=[`CHUNK_TARGET_BYTES`].
    pub fn new(target: usize) -> Self {
        Chunker {
            current: SnapshotChunk::default(),
            bytes: 0,
            target: target.clamp(MIN_CHUNK_TARGET_BYTES, CHUNK_TARGET_BYTES),
        }
    }

    /// Adds the next entry; returns the chunk it closed, if it closed one.
    pub fn push(&mut self, key: Vec<u8>, value: Vec<u8>) -> Option<SnapshotChunk> {
        let n = entry_bytes(&key, &value);
        let closed = if !self.current.entries.is_empty() && 4 + self.bytes + n > self.target {
            self.bytes = 0;
            Some(std::mem::take(&mut self.current))
        } else {
            None
        };
        self.bytes += n;
        self.current.entries.push((key, value));
        closed
    }

    /// The last chunk, if any entry is left.
    pub fn finish(self) -> Option<SnapshotChunk> {
        (!self.current.entries.is_empty()).then_some(self.current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest_of(chunks: &[Vec<u8>]) -> SnapshotManifest {
        SnapshotManifest {
            format: SNAPSHOT_FORMAT,
            chain_id: "c".into(),
            height: Height(1000),
            block_hash: Hash([1; 32]),
            state_root: Hash([2; 32]),
            entries: 3,
            total_bytes: chunks.iter().map(|c| c.len() as u64).sum(),
            chunk_hashes: chunks.iter().map(|c| chunk_hash(c)).collect(),
        }
    }

    #[test]
    fn chunks_are_cut_at_the_target_and_keep_every_entry_in_order() {
        let mut chunker = Chunker::default();
        let mut chunks = Vec::new();
        let value = vec![7u8; 100 * 1024];
        for i in 0u32..100 {
            chunks.extend(chunker.push(i.to_be_bytes().to_vec(), value.clone()));
        }
        chunks.extend(chunker.finish());
        assert_eq!(chunks.len(), 3, "10 MB of entries in 4 MiB chunks");
        let all: Vec<_> = chunks.iter().flat_map(|c| c.entries.iter().map(|(k, _)| k.clone())).collect();
        assert_eq!(all, (0u32..100).map(|i| i.to_be_bytes().to_vec()).collect::<Vec<_>>());
        for c in &chunks {
            assert!(borsh::object_length(c).expect("len") <= CHUNK_TARGET_BYTES);
        }
        // An entry larger than the target is a chunk of its own.
        let mut chunker = Chunker::default();
        assert!(chunker.push(b"a".to_vec(), vec![0; 10]).is_none());
        let closed = chunker.push(b"b".to_vec(), vec![0; CHUNK_TARGET_BYTES]).expect("closes the small one");
        assert_eq!(closed.entries.len(), 1);
        assert_eq!(chunker.finish().expect("the big one").entries.len(), 1);
        // A small target (kept at its least) makes many chunks of the same entries.
        let mut chunker = Chunker::new(1);
        let mut n = 0;
        for i in 0u32..100 {
            n += usize::from(chunker.push(i.to_be_bytes().to_vec(), vec![0; 20]).is_some());
        }
        // 32-byte entries under 256 bytes with the 4-byte count: 7 a chunk, 14 closed, 2 left.
        assert_eq!(n, 14);
        assert_eq!(chunker.finish().expect("the rest").entries.len(), 2);
    }

    #[test]
    fn a_tampered_chunk_is_refused_and_an_intact_one_accepted() {
        let a = SnapshotChunk { entries: vec![(b"a".to_vec(), b"1".to_vec()), (b"b".to_vec(), b"2".to_vec())] };
        let b = SnapshotChunk { entries: vec![(b"c".to_vec(), b"3".to_vec())] };
        let bytes = [borsh::to_vec(&a).expect("enc"), borsh::to_vec(&b).expect("enc")];
        let m = manifest_of(&bytes);
        assert_eq!(check_chunk(&m, 0, &bytes[0]), Ok(a));
        assert_eq!(check_chunk(&m, 1, &bytes[1]), Ok(b));
        let mut tampered = bytes[0].clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(matches!(check_chunk(&m, 0, &tampered), Err(ChunkError::Hash { index: 0, .. })));
        assert!(matches!(check_chunk(&m, 1, &bytes[0]), Err(ChunkError::Hash { index: 1, .. })), "another chunk");
        assert!(matches!(check_chunk(&m, 2, &bytes[0]), Err(ChunkError::OutOfRange { .. })));
        // Listed, but its entries out of order: refused although the hash matches.
        let unordered = SnapshotChunk { entries: vec![(b"b".to_vec(), vec![]), (b"a".to_vec(), vec![])] };
        let ub = borsh::to_vec(&unordered).expect("enc");
        let m = manifest_of(std::slice::from_ref(&ub));
        assert_eq!(check_chunk(&m, 0, &ub), Err(ChunkError::Order { index: 0 }));
        let mut trailing = bytes[1].clone();
        trailing.push(0);
        let m = manifest_of(std::slice::from_ref(&trailing));
        assert!(matches!(check_chunk(&m, 0, &trailing), Err(ChunkError::Undecodable { .. })));
    }

    #[test]
    fn manifest_shape_is_checked() {
        let m = manifest_of(&[vec![1]]);
        assert!(m.check_shape("c").is_ok());
        assert!(m.check_shape("d").is_err(), "another chain");
        assert!(SnapshotManifest { format: 2, ..m.clone() }.check_shape("c").is_err(), "another format");
        assert!(SnapshotManifest { entries: 0, ..m.clone() }.check_shape("c").is_err());
        let big = SnapshotManifest { chunk_hashes: vec![Hash::ZERO; MAX_SNAPSHOT_CHUNKS + 1], ..m };
        assert!(big.check_shape("c").is_err(), "too many chunks");
    }

    /// Pins the chunk encoding, its domain tag and the manifest hash (docs/consensus.md, "State
    /// snapshots"): a change to any of them changes these bytes.
    #[test]
    fn snapshot_hashes_are_pinned() {
        crate::test_utils::pin_ed25519();
        let chunk = SnapshotChunk { entries: vec![(b"k".to_vec(), b"v".to_vec())] };
        let bytes = borsh::to_vec(&chunk).expect("enc");
        assert_eq!(hex::encode(&bytes), "01000000010000006b0100000076");
        assert_eq!(crate::domain::SNAPSHOT_CHUNK, b"shulian/snapshot/chunk/v1");
        assert_eq!(chunk_hash(&bytes).to_hex(), CHUNK_VECTOR);
        let m = SnapshotManifest { entries: 1, total_bytes: bytes.len() as u64, ..manifest_of(&[bytes]) };
        assert_eq!(m.hash().to_hex(), MANIFEST_VECTOR);
    }

    const CHUNK_VECTOR: &str = "a49bcb765f3c02bbe03daf1c9cfaa18b2bc40939dd09bfc0526f909de0ec967c";
    const MANIFEST_VECTOR: &str = "386bb71d6adb90fc49abdc33d0452bf0e56f7cc9e9b1196d2726415a2e945eea";
}
