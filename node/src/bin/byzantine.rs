//! `shulian-node-byzantine`: the `shulian-node` binary with test-only Byzantine faults switched on
//! (cargo feature `byzantine`). `SHULIAN_BYZANTINE` lists the faults (default `all`): see
//! `shulian_node::consensus::byzantine`. Never run it on a real network.

#[path = "../main.rs"]
mod node_main;

fn main() {
    use shulian_node::consensus::byzantine;
    // `shulian-node-byzantine crash-points`: the crash points, one a line (the sweep's list).
    if std::env::args().nth(1).as_deref() == Some("crash-points") {
        for p in shulian_node::crashpoint::ALL {
            println!("{p}");
        }
        return;
    }
    let spec = std::env::var("SHULIAN_BYZANTINE").unwrap_or_else(|_| "all".into());
    match byzantine::parse(&spec) {
        Ok(m) => byzantine::enable(m),
        Err(e) => {
            eprintln!("error: SHULIAN_BYZANTINE: {e}");
            std::process::exit(2);
        }
    }
    node_main::main();
}
