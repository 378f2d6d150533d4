//! Helpers several wallet tests share.

use assert_cmd::Command;
use clap::Parser;
use shulian_cli::Cli;

/// A 32-byte id in hex: `byte` (two hex digits) 32 times.
pub(crate) fn id(byte: &str) -> String {
    byte.repeat(32)
}

/// Parses a wallet command line (without the program name), as the binary would.
pub(crate) fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(std::iter::once("shulian").chain(args.iter().copied()))
}

/// Runs `cmd`, asserts it exits with `code`, and returns its stderr.
pub(crate) fn stderr(cmd: &mut Command, code: i32) -> String {
    String::from_utf8(cmd.assert().code(code).get_output().stderr.clone()).expect("utf-8")
}
