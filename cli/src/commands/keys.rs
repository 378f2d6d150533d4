//! `shulian keys new|list|show|import|export`.

use super::Context;
use crate::args::{ImportArgs, KeysCommand};
use crate::error::{CliError, exit};
use crate::keystore::{Keystore, KeystoreError, parse_secret_hex};
use crate::passphrase::{self, Purpose};
use crate::render;
use serde_json::json;
use std::io::Read;
use zeroize::Zeroizing;

/// A clear secret key file is 64 hex characters; anything much longer is not one.
const MAX_SECRET_FILE_BYTES: u64 = 4096;

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
        KeysCommand::Import(a) => {
            let key = import(ctx, &ks, &a)?;
            ctx.out.result(&json!(key), || render::key(&key))?;
        }
        KeysCommand::Export(a) => {
            let key = ks.export(&a.name, &a.out)?;
            ctx.out.note(&format!(
                "wrote an encrypted copy of key {} to {}; it opens with the key's passphrase",
                a.name,
                a.out.display()
            ));
            ctx.out.result(
                &json!({ "name": key.name, "account": key.account, "public_key": key.public_key, "file": a.out }),
                || render::key(&key),
            )?;
        }
    }
    Ok(exit::SUCCESS)
}

/// `keys import`: an encrypted key file is copied as it is; a clear secret is encrypted under a
/// new passphrase and the clear bytes are wiped from memory.
fn import(ctx: &Context, ks: &Keystore, a: &ImportArgs) -> Result<crate::keystore::KeyInfo, CliError> {
    // Check the name and refuse an existing key before reading secrets or asking for a passphrase.
    let path = ks.path_of(&a.name)?;
    if path.exists() {
        return Err(KeystoreError::Exists { name: a.name.clone(), path }.into());
    }
    if let Some(file) = &a.key_file {
        return Ok(ks.import_file(&a.name, file)?);
    }
    let Some(source) = &a.secret_file else {
        return Err(CliError::Usage("give --secret-file FILE or --key-file FILE".into()));
    };
    let mut text = Zeroizing::new(String::new());
    let read = if source.as_os_str() == "-" {
        std::io::stdin().lock().take(MAX_SECRET_FILE_BYTES).read_to_string(&mut text)
    } else {
        std::fs::File::open(source).and_then(|f| f.take(MAX_SECRET_FILE_BYTES).read_to_string(&mut text))
    };
    read.map_err(|e| CliError::InputFile { path: source.clone(), source: e })?;
    let key = parse_secret_hex(&text)?;
    let pass = passphrase::obtain(ctx.global.passphrase_file.as_deref(), Purpose::New(&a.name))?;
    Ok(ks.import_secret(&a.name, &key, &pass)?)
}
