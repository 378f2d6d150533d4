//! The signing watermark: the highest (height, round, step) this validator has signed, kept in a
//! small file of its own next to the database (`<home>/consensus_watermark`), written and synced
//! before each new signature. The consensus log (`wal.rs`) is a column of RocksDB, whose
//! write-ahead log a faulty or lying disk can lose synced writes from (truncated by up to a
//! megabyte, or an old copy of `db/` restored). The log alone cannot tell: a lost record looks like
//! a message never signed, and the validator could sign a conflicting one. The watermark lives
//! outside that log, so on restart a watermark above what the log holds says writes were lost,
//! and the validator then signs nothing at or below the watermark's height and round (it follows
//! the chain, and votes again from the next round or height). See docs/consensus.md, "Crash
//! safety".
//!
//! The file holds two slots of [`SLOT_BYTES`] written alternately, each a borsh-encoded [`Mark`]
//! with a sequence number and a checksum: a write torn by a crash damages one slot only, and the
//! other still holds the previous mark, which is below anything signed after it (the mark is
//! written before the signature is made), so reading the older mark is safe.

use borsh::{BorshDeserialize, BorshSerialize};
use shulian_runtime::{Hash, Height};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Bytes of one slot; the file is two slots.
pub const SLOT_BYTES: usize = 64;
/// Domain tag of a slot's checksum.
const TAG: &[u8] = b"shulian/consensus-watermark/v1";

/// A position in consensus: height, round and step (0 proposal, 1 prevote, 2 precommit), ordered
/// as a validator passes them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, BorshSerialize, BorshDeserialize)]
pub struct Position {
    /// Height.
    pub height: u64,
    /// Round.
    pub round: u32,
    /// Step: 0 proposal, 1 prevote, 2 precommit.
    pub step: u8,
}

/// The step number of a proposal in a [`Position`].
pub const STEP_PROPOSAL: u8 = 0;

#[derive(Clone, Copy, Debug, BorshSerialize, BorshDeserialize)]
struct Mark {
    seq: u64,
    at: Position,
}

fn checksum(mark: &[u8]) -> [u8; 8] {
    let h = Hash::tagged(TAG, mark);
    let mut c = [0u8; 8];
    c.copy_from_slice(&h.0[..8]);
    c
}

fn encode_slot(m: &Mark) -> std::io::Result<[u8; SLOT_BYTES]> {
    let body = borsh::to_vec(m)?;
    let mut slot = [0u8; SLOT_BYTES];
    let n = body.len();
    slot[0] = n as u8;
    slot[1..1 + n].copy_from_slice(&body);
    slot[1 + n..9 + n].copy_from_slice(&checksum(&body));
    Ok(slot)
}

fn decode_slot(slot: &[u8]) -> Option<Mark> {
    let n = *slot.first()? as usize;
    let body = slot.get(1..1 + n)?;
    let sum = slot.get(1 + n..9 + n)?;
    if sum != checksum(body) {
        return None;
    }
    borsh::from_slice(body).ok()
}

/// What the file said when it was opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opened {
    /// No file yet (a new validator, or a home made before the watermark existed).
    New,
    /// The highest position signed.
    At(Position),
    /// The file exists but neither slot is valid (both torn or overwritten): what was signed is
    /// unknown.
    Unreadable,
}

/// The watermark file, open for writing.
#[derive(Debug)]
pub struct Watermark {
    path: PathBuf,
    inner: Mutex<(File, Mark)>,
}

impl Watermark {
    /// Opens (creating if needed) the watermark at `path`, with what it held.
    pub fn open(path: &Path) -> std::io::Result<(Watermark, Opened)> {
        let existed = path.exists();
        let mut file = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(path)?;
        let mut bytes = Vec::new();
        // Two slots at most; anything longer is not ours to read.
        (&mut file).take(2 * SLOT_BYTES as u64).read_to_end(&mut bytes)?;
        let marks: Vec<Mark> = bytes.chunks(SLOT_BYTES).filter_map(decode_slot).collect();
        let best = marks.iter().max_by_key(|m| m.seq).copied();
        let opened = match best {
            Some(m) => Opened::At(m.at),
            None if existed && !bytes.iter().all(|&b| b == 0) => Opened::Unreadable,
            None => Opened::New,
        };
        let mark = best.unwrap_or(Mark { seq: 0, at: Position::default() });
        Ok((Watermark { path: path.to_path_buf(), inner: Mutex::new((file, mark)) }, opened))
    }

    /// Raises the watermark to `at` (nothing if it is not above), durably: the slot is written and
    /// synced before this returns.
    pub fn raise(&self, at: Position) -> std::io::Result<()> {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let (file, mark) = &mut *g;
        if at <= mark.at && mark.seq > 0 {
            return Ok(());
        }
        let next = Mark { seq: mark.seq + 1, at };
        let slot = encode_slot(&next)?;
        file.seek(SeekFrom::Start((next.seq % 2) * SLOT_BYTES as u64))?;
        file.write_all(&slot)?;
        file.sync_data()?;
        *mark = next;
        Ok(())
    }

    /// The file's path (for messages).
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// What a validator may not sign after a restart: nothing at a height below `height`, nor at
/// `height` in a round up to `round`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Floor {
    /// Height of the floor.
    pub height: Height,
    /// Last withheld round at that height.
    pub round: u32,
}

impl Floor {
    /// Whether signing at `height` and `round` is withheld.
    pub fn withholds(&self, height: Height, round: u32) -> bool {
        (height.0, round) <= (self.height.0, self.round)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(height: u64, round: u32, step: u8) -> Position {
        Position { height, round, step }
    }

    #[test]
    fn a_mark_survives_reopening_and_only_rises() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("wm");
        let (w, opened) = Watermark::open(&path).expect("open");
        assert_eq!(opened, Opened::New);
        w.raise(at(5, 0, 1)).expect("raise");
        w.raise(at(5, 1, 2)).expect("raise");
        w.raise(at(4, 9, 2)).expect("a lower mark is ignored");
        drop(w);
        let (_, opened) = Watermark::open(&path).expect("open");
        assert_eq!(opened, Opened::At(at(5, 1, 2)));
    }

    #[test]
    fn a_torn_slot_falls_back_to_the_previous_mark_and_two_torn_slots_are_unreadable() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("wm");
        let (w, _) = Watermark::open(&path).expect("open");
        w.raise(at(7, 0, 1)).expect("raise"); // seq 1, slot 1
        w.raise(at(7, 0, 2)).expect("raise"); // seq 2, slot 0
        drop(w);
        let mut bytes = std::fs::read(&path).expect("read");
        bytes[5] ^= 0xff; // slot 0 torn
        std::fs::write(&path, &bytes).expect("write");
        let (w, opened) = Watermark::open(&path).expect("open");
        assert_eq!(opened, Opened::At(at(7, 0, 1)), "the older, intact slot");
        // The next write goes to the slot after the intact one's and restores a valid pair.
        w.raise(at(8, 0, 1)).expect("raise");
        drop(w);
        assert_eq!(Watermark::open(&path).expect("open").1, Opened::At(at(8, 0, 1)));
        let mut bytes = std::fs::read(&path).expect("read");
        bytes[5] ^= 0xff;
        bytes[SLOT_BYTES + 5] ^= 0xff;
        std::fs::write(&path, &bytes).expect("write");
        assert_eq!(Watermark::open(&path).expect("open").1, Opened::Unreadable);
    }

    #[test]
    fn the_floor_withholds_its_height_up_to_its_round_and_every_height_below() {
        let f = Floor { height: Height(10), round: 2 };
        assert!(f.withholds(Height(9), 7));
        assert!(f.withholds(Height(10), 0) && f.withholds(Height(10), 2));
        assert!(!f.withholds(Height(10), 3));
        assert!(!f.withholds(Height(11), 0));
    }

    /// The slot layout is this file's format on disk: pinned, so a change is deliberate.
    #[test]
    fn the_slot_bytes_are_pinned() {
        let slot = encode_slot(&Mark { seq: 3, at: at(0x0102, 4, 2) }).expect("encode");
        assert_eq!(slot[0], 21, "borsh: u64 seq, u64 height, u32 round, u8 step");
        assert_eq!(&slot[1..22], &[3, 0, 0, 0, 0, 0, 0, 0, 2, 1, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 2]);
        assert_eq!(decode_slot(&slot).map(|m| (m.seq, m.at)), Some((3, at(0x0102, 4, 2))));
        assert!(slot[30..].iter().all(|&b| b == 0));
    }
}
