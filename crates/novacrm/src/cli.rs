//! The command line of DESIGN.md §6. Each subcommand parses its input, calls one function,
//! and reports failure as one line on stderr with a non-zero exit code, never a panic.

use std::io::{Read, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use scheduling::scenario::{Scenario, slots_json};

#[derive(Debug, Parser)]
#[command(name = "novacrm", version, about = "NovaCRM scheduling: booking links for CRM users")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read a scenario (JSON) on stdin and print the free slots (DESIGN.md §5).
    Slots,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Slots => slots(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `novacrm slots`: scenario on stdin, `{"slots":[…]}` on stdout.
fn slots() -> Result<(), String> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| format!("cannot read the scenario from stdin: {e}"))?;
    let scenario = Scenario::parse(&input).map_err(|e| e.to_string())?;
    let out = slots_json(&scenario.slots());
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{out}").map_err(|e| format!("cannot write the slots: {e}"))
}
