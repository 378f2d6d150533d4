//! `shulian-node`: runs a Shulian validator node.

use anyhow::Context;
use clap::{Parser, Subcommand};
use shulian_node::api::{self, ApiOptions};
use shulian_node::chain::{Chain, ChainLimits};
use shulian_node::consensus::wal::Wal;
use shulian_node::consensus::{BftConfig, BftEngine};
use shulian_node::disk::DiskWatch;
use shulian_node::explorer;
use shulian_node::home::{self, Home, NodeConfig};
use shulian_node::network;
use shulian_node::now_ms;
use shulian_node::storage::{ChainStore, RocksKv};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// mimalloc instead of the system allocator: a busy node allocates and frees many buffers
/// (transactions, messages, tree nodes, block batches) on several threads, and glibc's arenas kept
/// a node's peak RSS at 930 MiB where mimalloc keeps it near 680 MiB (docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "shulian-node",
    version,
    about = "Shulian (数联) ledger node: consensus, storage, HTTP API and explorer"
)]
struct Cli {
    /// Log line format on stderr: `text` or `json` (one object per line); filters come from
    /// RUST_LOG (default `info`).
    #[arg(long, global = true, value_enum, default_value_t = shulian_node::logging::LogFormat::Text)]
    log_format: shulian_node::logging::LogFormat,
    /// The crypto suite of a chain this command makes (`dev`, `testnet`, `genesis new`, a key of
    /// `init`): `ed25519-blake3` (default) or `sm2-sm3` (national commercial cryptography). A
    /// chain that exists already runs with the suite of its genesis.
    #[arg(long, global = true, env = "SHULIAN_CRYPTO")]
    crypto: Option<shulian_runtime::suite::CryptoSuite>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Start (or reopen) a single-validator dev chain with demo organizations and serve its API
    /// and explorer. First run creates DIR with genesis.json, config.toml, validator_key.json,
    /// db/ (RocksDB) and keys/ (the demo organizations' keys, passphrase "dev").
    Dev {
        /// Home folder of the dev chain.
        #[arg(long, default_value = "./shulian-dev-data")]
        data_dir: PathBuf,
        /// HTTP address for the API and explorer (port 0 picks a free port).
        #[arg(long, default_value = home::DEFAULT_HTTP)]
        http: String,
        /// Chain id written into a new dev genesis.
        #[arg(long, default_value = "shulian-dev")]
        chain_id: String,
    },
    /// Run a node from an existing home folder (genesis.json, config.toml, validator_key.json).
    Run {
        /// Home folder.
        #[arg(long)]
        home: PathBuf,
        /// Override the HTTP address from config.toml.
        #[arg(long)]
        http: Option<String>,
        /// Upgrade rehearsal only: run blocks up to this protocol version, as a release that
        /// knows it would (docs/operations.md, "Upgrades"). A real release carries its version.
        #[arg(long, hide = true, env = "SHULIAN_REHEARSE_PROTOCOL_VERSION")]
        rehearse_protocol_version: Option<u32>,
        /// With an empty database, start from a state snapshot offered by the peers instead of
        /// replaying from genesis (`state_sync = true` in config.toml; docs/operations.md).
        #[arg(long)]
        state_sync: bool,
    },
    /// Write the genesis, keys and configs of an N-validator network: OUT/node0 .. OUT/node{N-1},
    /// each started with `shulian-node run --home OUT/nodeK`, and OUT/keys with the demo
    /// organizations' keys (passphrase "dev"). On loopback with free ports by default; with
    /// `--hosts` one validator per host, all on the same two ports.
    Testnet {
        /// Number of validators (tolerates f faulty ones when N >= 3f+1); with --hosts, defaults
        /// to the number of hosts.
        #[arg(long)]
        validators: Option<usize>,
        /// Comma-separated hosts (IPv4 addresses or DNS names), one per validator in order.
        #[arg(long, value_delimiter = ',')]
        hosts: Vec<String>,
        /// HTTP port of every validator when --hosts is given.
        #[arg(long, default_value_t = home::DEFAULT_HOST_HTTP_PORT, requires = "hosts")]
        http_port: u16,
        /// libp2p port of every validator when --hosts is given.
        #[arg(long, default_value_t = home::DEFAULT_HOST_P2P_PORT, requires = "hosts")]
        p2p_port: u16,
        /// Folder to write; must not exist or be empty.
        #[arg(long)]
        out: PathBuf,
        /// Chain id of the new network.
        #[arg(long, default_value = "shulian-testnet")]
        chain_id: String,
        /// Print a JSON array of {"home", "http", "p2p"}, one per validator.
        #[arg(long)]
        json: bool,
    },
    /// Check a stopped node's ledger from genesis: replay every block, checking its commit
    /// certificate against the genesis validators, every signature, and every state root. Prints
    /// progress and the verified head; exits 1 at the first block that does not verify. The
    /// replay keeps the state in memory.
    Verify {
        /// Home folder of the node (the node must be stopped: RocksDB allows one process).
        #[arg(long)]
        home: PathBuf,
        /// Upgrade rehearsal only: replay blocks up to this protocol version.
        #[arg(long, hide = true, env = "SHULIAN_REHEARSE_PROTOCOL_VERSION")]
        rehearse_protocol_version: Option<u32>,
    },
    /// Back up a node's database into one checksummed file, while it runs (through the node's
    /// owner-only admin socket HOME/admin.sock) or while it is stopped. See docs/reliability.md.
    Backup {
        /// Home folder of the node.
        #[arg(long)]
        home: PathBuf,
        /// Backup file to write (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
    /// Restore a backup file as the database (db/) of a home folder; the operator provides its
    /// genesis.json, config.toml and validator_key.json. The node then catches up from its peers.
    Restore {
        /// Backup file written by `shulian-node backup`.
        #[arg(long)]
        from: PathBuf,
        /// Home folder to restore into (it must not have a db/ yet).
        #[arg(long)]
        home: PathBuf,
    },
    /// Print the size of each column family of a node's database (blocks, outcomes, indexes,
    /// state, state tree, consensus log) after compacting it fully, so the sizes are those of
    /// what is stored; works on a running node (through HOME/admin.sock) and on a stopped one.
    /// The compaction rewrites every table file: on a large database, run it when the load is low.
    /// See docs/benchmarks.md, "Disk per transaction".
    DbStats {
        /// Home folder of the node.
        #[arg(long)]
        home: PathBuf,
        /// Report the sizes as they are, without compacting first (quick, but overwritten and
        /// deleted entries not yet compacted away are counted).
        #[arg(long)]
        no_compact: bool,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Build a network's genesis file step by step (see docs/operations.md): `new`, then
    /// `add-org` and `add-validator` for each entry, then `validate` and `hash`.
    Genesis {
        #[command(subcommand)]
        cmd: GenesisCmd,
    },
    /// Make or complete a validator's home: its key (generated unless --key is given, kept if
    /// present), config.toml and, with --genesis, the checked genesis. Prints the validator's
    /// public key (for `genesis add-validator`) and its peer id (for the other nodes' peers).
    Init {
        /// Home folder to make or complete.
        #[arg(long)]
        home: PathBuf,
        /// Genesis file assembled with `shulian-node genesis`; checked before it is copied in.
        #[arg(long)]
        genesis: Option<PathBuf>,
        /// An existing validator key file (validator_key.json format) instead of a new key.
        #[arg(long)]
        key: Option<PathBuf>,
        /// HTTP address of the API and explorer, written into config.toml.
        #[arg(long)]
        http: Option<String>,
        /// libp2p listen multiaddr, written into config.toml.
        #[arg(long)]
        p2p_listen: Option<String>,
        /// A peer `/ip4/ADDR/tcp/PORT/p2p/PEER_ID` (repeat it); replaces config.toml's peers.
        #[arg(long)]
        peer: Vec<String>,
    },
    /// Print the libp2p peer id of the node in a home folder (what other nodes put in `peers`).
    PeerId {
        /// Home folder.
        #[arg(long)]
        home: PathBuf,
    },
    /// Print the consensus key of the node in a home folder and its possession proof for
    /// OPERATOR: what `shulian org propose-add-validator` and `shulian org rotate-validator-key`
    /// need. The secret key never leaves the home.
    PossessionProof {
        /// Home folder.
        #[arg(long)]
        home: PathBuf,
        /// The organization that will operate this validator (account id).
        #[arg(long, value_name = "ID")]
        operator: shulian_runtime::AccountId,
        /// Print JSON: {"public_key", "operator", "possession"}.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum GenesisCmd {
    /// Write an empty genesis file (no organization, no validator) to fill with the commands below.
    New {
        /// Chain id every transaction and vote will carry.
        #[arg(long)]
        chain_id: String,
        /// File to write (must not exist).
        #[arg(long, default_value = "genesis.json")]
        out: PathBuf,
        /// Genesis time, ms since the Unix epoch (default: now); block 1 must be later.
        #[arg(long)]
        genesis_time_ms: Option<u64>,
    },
    /// Add an organization, from its public key only (a wallet key file, a validator_key.json,
    /// {"public_key": HEX} or 64 hex characters: no secret or passphrase is read).
    AddOrg {
        /// Genesis file to change.
        #[arg(long, default_value = "genesis.json")]
        file: PathBuf,
        /// The organization's name, unique in the genesis.
        #[arg(long)]
        name: String,
        /// Its roles (department, exchange, trader, regulator, validator_operator); repeat or
        /// separate by commas.
        #[arg(long, value_delimiter = ',', required = true)]
        role: Vec<String>,
        /// File holding its public key.
        #[arg(long)]
        key: PathBuf,
        /// Opening settlement balance, fen.
        #[arg(long, default_value_t = 0)]
        balance: u64,
    },
    /// Add a validator: its consensus public key, its operator organization (which gets the
    /// validator_operator role) and its voting power.
    AddValidator {
        /// Genesis file to change.
        #[arg(long, default_value = "genesis.json")]
        file: PathBuf,
        /// File holding the validator's public key (its home's validator_key.json, or hex).
        #[arg(long)]
        key: PathBuf,
        /// Name of the operator organization (added before with add-org).
        #[arg(long)]
        org: String,
        /// Voting power.
        #[arg(long, default_value_t = 1)]
        power: u64,
    },
    /// Check a genesis file against every rule the node applies and the operator's rules
    /// (docs/operations.md); exits 1 naming the first entry refused.
    Validate {
        /// Genesis file.
        #[arg(long, default_value = "genesis.json")]
        file: PathBuf,
    },
    /// Print the genesis hash (the parent of block 1, the hash the explorer pins).
    Hash {
        /// Genesis file.
        #[arg(long, default_value = "genesis.json")]
        file: PathBuf,
    },
}

fn genesis_cmd(cmd: GenesisCmd) -> anyhow::Result<()> {
    use shulian_node::genesis_cmd as g;
    match cmd {
        GenesisCmd::New { chain_id, out, genesis_time_ms } => {
            if out.exists() {
                anyhow::bail!("{} already exists", out.display());
            }
            if chain_id.trim().is_empty() {
                anyhow::bail!("the chain id is empty");
            }
            let genesis = g::empty(&chain_id, genesis_time_ms.unwrap_or_else(now_ms));
            g::save(&out, &genesis)?;
            println!(
                "wrote {}: chain {chain_id:?}, genesis time {} ms, no organization, no validator",
                out.display(),
                genesis.genesis_time_ms
            );
        }
        GenesisCmd::AddOrg { file, name, role, key, balance } => {
            let mut genesis = g::load(&file)?;
            let roles = role.iter().map(|r| g::parse_role(r)).collect::<anyhow::Result<Vec<_>>>()?;
            let public_key = g::read_public_key(&key)?;
            let org = shulian_runtime::genesis::GenesisOrg {
                name: name.clone(),
                roles,
                public_key,
                balance: shulian_runtime::Fen(balance),
            };
            let account = org.account();
            g::add_org(&mut genesis, org).with_context(|| format!("{} unchanged", file.display()))?;
            g::save(&file, &genesis)?;
            println!(
                "added organization {name:?} (roles {}, public key {public_key}, account {account}, balance {balance} fen) to {}",
                role.join(","),
                file.display()
            );
        }
        GenesisCmd::AddValidator { file, key, org, power } => {
            let mut genesis = g::load(&file)?;
            let public_key = g::read_public_key(&key)?;
            let role_added = g::add_validator(&mut genesis, public_key, &org, power)
                .with_context(|| format!("{} unchanged", file.display()))?;
            g::save(&file, &genesis)?;
            println!("added validator {public_key} operated by {org:?} with power {power} to {}", file.display());
            if role_added {
                println!("gave {org:?} the validator_operator role (it votes on governance)");
            }
        }
        GenesisCmd::Validate { file } => {
            let genesis = g::load(&file)?;
            g::check(&genesis).map_err(|e| anyhow::anyhow!("{} is refused: {e} [{}]", file.display(), e.code()))?;
            let power: u64 = genesis.validators.iter().map(|v| v.power).sum();
            println!(
                "{} is valid: chain {:?}, {} organizations, {} validators, total power {power}, hash {}",
                file.display(),
                genesis.chain_id,
                genesis.organizations.len(),
                genesis.validators.len(),
                genesis.hash()
            );
        }
        GenesisCmd::Hash { file } => println!("{}", g::load(&file)?.hash()),
    }
    Ok(())
}

/// Entry point (also of `shulian-node-byzantine`, which includes this file as a module).
pub(crate) fn main() {
    let cli = Cli::parse();
    shulian_node::logging::init(cli.log_format);
    if let Err(e) = real_main(cli) {
        eprintln!("error: {e:#}");
        if let Some(hint) = storage_hint(&format!("{e:#}")) {
            eprintln!("{hint}");
        }
        std::process::exit(1);
    }
}

/// What an operator should do about a storage failure, from its message: a full disk, or a
/// damaged database file.
fn storage_hint(message: &str) -> Option<&'static str> {
    if message.contains("No space left on device") {
        Some(
            "the disk holding the node's database is full: nothing committed is lost (a block that cannot be \
             written is not committed). Free space or grow the volume, then start the node again; it catches up \
             from its peers. min_free_disk_bytes in config.toml warns before this happens.",
        )
    } else if message.contains("Corruption") {
        Some(
            "a file of the node's database is damaged (named above): the node does not run on it. Restore the \
             database from a backup (`shulian-node restore`) or join again from a state snapshot of its peers \
             (docs/operations.md), then start the node: its peers supply every block since.",
        )
    } else {
        None
    }
}

fn real_main(cli: Cli) -> anyhow::Result<()> {
    if let Some(suite) = cli.crypto {
        shulian_runtime::suite::fix(suite)?;
    }
    let mut rehearse = None;
    let mut state_sync_flag = false;
    let (home, http_override, dev) = match cli.cmd {
        Cmd::Dev { data_dir, http, chain_id } => {
            let home = Home::new(data_dir);
            if !home.exists() {
                home.init_dev(&chain_id, now_ms())?;
                println!("created a new dev chain {chain_id:?} in {}", home.dir.display());
            }
            (home, Some(http), true)
        }
        Cmd::Run { home, http, rehearse_protocol_version, state_sync } => {
            rehearse = rehearse_protocol_version;
            state_sync_flag = state_sync;
            (Home::new(home), http, false)
        }
        Cmd::Testnet { validators, hosts, http_port, p2p_port, out, chain_id, json } => {
            let (n, hosts) = if hosts.is_empty() {
                (validators.unwrap_or(4), home::TestnetHosts::Loopback)
            } else {
                (validators.unwrap_or(hosts.len()), home::TestnetHosts::Hosts { hosts, http_port, p2p_port })
            };
            let nodes = home::init_testnet(&out, n, &chain_id, now_ms(), &hosts)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&nodes)?);
            } else {
                for (k, n) in nodes.iter().enumerate() {
                    println!(
                        "validator {k}: shulian-node run --home {}   (API {}, p2p {})",
                        n.home.display(),
                        n.http,
                        n.p2p
                    );
                }
                println!(
                    "demo organization keys: {} (passphrase {:?})",
                    out.join("keys").display(),
                    home::DEV_PASSPHRASE
                );
            }
            return Ok(());
        }
        Cmd::Verify { home, rehearse_protocol_version } => {
            let max = rehearse_protocol_version.unwrap_or(shulian_runtime::valset::PROTOCOL_VERSION);
            return verify(&Home::new(home), max);
        }
        Cmd::Backup { home, out } => {
            let info = shulian_node::backup::backup(&Home::new(home), &out)?;
            println!(
                "backed up height {} (block {}, state root {}) to {}",
                info.height,
                info.block_hash,
                info.state_root,
                out.display()
            );
            return Ok(());
        }
        Cmd::Restore { from, home } => {
            let info = shulian_node::backup::restore(&from, &Home::new(&home))?;
            println!(
                "restored chain {:?} at height {} (block {}) into {}; start the node to catch up from its peers",
                info.chain_id,
                info.height,
                info.block_hash,
                home.display()
            );
            return Ok(());
        }
        Cmd::DbStats { home, no_compact, json } => {
            let stats = shulian_node::dbstats::db_stats(&Home::new(home), !no_compact)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&stats)?);
            } else {
                print!("{}", shulian_node::dbstats::render(&stats));
            }
            return Ok(());
        }
        Cmd::Genesis { cmd } => return genesis_cmd(cmd),
        Cmd::Init { home, genesis, key, http, p2p_listen, peer } => {
            let settings = shulian_node::genesis_cmd::InitConfig { http, p2p_listen, peers: peer };
            let r =
                shulian_node::genesis_cmd::init_home(&Home::new(&home), genesis.as_deref(), key.as_deref(), &settings)?;
            println!("home {}", home.display());
            println!("validator public key {}{}", r.public_key, if r.generated_key { " (new)" } else { "" });
            println!("peer id {}", r.peer_id);
            match (r.genesis_hash, r.is_validator) {
                (Some(h), Some(false)) => {
                    println!("genesis {h}");
                    println!("note: this key is not a validator of this genesis (add it with `genesis add-validator`)");
                }
                (Some(h), _) => println!("genesis {h}"),
                (None, _) => println!("no genesis yet: run init again with --genesis FILE"),
            }
            return Ok(());
        }
        Cmd::PossessionProof { home, operator, json } => {
            let key = Home::new(home).validator_key()?;
            let public_key = key.public_key();
            let possession = key.sign(
                shulian_runtime::domain::VALIDATOR_POSSESSION,
                &shulian_contracts::validators::possession_bytes(&public_key, &operator),
            );
            if json {
                let v = serde_json::json!({"public_key": public_key, "operator": operator, "possession": possession});
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                println!("public key: {public_key}");
                println!("operator:   {operator}");
                println!("possession: {possession}");
            }
            return Ok(());
        }
        Cmd::PeerId { home } => {
            let home = Home::new(home);
            println!("{}", home.peer_id(&home.validator_key()?)?);
            return Ok(());
        }
    };
    let mut cfg = home.config()?;
    if let Some(h) = http_override {
        cfg.http = h;
    }
    if state_sync_flag {
        cfg.state_sync = Some(true);
    }
    let rt =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")?;
    // The HTTP API runs on a runtime of its own, so that no number of clients or slow requests
    // takes the workers that consensus and networking run on.
    let api_rt = api::runtime().context("cannot start the API's runtime")?;
    let result = rt.block_on(run(home, cfg, dev, rehearse, api_rt.handle().clone()));
    // Blocking reads still running (each bounded by the store-read limit) get a moment to end.
    api_rt.shutdown_timeout(api::REQUEST_TIMEOUT);
    result
}

async fn run(
    home: Home,
    cfg: NodeConfig,
    dev: bool,
    rehearse_protocol: Option<u32>,
    api_rt: tokio::runtime::Handle,
) -> anyhow::Result<()> {
    let genesis = home.genesis()?;
    let key = home.validator_key()?;
    let db_path = home.db_path();
    let limits =
        ChainLimits { mempool: cfg.mempool()?, max_clock_drift_ms: cfg.clock_drift_ms()?, ..ChainLimits::default() };
    // Read (or made) once: both the state-sync join and the node's network run under it.
    let node_key = home.node_key(&key)?;
    if cfg.state_sync == Some(true) {
        let mut net_cfg = cfg.network(None)?;
        net_cfg.node_key = node_key.clone();
        if let Some(r) = shulian_node::snapshot::join::join_if_empty(&db_path, &genesis, &key, net_cfg, limits).await? {
            println!(
                "state sync: started from the snapshot at height {} ({} chunks, {} state entries, {} refused chunks)",
                r.head.height, r.chunks, r.entries, r.refused_chunks
            );
        }
    }
    let rocks = Arc::new(
        RocksKv::open(&db_path).with_context(|| format!("cannot open the database in {}", db_path.display()))?,
    );
    let kv: Arc<dyn shulian_node::storage::KvStore> = rocks.clone();
    let table_fault = check_tables_in_background(rocks);
    let chain = Arc::new(Chain::open(ChainStore::new(kv.clone()), genesis, limits)?);
    let policy = cfg.snapshot_policy();
    chain.set_after_write(
        shulian_node::snapshot::Maintenance {
            snapshots: (policy.interval > 0).then(|| {
                shulian_node::snapshot::disk::Snapshotter::new(
                    kv.clone(),
                    chain.chain_id(),
                    home.snapshots_dir(),
                    policy,
                )
            }),
            prune: cfg.prune_blocks_older_than.map(|d| (chain.store().clone(), d.max(1))),
        }
        .into_hook(),
    );
    let head = chain.head();
    tracing::info!(target: "node", chain_id = chain.chain_id(), height = head.height.0, state_root = %head.state_root, "opened chain");
    if let Some(v) = rehearse_protocol {
        tracing::warn!(target: "node", version = v, "upgrade rehearsal: this node runs blocks up to protocol version {v}");
        chain.set_max_protocol(v);
    }

    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let is_validator = chain.validators().get(&key.public_key()).is_some();
    chain.peer_view().set_local(&chain.validators(), &key.public_key(), cfg.empty_block_interval_ms);
    let submit_enabled = cfg.submits(is_validator);
    if !submit_enabled {
        tracing::info!(target: "node", is_validator, "transaction submission is off on this node (submit_enabled)");
    }
    let api_opts = ApiOptions { submit_enabled, shutdown: shutdown_rx.clone() };
    let disk = DiskWatch::new(cfg.min_free_disk_bytes.unwrap_or(shulian_node::disk::DEFAULT_MIN_FREE_DISK_BYTES));
    let mut app = api::router(chain.clone(), api_opts).layer(axum::Extension(disk.clone())).merge(explorer::router());
    // Bound here, registered with the API's runtime when its server starts.
    let listener = std::net::TcpListener::bind(&cfg.http).with_context(|| format!("cannot listen on {}", cfg.http))?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    println!("chain {} at height {} (state root {})", chain.chain_id(), head.height, head.state_root);
    println!("API:      http://{addr}/api/status");
    println!("Explorer: http://{addr}/");
    if dev {
        println!("demo organizations (keys in {}, passphrase {:?}):", home.keys_dir().display(), home::DEV_PASSPHRASE);
        for o in home.demo_orgs()? {
            println!("  {:<10} {:<32} account {}  balance {} fen", o.key_name, o.name, o.account, o.balance);
        }
    }

    shulian_node::backup::spawn_admin(&home.dir, kv.clone(), shutdown_rx.clone());
    disk.clone().spawn(db_path.clone(), shutdown_rx.clone());
    let mut net_cfg = cfg.network(Some(home.snapshots_dir()))?;
    net_cfg.node_key = node_key;
    let (net, net_events, p2p_addr) = network::start(net_cfg, &key, chain.clone(), shutdown_rx.clone()).await?;
    println!("P2P:      {p2p_addr}/p2p/{}", net.local_peer_id());
    let scrape = shulian_node::metrics::Scrape {
        chain: chain.clone(),
        kv: kv.clone(),
        disk: Some(disk.clone()),
        net: Some(net.stats()),
    };
    // `/metrics` on the API's address, or on a listener of its own (`metrics_addr`).
    let metrics_server = match &cfg.metrics_addr {
        None => {
            app = app.merge(shulian_node::metrics::router(scrape));
            println!("Metrics:  http://{addr}{}", shulian_node::metrics::METRICS_PATH);
            None
        }
        Some(m) => {
            let l = std::net::TcpListener::bind(m).with_context(|| format!("cannot listen on metrics_addr {m}"))?;
            l.set_nonblocking(true)?;
            println!("Metrics:  http://{}{}", l.local_addr()?, shulian_node::metrics::METRICS_PATH);
            let mut srx = shutdown_rx.clone();
            Some(api_rt.spawn(async move {
                let l = tokio::net::TcpListener::from_std(l)?;
                axum::serve(l, shulian_node::metrics::router(scrape))
                    .with_graceful_shutdown(async move {
                        let _ = srx.wait_for(|s| *s).await;
                    })
                    .await
            }))
        }
    };
    // The signing watermark beside the database (consensus/watermark.rs): it outlives a log that
    // loses synced writes, and makes this validator withhold its signatures where they were lost.
    let wal = Wal::with_watermark(kv, &home.dir.join("consensus_watermark"), chain.head().height)?;
    let engine = BftEngine::new(
        key,
        BftConfig {
            clock_offset_ms: cfg
                .clock_offset_ms(chain.genesis().validators.len(), shulian_node::consensus::test_build())?,
            ..BftConfig::new(
                Duration::from_millis(cfg.block_interval_ms),
                Duration::from_millis(cfg.empty_block_interval_ms),
            )
        },
        net,
        net_events,
        wal,
    );
    tracing::info!(target: "node", engine = "tendermint", "starting consensus");
    let mut consensus = tokio::spawn(engine.run(chain.clone(), shutdown_rx.clone()));
    let mut srx = shutdown_rx.clone();
    let server = api_rt.spawn(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        // A client that stops reading is cut off (`api::WRITE_STALL_TIMEOUT`); the remote address
        // of each connection feeds the per-client limits.
        axum::serve(api::StallGuardListener::new(listener), app.into_make_service_with_connect_info::<api::PeerAddr>())
            .with_graceful_shutdown(async move {
                let _ = srx.wait_for(|s| *s).await;
            })
            .await
    });

    let result = tokio::select! {
        r = &mut consensus => match r {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(e.context("consensus stopped")),
            Err(e) => Err(anyhow::anyhow!("consensus task failed: {e}")),
        },
        _ = shutdown_signal() => {
            tracing::info!(target: "node", "shutting down");
            Ok(())
        }
        reason = chain.halted() => {
            tracing::error!(target: "node", %reason, "stopping: upgrade required");
            Err(anyhow::anyhow!("{reason}"))
        }
        Ok(fault) = table_fault => {
            tracing::error!(target: "node", %fault, "stopping: a damaged table file");
            Err(anyhow::anyhow!("{fault}"))
        }
    };
    let _ = shutdown_tx.send(true);
    if !consensus.is_finished() {
        let _ = consensus.await;
    }
    let _ = server.await;
    if let Some(m) = metrics_server {
        let _ = m.await;
    }
    result
}

/// Reads the whole database once with checksums verified (`RocksKv::verify_tables`), on a thread
/// of its own while the node runs: a damaged table file stops the node
/// with a message naming it (what the returned receiver gets), before anything else reads the
/// damaged block. RocksDB verifies every block it reads anyway, so a damaged block is never served:
/// a read of it fails with the same message. Nothing is sent when every table file is intact.
fn check_tables_in_background(rocks: Arc<RocksKv>) -> tokio::sync::oneshot::Receiver<String> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new().name("table-check".into()).spawn(move || {
        #[expect(clippy::disallowed_methods, reason = "the log says how long the check took")]
        let started = std::time::Instant::now();
        match rocks.verify_tables() {
            Ok(entries) => tracing::info!(target: "node", entries, secs = started.elapsed().as_secs_f64(), "every table file of the database verified"),
            Err(e) => {
                // What to do is printed by `storage_hint`, as for a damaged file found at open.
                let _ = tx.send(format!(
                    "the database has a damaged table file ({e}); the node stopped rather than serve or build on it"
                ));
            }
        }
    });
    if let Err(e) = spawned {
        tracing::warn!(target: "node", error = %e, "cannot start the table check");
    }
    rx
}

fn verify(home: &Home, max_protocol: u32) -> anyhow::Result<()> {
    let genesis = home.genesis()?;
    let db_path = home.db_path();
    let kv = RocksKv::open(&db_path)
        .with_context(|| format!("cannot open the database in {} (is the node still running?)", db_path.display()))?;
    let kv: Arc<dyn shulian_node::storage::KvStore> = Arc::new(kv);
    let store = ChainStore::new(kv.clone());
    if store.bodies_from()?.0 > 1 {
        return verify_without_old_bodies(kv, &genesis);
    }
    #[expect(clippy::disallowed_methods, reason = "the operator sees how long the replay took")]
    let started = std::time::Instant::now();
    let mut last_report = started;
    let v = shulian_node::verify::verify_ledger_up_to(&store, genesis, max_protocol, |h, of| {
        if last_report.elapsed() >= Duration::from_secs(5) {
            #[expect(clippy::disallowed_methods, reason = "progress is reported every few seconds")]
            let now = std::time::Instant::now();
            last_report = now;
            eprintln!("verified {h} of {of} blocks");
        }
    })?;
    println!(
        "ledger verified from genesis: {} blocks, head {} with state root {} ({:.1}s)",
        v.height,
        v.block_hash,
        v.state_root,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `verify` on a node that started from a state snapshot or prunes old bodies: what can be checked,
/// and plainly what could not.
fn verify_without_old_bodies(
    kv: Arc<dyn shulian_node::storage::KvStore>,
    genesis: &shulian_runtime::genesis::Genesis,
) -> anyhow::Result<()> {
    let v = shulian_node::verify::partial::verify_headers_and_state(kv, genesis)?;
    println!(
        "headers and certificates verified from genesis to the head {} (block {}); the state at the head hashes to its \
         certified root {} ({} keys); blocks {}..={} match their headers' transaction and outcome roots",
        v.height, v.block_hash, v.state_root, v.state_keys, v.bodies_from, v.height
    );
    println!(
        "not replayed: this node holds no block body below height {} (it started from a state snapshot or prunes old \
         blocks), so no block was re-executed; run verify on a node with the whole history to replay from genesis",
        v.bodies_from
    );
    Ok(())
}

async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}
