//! `shulian gateway`: unlocks the key, starts the nonce manager on its own thread and serves the
//! gateway's HTTP API until Ctrl-C or SIGTERM.

use super::Context;
use crate::args::GatewayArgs;
use crate::error::{CliError, exit};
use crate::gateway::listen::Bound;
use crate::gateway::log::SignLogFile;
use crate::gateway::nonces::{ManagerConfig, NonceManager, SignLog};
use crate::gateway::server::{self, Gateway};
use crate::gateway::{self as gw, auth};
use std::sync::Arc;

/// Runs the gateway until it is stopped.
pub(crate) fn run(ctx: &Context, args: &GatewayArgs) -> Result<u8, CliError> {
    args.listen.check_exposure(args.allow_remote).map_err(CliError::Usage)?;
    let token_path = match &args.token_file {
        Some(p) => p.clone(),
        None => gw::default_token_path(&args.key)
            .ok_or_else(|| CliError::Usage("HOME is not set: give --token-file FILE".into()))?,
    };
    // The key first: a wrong passphrase stops here, before any file is written.
    let key = ctx.unlock(&args.key)?;
    let (token, generated) = auth::load_or_create(&token_path).map_err(|e| CliError::Usage(e.to_string()))?;
    let log_path = gw::log_path_for(&token_path);
    let log = Arc::new(
        SignLogFile::open(&log_path).map_err(|source| CliError::InputFile { path: log_path.clone(), source })?,
    );
    let sink = log.clone();
    let log_fn: SignLog = Box::new(move |line| sink.write(line));
    let cfg =
        ManagerConfig { max_queue: usize::try_from(args.max_queue).unwrap_or(usize::MAX), ..ManagerConfig::default() };
    let client = ctx.client();
    let pinned = ctx.pinned_chain_id(&client)?;
    let manager = Arc::new(NonceManager::start_pinned(client.clone(), key, &pinned, cfg, log_fn)?);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Internal(format!("cannot start the async runtime: {e}")))?;
    let listener = runtime
        .block_on(Bound::bind(&args.listen))
        .map_err(|e| CliError::Usage(format!("cannot listen on {}: {e}", args.listen)))?;
    let submitter = {
        let m = manager.clone();
        std::thread::Builder::new()
            .name("gateway-submitter".into())
            .spawn(move || m.run())
            .map_err(|e| CliError::Internal(format!("cannot start the submitter: {e}")))?
    };
    let state = Arc::new(Gateway {
        manager: manager.clone(),
        waiter: Arc::new(client.clone()),
        token,
        key_name: args.key.clone(),
        node_url: client.url().to_string(),
    });
    if generated {
        ctx.out.raw(&format!("generated token in {}\n", token_path.display()))?;
    }
    let counts = manager.counts();
    ctx.out.raw(&format!(
        "gateway for key {} (account {}), next nonce {}, signing log {}\nlistening on {}\n",
        args.key,
        manager.account(),
        counts.next_nonce,
        log.path().display(),
        listener.address()
    ))?;
    // On Ctrl-C or SIGTERM the manager stops first, so callers still waiting for admission are
    // answered (503 shutting_down) and the server can finish its open requests.
    let stopping = manager.clone();
    let shutdown = async move {
        shutdown_signal().await;
        stopping.stop();
    };
    let served = runtime.block_on(listener.serve(server::router(state), shutdown));
    manager.stop();
    let _ = submitter.join();
    let left = manager.counts();
    if left.next_nonce > left.committed_nonce {
        ctx.out.note(&format!(
            "stopped with {} signed transactions not known to be committed (nonces {}..{}); they are in {}",
            left.next_nonce - left.committed_nonce,
            left.committed_nonce,
            left.next_nonce,
            log.path().display()
        ));
    }
    served.map_err(|e| CliError::Internal(format!("the gateway's server failed: {e}")))?;
    Ok(exit::SUCCESS)
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
