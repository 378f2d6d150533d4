//! Tendermint BFT consensus (Buchman, Kwon, Milosevic 2018, arXiv:1807.04938, Algorithm 1), as a
//! pure state machine.
//!
//! It owns [`Core`], the protocol of one validator for one height (inputs in: proposals, signed
//! votes, timeouts, the value to propose; outputs out: votes to sign, proposals to send, timeouts to
//! schedule, a decision with its certificate, equivocation evidence), and [`VoteKeeper`], the tally
//! of one height's votes. Match arms cite the paper's line numbers (`L22` = line 22).
//!
//! Architecture invariant: this crate never does I/O, never reads a clock and never draws
//! randomness (time arrives as `Input::Timeout`), and depends on nothing but `shulian-runtime`'s
//! types; so the deterministic simulation (`sim` tests) replays every run of a seed exactly.
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::panic))]

pub mod core;
pub mod votes;

#[cfg(test)]
mod planted;
#[cfg(test)]
mod sim;
#[cfg(test)]
mod twins;

pub use crate::core::{Core, Input, Output, Step, Timeouts, proposer};
pub use votes::{Added, Equivocation, ROUND_WINDOW, SignedVote, VoteKeeper};
