//! The backup file: a RocksDB checkpoint folder packed into one file, with what it holds (chain,
//! genesis hash, head) up front and a blake3 checksum at the end, so a restore can refuse a
//! truncated, corrupt or foreign backup before it writes anything.
//!
//! Layout: [`MAGIC`], the borsh [`BackupInfo`], then per file `1u8`, name length (u32 LE), name
//! (UTF-8, a plain file name), size (u64 LE), bytes; then `0u8` and the 32-byte blake3 hash of
//! everything before it.

use borsh::{BorshDeserialize, BorshSerialize};
use shulian_runtime::{Hash, Height};
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::Path;

/// First bytes of every backup file.
pub const MAGIC: &[u8] = b"shulian-backup/v1\n";
const MAX_NAME: u32 = 255;

/// What a backup holds: the chain and the head at the moment the checkpoint was taken.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, serde::Serialize)]
pub struct BackupInfo {
    /// Chain id.
    pub chain_id: String,
    /// Hash of the genesis the data belongs to.
    pub genesis_hash: Hash,
    /// Last committed height in the backup.
    pub height: Height,
    /// Its block hash.
    pub block_hash: Hash,
    /// The state root after it.
    pub state_root: Hash,
}

/// Why a backup file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// Reading or writing failed.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The file does not start with [`MAGIC`].
    #[error("not a Shulian backup file")]
    NotABackup,
    /// The file is damaged or truncated.
    #[error("backup file is damaged: {0}")]
    Corrupt(String),
    /// The checksum at the end does not match the contents.
    #[error("backup file checksum does not match its contents: it is damaged or was altered")]
    Checksum,
}

fn corrupt(e: impl std::fmt::Display) -> ArchiveError {
    ArchiveError::Corrupt(e.to_string())
}

/// A writer that hashes what passes through.
struct Hashing<W> {
    inner: W,
    hasher: blake3::Hasher,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A reader that hashes what passes through.
struct HashingReader<R> {
    inner: R,
    hasher: blake3::Hasher,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// A plain file name: no separators, no `.`/`..`, nothing that could escape the target folder.
fn safe_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\', '\0'])
}

/// Packs the files of checkpoint folder `dir` into the new file `out` (never overwriting one),
/// synced to disk. Returns the file's size.
pub fn pack(dir: &Path, info: &BackupInfo, out: &Path) -> Result<u64, ArchiveError> {
    let mut names = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if !entry.file_type()?.is_file() {
            return Err(corrupt(format!("checkpoint holds a non-file {}", entry.path().display())));
        }
        let name = entry.file_name().into_string().map_err(|n| corrupt(format!("file name {n:?} is not UTF-8")))?;
        names.push(name);
    }
    names.sort();
    let file = File::options().write(true).create_new(true).open(out)?;
    let mut w = Hashing { inner: BufWriter::new(file), hasher: blake3::Hasher::new() };
    w.write_all(MAGIC)?;
    borsh::to_writer(&mut w, info)?;
    for name in &names {
        let mut src = File::open(dir.join(name))?;
        let size = src.metadata()?.len();
        w.write_all(&[1])?;
        w.write_all(&(name.len() as u32).to_le_bytes())?;
        w.write_all(name.as_bytes())?;
        w.write_all(&size.to_le_bytes())?;
        let copied = io::copy(&mut (&mut src).take(size), &mut w)?;
        if copied != size {
            return Err(corrupt(format!("{name} shrank while being packed")));
        }
    }
    w.write_all(&[0])?;
    let sum = w.hasher.finalize();
    let mut inner = w.inner;
    inner.write_all(sum.as_bytes())?;
    let file = inner.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    Ok(file.metadata()?.len())
}

/// Reads a backup file through once: checks the magic, the structure and the checksum, and, when
/// `into` is given, writes each file into that folder (which must exist and be empty). Returns
/// what the backup holds. Nothing is trusted before the checksum has been checked, so restore
/// calls this twice: first without `into`, then with it.
fn walk(file: &Path, into: Option<&Path>) -> Result<BackupInfo, ArchiveError> {
    let mut r = HashingReader { inner: BufReader::new(File::open(file)?), hasher: blake3::Hasher::new() };
    let mut magic = vec![0u8; MAGIC.len()];
    r.read_exact(&mut magic).map_err(|_| ArchiveError::NotABackup)?;
    if magic != MAGIC {
        return Err(ArchiveError::NotABackup);
    }
    let info = BackupInfo::deserialize_reader(&mut r).map_err(corrupt)?;
    loop {
        let mut tag = [0u8; 1];
        r.read_exact(&mut tag).map_err(corrupt)?;
        match tag[0] {
            0 => break,
            1 => {}
            t => return Err(corrupt(format!("unexpected entry tag {t}"))),
        }
        let mut len = [0u8; 4];
        r.read_exact(&mut len).map_err(corrupt)?;
        let len = u32::from_le_bytes(len);
        if len > MAX_NAME {
            return Err(corrupt(format!("file name of {len} bytes")));
        }
        let mut name = vec![0u8; len as usize];
        r.read_exact(&mut name).map_err(corrupt)?;
        let name = String::from_utf8(name).map_err(corrupt)?;
        if !safe_name(&name) {
            return Err(corrupt(format!("unsafe file name {name:?}")));
        }
        let mut size = [0u8; 8];
        r.read_exact(&mut size).map_err(corrupt)?;
        let size = u64::from_le_bytes(size);
        let mut body = (&mut r).take(size);
        let copied = match into {
            Some(dir) => {
                let mut out = File::options().write(true).create_new(true).open(dir.join(&name))?;
                let n = io::copy(&mut body, &mut out)?;
                out.sync_all()?;
                n
            }
            None => io::copy(&mut body, &mut io::sink())?,
        };
        if copied != size {
            return Err(corrupt(format!("{name} is truncated")));
        }
    }
    let expected = r.hasher.finalize();
    let mut sum = [0u8; 32];
    r.inner.read_exact(&mut sum).map_err(corrupt)?;
    if sum != *expected.as_bytes() {
        return Err(ArchiveError::Checksum);
    }
    if r.inner.read(&mut [0u8; 1])? != 0 {
        return Err(corrupt("bytes after the checksum"));
    }
    Ok(info)
}

/// Checks a backup file end to end (structure and checksum) without writing anything.
pub fn verify(file: &Path) -> Result<BackupInfo, ArchiveError> {
    walk(file, None)
}

/// Checks a backup file, then unpacks its files into `dir` (created; must not exist).
pub fn unpack(file: &Path, dir: &Path) -> Result<BackupInfo, ArchiveError> {
    let info = verify(file)?;
    fs::create_dir(dir)?;
    let unpacked = walk(file, Some(dir))?;
    if unpacked != info {
        return Err(corrupt("the file changed while it was being restored"));
    }
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> BackupInfo {
        BackupInfo {
            chain_id: "c".into(),
            genesis_hash: Hash([1; 32]),
            height: Height(7),
            block_hash: Hash([2; 32]),
            state_root: Hash([3; 32]),
        }
    }

    #[test]
    fn pack_unpack_roundtrip_and_damage_is_refused() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let src = tmp.path().join("src");
        fs::create_dir(&src).expect("mkdir");
        fs::write(src.join("000001.sst"), vec![7u8; 10_000]).expect("write");
        fs::write(src.join("CURRENT"), b"MANIFEST-000001\n").expect("write");
        let file = tmp.path().join("b.backup");
        pack(&src, &info(), &file).expect("pack");
        assert!(pack(&src, &info(), &file).is_err(), "never overwrites a backup");

        let out = tmp.path().join("out");
        assert_eq!(unpack(&file, &out).expect("unpack"), info());
        assert_eq!(fs::read(out.join("000001.sst")).expect("read"), vec![7u8; 10_000]);
        assert_eq!(fs::read(out.join("CURRENT")).expect("read"), b"MANIFEST-000001\n");

        let bytes = fs::read(&file).expect("read");
        let damaged = tmp.path().join("damaged");
        let mut d = bytes.clone();
        d[MAGIC.len() + 80] ^= 1;
        fs::write(&damaged, &d).expect("write");
        assert!(verify(&damaged).is_err(), "a flipped bit is caught");
        let truncated = tmp.path().join("truncated");
        fs::write(&truncated, &bytes[..bytes.len() - 100]).expect("write");
        assert!(verify(&truncated).is_err(), "truncation is caught");
        let foreign = tmp.path().join("foreign");
        fs::write(&foreign, b"PK\x03\x04 not ours").expect("write");
        assert!(matches!(verify(&foreign), Err(ArchiveError::NotABackup)));
    }

    #[test]
    fn names_that_escape_the_folder_are_unsafe() {
        for bad in ["", ".", "..", "../x", "a/b", "a\\b", "a\0"] {
            assert!(!safe_name(bad), "{bad:?}");
        }
        assert!(safe_name("OPTIONS-000007"));
    }
}
