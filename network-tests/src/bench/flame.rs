//! `shulian-bench --flamegraph`: `perf record` of one node over the measured window, then the
//! `flamegraph` tool (inferno, installed by `make profile-deps`) draws the SVG from it.

use anyhow::{Context, bail};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Sampling rate: enough samples in a 20-30 s window, and DWARF stacks small enough that
/// `perf script` renders them in a minute.
const HZ: &str = "199";

/// Starts `perf record` of process `pid` for `secs`, writing `data`.
pub(crate) fn record(pid: u32, data: &Path, window: Duration) -> anyhow::Result<Child> {
    Command::new("perf")
        .args(["record", "-q", "-F", HZ, "--call-graph", "dwarf,16384", "-p", &pid.to_string(), "-o"])
        .arg(data)
        .args(["--", "sleep", &window.as_secs().max(1).to_string()])
        .stdout(Stdio::null())
        .spawn()
        .context("cannot start `perf record` (install it with `make profile-deps`)")
}

/// Waits for `perf record` to end.
pub(crate) fn wait(mut child: Child) -> anyhow::Result<()> {
    let status = child.wait()?;
    if !status.success() {
        bail!("`perf record` failed ({status}); as a non-root user, perf needs kernel.perf_event_paranoid <= 1");
    }
    Ok(())
}

/// Draws the flame graph of `data` into `svg`.
pub(crate) fn draw(data: &Path, svg: &Path) -> anyhow::Result<()> {
    let status = Command::new("flamegraph")
        .arg("--perfdata")
        .arg(data)
        .args(["--no-inline", "--deterministic", "--title", "shulian-node (node 0) under shulian-bench load", "-o"])
        .arg(svg)
        .stdout(Stdio::null())
        .status()
        .context("cannot run `flamegraph` (install it with `make profile-deps`)")?;
    if !status.success() {
        bail!("`flamegraph` failed ({status})");
    }
    Ok(())
}
