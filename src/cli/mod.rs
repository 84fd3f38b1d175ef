//! The native `kafka-playground` command-line tool: command dispatch, usage text, and the
//! one error type every command returns. Exit codes: 0 success, 1 failure (bad input,
//! I/O, corrupt data), 2 usage (unknown command or flag, bad flag value).
//!
//! Commands: `produce` ([`produce`]) writes records into Kafka-layout log dirs;
//! `dump-log` ([`dump`]) prints a `.log`, `.index` or `.timeindex` file as JSON, like
//! `kafka-dump-log.sh`; `code` ([`code`]) prints the client program for one of the page's
//! actions. Only compiled natively.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod accumulate;
pub mod args;
pub mod code;
pub mod dump;
pub mod input;
pub mod logdir;
pub mod produce;
pub mod report;
pub mod serve;
pub mod simulate;

use std::io::Write;

/// A command's failure: the message for stderr and the exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    /// 1 for a failure, 2 for a usage error.
    pub code: i32,
    pub message: String,
}

impl CliError {
    /// Wrong command line (exit code 2).
    pub fn usage(message: impl Into<String>) -> Self {
        CliError { code: 2, message: message.into() }
    }

    /// The command could not do its job (exit code 1).
    pub fn failure(message: impl Into<String>) -> Self {
        CliError { code: 1, message: message.into() }
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The overall help text.
pub const USAGE: &str = "\
kafka-playground: Apache Kafka's log engine, natively

USAGE:
  kafka-playground produce --log-dir DIR --topic NAME --partitions N --partitioner NAME
                           --input FILE [--seed S] [--config k=v]... [--producer-config k=v]...
                           [--timestamp-ms MS | --now]
  kafka-playground dump-log FILE [--deep-iteration] [--print-data-log]
  kafka-playground run SCENARIO.json --seed N [--until MS] [--journal FILE] [--summary]
  kafka-playground replay JOURNAL.json
  kafka-playground fuzz --seeds N [--first S] [--groups | --transactions | --pipelines]
  kafka-playground serve [--brokers N] [--port P] [--advertised-host H] [--config k=v]...
  kafka-playground code python|java ACTION.json [--bootstrap HOST:PORT]
  kafka-playground help [COMMAND]

Run `kafka-playground help produce` or `kafka-playground help dump-log` for details.
Exit codes: 0 success, 1 failure, 2 usage error.
";

fn help_for(command: Option<&str>) -> Result<&'static str, CliError> {
    match command {
        None => Ok(USAGE),
        Some("produce") => Ok(produce::USAGE),
        Some("dump-log") => Ok(dump::USAGE),
        Some("run" | "replay" | "fuzz") => Ok(simulate::USAGE),
        Some("serve") => Ok(serve::USAGE),
        Some("code") => Ok(code::USAGE),
        Some(other) => Err(CliError::usage(format!("unknown command {other:?}"))),
    }
}

/// Runs one command line (without the program name), writing results to `out`.
pub fn run(args: &[String], out: &mut dyn Write) -> Result<(), CliError> {
    let Some((command, rest)) = args.split_first() else {
        return Err(CliError::usage("no command given"));
    };
    let wants_help = rest.iter().any(|a| a == "--help" || a == "-h");
    let text = match command.as_str() {
        "help" | "--help" | "-h" => Some(help_for(rest.first().map(String::as_str))?),
        "produce" | "dump-log" | "run" | "replay" | "fuzz" | "serve" | "code" if wants_help => {
            Some(help_for(Some(command))?)
        }
        _ => None,
    };
    if let Some(text) = text {
        return write_out(out, text);
    }
    match command.as_str() {
        "produce" => produce::run(rest, out),
        "dump-log" => dump::run(rest, out),
        "run" => simulate::run(rest, out),
        "replay" => simulate::replay_cmd(rest, out),
        "fuzz" => simulate::fuzz(rest, out),
        "serve" => serve::run(rest, out),
        "code" => code::run(rest, out),
        other => Err(CliError::usage(format!("unknown command {other:?}"))),
    }
}

/// Writes text to the output, turning an I/O error (e.g. a closed pipe) into a failure.
pub fn write_out(out: &mut dyn Write, text: &str) -> Result<(), CliError> {
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| CliError::failure(format!("cannot write output: {e}")))
}

/// The whole program: runs `std::env::args`, prints errors, returns the exit code.
pub fn main_with_env() -> i32 {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match run(&args, &mut out) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("kafka-playground: error: {}", e.message);
            if e.code == 2 {
                eprintln!("Run `kafka-playground help` for usage.");
            }
            e.code
        }
    }
}
