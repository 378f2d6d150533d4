//! `shulian keys new|list|show`.

use super::Context;
use crate::args::KeysCommand;
use crate::error::{CliError, exit};
use crate::passphrase::{self, Purpose};
use crate::render;
use serde_json::json;

/// Runs one `keys` subcommand.
pub(super) fn run(ctx: &Context, cmd: KeysCommand) -> Result<u8, CliError> {
    let ks = ctx.keystore()?;
    match cmd {
        KeysCommand::New { name } => {
            // Check the name and refuse an existing key before asking for a passphrase.
            let path = ks.path_of(&name)?;
            if path.exists() {
                return Err(crate::keystore::KeystoreError::Exists { name, path }.into());
            }
            let pass = passphrase::obtain(ctx.global.passphrase_file.as_deref(), Purpose::New(&name))?;
            let key = ks.create(&name, &pass)?;
            ctx.out.result(&json!(key), || render::key(&key))?;
        }
        KeysCommand::List => {
            let (keys, broken) = ks.list()?;
            for e in &broken {
                ctx.out.note(&format!("warning: skipped {e}"));
            }
            ctx.out.result(&json!(keys), || {
                if keys.is_empty() { format!("no keys in {}\n", ks.dir().display()) } else { render::keys(&keys) }
            })?;
        }
        KeysCommand::Show { name } => {
            let key = ks.show(&name)?;
            ctx.out.result(&json!(key), || render::key(&key))?;
        }
    }
    Ok(exit::SUCCESS)
}
