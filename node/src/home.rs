//! A node's home folder: `genesis.json`, `config.toml`, `validator_key.json` (mode 0600),
//! `db/` (RocksDB) and, for a dev chain, `keys/` with the demo organizations' encrypted keys.

use crate::genesis_cmd;
use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use shulian_runtime::genesis::{Genesis, GenesisOrg, Role};
use shulian_runtime::keyfile::{DEFAULT_KDF, KeyFile};
use shulian_runtime::suite::CryptoSuite;
use shulian_runtime::{Fen, PublicKey, SecretKey};
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
    /// Whether the API accepts transactions. Absent: yes on a validator, no on an observer (a node
    /// whose key is not in the genesis validator set, such as a regulator's read-only node). Set
    /// `false` to turn it off on a validator too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submit_enabled: Option<bool>,
    /// Block interval when transactions are pending, ms: the proposer proposes once its clock is
    /// this far past the previous block's timestamp (at once, if consensus on that block took
    /// longer; at the latest this long into the height), so busy blocks are this far apart in
    /// ledger time.
    #[serde(default = "default_block_ms")]
    pub block_interval_ms: u64,
    /// Longest gap between blocks when idle, ms.
    #[serde(default = "default_empty_ms")]
    pub empty_block_interval_ms: u64,
    /// Mempool bound, transactions.
    #[serde(default = "default_mempool_txs")]
    pub mempool_max_txs: usize,
    /// Most transactions one sender account may hold in the mempool; absent: 1/8 of
    /// `mempool_max_txs`, at least 256 (see `mempool::MempoolConfig::with_pool`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mempool_sender_max_txs: Option<usize>,
    /// Most encoded bytes one sender account may hold in the mempool; absent: 1/8 of the pool's
    /// bytes, at least 1 MiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mempool_sender_max_bytes: Option<usize>,
    /// How far above this validator's clock a proposed block's timestamp may be, ms; a proposal
    /// further ahead is not voted for (docs/consensus.md, "Block limits and ledger time"). Absent:
    /// `chain::DEFAULT_MAX_CLOCK_DRIFT_MS`. Keep the validators' clocks synchronized (NTP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_clock_drift_ms: Option<u64>,
    /// TEST ONLY: ms added to this node's clock (negative: taken off) when it dates and checks
    /// proposals, so a test can move ledger time forward (days of deadlines) without waiting, or
    /// skew one validator's clock. Refused at start unless the chain has exactly one validator (a
    /// dev chain) or the node is the test-only `shulian-node-byzantine` (fault schedules: clock
    /// skew on one host); on a real network the other validators would refuse its proposals
    /// beyond the drift anyway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_clock_offset_ms: Option<i64>,
    /// Free bytes on the database's file system below which the node warns (its log and
    /// `/api/status`); absent: [`crate::disk::DEFAULT_MIN_FREE_DISK_BYTES`]; 0 turns the warning off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_free_disk_bytes: Option<u64>,
    /// A separate listen address for `GET /metrics` (Prometheus), e.g. `127.0.0.1:9615`; absent:
    /// `/metrics` is served on `http` with the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics_addr: Option<String>,
    /// libp2p listen address, e.g. `/ip4/0.0.0.0/tcp/26656` (port 0 picks a free port).
    #[serde(default = "default_p2p")]
    pub p2p_listen: String,
    /// Peers to connect to and keep connected: `/ip4/ADDR/tcp/PORT/p2p/PEER_ID`. A validator's
    /// peer id follows from its public key (`shulian-node peer-id --home`).
    #[serde(default)]
    pub peers: Vec<String>,
    /// Peer ids of non-validator nodes (e.g. a regulator's follower) allowed to connect; the
    /// genesis validators always are, and nobody else.
    #[serde(default)]
    pub allowed_peers: Vec<String>,
    /// A state snapshot every this many blocks, served to joining nodes; absent:
    /// [`crate::snapshot::DEFAULT_SNAPSHOT_INTERVAL`]; 0: none (docs/operations.md, "Joining by snapshot").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_interval: Option<u64>,
    /// How many snapshots are kept, the newest; absent: [`crate::snapshot::DEFAULT_SNAPSHOT_KEEP`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_keep: Option<usize>,
    /// Size at which a snapshot chunk is closed, bytes (256 to 4 MiB); absent: 4 MiB. Nodes share a
    /// snapshot only if they use the same size: leave it unset (tests set it small).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_chunk_bytes: Option<usize>,
    /// With an empty database, start from a state snapshot offered by the peers instead of
    /// replaying every block from genesis (also `shulian-node run --state-sync`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_sync: Option<bool>,
    /// Delete block bodies (transactions, outcomes) more than this many blocks below the head,
    /// never headers and certificates; absent: keep every body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prune_blocks_older_than: Option<u64>,
}

fn default_block_ms() -> u64 {
    200
}
fn default_empty_ms() -> u64 {
    3000
}
fn default_p2p() -> String {
    "/ip4/127.0.0.1/tcp/0".into()
}
fn default_mempool_txs() -> usize {
    50_000
}

impl Default for NodeConfig {
    fn default() -> Self {
        NodeConfig {
            http: DEFAULT_HTTP.into(),
            submit_enabled: Some(true),
            block_interval_ms: default_block_ms(),
            empty_block_interval_ms: default_empty_ms(),
            mempool_max_txs: default_mempool_txs(),
            mempool_sender_max_txs: None,
            mempool_sender_max_bytes: None,
            max_clock_drift_ms: None,
            test_clock_offset_ms: None,
            min_free_disk_bytes: None,
            metrics_addr: None,
            p2p_listen: default_p2p(),
            peers: Vec::new(),
            allowed_peers: Vec::new(),
            snapshot_interval: None,
            snapshot_keep: None,
            snapshot_chunk_bytes: None,
            state_sync: None,
            prune_blocks_older_than: None,
        }
    }
}

/// The largest clock drift a validator may be configured to allow: beyond a minute, a faulty
/// proposer could move ledger time (and every deadline) far ahead of the real time.
pub const MAX_CONFIGURED_CLOCK_DRIFT_MS: u64 = 60_000;

impl NodeConfig {
    /// The allowed clock drift, checked to lie in 1..=[`MAX_CONFIGURED_CLOCK_DRIFT_MS`].
    pub fn clock_drift_ms(&self) -> anyhow::Result<u64> {
        let ms = self.max_clock_drift_ms.unwrap_or(crate::chain::DEFAULT_MAX_CLOCK_DRIFT_MS);
        if ms == 0 || ms > MAX_CONFIGURED_CLOCK_DRIFT_MS {
            bail!("max_clock_drift_ms = {ms} must be between 1 and {MAX_CONFIGURED_CLOCK_DRIFT_MS}");
        }
        Ok(ms)
    }

    /// How this node takes snapshots (`snapshot_interval`, `snapshot_keep`).
    pub fn snapshot_policy(&self) -> crate::snapshot::SnapshotPolicy {
        crate::snapshot::SnapshotPolicy {
            interval: self.snapshot_interval.unwrap_or(crate::snapshot::DEFAULT_SNAPSHOT_INTERVAL),
            keep: self.snapshot_keep.unwrap_or(crate::snapshot::DEFAULT_SNAPSHOT_KEEP).max(1),
            chunk_bytes: self.snapshot_chunk_bytes.unwrap_or(shulian_runtime::snapshot::CHUNK_TARGET_BYTES),
        }
    }

    /// The libp2p settings of this configuration, serving the snapshots in `snapshot_dir`.
    pub fn network(&self, snapshot_dir: Option<PathBuf>) -> anyhow::Result<crate::network::NetworkConfig> {
        Ok(crate::network::NetworkConfig {
            listen: self
                .p2p_listen
                .parse()
                .with_context(|| format!("p2p_listen {:?} is not a multiaddr", self.p2p_listen))?,
            peers: self
                .peers
                .iter()
                .map(|p| p.parse().with_context(|| format!("peer {p:?} is not a multiaddr")))
                .collect::<anyhow::Result<_>>()?,
            extra_allowed: self
                .allowed_peers
                .iter()
                .map(|p| p.parse().with_context(|| format!("allowed peer {p:?} is not a peer id")))
                .collect::<anyhow::Result<_>>()?,
            snapshot_dir,
            node_key: None,
        })
    }

    /// Whether this node's API accepts transactions: as configured, else only on a validator.
    pub fn submits(&self, is_validator: bool) -> bool {
        self.submit_enabled.unwrap_or(is_validator)
    }

    /// The test-only clock offset ([`NodeConfig::test_clock_offset_ms`]), refused unless the
    /// chain has exactly one validator or `test_build` (the node is `shulian-node-byzantine`).
    pub fn clock_offset_ms(&self, validators: usize, test_build: bool) -> anyhow::Result<i64> {
        match self.test_clock_offset_ms {
            Some(ms) if ms != 0 && validators != 1 && !test_build => bail!(
                "test_clock_offset_ms = {ms} is for a one-validator dev chain only; this chain has {validators} \
                 validators: remove it from config.toml"
            ),
            Some(ms) => Ok(ms),
            None => Ok(0),
        }
    }

    /// The mempool's limits: the pool's bound and each sender's share, checked (a share of zero
    /// would refuse every transaction; one above the pool's bound means no share at all).
    pub fn mempool(&self) -> anyhow::Result<crate::mempool::MempoolConfig> {
        let mut m = crate::mempool::MempoolConfig::with_pool(
            self.mempool_max_txs,
            crate::mempool::MempoolConfig::default().max_bytes,
        );
        if let Some(n) = self.mempool_sender_max_txs {
            m.sender_max_txs = n;
        }
        if let Some(n) = self.mempool_sender_max_bytes {
            m.sender_max_bytes = n;
        }
        if m.sender_max_txs == 0 || m.sender_max_txs > m.max_txs {
            bail!(
                "mempool_sender_max_txs = {} must be between 1 and mempool_max_txs ({})",
                m.sender_max_txs,
                m.max_txs
            );
        }
        if m.sender_max_bytes == 0 || m.sender_max_bytes > m.max_bytes {
            bail!(
                "mempool_sender_max_bytes = {} must be between 1 and the pool's {} bytes",
                m.sender_max_bytes,
                m.max_bytes
            );
        }
        Ok(m)
    }
}

/// The validator key file (kept in clear with mode 0600 so the node can restart unattended).
#[derive(Serialize, Deserialize)]
struct ValidatorKeyFile {
    public_key: shulian_runtime::PublicKey,
    secret_key: String,
    /// The suite the key belongs to (absent: the default, as in files written before suites).
    #[serde(default, skip_serializing_if = "CryptoSuite::is_default")]
    crypto: CryptoSuite,
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
    /// `node_key`: the node's libp2p identity on an `sm2-sm3` chain (a hex ed25519 seed).
    pub fn node_key_path(&self) -> PathBuf {
        self.dir.join("node_key")
    }
    /// `db/`.
    pub fn db_path(&self) -> PathBuf {
        self.dir.join("db")
    }
    /// `snapshots/`: this node's state snapshots.
    pub fn snapshots_dir(&self) -> PathBuf {
        self.dir.join("snapshots")
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
        read_validator_key(&self.validator_key_path())
    }

    /// The node's libp2p identity on an `sm2-sm3` chain, whose SM2 consensus key names no peer
    /// id: the `node_key` file, made on first use from the consensus key `key`
    /// ([`crate::network::node_key_seed`]) and kept from then on, so a rotated consensus key
    /// keeps the peer id the other nodes' `peers` name. `None` on an `ed25519-blake3` chain, where
    /// the peer id is the consensus key's own (and changes with it: the chain allows the new one).
    pub fn node_key(&self, key: &SecretKey) -> anyhow::Result<Option<libp2p::identity::Keypair>> {
        if shulian_runtime::suite::active() != CryptoSuite::Sm2Sm3 {
            return Ok(None);
        }
        let p = self.node_key_path();
        let mut seed = if p.exists() {
            let text = zeroize::Zeroizing::new(
                fs::read_to_string(&p).with_context(|| format!("cannot read node key {}", p.display()))?,
            );
            zeroize::Zeroizing::new(
                hex::decode(text.trim())
                    .ok()
                    .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
                    .with_context(|| format!("node key {} is not 64 hex digits", p.display()))?,
            )
        } else {
            let seed = crate::network::node_key_seed(key);
            write_private(&p, format!("{}\n", hex::encode(seed.as_ref())).as_bytes())?;
            seed
        };
        Ok(Some(libp2p::identity::Keypair::ed25519_from_bytes(seed.as_mut())?))
    }

    /// The node's peer id: its node key's on an `sm2-sm3` chain, else its consensus key's.
    pub fn peer_id(&self, key: &SecretKey) -> anyhow::Result<libp2p::PeerId> {
        match self.node_key(key)? {
            Some(k) => Ok(k.public().to_peer_id()),
            None => crate::network::own_peer_id(key),
        }
    }

    /// Creates a single-validator dev chain here: a fresh validator key, the demo organizations
    /// (keys in `keys/`, passphrase [`DEV_PASSPHRASE`]) and a default config.
    pub fn init_dev(&self, chain_id: &str, now_ms: u64) -> anyhow::Result<Vec<DemoOrg>> {
        if self.exists() {
            bail!("{} already holds a chain", self.dir.display());
        }
        fs::create_dir_all(&self.dir).with_context(|| format!("cannot create {}", self.dir.display()))?;
        let validator = random_key()?;
        let (orgs, demo) = write_demo_keys(&self.keys_dir())?;
        let genesis = demo_genesis(chain_id, now_ms, orgs, &[validator.public_key()])?;
        self.write_node(&genesis, &validator, &NodeConfig::default())?;
        Ok(demo)
    }

    /// Writes this node's genesis, validator key (mode 0600) and config.
    fn write_node(&self, genesis: &Genesis, key: &SecretKey, cfg: &NodeConfig) -> anyhow::Result<()> {
        fs::create_dir_all(&self.dir).with_context(|| format!("cannot create {}", self.dir.display()))?;
        write_validator_key(&self.validator_key_path(), key)?;
        self.node_key(key)?;
        fs::write(self.genesis_path(), serde_json::to_vec_pretty(genesis)?)?;
        fs::write(self.config_path(), toml::to_string(cfg)?)?;
        Ok(())
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

/// Writes the demo organizations' encrypted keys into `dir` (mode 0700) and returns their genesis
/// entries.
fn write_demo_keys(dir: &Path) -> anyhow::Result<(Vec<GenesisOrg>, Vec<DemoOrg>)> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    set_mode(dir, 0o700)?;
    let mut orgs = Vec::new();
    let mut demo = Vec::new();
    for (name, full, roles, balance) in DEMO_ORGS {
        let key = random_key()?;
        let file = KeyFile::encrypt(name, &key, DEV_PASSPHRASE, random_bytes()?, random_bytes()?, DEFAULT_KDF)?;
        write_private(&dir.join(format!("{name}.json")), &serde_json::to_vec_pretty(&file)?)?;
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
    Ok((orgs, demo))
}

/// One validator of a generated test network.
#[derive(Clone, Debug, Serialize)]
pub struct TestnetNode {
    /// Its home folder (`shulian-node run --home` it).
    pub home: PathBuf,
    /// Its API and explorer, e.g. `http://127.0.0.1:41234`.
    pub http: String,
    /// Its libp2p address, ending in its peer id.
    pub p2p: String,
}

/// Where the validators of a generated network listen.
#[derive(Clone, Debug, Default)]
pub enum TestnetHosts {
    /// All on 127.0.0.1, each on free ports chosen by the OS.
    #[default]
    Loopback,
    /// Validator `k` on host `hosts[k]` (an IPv4 address or a DNS name), every one on the same
    /// two ports: separate machines, or network namespaces of one machine.
    Hosts {
        /// One host per validator.
        hosts: Vec<String>,
        /// HTTP port of the API and explorer on every host.
        http_port: u16,
        /// libp2p TCP port on every host.
        p2p_port: u16,
    },
}

/// Default HTTP port of a validator in a multi-host network.
pub const DEFAULT_HOST_HTTP_PORT: u16 = 8645;
/// Default libp2p port of a validator in a multi-host network.
pub const DEFAULT_HOST_P2P_PORT: u16 = 8646;

/// The libp2p multiaddr of TCP `port` on `host` (`/ip4/...` for an IPv4 address, `/dns/...` for
/// a name).
fn tcp_multiaddr(host: &str, port: u16) -> String {
    if host.parse::<std::net::Ipv4Addr>().is_ok() {
        format!("/ip4/{host}/tcp/{port}")
    } else {
        format!("/dns/{host}/tcp/{port}")
    }
}

/// Writes an `n`-validator network into `out`: `node0` .. `node{n-1}` (each with the same
/// genesis, its own validator key and a config naming the others as peers) and `keys/` with the
/// demo organizations' keys (passphrase [`DEV_PASSPHRASE`]). `hosts` says where they listen.
pub fn init_testnet(
    out: &Path,
    n: usize,
    chain_id: &str,
    now_ms: u64,
    hosts: &TestnetHosts,
) -> anyhow::Result<Vec<TestnetNode>> {
    if n == 0 {
        bail!("a network needs at least one validator");
    }
    if let TestnetHosts::Hosts { hosts, .. } = hosts {
        if hosts.len() != n {
            bail!("{} hosts given for {n} validators: give one host per validator", hosts.len());
        }
        if let Some(h) = hosts.iter().find(|h| h.is_empty() || h.contains(['/', ':', ' '])) {
            bail!("host {h:?} is not an IPv4 address or a DNS name");
        }
    }
    if out.exists() && fs::read_dir(out).map(|mut d| d.next().is_some()).unwrap_or(true) {
        bail!("{} already exists and is not empty", out.display());
    }
    fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let keys = (0..n).map(|_| random_key()).collect::<anyhow::Result<Vec<_>>>()?;
    // (http host:port, p2p listen multiaddr, p2p address the others dial) of each validator.
    let endpoints: Vec<(String, String, String)> = match hosts {
        TestnetHosts::Loopback => {
            // Hold every listener until all ports are chosen, so no two nodes get the same port.
            let listeners = (0..2 * n)
                .map(|_| std::net::TcpListener::bind("127.0.0.1:0").context("cannot find a free port"))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let ports = listeners.iter().map(|l| l.local_addr().map(|a| a.port())).collect::<Result<Vec<_>, _>>()?;
            (0..n)
                .map(|k| {
                    let p2p = tcp_multiaddr("127.0.0.1", ports[2 * k + 1]);
                    (format!("127.0.0.1:{}", ports[2 * k]), p2p.clone(), p2p)
                })
                .collect()
        }
        TestnetHosts::Hosts { hosts, http_port, p2p_port } => {
            hosts
                .iter()
                .map(|h| {
                    let dial = tcp_multiaddr(h, *p2p_port);
                    // libp2p listens on addresses, not names: a named host listens on all of its own.
                    let listen =
                        if dial.starts_with("/dns/") { tcp_multiaddr("0.0.0.0", *p2p_port) } else { dial.clone() };
                    (format!("{h}:{http_port}"), listen, dial)
                })
                .collect()
        }
    };
    let (orgs, _) = write_demo_keys(&out.join("keys"))?;
    let genesis = demo_genesis(chain_id, now_ms, orgs, &keys.iter().map(SecretKey::public_key).collect::<Vec<_>>())?;
    let mut p2p = Vec::new();
    for (k, key) in keys.iter().enumerate() {
        let peer = crate::network::own_peer_id(key)?;
        p2p.push(format!("{}/p2p/{peer}", endpoints[k].2));
    }
    let mut nodes = Vec::new();
    for (k, key) in keys.iter().enumerate() {
        let home = Home::new(out.join(format!("node{k}")));
        let cfg = NodeConfig {
            http: endpoints[k].0.clone(),
            p2p_listen: endpoints[k].1.clone(),
            peers: p2p.iter().enumerate().filter(|(j, _)| *j != k).map(|(_, a)| a.clone()).collect(),
            ..NodeConfig::default()
        };
        home.write_node(&genesis, key, &cfg)?;
        nodes.push(TestnetNode { home: home.dir.clone(), http: format!("http://{}", cfg.http), p2p: p2p[k].clone() });
    }
    Ok(nodes)
}

/// The operator of the dev and test networks' validators (a demo organization with the
/// validator_operator role).
const DEMO_OPERATOR: &str = "City Data Exchange Center";

/// The genesis of a dev or test network, assembled by the same code as `shulian-node genesis`
/// ([`crate::genesis_cmd`]): the demo organizations, then one validator of power 1 per key,
/// operated by the exchange center; checked as `genesis validate` checks.
fn demo_genesis(chain_id: &str, now_ms: u64, orgs: Vec<GenesisOrg>, keys: &[PublicKey]) -> anyhow::Result<Genesis> {
    let mut g = genesis_cmd::empty(chain_id, now_ms);
    for o in orgs {
        genesis_cmd::add_org(&mut g, o)?;
    }
    for k in keys {
        genesis_cmd::add_validator(&mut g, *k, DEMO_OPERATOR, 1)?;
    }
    genesis_cmd::check(&g)?;
    Ok(g)
}

/// Reads a validator key file (`validator_key.json`: its public key and secret in clear).
pub(crate) fn read_validator_key(p: &Path) -> anyhow::Result<SecretKey> {
    let text = fs::read_to_string(p).with_context(|| format!("cannot read validator key {}", p.display()))?;
    let f: ValidatorKeyFile =
        serde_json::from_str(&text).with_context(|| format!("validator key {} is not valid", p.display()))?;
    let bytes: [u8; 32] = shulian_runtime::hash::parse_hex_array(&f.secret_key)
        .with_context(|| format!("validator key {}: secret_key must be 32 bytes of hex", p.display()))?;
    let suite = shulian_runtime::suite::active();
    if f.crypto != suite {
        bail!("validator key {} is a {} key; this chain uses the {suite} crypto suite", p.display(), f.crypto);
    }
    let key = SecretKey::try_from_bytes(&bytes).with_context(|| format!("validator key {}", p.display()))?;
    if key.public_key() != f.public_key {
        bail!("validator key {}: secret and public key do not match", p.display());
    }
    Ok(key)
}

/// Writes a validator key file (mode 0600, never over an existing file).
pub(crate) fn write_validator_key(p: &Path, key: &SecretKey) -> anyhow::Result<()> {
    write_private(
        p,
        &serde_json::to_vec_pretty(&ValidatorKeyFile {
            public_key: key.public_key(),
            secret_key: hex::encode(key.to_bytes()),
            crypto: key.suite(),
        })?,
    )
}

fn random_bytes<const N: usize>() -> anyhow::Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| anyhow::anyhow!("no randomness from the OS: {e}"))?;
    Ok(b)
}

/// A new key of the process's suite from the OS's randomness (for SM2, bytes that are no scalar
/// below the group order, one chance in 2^32, are drawn again).
pub(crate) fn random_key() -> anyhow::Result<SecretKey> {
    SecretKey::generate(random_bytes::<32>)
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

#[cfg(test)]
mod mempool_config_tests {
    use super::*;

    #[test]
    fn the_senders_share_comes_from_config_toml_or_the_default() {
        let parse = |text: &str| toml::from_str::<NodeConfig>(text).expect("config");
        let d = parse("http = \"127.0.0.1:1\"\n").mempool().expect("defaults");
        assert_eq!((d.max_txs, d.sender_max_txs), (50_000, 6_250));
        let set = parse(
            "http = \"x\"\nmempool_max_txs = 1000\nmempool_sender_max_txs = 300\nmempool_sender_max_bytes = 4096\n",
        );
        let m = set.mempool().expect("set");
        assert_eq!((m.max_txs, m.sender_max_txs, m.sender_max_bytes), (1000, 300, 4096));
        for bad in ["mempool_sender_max_txs = 0", "mempool_max_txs = 10\nmempool_sender_max_txs = 11"] {
            let err = parse(&format!("http = \"x\"\n{bad}\n")).mempool().expect_err(bad).to_string();
            assert!(err.contains("mempool_sender_max_txs"), "{err}");
        }
    }
}

#[cfg(test)]
mod clock_drift_tests {
    use super::*;

    #[test]
    fn the_clock_drift_comes_from_config_toml_within_bounds() {
        let parse =
            |text: &str| toml::from_str::<NodeConfig>(&format!("http = \"127.0.0.1:1\"\n{text}")).expect("config");
        assert_eq!(parse("").clock_drift_ms().ok(), Some(crate::chain::DEFAULT_MAX_CLOCK_DRIFT_MS));
        assert_eq!(parse("max_clock_drift_ms = 2000\n").clock_drift_ms().ok(), Some(2_000));
        assert!(parse("max_clock_drift_ms = 0\n").clock_drift_ms().is_err());
        assert_eq!(parse("test_clock_offset_ms = 7200000\n").clock_offset_ms(1, false).ok(), Some(7_200_000));
        assert!(parse("test_clock_offset_ms = 1\n").clock_offset_ms(4, false).is_err(), "not on a network");
        assert!(parse("test_clock_offset_ms = -1\n").clock_offset_ms(4, false).is_err(), "nor behind");
        assert_eq!(parse("test_clock_offset_ms = -20000\n").clock_offset_ms(4, true).ok(), Some(-20_000));
        assert!(parse("").submits(true) && !parse("").submits(false), "absent: a validator submits, an observer not");
        assert!(parse("submit_enabled = true\n").submits(false), "an observer told to");
        assert!(!parse("submit_enabled = false\n").submits(true), "a validator told not to");
        assert_eq!(parse("").clock_offset_ms(4, false).ok(), Some(0));
        assert!(
            parse("max_clock_drift_ms = 3600000\n").clock_drift_ms().is_err(),
            "an hour would let ledger time run ahead"
        );
    }
}
