//! The API's own tokio runtime: its worker and blocking threads, separate from the runtime that
//! consensus and networking run on, and at a lower CPU priority than theirs. It must never share
//! a thread with consensus.

use super::MAX_STORE_READS;
use std::time::Duration;

/// Async worker threads of the API's own runtime ([`runtime`]): two, as many as the reference
/// machine's cores; they only parse, route and write answers, the store reads run on blocking
/// threads.
pub const API_WORKER_THREADS: usize = 2;

/// Blocking threads of the API's runtime: the store reads ([`MAX_STORE_READS`] at once) and a
/// spare pair for the runtime's own blocking work.
pub const API_BLOCKING_THREADS: usize = MAX_STORE_READS + 2;

/// The nice value of the API's threads (0 is the default, 19 the lowest priority). At 10 the
/// kernel gives a busy API thread about a tenth of the CPU share of a busy consensus or network
/// thread when they compete for a core, so a flood of requests slows the API, not the node's
/// votes; on an idle machine the API still gets every cycle it wants.
pub const API_THREAD_NICE: i32 = 10;

/// How long an idle blocking thread of the API's runtime is kept: long, so that threads (each
/// lowering its priority once when it starts) are reused rather than made anew.
const BLOCKING_KEEP_ALIVE: Duration = Duration::from_secs(3_600);

/// The API's own multi-thread runtime (threads named `api`, at nice [`API_THREAD_NICE`]),
/// separate from the one consensus and networking run on: a flood of requests queues here and
/// never takes their workers, nor, under contention, their CPU.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(API_WORKER_THREADS)
        .max_blocking_threads(API_BLOCKING_THREADS)
        .thread_keep_alive(BLOCKING_KEEP_ALIVE)
        .thread_name("api")
        .on_thread_start(lower_priority)
        .enable_all()
        .build()
}

/// Lowers the calling thread's CPU priority to [`API_THREAD_NICE`], unless it is lower already (a
/// node started with `nice` keeps its API below the rest). On Linux, `setpriority` on a thread id
/// sets that thread's nice value only.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{getpriority_process, setpriority_process};
        let tid = Some(rustix::thread::gettid());
        let lowered = match getpriority_process(tid) {
            Ok(nice) if nice >= API_THREAD_NICE => Ok(()),
            _ => setpriority_process(tid, API_THREAD_NICE),
        };
        if let Err(e) = lowered {
            tracing::warn!(target: "api", error = %e, "cannot lower the priority of an API thread");
        }
    }
}
