//! A small hand-written command-line parser (no clap, to keep the build light): long
//! flags `--name value`, `--name=value`, boolean `--name`, repeatable flags, and
//! positional arguments. Anything it does not know is a usage error (exit code 2).

use super::CliError;
use std::collections::BTreeMap;

/// How one flag takes its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arity {
    /// `--flag` alone; present or not.
    Switch,
    /// `--flag VALUE`, at most once.
    One,
    /// `--flag VALUE`, any number of times, kept in order.
    Many,
}

/// A flag a command accepts: its long name (without `--`) and arity.
#[derive(Debug, Clone, Copy)]
pub struct FlagSpec {
    pub name: &'static str,
    pub arity: Arity,
}

/// The parsed arguments of one command.
#[derive(Debug, Default)]
pub struct Parsed {
    values: BTreeMap<&'static str, Vec<String>>,
    pub positionals: Vec<String>,
}

impl Parsed {
    /// Whether a switch (or any flag) was given.
    pub fn has(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// The value of a single-valued flag, if given.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).and_then(|v| v.first()).map(String::as_str)
    }

    /// The value of a flag that must be given.
    pub fn required(&self, name: &str) -> Result<&str, CliError> {
        self.value(name).ok_or_else(|| CliError::usage(format!("missing required flag --{name}")))
    }

    /// Every value of a repeatable flag, in order.
    pub fn values(&self, name: &str) -> &[String] {
        self.values.get(name).map_or(&[], Vec::as_slice)
    }

    /// A single-valued flag parsed as a number, with the flag named in the error.
    pub fn number<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, CliError> {
        match self.value(name) {
            None => Ok(None),
            Some(text) => text
                .trim()
                .parse::<T>()
                .map(Some)
                .map_err(|_| CliError::usage(format!("--{name} expects a whole number, got {text:?}"))),
        }
    }
}

/// Parses `args` (the command's own arguments, after its name) against `specs`.
/// `--` ends the flags: everything after it is positional.
pub fn parse(args: &[String], specs: &[FlagSpec]) -> Result<Parsed, CliError> {
    let mut parsed = Parsed::default();
    let mut i = 0;
    let mut flags_done = false;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if flags_done || !arg.starts_with("--") {
            parsed.positionals.push(arg.clone());
            continue;
        }
        if arg == "--" {
            flags_done = true;
            continue;
        }
        let body = &arg[2..];
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (body, None),
        };
        let Some(spec) = specs.iter().find(|s| s.name == name) else {
            return Err(CliError::usage(format!("unknown flag --{name}")));
        };
        let value = match (spec.arity, inline) {
            (Arity::Switch, Some(_)) => {
                return Err(CliError::usage(format!("--{name} takes no value")));
            }
            (Arity::Switch, None) => String::new(),
            (_, Some(v)) => v,
            (_, None) => {
                let Some(v) = args.get(i) else {
                    return Err(CliError::usage(format!("--{name} needs a value")));
                };
                i += 1;
                v.clone()
            }
        };
        let slot = parsed.values.entry(spec.name).or_default();
        if spec.arity != Arity::Many && !slot.is_empty() {
            return Err(CliError::usage(format!("--{name} given more than once")));
        }
        slot.push(value);
    }
    Ok(parsed)
}

/// Splits a `name=value` pair given to `--flag`.
pub fn key_value<'a>(flag: &str, pair: &'a str) -> Result<(&'a str, &'a str), CliError> {
    match pair.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim(), v)),
        _ => Err(CliError::usage(format!("--{flag} expects name=value, got {pair:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: [FlagSpec; 3] = [
        FlagSpec { name: "topic", arity: Arity::One },
        FlagSpec { name: "config", arity: Arity::Many },
        FlagSpec { name: "now", arity: Arity::Switch },
    ];

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_values_switches_repeats_and_positionals() {
        let p = parse(
            &strings(&["a.log", "--topic=t", "--config", "x=1", "--config=y=2", "--now", "--", "--b"]),
            &SPECS,
        )
        .unwrap();
        assert_eq!(p.value("topic"), Some("t"));
        assert_eq!(p.values("config"), ["x=1", "y=2"]);
        assert!(p.has("now"));
        assert_eq!(p.positionals, ["a.log", "--b"]);
        assert_eq!(key_value("config", "y=2=3").unwrap(), ("y", "2=3"));
    }

    #[test]
    fn refuses_unknown_missing_and_repeated_flags() {
        let err = |args: &[&str]| parse(&strings(args), &SPECS).unwrap_err();
        assert!(err(&["--topik", "t"]).message.contains("unknown flag --topik"));
        assert!(err(&["--topic"]).message.contains("needs a value"));
        assert!(err(&["--topic", "a", "--topic", "b"]).message.contains("more than once"));
        assert!(err(&["--now=1"]).message.contains("takes no value"));
        assert_eq!(err(&["--topik"]).code, 2);
        assert!(key_value("config", "novalue").is_err());
    }
}
