//! `shulian config show|set|unset`: the settings file and the values in effect.

use super::Context;
use crate::args::{ConfigCommand, SettingName};
use crate::config::{self, Config, Setting};
use crate::error::{CliError, exit};
use crate::keystore;
use serde_json::json;
use std::path::PathBuf;

/// Runs one `config` subcommand.
pub(super) fn run(ctx: &Context, cmd: ConfigCommand) -> Result<u8, CliError> {
    let (path, explicit) = locate(ctx)?;
    match cmd {
        ConfigCommand::Show => show(ctx, path, explicit),
        ConfigCommand::Set { setting, value } => {
            let mut c = config::load(&path, false)?;
            c.set(setting.key(), &value)?;
            // Check the new file as it will be read, before writing it.
            let text = toml::to_string(&c).map_err(|e| CliError::Internal(e.to_string()))?;
            Config::parse(&path, &text)?;
            config::save(&path, &c)?;
            changed(ctx, &path, setting, Some(&value))
        }
        ConfigCommand::Unset { setting } => {
            let mut c = config::load(&path, false)?;
            c.unset(setting.key())?;
            config::save(&path, &c)?;
            changed(ctx, &path, setting, None)
        }
    }
}

/// The settings file this run uses (`--config`/`SHULIAN_CONFIG` were parsed into `global.config`).
pub(super) fn locate(ctx: &Context) -> Result<(PathBuf, bool), CliError> {
    match &ctx.global.config {
        Some(path) => Ok((path.clone(), true)),
        None => Ok(config::locate(&[], None, std::env::var_os("HOME"))?),
    }
}

fn changed(ctx: &Context, path: &std::path::Path, setting: SettingName, value: Option<&str>) -> Result<u8, CliError> {
    let v = json!({ "file": path, "setting": setting.key(), "value": value });
    ctx.out.result(&v, || match value {
        Some(value) => format!("{} = {value:?} in {}\n", setting.key(), path.display()),
        None => format!("{} removed from {}\n", setting.key(), path.display()),
    })?;
    Ok(exit::SUCCESS)
}

/// Each setting in effect and where it comes from. The flag is told apart from the environment
/// variable by comparing the value in effect with what the variable says.
fn show(ctx: &Context, path: PathBuf, explicit: bool) -> Result<u8, CliError> {
    let file = config::load(&path, explicit)?;
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let flag_if_other =
        |effective: String, env_value: &Option<String>, file_value: &Option<String>, default: Option<&str>| {
            let from_lower = env_value.clone().or_else(|| file_value.clone()).or_else(|| default.map(str::to_string));
            (from_lower.as_deref() != Some(effective.as_str())).then_some(effective)
        };
    let node_env = env(config::NODE_ENV);
    let node_effective = ctx.global.node.to_string();
    let node = config::pick(
        flag_if_other(node_effective, &node_env, &file.node, Some(config::DEFAULT_NODE)),
        config::NODE_ENV,
        node_env,
        file.node.clone(),
        Some(config::DEFAULT_NODE.to_string()),
    );
    let ks_env = env(config::KEYSTORE_ENV);
    let ks_file = file.keystore.as_ref().map(|p| p.display().to_string());
    let ks_default = keystore::default_dir().ok().map(|p| p.display().to_string());
    let ks_effective = ctx.keystore()?.dir().display().to_string();
    let keystore = config::pick(
        flag_if_other(ks_effective, &ks_env, &ks_file, ks_default.as_deref()),
        config::KEYSTORE_ENV,
        ks_env,
        ks_file,
        ks_default,
    );
    let key = config::pick(None, config::KEY_ENV, env(config::KEY_ENV), file.default_key.clone(), None);
    let chain_env = env(config::CHAIN_ENV);
    let chain = config::pick(
        ctx.global.chain_id.clone().and_then(|c| flag_if_other(c, &chain_env, &file.chain_id, None)),
        config::CHAIN_ENV,
        chain_env,
        file.chain_id.clone(),
        None,
    );
    let entry = |s: &Option<Setting>| json!(s.as_ref().map(|s| json!({ "value": s.value, "source": s.source })));
    let v = json!({
        "file": path,
        "file_exists": path.exists(),
        "node": entry(&node),
        "default_key": entry(&key),
        "keystore": entry(&keystore),
        "chain_id": entry(&chain),
    });
    ctx.out.result(&v, || {
        let line = |name: &str, s: &Option<Setting>| match s {
            Some(s) => format!("{name:<14}{}  ({})\n", s.value, s.source),
            None => format!("{name:<14}(none: give --from on each command)\n"),
        };
        let state = if path.exists() { "" } else { "  (not created yet)" };
        format!("{:<14}{}{state}\n", "settings file", path.display())
            + &line("node", &node)
            + &line("default key", &key)
            + &line("keystore", &keystore)
            + &match &chain {
                Some(s) => format!("{:<14}{}  ({})\n", "chain id", s.value, s.source),
                None => format!("{:<14}(none yet: pinned from the node at the first signing)\n", "chain id"),
            }
    })?;
    Ok(exit::SUCCESS)
}
