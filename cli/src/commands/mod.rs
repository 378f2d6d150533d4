//! One function per subcommand. Each returns the process exit code of a command that ran to the
//! end (a transaction can fail in its contract without the command failing) or a [`CliError`].

mod chain;
mod dataset;
mod events;
mod gateway;
mod grant;
mod inbox;
mod keys;
mod lists;
mod market;
mod org;
mod registry;
mod settings;
mod submit;
mod transfer;
mod tx;

use crate::args::{Cli, Command, GlobalArgs};
use crate::client::NodeClient;
use crate::config;
use crate::error::{CliError, exit};
use crate::keystore::{self, Keystore};
use crate::output::Printer;
use crate::passphrase::{self, Purpose};
use clap::CommandFactory;
use shulian_runtime::SecretKey;

pub use grant::plain_blake3;
pub use market::split_bps;
pub use submit::{NewId, find_ids, submit_call, submit_for_ids};

/// What every command needs: the global options and the printer.
#[derive(Debug)]
pub struct Context {
    /// Global options.
    pub global: GlobalArgs,
    /// Where results go.
    pub out: Printer,
}

impl Context {
    /// A context for `global`.
    pub fn new(global: GlobalArgs) -> Self {
        let out = Printer::new(global.json);
        Context { global, out }
    }

    /// The keystore given by `--keystore` / `SHULIAN_KEYSTORE`, or `$HOME/.shulian/keys`.
    pub fn keystore(&self) -> Result<Keystore, CliError> {
        let dir = match &self.global.keystore {
            Some(dir) => dir.clone(),
            None => keystore::default_dir()?,
        };
        Ok(Keystore::new(dir))
    }

    /// A client of the node given by `--node`.
    pub fn client(&self) -> NodeClient {
        NodeClient::new(self.global.node.clone())
    }

    /// The only chain this wallet signs for: `--chain-id`, `SHULIAN_CHAIN_ID` or `chain_id` in
    /// the settings file. With none of them (the first use), the chain the node reports is
    /// pinned in the settings file, as SSH pins a host key, and said so on stderr: from then on a
    /// node of another chain gets nothing signed. Signing checks the node against it
    /// ([`crate::txflow::prepare`]).
    pub fn pinned_chain_id(&self, client: &NodeClient) -> Result<String, CliError> {
        if let Some(id) = &self.global.chain_id {
            config::check_chain_id(id).map_err(|e| CliError::Usage(format!("--chain-id: {e}")))?;
            return Ok(id.clone());
        }
        let reported = crate::txflow::chain_id(client)?;
        let cannot_pin = |why: String| {
            CliError::Usage(format!(
                "this wallet has no chain id pinned and cannot pin the node's ({reported:?}): {why}; \
                 give --chain-id ID or set SHULIAN_CHAIN_ID"
            ))
        };
        config::check_chain_id(&reported).map_err(|e| cannot_pin(format!("the node reports {e}")))?;
        let (path, explicit) = settings::locate(self).map_err(|e| cannot_pin(e.to_string()))?;
        let mut file = config::load(&path, explicit)?;
        file.chain_id = Some(reported.clone());
        config::save(&path, &file)?;
        self.out.note(&format!(
            "pinned chain id {reported:?} (reported by the node at {}) in {}: from now on this wallet signs \
             only for that chain (`shulian config set chain_id ID` changes it)",
            client.url(),
            path.display()
        ));
        Ok(reported)
    }

    /// Reads and decrypts key `name`. The file is read before the passphrase is asked for, so a
    /// missing key is reported without a useless prompt; no network call happens here.
    pub fn unlock(&self, name: &str) -> Result<SecretKey, CliError> {
        let file = self.keystore()?.load(name)?;
        let pass = passphrase::obtain(self.global.passphrase_file.as_deref(), Purpose::Unlock(name))?;
        Ok(file.decrypt(&pass).map_err(keystore::KeystoreError::from)?)
    }
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<u8, CliError> {
    if let Some(suite) = cli.global.crypto {
        shulian_runtime::suite::fix(suite).map_err(|e| CliError::Usage(e.to_string()))?;
    }
    let ctx = Context::new(cli.global);
    match cli.command {
        Command::Keys(cmd) => keys::run(&ctx, cmd),
        Command::Status => chain::status(&ctx),
        Command::Transfer(args) => transfer::run(&ctx, &args),
        Command::Tx(args) => tx::run(&ctx, args),
        Command::Block { block } => chain::block(&ctx, block),
        Command::Account(args) => chain::account(&ctx, &args),
        Command::Org(cmd) => org::run(&ctx, cmd),
        Command::Dataset(cmd) => dataset::run(&ctx, cmd),
        Command::Request(args) => grant::request(&ctx, args),
        Command::Grant(cmd) => grant::run(&ctx, cmd),
        Command::Receipt(args) => grant::receipt(&ctx, args),
        Command::Lineage(cmd) => dataset::lineage(&ctx, cmd),
        Command::Events(args) => events::run(&ctx, &args),
        Command::Listing(cmd) => market::listing(&ctx, cmd),
        Command::Order(cmd) => market::order(&ctx, cmd),
        Command::Arbitrate(args) => market::arbitrate(&ctx, args),
        Command::Deposit(args) => submit::execute(&ctx, market::deposit_plan(args)),
        Command::Withdraw(args) => submit::execute(&ctx, market::withdraw_plan(args)),
        Command::RequestWithdrawal(args) => submit::execute(&ctx, market::request_withdrawal_plan(args)),
        Command::Balance(args) => market::balance(&ctx, &args),
        Command::Gateway(args) => gateway::run(&ctx, &args),
        Command::Catalog(args) => lists::catalog(&ctx, &args),
        Command::Inbox(args) => inbox::run(&ctx, &args),
        Command::Requests(args) => lists::requests(&ctx, &args),
        Command::Grants(args) => lists::grants(&ctx, &args),
        Command::Listings(args) => lists::listings(&ctx, &args),
        Command::Orders(args) => lists::orders(&ctx, &args),
        Command::Statement(args) => lists::statement(&ctx, &args),
        Command::Regulator(cmd) => lists::regulator(&ctx, &cmd),
        Command::Element(cmd) => registry::element(&ctx, cmd),
        Command::Demand(cmd) => registry::demand(&ctx, cmd),
        Command::Config(cmd) => settings::run(&ctx, cmd),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(clap_complete::Shell::from(shell), &mut Cli::command(), "shulian", &mut script);
            ctx.out.raw(&String::from_utf8_lossy(&script))?;
            Ok(exit::SUCCESS)
        }
    }
}
