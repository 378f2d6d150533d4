//! Building a real network's genesis by commands (`shulian-node genesis new / add-org /
//! add-validator / validate / hash`) and making a validator's home from it (`shulian-node init`).
//! `testnet` and `dev` assemble their genesis through the same functions. Nothing here ever reads
//! or writes a secret of an organization: an organization's key enters as its public key only.
//! The checks of [`check`] are an operator's: the runtime's own ([`Genesis::validate`]) are the
//! consensus rules and stay as they are; these refuse, in addition, a genesis that would start a
//! chain nobody can govern or clear money on.

use crate::home::{Home, NodeConfig};
use anyhow::{Context, bail};
use shulian_runtime::block::Validator;
use shulian_runtime::genesis::{Genesis, GenesisError, GenesisOrg, Role};
use shulian_runtime::{AccountId, Fen, PublicKey};
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

/// The largest public key file read: a wallet key file is under 1 KiB; a bigger file is not one.
pub const MAX_KEY_FILE_BYTES: u64 = 64 * 1024;

/// The largest genesis file read: 64 MiB holds hundreds of thousands of organizations, far more
/// than a city's; a bigger file is a mistake, not a genesis.
pub const MAX_GENESIS_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Why a genesis is refused by `genesis validate` (and by every command that would write it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GenesisCheckError {
    /// A rule the node applies when it loads a genesis.
    #[error("{0}")]
    Runtime(#[from] GenesisError),
    /// An organization without a name.
    #[error("organization with public key {0} has an empty name")]
    EmptyOrgName(PublicKey),
    /// An organization without a role.
    #[error("organization {0:?} has no role")]
    NoRoles(String),
    /// Two organizations with one name.
    #[error("organization name {0:?} appears twice")]
    DuplicateOrgName(String),
    /// A key used twice (organizations' and validators' keys share one namespace).
    #[error("public key {key} of {entry} is already used by {other}")]
    DuplicateKey {
        /// The key.
        key: PublicKey,
        /// The entry that repeats it.
        entry: String,
        /// The entry that had it first.
        other: String,
    },
    /// A validator whose operator organization is not in the genesis.
    #[error("validator {key} is operated by {org:?}, which is not an organization of this genesis")]
    UnknownOperator {
        /// The validator's key.
        key: PublicKey,
        /// The operator named.
        org: String,
    },
    /// A validator whose operator cannot vote on governance.
    #[error("validator {key}'s operator {org:?} lacks the validator_operator role")]
    OperatorWithoutRole {
        /// The validator's key.
        key: PublicKey,
        /// The operator.
        org: String,
    },
    /// A validator with zero power.
    #[error("validator {key} of {org:?} has zero voting power")]
    ZeroPower {
        /// The validator's key.
        key: PublicKey,
        /// Its operator.
        org: String,
    },
    /// The powers do not add up in a u64.
    #[error("the validators' voting powers overflow when added")]
    PowerOverflow,
    /// One validator could commit blocks alone.
    #[error(
        "validator {key} of {org:?} holds {power} of {total} voting power, more than 2/3: it alone could commit blocks"
    )]
    DominantValidator {
        /// The validator's key.
        key: PublicKey,
        /// Its operator.
        org: String,
        /// Its power.
        power: u64,
        /// The total.
        total: u64,
    },
    /// The opening balances do not add up in a u64 (the chain would not start).
    #[error("the opening balances overflow when added (at organization {0:?})")]
    BalanceOverflow(String),
    /// Nobody could clear the market's money.
    #[error("no organization has the exchange_center role: the market and settlement need one")]
    NoExchangeCenter,
}

impl GenesisCheckError {
    /// A stable code for scripts and tests.
    pub fn code(&self) -> &'static str {
        match self {
            GenesisCheckError::Runtime(GenesisError::EmptyChainId) => "genesis.empty_chain_id",
            GenesisCheckError::Runtime(GenesisError::NoValidators) => "genesis.no_validators",
            GenesisCheckError::Runtime(GenesisError::ZeroPower(_)) => "genesis.zero_power",
            GenesisCheckError::Runtime(GenesisError::DuplicateKey(_)) => "genesis.duplicate_key",
            GenesisCheckError::Runtime(GenesisError::Suite(_)) => "genesis.crypto_suite_conflict",
            GenesisCheckError::EmptyOrgName(_) => "genesis.empty_org_name",
            GenesisCheckError::NoRoles(_) => "genesis.no_roles",
            GenesisCheckError::DuplicateOrgName(_) => "genesis.duplicate_org_name",
            GenesisCheckError::DuplicateKey { .. } => "genesis.duplicate_key",
            GenesisCheckError::UnknownOperator { .. } => "genesis.unknown_operator",
            GenesisCheckError::OperatorWithoutRole { .. } => "genesis.operator_without_role",
            GenesisCheckError::ZeroPower { .. } => "genesis.zero_power",
            GenesisCheckError::PowerOverflow => "genesis.power_overflow",
            GenesisCheckError::DominantValidator { .. } => "genesis.dominant_validator",
            GenesisCheckError::BalanceOverflow(_) => "genesis.balance_overflow",
            GenesisCheckError::NoExchangeCenter => "genesis.no_exchange_center",
        }
    }
}

/// An empty genesis: a chain id and a time, no organization, no validator.
pub fn empty(chain_id: &str, genesis_time_ms: u64) -> Genesis {
    Genesis {
        chain_id: chain_id.to_string(),
        genesis_time_ms,
        validators: Vec::new(),
        organizations: Vec::new(),
        crypto: shulian_runtime::suite::active(),
    }
}

/// Parses a role as the commands spell it (`department`, `exchange` or `exchange_center`,
/// `trader`, `regulator`, `validator_operator`).
pub fn parse_role(s: &str) -> anyhow::Result<Role> {
    Ok(match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
        "department" => Role::Department,
        "exchange" | "exchange_center" => Role::ExchangeCenter,
        "trader" => Role::Trader,
        "regulator" => Role::Regulator,
        "validator_operator" | "operator" => Role::ValidatorOperator,
        other => bail!(
            "unknown role {other:?}: use department, exchange (exchange_center), trader, regulator or validator_operator"
        ),
    })
}

/// Adds an organization, refusing a result that breaks a rule of [`check_entries`].
pub fn add_org(g: &mut Genesis, org: GenesisOrg) -> Result<(), GenesisCheckError> {
    let mut next = g.clone();
    next.organizations.push(org);
    check_entries(&next)?;
    *g = next;
    Ok(())
}

/// Adds a validator operated by organization `org` with voting power `power`, giving `org` the
/// validator_operator role if it lacks it (so it votes on governance). Answers whether the role
/// was added. Refuses a result that breaks a rule of [`check_entries`].
pub fn add_validator(g: &mut Genesis, key: PublicKey, org: &str, power: u64) -> Result<bool, GenesisCheckError> {
    let mut next = g.clone();
    let Some(o) = next.organizations.iter_mut().find(|o| o.name == org) else {
        return Err(GenesisCheckError::UnknownOperator { key, org: org.to_string() });
    };
    let added = !o.roles.contains(&Role::ValidatorOperator);
    if added {
        o.roles.push(Role::ValidatorOperator);
        o.roles.sort();
    }
    next.validators.push(Validator { name: org.to_string(), public_key: key, power });
    check_entries(&next)?;
    *g = next;
    Ok(added)
}

/// The rules every entry must keep, even in a genesis still being assembled: names and keys
/// unique, each validator's operator present with the validator_operator role, powers positive
/// and summable, no validator above 2/3 of the power when there are several, balances summable.
pub fn check_entries(g: &Genesis) -> Result<(), GenesisCheckError> {
    let mut names = BTreeSet::new();
    // Validator keys and organization keys share one namespace (the runtime's rule): each key
    // signs for one account.
    let mut keys: std::collections::BTreeMap<PublicKey, String> = Default::default();
    let mut supply = Fen::ZERO;
    for o in &g.organizations {
        if o.name.trim().is_empty() {
            return Err(GenesisCheckError::EmptyOrgName(o.public_key));
        }
        if o.roles.is_empty() {
            return Err(GenesisCheckError::NoRoles(o.name.clone()));
        }
        if !names.insert(o.name.as_str()) {
            return Err(GenesisCheckError::DuplicateOrgName(o.name.clone()));
        }
        let entry = format!("organization {:?}", o.name);
        if let Some(other) = keys.insert(o.public_key, entry.clone()) {
            return Err(GenesisCheckError::DuplicateKey { key: o.public_key, entry, other });
        }
        supply = supply.checked_add(o.balance).ok_or_else(|| GenesisCheckError::BalanceOverflow(o.name.clone()))?;
    }
    let mut total: u64 = 0;
    for v in &g.validators {
        let Some(op) = g.organizations.iter().find(|o| o.name == v.name) else {
            return Err(GenesisCheckError::UnknownOperator { key: v.public_key, org: v.name.clone() });
        };
        if !op.roles.contains(&Role::ValidatorOperator) {
            return Err(GenesisCheckError::OperatorWithoutRole { key: v.public_key, org: v.name.clone() });
        }
        if v.power == 0 {
            return Err(GenesisCheckError::ZeroPower { key: v.public_key, org: v.name.clone() });
        }
        let entry = format!("validator of {:?}", v.name);
        if let Some(other) = keys.insert(v.public_key, entry.clone()) {
            return Err(GenesisCheckError::DuplicateKey { key: v.public_key, entry, other });
        }
        total = total.checked_add(v.power).ok_or(GenesisCheckError::PowerOverflow)?;
    }
    if g.validators.len() > 1 {
        for v in &g.validators {
            // power > 2/3 of total, in integers (u128: no overflow).
            if 3 * u128::from(v.power) > 2 * u128::from(total) {
                return Err(GenesisCheckError::DominantValidator {
                    key: v.public_key,
                    org: v.name.clone(),
                    power: v.power,
                    total,
                });
            }
        }
    }
    Ok(())
}

/// Everything `genesis validate` checks: the runtime's rules, [`check_entries`], and a complete
/// network's needs (at least one validator, an exchange center).
pub fn check(g: &Genesis) -> Result<(), GenesisCheckError> {
    g.validate()?;
    check_entries(g)?;
    if !g.organizations.iter().any(|o| o.roles.contains(&Role::ExchangeCenter)) {
        return Err(GenesisCheckError::NoExchangeCenter);
    }
    Ok(())
}

/// Reads a public key from a file: a wallet key file or a node's `validator_key.json` (only its
/// `public_key` field is read; a key file's `account` must match it), a JSON object
/// `{"public_key": "HEX"}`, a JSON string, or 64 hex characters.
pub fn read_public_key(path: &Path) -> anyhow::Result<PublicKey> {
    let text = read_bounded(path, MAX_KEY_FILE_BYTES)?;
    parse_public_key(&text).with_context(|| format!("key file {}", path.display()))
}

fn parse_public_key(text: &str) -> anyhow::Result<PublicKey> {
    let t = text.trim();
    if let Ok(k) = t.parse::<PublicKey>() {
        return Ok(k);
    }
    let v: serde_json::Value =
        serde_json::from_str(t).context("neither 64 hex characters nor JSON with a \"public_key\"")?;
    let hex = match &v {
        serde_json::Value::String(s) => s.as_str(),
        serde_json::Value::Object(m) => {
            m.get("public_key").and_then(|p| p.as_str()).context("the JSON has no \"public_key\" string")?
        }
        _ => bail!("expected a JSON object with a \"public_key\" or a JSON string"),
    };
    let key: PublicKey = hex.parse().context("public_key is not 32 bytes of hex")?;
    if let Some(account) = v.get("account").and_then(|a| a.as_str())
        && account != AccountId::from_public_key(&key).to_string()
    {
        bail!("its account {account} is not that of its public key {key}");
    }
    Ok(key)
}

fn read_bounded(path: &Path, max: u64) -> anyhow::Result<String> {
    let len = fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?.len();
    if len > max {
        bail!("{} is {len} bytes, more than the {max} expected", path.display());
    }
    fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Reads a genesis file (not checked: `validate` reports what is wrong with it).
pub fn load(path: &Path) -> anyhow::Result<Genesis> {
    let text = read_bounded(path, MAX_GENESIS_FILE_BYTES)?;
    serde_json::from_str(&text)
        .with_context(|| format!("genesis file {} is not valid JSON of a genesis", path.display()))
}

/// Writes a genesis file (pretty JSON, the node's format) through a temporary file and a rename,
/// so a crash never leaves half a genesis.
pub fn save(path: &Path, g: &Genesis) -> anyhow::Result<()> {
    let mut bytes = serde_json::to_vec_pretty(g)?;
    bytes.push(b'\n');
    let tmp = path.with_extension("json.tmp");
    fs::write(&tmp, &bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// What `init` did to a home.
#[derive(Clone, Debug)]
pub struct InitReport {
    /// The validator's public key (for `genesis add-validator`).
    pub public_key: PublicKey,
    /// Its libp2p peer id (for the other nodes' `peers`).
    pub peer_id: String,
    /// Whether the key was generated now.
    pub generated_key: bool,
    /// The genesis hash, when the home has a genesis.
    pub genesis_hash: Option<String>,
    /// Whether the key is a validator of that genesis.
    pub is_validator: Option<bool>,
}

/// What `init` sets in `config.toml` (each `None`/empty leaves the current value).
#[derive(Clone, Debug, Default)]
pub struct InitConfig {
    /// HTTP address of the API and explorer.
    pub http: Option<String>,
    /// libp2p listen address.
    pub p2p_listen: Option<String>,
    /// Peers, replacing the current list when not empty.
    pub peers: Vec<String>,
}

/// Makes (or completes) a validator's home: its key (copied from `key`, else kept, else
/// generated), `config.toml` (created with defaults, then the given settings applied) and, with
/// `genesis`, the checked genesis (refused if the home already holds a different one). Run it
/// once without a genesis to get the key for `genesis add-validator`, and again with the genesis.
pub fn init_home(
    home: &Home,
    genesis: Option<&Path>,
    key: Option<&Path>,
    settings: &InitConfig,
) -> anyhow::Result<InitReport> {
    let g = match genesis {
        Some(p) => {
            let g = load(p)?;
            check(&g).with_context(|| format!("genesis file {} is refused", p.display()))?;
            Some(g)
        }
        None => None,
    };
    fs::create_dir_all(&home.dir).with_context(|| format!("cannot create {}", home.dir.display()))?;
    let has_key = home.validator_key_path().exists();
    let generated_key = match (has_key, key) {
        (true, Some(_)) => bail!("{} already has a validator key: remove --key", home.dir.display()),
        (true, None) => false,
        (false, Some(p)) => {
            let k = crate::home::read_validator_key(p)?;
            crate::home::write_validator_key(&home.validator_key_path(), &k)?;
            false
        }
        (false, None) => {
            crate::home::write_validator_key(&home.validator_key_path(), &crate::home::random_key()?)?;
            true
        }
    };
    let secret = home.validator_key()?;
    // A new home leaves `submit_enabled` to the node's role: on for a validator of the genesis,
    // off for an observer (a regulator's follower), until an operator sets it.
    let mut cfg = if home.config_path().exists() {
        home.config()?
    } else {
        NodeConfig { submit_enabled: None, ..NodeConfig::default() }
    };
    if let Some(h) = &settings.http {
        cfg.http = h.clone();
    }
    if let Some(p) = &settings.p2p_listen {
        cfg.p2p_listen = p.clone();
    }
    if !settings.peers.is_empty() {
        cfg.peers = settings.peers.clone();
    }
    fs::write(home.config_path(), toml::to_string(&cfg)?)
        .with_context(|| format!("cannot write {}", home.config_path().display()))?;
    let public_key = secret.public_key();
    let mut report = InitReport {
        public_key,
        peer_id: home.peer_id(&secret)?.to_string(),
        generated_key,
        genesis_hash: None,
        is_validator: None,
    };
    if let Some(g) = g {
        if home.exists() {
            let current = load(&home.genesis_path())?;
            if current.hash() != g.hash() {
                bail!(
                    "{} already holds genesis {} (this one is {}): a home serves one chain",
                    home.dir.display(),
                    current.hash(),
                    g.hash()
                );
            }
        } else {
            save(&home.genesis_path(), &g)?;
        }
        report.genesis_hash = Some(g.hash().to_string());
        report.is_validator = Some(g.validators.iter().any(|v| v.public_key == public_key));
    } else if home.exists() {
        report.genesis_hash = Some(home.genesis()?.hash().to_string());
    }
    Ok(report)
}

#[cfg(test)]
mod tests;
