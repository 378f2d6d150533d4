//! Tendermint BFT consensus (Buchman, Kwon, Milosevic 2018, arXiv:1807.04938, Algorithm 1).
//!
//! [`core::Core`] is the pure protocol state machine of one validator for one height: inputs in
//! (proposals, signed votes, timeouts, the value to propose), outputs out (votes to sign, proposals
//! to send, timeouts to schedule, a decision with its certificate, equivocation evidence). It has no
//! I/O, no clock and no randomness, so it is tested by deterministic simulation (`sim` tests).
//! Match arms cite the paper's line numbers (`L22` = line 22).

#[cfg(feature = "byzantine")]
pub mod byzantine;
pub mod core;
pub mod driver;
pub mod votes;
pub mod wal;

#[cfg(test)]
mod sim;
