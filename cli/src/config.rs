//! The wallet's settings file, `$HOME/.shulian/config.toml` (or `--config FILE` /
//! `SHULIAN_CONFIG`): the default node URL, the default signing key, the keystore directory and
//! the chain id the wallet signs for (pinned at first use, see `commands::Context::pinned_chain_id`).
//!
//! Precedence, first found wins: a command-line flag, its environment variable, the settings
//! file, the built-in default. The file only supplies clap default values before the command line
//! is parsed, so every command sees one resolved value and `--help` shows the configured default.

use crate::client::NodeUrl;
use clap::Command;
use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Environment variable naming the settings file.
pub const CONFIG_ENV: &str = "SHULIAN_CONFIG";
/// Environment variable naming the node.
pub const NODE_ENV: &str = "SHULIAN_NODE";
/// Environment variable naming the default signing key (beats `default_key` in the file).
pub const KEY_ENV: &str = "SHULIAN_KEY";
/// Environment variable naming the keystore directory.
pub const KEYSTORE_ENV: &str = "SHULIAN_KEYSTORE";
/// Environment variable naming the chain id the wallet signs for (beats `chain_id` in the file).
pub const CHAIN_ENV: &str = "SHULIAN_CHAIN_ID";
/// Longest chain id accepted in the settings: far above any real one (`shulian-dev`), short
/// enough to print in one line.
const MAX_CHAIN_ID: usize = 128;
/// The node used when nothing else names one.
pub const DEFAULT_NODE: &str = "http://127.0.0.1:8645";
/// Settings files larger than this are refused.
const MAX_CONFIG_BYTES: u64 = 64 * 1024;

/// Why the settings file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read or written.
    #[error("cannot access settings file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Not valid TOML, an unknown setting, or a bad value.
    #[error("settings file {} is invalid: {reason}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// `config set` of a setting that does not exist.
    #[error("unknown setting {0:?}: the settings are node, default_key, keystore and chain_id")]
    UnknownSetting(String),
    /// No file was named and `HOME` is not set.
    #[error("no settings file: give --config FILE or set SHULIAN_CONFIG (HOME is not set)")]
    NoHome,
}

impl ConfigError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ConfigError::Io { .. } => "config_io",
            ConfigError::Invalid { .. } => "bad_config",
            ConfigError::UnknownSetting(_) => "unknown_setting",
            ConfigError::NoHome => "no_config",
        }
    }
}

/// The settings file's contents; every setting is optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Node URL used when neither `--node` nor `SHULIAN_NODE` is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// Key name used for `--from` when neither `--from` nor `SHULIAN_KEY` is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_key: Option<String>,
    /// Keystore directory used when neither `--keystore` nor `SHULIAN_KEYSTORE` is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keystore: Option<PathBuf>,
    /// The only chain the wallet signs for when neither `--chain-id` nor `SHULIAN_CHAIN_ID` is
    /// given; a node that reports another one gets nothing signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_id: Option<String>,
}

/// Checks a chain id for the settings: not empty, no spaces or control characters, not absurdly
/// long (a typo or a pasted paragraph would otherwise pin nothing usable).
pub fn check_chain_id(id: &str) -> Result<(), String> {
    if id.is_empty() || id.len() > MAX_CHAIN_ID || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("{id:?} is not a chain id (1 to {MAX_CHAIN_ID} characters, no spaces)"));
    }
    Ok(())
}

impl Config {
    /// Parses and checks the text of the file at `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let invalid = |reason: String| ConfigError::Invalid { path: path.to_path_buf(), reason };
        let config: Config = toml::from_str(text).map_err(|e| invalid(e.message().to_string()))?;
        if let Some(node) = &config.node {
            node.parse::<NodeUrl>().map_err(|e| invalid(format!("node: {e}")))?;
        }
        if let Some(key) = &config.default_key {
            crate::keystore::validate_name(key).map_err(|e| invalid(format!("default_key: {e}")))?;
        }
        if let Some(id) = &config.chain_id {
            check_chain_id(id).map_err(|e| invalid(format!("chain_id: {e}")))?;
        }
        Ok(config)
    }

    /// Sets one setting by name from its text form.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), ConfigError> {
        match name {
            "node" => self.node = Some(value.to_string()),
            "default_key" => self.default_key = Some(value.to_string()),
            "keystore" => self.keystore = Some(PathBuf::from(value)),
            "chain_id" => self.chain_id = Some(value.to_string()),
            other => return Err(ConfigError::UnknownSetting(other.to_string())),
        }
        Ok(())
    }

    /// Removes one setting by name.
    pub fn unset(&mut self, name: &str) -> Result<(), ConfigError> {
        match name {
            "node" => self.node = None,
            "default_key" => self.default_key = None,
            "keystore" => self.keystore = None,
            "chain_id" => self.chain_id = None,
            other => return Err(ConfigError::UnknownSetting(other.to_string())),
        }
        Ok(())
    }
}

/// Where the settings file is: `--config`, else `SHULIAN_CONFIG`, else `$HOME/.shulian/config.toml`.
/// The flag's value is also accepted as `--config=FILE`. Answers the path and whether it was
/// named explicitly (then it must exist).
pub fn locate(
    args: &[OsString],
    env: Option<OsString>,
    home: Option<OsString>,
) -> Result<(PathBuf, bool), ConfigError> {
    let mut flag = None;
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        if a == "--config" {
            flag = it.next().cloned();
        } else if let Some(v) = a.to_str().and_then(|s| s.strip_prefix("--config=")) {
            flag = Some(OsString::from(v));
        }
    }
    match (flag, env) {
        (Some(f), _) => Ok((PathBuf::from(f), true)),
        (None, Some(e)) if !e.is_empty() => Ok((PathBuf::from(e), true)),
        _ => match home {
            Some(h) if !h.is_empty() => Ok((Path::new(&h).join(".shulian").join("config.toml"), false)),
            _ => Err(ConfigError::NoHome),
        },
    }
}

/// Reads the settings file; a missing file that was not named explicitly is an empty one.
pub fn load(path: &Path, explicit: bool) -> Result<Config, ConfigError> {
    let io = |source| ConfigError::Io { path: path.to_path_buf(), source };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => return Ok(Config::default()),
        Err(e) => return Err(io(e)),
    };
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(ConfigError::Invalid {
            path: path.to_path_buf(),
            reason: format!("{} bytes is too large", meta.len()),
        });
    }
    Config::parse(path, &std::fs::read_to_string(path).map_err(io)?)
}

/// Writes the settings file (creating `~/.shulian` if needed), replacing the old one atomically.
pub fn save(path: &Path, config: &Config) -> Result<(), ConfigError> {
    let io = |source| ConfigError::Io { path: path.to_path_buf(), source };
    let text = toml::to_string(config)
        .map_err(|e| ConfigError::Invalid { path: path.to_path_buf(), reason: e.to_string() })?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let tmp = path.with_extension("toml.tmp");
    std::fs::write(&tmp, text).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

/// A setting's value and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    /// The value.
    pub value: String,
    /// `flag`, `env SHULIAN_…`, `config file` or `built-in default`.
    pub source: String,
}

/// Picks a setting by precedence: flag, environment variable `env_name`, file, default.
pub fn pick(
    flag: Option<String>,
    env_name: &str,
    env: Option<String>,
    file: Option<String>,
    default: Option<String>,
) -> Option<Setting> {
    let with = |value: String, source: &str| Some(Setting { value, source: source.to_string() });
    match (flag, env.filter(|e| !e.is_empty()), file, default) {
        (Some(v), ..) => with(v, "flag"),
        (None, Some(v), ..) => with(v, &format!("env {env_name}")),
        (None, None, Some(v), _) => with(v, "config file"),
        (None, None, None, Some(v)) => with(v, "built-in default"),
        (None, None, None, None) => None,
    }
}

/// Gives the parsed command line the file's settings as default values, below the flags and
/// environment variables: `--node`, `--keystore`, `--chain-id` and every required `--from`
/// signing key.
pub fn apply(cmd: Command, config: &Config, key_env: Option<String>) -> Command {
    let mut cmd = cmd;
    if let Some(node) = &config.node {
        cmd = cmd.mut_arg("node", |a| a.default_value(leak(node)));
    }
    if let Some(dir) = &config.keystore {
        cmd = cmd.mut_arg("keystore", |a| a.default_value(leak(&dir.to_string_lossy())));
    }
    if let Some(id) = &config.chain_id {
        cmd = cmd.mut_arg("chain_id", |a| a.default_value(leak(id)));
    }
    match key_env.filter(|k| !k.is_empty()).or_else(|| config.default_key.clone()) {
        Some(key) => with_default_key(cmd, leak(&key)),
        None => cmd,
    }
}

/// Sets `key` as the default of every required `--from` (a signing key) in the command tree.
fn with_default_key(cmd: Command, key: &'static str) -> Command {
    let cmd = cmd.mut_subcommands(|sc| with_default_key(sc, key));
    let signs =
        cmd.get_arguments().any(|a| a.get_id() == "from" && a.get_long() == Some("from") && a.is_required_set());
    if signs { cmd.mut_arg("from", |a| a.default_value(key).required(false)) } else { cmd }
}

/// clap keeps default values for the life of the process; a settings value is one small string
/// parsed once per run, so leaking it is the simplest correct ownership.
fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn flag_beats_environment_beats_home() {
        let home = Some(OsString::from("/home/u"));
        let (p, explicit) =
            locate(&os(&["shulian", "status", "--config", "/a.toml"]), Some("/b.toml".into()), home.clone())
                .expect("locate");
        assert_eq!((p, explicit), (PathBuf::from("/a.toml"), true));
        let (p, _) = locate(&os(&["shulian", "--config=/c.toml"]), None, home.clone()).expect("locate");
        assert_eq!(p, PathBuf::from("/c.toml"));
        let (p, explicit) = locate(&os(&["shulian"]), Some("/b.toml".into()), home.clone()).expect("locate");
        assert_eq!((p, explicit), (PathBuf::from("/b.toml"), true));
        let (p, explicit) = locate(&os(&["shulian"]), None, home).expect("locate");
        assert_eq!((p, explicit), (PathBuf::from("/home/u/.shulian/config.toml"), false));
        assert!(matches!(locate(&os(&["shulian"]), None, None), Err(ConfigError::NoHome)));
    }

    #[test]
    fn settings_are_checked() {
        let p = Path::new("c.toml");
        let ok = Config::parse(p, "node = \"http://n:1\"\ndefault_key = \"trader\"\n").expect("parse");
        assert_eq!(ok.node.as_deref(), Some("http://n:1"));
        assert_eq!(ok.default_key.as_deref(), Some("trader"));
        assert_eq!(
            Config::parse(p, "chain_id = \"shulian-dev\"\n").expect("parse").chain_id.as_deref(),
            Some("shulian-dev")
        );
        for bad in [
            "node = \"n:1\"",
            "default_key = \"a/b\"",
            "nodes = \"http://x\"",
            "node = ",
            "chain_id = \"\"",
            "chain_id = \"a b\"",
        ] {
            assert!(matches!(Config::parse(p, bad), Err(ConfigError::Invalid { .. })), "{bad}");
        }
    }

    #[test]
    fn precedence_is_flag_env_file_default() {
        let s = |f: Option<&str>, e: Option<&str>, c: Option<&str>| {
            pick(f.map(Into::into), "X", e.map(Into::into), c.map(Into::into), Some("d".into())).map(|s| s.source)
        };
        assert_eq!(s(Some("f"), Some("e"), Some("c")).as_deref(), Some("flag"));
        assert_eq!(s(None, Some("e"), Some("c")).as_deref(), Some("env X"));
        assert_eq!(s(None, Some(""), Some("c")).as_deref(), Some("config file"));
        assert_eq!(s(None, None, None).as_deref(), Some("built-in default"));
    }

    #[test]
    fn missing_implicit_file_is_empty_but_missing_named_file_is_an_error() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("none.toml");
        assert_eq!(load(&path, false).expect("empty"), Config::default());
        assert!(matches!(load(&path, true), Err(ConfigError::Io { .. })));
        let mut c = Config::default();
        c.set("node", "http://a:1").expect("set");
        assert!(c.set("colour", "x").is_err());
        save(&path, &c).expect("save");
        assert_eq!(load(&path, true).expect("load"), c);
    }
}
