//! Where a transaction's commit latency goes, from the benchmark's own samples: how long its
//! node took to answer the request that carried it, how many blocks were committed after that
//! answer before the one that held it, and whether that block was proposed by the node it was
//! submitted to. A transaction that reached every mempool waits for the next block whoever
//! proposes it; one that stayed in its entry node's mempool waits for that node's turn (every
//! fourth block of four validators), which shows as more blocks waited and a block proposed by
//! the entry node far more often than one in four.

use serde::Serialize;
use std::time::Instant;

/// One sampled transaction, once its block is known.
pub struct Sample {
    /// When its request was sent.
    pub sent: Instant,
    /// When its request was answered (it was in the entry node's mempool).
    pub answered: Instant,
    /// The height it was committed at.
    pub height: u64,
    /// Whether the block at `height` was proposed by the node the transaction was submitted to.
    pub by_entry_node: bool,
    /// When the tracker saw `height` committed on the first node.
    pub seen: Instant,
}

/// The breakdown, over the samples sent in the measured time.
#[derive(Serialize, Default, Clone, Debug)]
pub struct Breakdown {
    /// Samples counted.
    pub samples: usize,
    /// Commit latency (send to seen committed) above which the tail is: its p95.
    pub tail_from_ms: f64,
    /// Blocks committed after the answer before the transaction's own, over all samples: share
    /// with 0, 1, 2, 3, 4 and 5 or more (index 5).
    pub blocks_waited_share: [f64; 6],
    /// The same over the tail (latency above `tail_from_ms`).
    pub tail_blocks_waited_share: [f64; 6],
    /// Share of samples whose block was proposed by the node they were submitted to.
    pub by_entry_node_share: f64,
    /// The same over the tail.
    pub tail_by_entry_node_share: f64,
    /// The answer's part of the latency (send to answer) over the tail, p50 in ms.
    pub tail_answer_ms_p50: f64,
    /// The same, p99.
    pub tail_answer_ms_p99: f64,
}

/// The height the tracker had seen at `at` (`commits` in order of height and instant).
fn seen_height_at(commits: &[(u64, Instant)], at: Instant) -> u64 {
    let i = commits.partition_point(|(_, t)| *t <= at);
    if i == 0 { 0 } else { commits[i - 1].0 }
}

fn bucket(waited: u64) -> usize {
    waited.min(5) as usize
}

fn shares(counts: &[u64; 6]) -> [f64; 6] {
    let total: u64 = counts.iter().sum();
    let mut out = [0.0; 6];
    if total > 0 {
        for (o, c) in out.iter_mut().zip(counts) {
            *o = *c as f64 / total as f64;
        }
    }
    out
}

/// The `p` quantile (0 to 1) of `sorted`, the nearest rank; 0 if it is empty.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// The breakdown of `samples`; `commits` are the tracker's (height, first seen) in order.
pub fn breakdown(samples: &[Sample], commits: &[(u64, Instant)]) -> Breakdown {
    let mut lat: Vec<f64> = samples.iter().map(|s| s.seen.duration_since(s.sent).as_secs_f64() * 1000.0).collect();
    lat.sort_by(f64::total_cmp);
    let tail_from = percentile(&lat, 0.95);
    let (mut all, mut tail) = ([0u64; 6], [0u64; 6]);
    let (mut entry, mut tail_entry, mut tail_n) = (0usize, 0usize, 0usize);
    let mut tail_answers = Vec::new();
    for s in samples {
        let waited = s.height.saturating_sub(seen_height_at(commits, s.answered) + 1);
        all[bucket(waited)] += 1;
        entry += usize::from(s.by_entry_node);
        let ms = s.seen.duration_since(s.sent).as_secs_f64() * 1000.0;
        if ms > tail_from {
            tail[bucket(waited)] += 1;
            tail_entry += usize::from(s.by_entry_node);
            tail_n += 1;
            tail_answers.push(s.answered.duration_since(s.sent).as_secs_f64() * 1000.0);
        }
    }
    tail_answers.sort_by(f64::total_cmp);
    let share = |n: usize, of: usize| if of == 0 { 0.0 } else { n as f64 / of as f64 };
    Breakdown {
        samples: samples.len(),
        tail_from_ms: tail_from,
        blocks_waited_share: shares(&all),
        tail_blocks_waited_share: shares(&tail),
        by_entry_node_share: share(entry, samples.len()),
        tail_by_entry_node_share: share(tail_entry, tail_n),
        tail_answer_ms_p50: percentile(&tail_answers, 0.5),
        tail_answer_ms_p99: percentile(&tail_answers, 0.99),
    }
}

/// `shares` as "a / b / c / d / e / f %".
pub fn show(shares: &[f64; 6]) -> String {
    shares.iter().map(|s| format!("{:.0}", s * 100.0)).collect::<Vec<_>>().join(" / ") + " %"
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn counts_the_blocks_committed_after_the_answer_and_who_proposed() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        // Heights 1..=8 seen every 100 ms from 100 ms.
        let commits: Vec<(u64, Instant)> = (1..=8).map(|h| (h, at(100 * h))).collect();
        let s = |answered: u64, height: u64, by_entry_node: bool| Sample {
            sent: at(answered.saturating_sub(10)),
            answered: at(answered),
            height,
            by_entry_node,
            seen: at(100 * height),
        };
        // Answered at 150 ms (height 1 seen): in height 2 waited 0 blocks; in height 6, 4.
        let samples: Vec<Sample> = (0..19).map(|_| s(150, 2, false)).chain([s(150, 6, true)]).collect();
        let b = breakdown(&samples, &commits);
        assert_eq!(b.samples, 20);
        assert_eq!(b.blocks_waited_share[0], 0.95);
        assert_eq!(b.blocks_waited_share[4], 0.05);
        assert_eq!(b.tail_blocks_waited_share[4], 1.0);
        assert_eq!(b.tail_by_entry_node_share, 1.0);
        assert_eq!(b.by_entry_node_share, 0.05);
        assert_eq!(seen_height_at(&commits, at(50)), 0);
        assert_eq!(seen_height_at(&commits, at(800)), 8);
    }
}
