//! The per-phase time of a height, from the nodes' own metrics: `/metrics` of every node is read
//! when the measured window opens and when it closes, and each phase's time in the window (the
//! growth of its histogram's `_sum`) is divided by the blocks the node committed in it. The
//! phases: consensus's three steps (`shulian_consensus_step_time_seconds{step=...}`, timed by the
//! node where its consensus loop sees the step change) and the commit write
//! (`shulian_block_write_seconds`, which runs in the background while the next height starts, so
//! the four do not add up to the block time exactly).

use crate::request;
use serde::Serialize;
use std::collections::BTreeMap;

/// The phases: the name reported, and the series whose `_sum` grows by its time.
const PHASES: [(&str, &str); 4] = [
    ("propose", "shulian_consensus_step_time_seconds_sum{step=\"propose\"}"),
    ("prevote", "shulian_consensus_step_time_seconds_sum{step=\"prevote\"}"),
    ("precommit", "shulian_consensus_step_time_seconds_sum{step=\"precommit\"}"),
    ("commit_write", "shulian_block_write_seconds_sum"),
];
const BLOCKS: &str = "shulian_blocks_committed_total";

/// One node's series of interest at one moment (series name with labels -> value).
pub type Sample = BTreeMap<String, f64>;

/// Reads a node's `/metrics` (an empty sample when it does not answer: that node then counts
/// for nothing).
pub fn scrape(url: &str) -> Sample {
    let Ok((200, serde_json::Value::String(text))) = request(&format!("{url}/metrics"), None) else {
        return Sample::new();
    };
    parse(&text)
}

/// The samples of a `/metrics` text: (series name with its labels, value as written).
pub fn series(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.lines().filter(|l| !l.starts_with('#')).filter_map(|l| l.rsplit_once(' '))
}

fn parse(text: &str) -> Sample {
    let wanted = |name: &str| name == BLOCKS || PHASES.iter().any(|(_, s)| *s == name);
    series(text)
        .filter(|(name, _)| wanted(name))
        .filter_map(|(name, v)| v.parse::<f64>().ok().map(|v| (name.to_string(), v)))
        .collect()
}

/// Mean milliseconds per committed height of each phase over every node that answered both times.
#[derive(Serialize, Default, Debug, PartialEq)]
pub struct PhaseTimes {
    /// Phase -> mean ms per height.
    pub ms_per_height: BTreeMap<String, f64>,
    /// Heights counted (summed over the nodes).
    pub heights: f64,
}

/// The phases' times between `before` and `after` (one sample per node, in the same order).
pub fn between(before: &[Sample], after: &[Sample]) -> PhaseTimes {
    let mut out = PhaseTimes::default();
    let mut sums: BTreeMap<String, f64> = BTreeMap::new();
    for (b, a) in before.iter().zip(after) {
        let grew = |k: &str| Some(a.get(k)? - b.get(k)?);
        let Some(blocks) = grew(BLOCKS).filter(|n| *n > 0.0) else { continue };
        out.heights += blocks;
        for (phase, series) in PHASES {
            *sums.entry(phase.to_string()).or_default() += grew(series).unwrap_or(0.0);
        }
    }
    if out.heights > 0.0 {
        out.ms_per_height = sums.into_iter().map(|(k, s)| (k, s / out.heights * 1000.0)).collect();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phase_times_are_the_growth_per_committed_height() {
        let text = |blocks: u64, propose: f64, write: f64| {
            format!(
                "# HELP x\nshulian_blocks_committed_total {blocks}\n\
                 shulian_consensus_step_time_seconds_sum{{step=\"propose\"}} {propose}\n\
                 shulian_consensus_step_time_seconds_count{{step=\"propose\"}} 99\n\
                 shulian_block_write_seconds_sum {write}\n"
            )
        };
        let before = [parse(&text(10, 1.0, 0.5)), Sample::new()];
        let after = [parse(&text(20, 2.0, 0.7)), parse(&text(30, 9.0, 9.0))];
        let t = between(&before, &after);
        // The second node did not answer at the start: it is left out.
        assert_eq!(t.heights, 10.0);
        assert!((t.ms_per_height["propose"] - 100.0).abs() < 1e-9, "{t:?}");
        assert!((t.ms_per_height["commit_write"] - 20.0).abs() < 1e-9, "{t:?}");
        assert_eq!(t.ms_per_height["prevote"], 0.0);
    }
}
