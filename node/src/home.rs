//! A node's home folder: `genesis.json`, `config.toml`, `validator_key.json` (mode 0600),
//! `db/` (RocksDB) and, for a dev chain, `keys/` with the demo organizations' encrypted keys.

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use shulian_runtime::block::Validator;
use shulian_runtime::genesis::{Genesis, GenesisOrg, Role};
use shulian_runtime::keyfile::{DEFAULT_KDF, KeyFile};
use shulian_runtime::{Fen, SecretKey};
use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Passphrase of the dev chain's demo keys. Dev only: never use these keys on a real chain.
pub const DEV_PASSPHRASE: &str = "dev";

/// Default HTTP address of a dev node.
pub const DEFAULT_HTTP: &str = "127.0.0.1:8645";

/// `config.toml`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    /// HTTP address of the API and explorer.
    pub http: String,
    /// Whether the API accepts transactions (turn off on a regulator's read-only node).
    #[serde(default = "yes")]
    pub submit_enabled: bool,
    /// Block interval when transactions are pending, ms.
    #[serde(default = "default_block_ms")]
    pub block_interval_ms: u64,
    /// Longest gap between blocks when idle, ms.
    #[serde(default = "default_empty_ms")]
    pub empty_block_interval_ms: u64,
    /// Mempool bound, transactions.
    #[serde(default = "default_mempool_txs")]
    pub mempool_max_txs: usize,
}

fn yes() -> bool {
    true
}
fn default_block_ms() -> u64 {
    200
}
fn default_empty_ms() -> u64 {
    3000
}
fn default_mempool_txs() -> usize {
    50_000
}

impl Default for NodeConfig {
    fn default() -> Self {
        NodeConfig {
            http: DEFAULT_HTTP.into(),
            submit_enabled: true,
            block_interval_ms: default_block_ms(),
            empty_block_interval_ms: default_empty_ms(),
            mempool_max_txs: default_mempool_txs(),
        }
    }
}

/// The validator key file (kept in clear with mode 0600 so the node can restart unattended).
#[derive(Serialize, Deserialize)]
struct ValidatorKeyFile {
    public_key: shulian_runtime::PublicKey,
    secret_key: String,
}

/// Paths inside a home folder.
#[derive(Clone, Debug)]
pub struct Home {
    /// The folder.
    pub dir: PathBuf,
}

impl Home {
    /// A home at `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Home { dir: dir.into() }
    }
    /// `genesis.json`.
    pub fn genesis_path(&self) -> PathBuf {
        self.dir.join("genesis.json")
    }
    /// `config.toml`.
    pub fn config_path(&self) -> PathBuf {
        self.dir.join("config.toml")
    }
    /// `validator_key.json`.
    pub fn validator_key_path(&self) -> PathBuf {
        self.dir.join("validator_key.json")
    }
    /// `db/`.
    pub fn db_path(&self) -> PathBuf {
        self.dir.join("db")
    }
    /// `keys/`.
    pub fn keys_dir(&self) -> PathBuf {
        self.dir.join("keys")
    }

    /// Whether the home has been initialized.
    pub fn exists(&self) -> bool {
        self.genesis_path().exists()
    }

    /// Reads and checks `genesis.json`.
    pub fn genesis(&self) -> anyhow::Result<Genesis> {
        let p = self.genesis_path();
        let text = fs::read_to_string(&p).with_context(|| format!("cannot read genesis file {}", p.display()))?;
        let g: Genesis =
            serde_json::from_str(&text).with_context(|| format!("genesis file {} is not valid", p.display()))?;
        g.validate().with_context(|| format!("genesis file {}", p.display()))?;
        Ok(g)
    }

    /// Reads `config.toml` (defaults when absent).
    pub fn config(&self) -> anyhow::Result<NodeConfig> {
        let p = self.config_path();
        if !p.exists() {
            return Ok(NodeConfig::default());
        }
        let text = fs::read_to_string(&p).with_context(|| format!("cannot read {}", p.display()))?;
        toml::from_str(&text).with_context(|| format!("config file {} is not valid", p.display()))
    }

    /// Reads the validator key.
    pub fn validator_key(&self) -> anyhow::Result<SecretKey> {
        let p = self.validator_key_path();
        let text = fs::read_to_string(&p).with_context(|| format!("cannot read validator key {}", p.display()))?;
        let f: ValidatorKeyFile =
            serde_json::from_str(&text).with_context(|| format!("validator key {} is not valid", p.display()))?;
        let bytes: [u8; 32] = shulian_runtime::hash::parse_hex_array(&f.secret_key)
            .with_context(|| format!("validator key {}: secret_key must be 32 bytes of hex", p.display()))?;
        let key = SecretKey::from_bytes(&bytes);
        if key.public_key() != f.public_key {
            bail!("validator key {}: secret and public key do not match", p.display());
        }
        Ok(key)
    }

    /// Creates a single-validator dev chain home with demo organizations. Refuses to overwrite.
    pub fn init_dev(&self, chain_id: &str, now_ms: u64) -> anyhow::Result<Vec<DemoOrg>> {
        if self.exists() {
            bail!("{} already holds a chain", self.dir.display());
        }
        fs::create_dir_all(&self.dir).with_context(|| format!("cannot create {}", self.dir.display()))?;
        let validator = random_key()?;
        write_private(
            &self.validator_key_path(),
            &serde_json::to_vec_pretty(&ValidatorKeyFile {
                public_key: validator.public_key(),
                secret_key: hex::encode(validator.to_bytes()),
            })?,
        )?;
        fs::create_dir_all(self.keys_dir())?;
        set_mode(&self.keys_dir(), 0o700)?;
        let mut orgs = Vec::new();
        let mut demo = Vec::new();
        for (name, full, roles, balance) in DEMO_ORGS {
            let key = random_key()?;
            let file = KeyFile::encrypt(name, &key, DEV_PASSPHRASE, random_bytes()?, random_bytes()?, DEFAULT_KDF)?;
            write_private(&self.keys_dir().join(format!("{name}.json")), &serde_json::to_vec_pretty(&file)?)?;
            let org = GenesisOrg {
                name: full.to_string(),
                roles: roles.to_vec(),
                public_key: key.public_key(),
                balance: Fen(*balance),
            };
            demo.push(DemoOrg {
                key_name: name.to_string(),
                name: full.to_string(),
                account: org.account().to_string(),
                balance: *balance,
            });
            orgs.push(org);
        }
        let genesis = Genesis {
            chain_id: chain_id.to_string(),
            genesis_time_ms: now_ms,
            validators: vec![Validator {
                name: "City Data Exchange Center".into(),
                public_key: validator.public_key(),
                power: 1,
            }],
            organizations: orgs,
        };
        fs::write(self.genesis_path(), serde_json::to_vec_pretty(&genesis)?)?;
        fs::write(self.config_path(), toml::to_string(&NodeConfig::default())?)?;
        Ok(demo)
    }

    /// The demo organizations of a dev home, read back from genesis and `keys/`.
    pub fn demo_orgs(&self) -> anyhow::Result<Vec<DemoOrg>> {
        let g = self.genesis()?;
        Ok(DEMO_ORGS
            .iter()
            .zip(&g.organizations)
            .map(|((key_name, ..), o)| DemoOrg {
                key_name: key_name.to_string(),
                name: o.name.clone(),
                account: o.account().to_string(),
                balance: o.balance.0,
            })
            .collect())
    }
}

/// A demo organization of the dev chain, for the start-up banner.
#[derive(Clone, Debug, Serialize)]
pub struct DemoOrg {
    /// Key name in `keys/` (use it with `shulian --keystore DIR/keys ... --from NAME`).
    pub key_name: String,
    /// Organization name.
    pub name: String,
    /// Account id.
    pub account: String,
    /// Opening balance, fen.
    pub balance: u64,
}

type DemoSpec = (&'static str, &'static str, &'static [Role], u64);

/// The demo organizations: two departments, the exchange center, a trader and a regulator.
const DEMO_ORGS: &[DemoSpec] = &[
    ("transport", "Municipal Transport Bureau", &[Role::Department], 100_000_000),
    ("health", "Municipal Health Commission", &[Role::Department], 100_000_000),
    ("exchange", "City Data Exchange Center", &[Role::ExchangeCenter, Role::ValidatorOperator], 500_000_000),
    ("trader", "Huijin Data Services Co.", &[Role::Trader], 50_000_000),
    ("regulator", "Municipal Data Administration", &[Role::Regulator], 0),
];

fn random_bytes<const N: usize>() -> anyhow::Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| anyhow::anyhow!("no randomness from the OS: {e}"))?;
    Ok(b)
}

fn random_key() -> anyhow::Result<SecretKey> {
    Ok(SecretKey::from_bytes(&random_bytes()?))
}

fn set_mode(p: &Path, mode: u32) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(p, fs::Permissions::from_mode(mode))
        .with_context(|| format!("cannot set mode of {}", p.display()))
}

/// Writes a file readable only by its owner, never over an existing one.
fn write_private(p: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(p)
        .with_context(|| format!("cannot create {}", p.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}
