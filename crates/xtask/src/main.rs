//! `cargo xtask`: project chores. `tidy` checks the house rules that a compiler does not: module docs on every
//! Rust file and the one-way dependency graph between our crates. It also runs as a test.

#![forbid(unsafe_code)]

mod tidy;

use std::process::ExitCode;

fn main() -> ExitCode {
    let task = std::env::args().nth(1).unwrap_or_default();
    match task.as_str() {
        "tidy" => match tidy::check(&tidy::workspace_root()) {
            Ok(problems) if problems.is_empty() => {
                println!("tidy: all good");
                ExitCode::SUCCESS
            }
            Ok(problems) => {
                for problem in problems {
                    eprintln!("tidy: {problem}");
                }
                ExitCode::FAILURE
            }
            Err(err) => {
                eprintln!("tidy: {err:#}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("usage: cargo xtask tidy");
            ExitCode::FAILURE
        }
    }
}
