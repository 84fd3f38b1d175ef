//! `kafka-playground code LANGUAGE ACTION.json`: the program the page shows for one of its
//! actions ([`crate::takeaway`]), printed for a terminal or a test to run. The action is
//! the JSON of [`Action`], e.g. `{"create_topic": {"name": "t", "partitions": 3}}`.

use super::{write_out, CliError};
use crate::cli::args::{parse, Arity, FlagSpec};
use crate::takeaway::{code, Action, Language, DEFAULT_BOOTSTRAP};

pub const USAGE: &str = "\
kafka-playground code python|java ACTION.json [--bootstrap HOST:PORT,...]

Prints the confluent_kafka (Python) or Java client program for one action of the page:
create_topic, delete_topic, create_partitions, delete_records, alter_broker_configs,
produce, consume_in_group (the JSON of each is in src/takeaway/mod.rs). The bootstrap
address defaults to localhost:9092, where `serve` listens.
";

const FLAGS: [FlagSpec; 1] = [FlagSpec { name: "bootstrap", arity: Arity::One }];

pub fn run(args: &[String], out: &mut dyn std::io::Write) -> Result<(), CliError> {
    let parsed = parse(args, &FLAGS)?;
    let [language, file] = parsed.positionals.as_slice() else {
        return Err(CliError::usage("code: expected LANGUAGE (python or java) and ACTION.json"));
    };
    let language = match language.as_str() {
        "python" => Language::Python,
        "java" => Language::Java,
        other => return Err(CliError::usage(format!("code: unknown language {other:?} (python or java)"))),
    };
    let text =
        std::fs::read_to_string(file).map_err(|e| CliError::failure(format!("cannot read {file}: {e}")))?;
    let action: Action =
        serde_json::from_str(&text).map_err(|e| CliError::failure(format!("{file}: {e}")))?;
    write_out(out, &code(&action, language, parsed.value("bootstrap").unwrap_or(DEFAULT_BOOTSTRAP)))
}
