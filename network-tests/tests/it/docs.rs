//! Every shell command in `README.md` and `docs/*.md` runs as written, or is marked illustrative
//! in its document with the reason; every documented flag and subcommand exists; documented output
//! lines match what the program prints.
//!
//! How the documents are read (with `pulldown-cmark`):
//! - Each fenced `sh` block is run with `bash -eo pipefail` (so a failing line fails the block), in
//!   order, one session per document: README.md in the workspace root (it builds and starts
//!   `make dev`, uses `./target/debug/` and writes `./shulian-dev-data` and `./testnet`, removed
//!   afterwards unless they were there before), every other document in a temporary folder that is
//!   also its `HOME`. `PATH` starts with this build's `target/<profile>/`, so `shulian`,
//!   `shulian-node` and `shulian-bench` are the binaries under test.
//! - An HTML comment right before a block changes that: `<!-- illustrative: REASON -->` (not run;
//!   the reason is required), `<!-- docs-test: background, ready when it prints "TEXT" [N times] -->`
//!   (started, waited for until its output has TEXT, left running until the document's end, then
//!   stopped with its process group), `<!-- docs-test: output -->` before a `text` block (each of
//!   its lines must be a line that the block before printed; see [`line_matches`]).
//! - Every command line of every block (run or not) and every inline code span that starts with
//!   `shulian`, `shulian-node` or `shulian-bench` is checked against the program's `--help`: each
//!   word that names a subcommand must be one, and each `--flag` must be an option of the
//!   subcommand it follows.
//! - The only changes made to a block before it runs are the [`SUBSTITUTIONS`] below, each with its
//!   reason; each must apply (a stale one fails the test).
//!
//! One dev node (the "shared node") serves docs/wallet.md, docs/api.md and docs/reliability.md, so
//! the whole test stays within about three minutes.
// The determinism rules of clippy.toml (no clock, no HashMap) bind runtime/ and contracts/ only;
// a test that runs commands measures time like an operator would.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use anyhow::{Context, bail, ensure};
use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};
use shulian_network_tests::scenario::{Net, Scenario};
use shulian_network_tests::{binary_dir, log_tail};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The documents, in the order their sessions run (the shared node serves the first three and is
/// stopped by docs/reliability.md's restore; README.md's `make dev` binds the default port, so it
/// runs alone, last). The test fails if a `docs/*.md` is missing here.
const DOCS: &[&str] = &[
    "docs/wallet.md",
    "docs/api.md",
    "docs/benchmarks.md",
    "docs/consensus.md",
    "docs/reliability.md",
    "docs/operations.md",
    "README.md",
];

/// What the test changes in a document's blocks before running them: (document, text, replacement
/// (`{node}`, `{home}`, `{dir}` and `{bin}` are the shared node's URL, its home, the session's
/// folder and the binaries' folder), why).
const SUBSTITUTIONS: &[(&str, &str, &str, &str)] = &[
    (
        "README.md",
        "cargo run -q -p shulian-cli --",
        "shulian",
        "the same wallet binary, already built: cargo must not build a package subset in a test",
    ),
    ("docs/api.md", "http://127.0.0.1:8645", "{node}", "the shared dev node instead of a dev node on the default port"),
    (
        "docs/benchmarks.md",
        "cargo build --release --workspace --bins\n",
        "",
        "the test uses the debug build the suite already has instead of a release build",
    ),
    (
        "docs/benchmarks.md",
        "target/release/shulian-bench",
        "{bin}/shulian-bench",
        "the debug build's bench and nodes (with it, shulian-bench finds its sibling shulian-node)",
    ),
    (
        "docs/benchmarks.md",
        "--duration 30",
        "--duration 3 --warmup 1 --senders 16 --limit-secs 0 --skip-disk-stats",
        "a short measured window and warm-up, few senders to fund, and no machine-limit or disk measurement: \
         the test shows the commands and their report work, the figures come from release runs",
    ),
    // A debug build commits about 500 tx/s; offering more only lengthens the drain after the window.
    ("docs/benchmarks.md", "--rate 5000", "--rate 500", "an offered rate a debug build keeps up with"),
    ("docs/benchmarks.md", "--overload --rate 2000", "--overload --rate 200", "3 x a rate a debug build keeps up with"),
    (
        "docs/benchmarks.md",
        "--at-capacity 0.7 ",
        "--at-capacity 0.7 --max-txs 4000 ",
        "the capacity run from 4 000 signed transactions instead of 300 000",
    ),
    (
        "docs/benchmarks.md",
        "--rate 0 ",
        "--rate 0 --max-txs 2000 ",
        "as fast as the nodes accept, from 2 000 signed transactions instead of 300 000",
    ),
    (
        "docs/reliability.md",
        "/var/lib/shulian/node",
        "{home}",
        "the node's home: the shared node's for the backup, the new home for the restore",
    ),
    ("docs/reliability.md", "/backup/", "{dir}/", "a folder for backups inside the session's folder"),
    ("docs/reliability.md", "2026-11-29", "$(date +%F)", "the backup above was written today"),
];

/// What README.md's commands write into the workspace root (removed after its session unless
/// they were there before: a developer's own dev chain is kept).
const README_LEAVES: &[&str] = &["shulian-dev-data", "testnet", "net"];

/// Longest time a foreground block may take.
const BLOCK_TIMEOUT: Duration = Duration::from_secs(240);
/// Longest time a background block may take to become ready (`make dev` first runs its build).
const READY_TIMEOUT: Duration = Duration::from_secs(600);

/// A fenced code block and the marker comment right before it, if any.
#[derive(Debug, Clone)]
struct Block {
    line: usize,
    lang: String,
    text: String,
    marker: Option<String>,
}

/// What a document holds for this test: its fenced blocks and its inline command spans.
struct Doc {
    name: String,
    blocks: Vec<Block>,
    inline: Vec<(usize, String)>,
}

/// The binaries whose commands the documents show.
const BINARIES: &[&str] = &["shulian", "shulian-node", "shulian-bench"];

fn parse(name: &str, source: &str) -> Doc {
    let line_of = |offset: usize| source[..offset].matches('\n').count() + 1;
    let mut doc = Doc { name: name.to_string(), blocks: Vec::new(), inline: Vec::new() };
    let mut marker: Option<(String, usize)> = None;
    let mut open: Option<Block> = None;
    for (event, range) in Parser::new_ext(source, pulldown_cmark::Options::ENABLE_TABLES).into_offset_iter() {
        match event {
            Event::Html(html) | Event::InlineHtml(html) => {
                if let Some(body) = html.trim().strip_prefix("<!--").and_then(|s| s.strip_suffix("-->")) {
                    marker = Some((body.trim().to_string(), range.end));
                }
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info.split_whitespace().next().unwrap_or("").to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                // A marker counts only if nothing but blank space stands between it and the block.
                let marker = marker
                    .take()
                    .filter(|(_, end)| source.get(*end..range.start).is_some_and(|s| s.trim().is_empty()))
                    .map(|(m, _)| m);
                open = Some(Block { line: line_of(range.start), lang, text: String::new(), marker });
            }
            Event::Text(text) if open.is_some() => {
                if let Some(b) = open.as_mut() {
                    b.text.push_str(&text);
                }
            }
            Event::End(TagEnd::CodeBlock) => doc.blocks.extend(open.take()),
            Event::Code(code) if BINARIES.iter().any(|b| code.starts_with(&format!("{b} "))) => {
                doc.inline.push((line_of(range.start), code.to_string()));
            }
            _ => {}
        }
    }
    doc
}

/// What the comment before a shell block says to do with it.
#[derive(Debug, PartialEq)]
enum Plan {
    Run,
    Illustrative,
    Background { ready: String, times: usize },
}

fn plan(doc: &str, b: &Block) -> anyhow::Result<Plan> {
    let Some(m) = &b.marker else { return Ok(Plan::Run) };
    if let Some(reason) = m.strip_prefix("illustrative:") {
        ensure!(!reason.trim().is_empty(), "{doc}:{}: an illustrative block must say why", b.line);
        return Ok(Plan::Illustrative);
    }
    if let Some(rest) = m.strip_prefix("docs-test: background, ready when it prints ") {
        let mut parts = rest.split('"').skip(1);
        let ready = parts.next().context("no quoted text")?.to_string();
        let times = parts.next().and_then(|t| t.split_whitespace().next()?.parse().ok()).unwrap_or(1);
        return Ok(Plan::Background { ready, times });
    }
    if m.starts_with("docs-test") {
        bail!("{doc}:{}: unknown docs-test marker `{m}`", b.line);
    }
    Ok(Plan::Run)
}

fn is_shell(b: &Block) -> bool {
    matches!(b.lang.as_str(), "sh" | "bash" | "shell" | "console")
}

/// An expected output line matches an actual one word by word: a word with a digit, an ellipsis
/// `…` or a `<placeholder>` in it stands for any one word (heights, hashes, paths and dates differ
/// from run to run; the words around them may not), except that a last word ending in `…` stands
/// for any word starting with the text before the `…` and the rest of the line.
fn line_matches(expected: &str, actual: &str) -> bool {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.split_whitespace().collect(), actual.split_whitespace().collect());
    let open_end = e.last().and_then(|w| w.strip_suffix('…'));
    let fixed = if open_end.is_some() { e.len() - 1 } else { e.len() };
    let same_length = if open_end.is_some() { a.len() >= e.len() } else { a.len() == e.len() };
    let variable =
        |w: &str| w.contains('…') || (w.contains('<') && w.contains('>')) || w.chars().any(|c| c.is_ascii_digit());
    same_length
        && e[..fixed].iter().zip(&a).all(|(e, a)| e == a || variable(e))
        && open_end.is_none_or(|prefix| a[fixed].starts_with(prefix))
}

/// Every line of `expected` matches a line of `output`, in order.
fn check_output(expected: &str, output: &str) -> Result<(), String> {
    let mut lines = output.lines();
    for want in expected.lines().filter(|l| !l.trim().is_empty()) {
        if !lines.any(|got| line_matches(want, got)) {
            return Err(format!(
                "the documented output line\n    {want}\nis not in what the command printed:\n{output}"
            ));
        }
    }
    Ok(())
}

// ---- checking commands against --help ----

/// `--help` texts by (binary, subcommand path).
#[derive(Default)]
struct Helps(BTreeMap<(String, Vec<String>), String>);

impl Helps {
    fn get(&mut self, bin: &str, path: &[String]) -> anyhow::Result<&str> {
        let key = (bin.to_string(), path.to_vec());
        if !self.0.contains_key(&key) {
            let exe = shulian_network_tests::binary(bin)?;
            let out = Command::new(&exe).args(path).arg("--help").output()?;
            ensure!(
                out.status.success(),
                "`{bin} {} --help` failed: {}",
                path.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            );
            self.0.insert(key.clone(), String::from_utf8_lossy(&out.stdout).to_string());
        }
        Ok(&self.0[&key])
    }
}

/// The subcommands a clap help text lists.
fn subcommands(help: &str) -> BTreeSet<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

/// Whether a clap help text lists option `flag`, and if it takes a value.
fn option(help: &str, flag: &str) -> Option<bool> {
    help.lines().find_map(|l| {
        let at = l.find(flag)?;
        let after = &l[at + flag.len()..];
        let whole = after.chars().next().is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '-'));
        whole.then(|| after.starts_with(" <") || after.starts_with("=<") || after.starts_with(" ["))
    })
}

/// The shell words of a command line up to its end (comment, pipe, redirection, `;`, `&`).
fn command_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    for w in shell_words::split(line).unwrap_or_else(|_| line.split_whitespace().map(str::to_string).collect()) {
        if w.starts_with('#') || ["|", "||", "&&", ";", "&", ">", ">>", "2>", "<"].contains(&w.as_str()) {
            break;
        }
        words.push(w);
    }
    words
}

/// The binary a command runs (by name, path or `cargo run -p shulian-cli --`) and its arguments.
fn as_command(words: &[String]) -> Option<(&'static str, &[String])> {
    let start = words.iter().position(|w| (!w.contains('=') || w.starts_with('-')) && w != "export")?;
    let words = &words[start..];
    if words.len() > 6 && words[..5].join(" ") == "cargo run -q -p shulian-cli" && words[5] == "--" {
        return Some(("shulian", &words[6..]));
    }
    let first = words.first()?;
    let name = first.rsplit('/').next()?;
    BINARIES.iter().find(|b| **b == name).map(|b| (*b, &words[1..]))
}

/// Checks one documented command line against the program's help: subcommands exist, each
/// `--flag` is an option of the subcommand it follows.
fn check_against_help(helps: &mut Helps, bin: &str, args: &[String]) -> anyhow::Result<()> {
    let mut path: Vec<String> = Vec::new();
    let mut skip_value = false;
    let mut seen_positional = false;
    for arg in args {
        if std::mem::take(&mut skip_value) {
            continue;
        }
        for part in arg.trim_matches(|c| c == '[' || c == ']').split('|') {
            if let Some(flag) = part.strip_prefix("--").map(|f| f.split('=').next().unwrap_or(f)) {
                let flag = format!("--{flag}");
                let help = helps.get(bin, &path)?;
                let Some(takes_value) = option(help, &flag) else {
                    bail!("`{bin} {}` has no option {flag}", path.join(" "));
                };
                skip_value = takes_value && !part.contains('=');
            } else if part.starts_with('-') || part.is_empty() {
                continue;
            } else {
                let subs = subcommands(helps.get(bin, &path)?);
                if subs.contains(part) {
                    path.push(part.to_string());
                    seen_positional = false;
                } else if !subs.is_empty() && !seen_positional && part.chars().all(|c| c.is_ascii_lowercase()) {
                    bail!("`{bin} {}` has no subcommand {part} (it has: {subs:?})", path.join(" "));
                } else {
                    seen_positional = true;
                }
            }
        }
    }
    Ok(())
}

/// The command lines of a shell block, continuation lines joined.
fn block_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for l in text.lines() {
        if let Some(head) = l.trim_end().strip_suffix('\\') {
            cur.push_str(head);
            cur.push(' ');
        } else {
            cur.push_str(l);
            lines.push(std::mem::take(&mut cur));
        }
    }
    lines
}

// ---- running blocks ----

/// A block started in its own process group; dropping it stops the whole group.
struct Running {
    child: Child,
    output: Arc<Mutex<String>>,
    /// Set when no process of the block holds its output open any more.
    closed: Arc<AtomicBool>,
}

impl Running {
    fn start(script: &str, cwd: &Path, env: &[(String, String)]) -> anyhow::Result<Running> {
        let mut cmd = Command::new("bash");
        cmd.arg("-eo").arg("pipefail").arg("-c").arg(format!("exec 2>&1\n{script}"));
        // The blocks see a user's shell: not the wallet's or the harness's settings of whoever runs
        // the test, nor what cargo sets for a test process (a `cargo build` inside a block, as
        // `make dev` runs, would otherwise see another environment and rebuild crates).
        // `SHULIAN_CRYPTO` stays: under `make test-sm2` the whole run, the documents' commands
        // included, is on an sm2-sm3 chain, as a user of one sets it in their shell.
        let test_only = |k: &str| {
            (k.starts_with("SHULIAN_") && k != shulian_runtime::suite::ENV)
                || (k.starts_with("CARGO") && k != "CARGO_HOME" && k != "CARGO_TARGET_DIR")
                || ["LD_LIBRARY_PATH", "OUT_DIR", "RUST_TEST_THREADS", "RUST_BACKTRACE"].contains(&k)
        };
        for (k, _) in std::env::vars().filter(|(k, _)| test_only(k)) {
            cmd.env_remove(k);
        }
        cmd.current_dir(cwd).envs(env.iter().map(|(k, v)| (k, v))).stdin(Stdio::null()).stdout(Stdio::piped());
        let mut child = cmd.process_group(0).spawn().context("cannot run bash")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let output = Arc::new(Mutex::new(String::new()));
        let (sink, closed) = (output.clone(), Arc::new(AtomicBool::new(false)));
        let closing = closed.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let mut o = sink.lock().unwrap_or_else(|p| p.into_inner());
                o.push_str(&line);
                o.push('\n');
            }
            closing.store(true, Ordering::SeqCst);
        });
        Ok(Running { child, output, closed })
    }

    fn output(&self) -> String {
        self.output.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Waits for the block to end; answers its exit success and output.
    fn finish(mut self, timeout: Duration) -> anyhow::Result<(bool, String)> {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                // Let the reader thread take the last lines.
                std::thread::sleep(Duration::from_millis(100));
                return Ok((status.success(), self.output()));
            }
            if start.elapsed() > timeout {
                bail!("still running after {timeout:?}; output so far:\n{}", self.output());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the output has `ready` `times` times; fails if the block fails first, or if
    /// it and every process it started in the background end first.
    fn wait_ready(&mut self, ready: &str, times: usize, timeout: Duration) -> anyhow::Result<()> {
        let start = Instant::now();
        loop {
            if self.output().matches(ready).count() >= times {
                return Ok(());
            }
            // A block may end after starting its processes with `&`; they go on printing.
            match self.child.try_wait()? {
                Some(status) if !status.success() => {
                    bail!("failed ({status}) before it printed {ready:?} {times} times:\n{}", self.output())
                }
                Some(_) if self.closed.load(Ordering::SeqCst) => {
                    bail!("ended before it printed {ready:?} {times} times:\n{}", self.output())
                }
                _ => {}
            }
            if start.elapsed() > timeout {
                bail!("did not print {ready:?} {times} times within {timeout:?}:\n{}", self.output());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let group = nix::unistd::Pid::from_raw(-(self.child.id() as i32));
        let _ = nix::sys::signal::kill(group, nix::sys::signal::Signal::SIGTERM);
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if nix::sys::signal::kill(group, None).is_err() {
                break;
            }
            let _ = self.child.try_wait();
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = nix::sys::signal::kill(group, nix::sys::signal::Signal::SIGKILL);
        let _ = self.child.wait();
    }
}

/// The workspace root (this crate's parent).
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// One document's run: where its blocks run, with what environment, and what they started.
struct Session<'a> {
    doc: &'a str,
    dir: PathBuf,
    env: Vec<(String, String)>,
    vars: BTreeMap<&'static str, String>,
    background: Vec<Running>,
    used: &'a mut BTreeSet<usize>,
}

impl Session<'_> {
    fn substitute(&mut self, text: &str) -> String {
        let mut text = text.to_string();
        for (i, (doc, from, to, _why)) in SUBSTITUTIONS.iter().enumerate() {
            if *doc == self.doc && text.contains(from) {
                let mut to = to.to_string();
                for (k, v) in &self.vars {
                    to = to.replace(&format!("{{{k}}}"), v);
                }
                text = text.replace(from, &to);
                self.used.insert(i);
            }
        }
        text
    }

    /// Runs one shell block as its plan says; answers its output (empty for background blocks).
    fn run(&mut self, b: &Block, plan: &Plan) -> anyhow::Result<String> {
        let script = self.substitute(&b.text);
        let mut running = Running::start(&script, &self.dir, &self.env)?;
        match plan {
            Plan::Background { ready, times } => {
                running.wait_ready(ready, *times, READY_TIMEOUT)?;
                self.background.push(running);
                Ok(String::new())
            }
            _ => {
                let (ok, out) = running.finish(BLOCK_TIMEOUT)?;
                ensure!(ok, "it failed:\n{out}");
                Ok(out)
            }
        }
    }
}

fn read_docs() -> anyhow::Result<Vec<Doc>> {
    let root = workspace();
    let mut on_disk: BTreeSet<String> = BTreeSet::from(["README.md".to_string()]);
    for e in std::fs::read_dir(root.join("docs"))? {
        let name = e?.file_name().to_string_lossy().to_string();
        if name.ends_with(".md") {
            on_disk.insert(format!("docs/{name}"));
        }
    }
    let listed: BTreeSet<String> = DOCS.iter().map(|d| d.to_string()).collect();
    ensure!(listed == on_disk, "DOCS in this test must list exactly README.md and docs/*.md: {on_disk:?}");
    DOCS.iter().map(|d| Ok(parse(d, &std::fs::read_to_string(root.join(d))?))).collect()
}

#[test]
fn every_documented_command_runs_as_written_or_says_why_not() -> anyhow::Result<()> {
    let docs = read_docs()?;
    let bin = binary_dir(&std::env::current_exe()?).context("no binary folder")?;
    let mut failures = Vec::new();

    // Every command line shown, run or not, against the programs' help.
    let mut helps = Helps::default();
    for d in &docs {
        let shell = d.blocks.iter().filter(|b| is_shell(b));
        let lines = shell.flat_map(|b| block_lines(&b.text).into_iter().map(move |l| (b.line, l)));
        for (line, text) in d.inline.iter().cloned().chain(lines) {
            let words = command_words(&text);
            if let Some((prog, args)) = as_command(&words)
                && let Err(e) = check_against_help(&mut helps, prog, args)
            {
                failures.push(format!("{}:{line}: `{}`: {e:#}", d.name, text.trim()));
            }
        }
    }

    // Every shell block run, in order, one session per document.
    let mut shared: Net = Scenario::dev().start()?;
    let tmp = tempfile::tempdir()?;
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let mut used = BTreeSet::new();
    for d in &docs {
        let readme = d.name == "README.md";
        let dir = if readme { workspace() } else { tmp.path().join(d.name.replace('/', "_")) };
        std::fs::create_dir_all(&dir)?;
        let left_before: Vec<bool> = README_LEAVES.iter().map(|p| dir.join(p).exists()).collect();
        let node = shared.node(0);
        let mut env = vec![("PATH".to_string(), path.clone())];
        if !readme {
            env.extend([
                ("HOME".to_string(), dir.display().to_string()),
                ("SHULIAN_NODE".to_string(), node.url.clone()),
                ("SHULIAN_KEYSTORE".to_string(), node.home.join("keys").display().to_string()),
                ("SHULIAN_PASSPHRASE".to_string(), "dev".to_string()),
            ]);
        } else {
            // README.md keeps the real HOME (cargo and rustup live there), but the wallet's first
            // signing pins the chain id in its settings file: give it one of the session's own.
            let settings = tmp.path().join("readme-wallet-config.toml");
            std::fs::write(&settings, "")?;
            env.push(("SHULIAN_CONFIG".to_string(), settings.display().to_string()));
        }
        let vars = BTreeMap::from([
            ("node", node.url.clone()),
            ("home", node.home.display().to_string()),
            ("dir", dir.display().to_string()),
            ("bin", bin.display().to_string()),
        ]);
        let mut s = Session { doc: &d.name, dir: dir.clone(), env, vars, background: Vec::new(), used: &mut used };
        let mut last_output: Option<String> = None;
        for b in &d.blocks {
            let at = format!("{}:{}", d.name, b.line);
            if b.marker.as_deref() == Some("docs-test: output") {
                let out = last_output.take().with_context(|| format!("{at}: an output block follows no run block"))?;
                if let Err(e) = check_output(&b.text, &out) {
                    failures.push(format!("{at}: {e}"));
                }
                continue;
            }
            if !is_shell(b) {
                continue;
            }
            let plan = match plan(&d.name, b) {
                Ok(p) => p,
                Err(e) => {
                    failures.push(format!("{e:#}"));
                    continue;
                }
            };
            if plan == Plan::Illustrative {
                continue;
            }
            // docs/reliability.md restores onto a new disk: the old node is gone, and "the operator
            // puts genesis.json, config.toml and validator_key.json into the new home first".
            if d.name == "docs/reliability.md" && b.text.contains("restore --from") {
                let new_home = s.dir.join("new-home");
                std::fs::create_dir_all(&new_home)?;
                for f in ["genesis.json", "config.toml", "validator_key.json"] {
                    std::fs::copy(shared.home(0).join(f), new_home.join(f))?;
                }
                shared.kill(0)?;
                s.vars.insert("home", new_home.display().to_string());
            }
            let started = Instant::now();
            let result = s.run(b, &plan);
            eprintln!("docs: ran {at} in {:.1} s", started.elapsed().as_secs_f64());
            match result {
                Ok(out) => {
                    eprintln!("{out}");
                    last_output = Some(out);
                }
                Err(e) => {
                    // The whole output goes to the log in order; the failure keeps its end, so the
                    // report of several failures stays short enough to be read where CI cuts it.
                    let e = format!("{e:#}");
                    eprintln!("{e}");
                    failures.push(format!("{at}: the block\n{}\n{}", b.text.trim_end(), last_lines(&e, 40)));
                    last_output = None;
                }
            }
        }
        drop(s);
        // README.md's session leaves nothing new behind in the workspace root.
        if readme {
            for (p, was) in README_LEAVES.iter().zip(left_before) {
                if !was {
                    let _ = std::fs::remove_dir_all(dir.join(p));
                }
            }
        }
    }
    for (i, (doc, from, _, why)) in SUBSTITUTIONS.iter().enumerate() {
        if !used.contains(&i) {
            failures.push(format!("{doc}: the substitution of {from:?} ({why}) no longer applies to any block"));
        }
    }
    if !failures.is_empty() {
        // On stdout, which a test report shows before stderr's long log: where to look first.
        let at: Vec<&str> = failures.iter().filter_map(|f| f.split(": ").next()).collect();
        println!("documented commands that failed: {}", at.join(", "));
        for f in &failures {
            println!("\n{f}");
        }
    }
    ensure!(
        failures.is_empty(),
        "{} documented commands do not work as written (each with its output's end above, on stdout)",
        failures.len()
    );
    Ok(())
}

/// The last `n` lines of `text`, marked as cut when there were more.
fn last_lines(text: &str, n: usize) -> String {
    let cut = text.lines().count().saturating_sub(n);
    let head = if cut > 0 { format!("[{cut} lines before these]\n") } else { String::new() };
    format!("{head}{}", log_tail(text, n))
}

#[test]
fn a_failed_block_keeps_the_end_of_its_output() {
    assert_eq!(last_lines("a\nb\nc", 2), "[1 lines before these]\nb\nc");
    assert_eq!(last_lines("a\nb", 5), "a\nb");
}

#[test]
fn documented_output_lines_match_by_their_fixed_words() {
    assert!(line_matches(
        "backed up height 18234 (block 5f0c…, state root 9a1e…) to /b/x-2026-11-29.backup",
        "backed up height 7 (block ab12…, state root 0f0f…) to /tmp/q/x-2026-12-01.backup"
    ));
    assert!(!line_matches("backed up height 1 to x", "restored height 1 to x"));
    assert!(!line_matches("dataset <id>", "dataset"));
    assert!(line_matches(
        r#"{"error":{"code":"malformed","message":"…"#,
        r#"{"error":{"code":"malformed","message":"no tx here"}}"#
    ));
    assert!(!line_matches(
        r#"{"error":{"code":"malformed","message":"…"#,
        r#"{"error":{"code":"too_large","message":"x"}}"#
    ));
}

#[test]
fn a_renamed_flag_or_subcommand_is_caught_by_the_help_check() -> anyhow::Result<()> {
    let mut helps = Helps::default();
    let words = |s: &str| command_words(s);
    let ok = words("shulian tx build --chain-id shulian-dev grant revoke --from KEY --grant ID --reason x --nonce 12");
    let (bin, args) = as_command(&ok).context("a wallet command")?;
    check_against_help(&mut helps, bin, args)?;
    let bad = words("./target/debug/shulian-node testnet --validator-count 4 --out ./testnet");
    let (bin, args) = as_command(&bad).context("a node command")?;
    let err = check_against_help(&mut helps, bin, args).err().context("a renamed flag must be refused")?;
    assert!(err.to_string().contains("--validator-count"), "{err}");
    let bad = words("shulian keys shw alice");
    let (bin, args) = as_command(&bad).context("a wallet command")?;
    assert!(check_against_help(&mut helps, bin, args).is_err(), "a misspelt subcommand must be refused");
    Ok(())
}
