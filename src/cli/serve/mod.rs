//! `kafka-playground serve`: the engine's cluster, natively, behind Kafka's wire
//! protocol, so real clients (kcat, kafka-python, librdkafka, the Java client) can use
//! it. One TCP listener per broker on 127.0.0.1 (9092, 9093, …), each advertised in
//! Metadata at `--advertised-host`:its port. Virtual time is pinned to the wall clock
//! (1×): the simulation runs up to "now" before each arrival, which is delivered at that
//! virtual time and journaled by the simulation like any message ([`crate::sim::serve_world`]).
//! Defaults follow the lecture's Docker setup rather than Kafka's: `num.partitions` 3
//! (Kafka: 1), `offsets.topic.replication.factor` and
//! `transaction.state.log.replication.factor` as many brokers as there are, up to Kafka's
//! 3 (`transaction.state.log.min.isr` 2, or 1 on one broker), and `group.initial.rebalance.delay.ms` 0 as Kafka's shipped
//! `config/server.properties` (default 3000); `auto.create.topics.enable` stays Kafka's true.

mod control;
mod http;
mod journal_file;
pub use http::{DEFAULT_HTTP_PORT, MAX_PAGES};
mod net;
mod watch;

use super::CliError;
use crate::sim::scenario::Scenario;
use crate::wire::ServeContext;
use std::collections::BTreeMap;
use std::io::Write;

pub const USAGE: &str = "\
kafka-playground serve [--brokers N] [--port P] [--advertised-host H] [--config NAME=VALUE]...
                       [--journal FILE] [--http-port P] [--page-dir DIR]
  Runs a cluster of N brokers (default 1, at most 9) that real Kafka clients connect to:
  broker i listens on 127.0.0.1 (and ::1 if present), port P + i - 1 (default 9092), and
  Metadata advertises it as H:port (default 127.0.0.1; give the address clients reach,
  e.g. from Docker).
  --config sets a broker or cluster config by Kafka's name, e.g.
  auto.create.topics.enable=false, num.partitions=1, default.replication.factor=3.
  Defaults as the lecture's setup: num.partitions=3, group.initial.rebalance.delay.ms=0
  (as Kafka's shipped server.properties). Stop with Ctrl-C.
  --journal FILE writes every request and answer the brokers handled, with its time, as
  it happens: `kafka-playground replay FILE` rebuilds the session's state (the file is a
  whole journal after every write, also when serve is killed).
  While it runs, type `crash N` or `restart N` (and Enter) to crash or restart broker N
  under the running clients, or `stop` to end the session and print its final state
  (one JSON line, what `replay` of its journal prints).
  The page watches and drives the cluster at http://127.0.0.1:P/ (--http-port, default
  8081), served from DIR (--page-dir, default dist: the page's build); from it, crash,
  restart or pause a broker, or cut the network between brokers.
  APIs: ApiVersions 0-4, Metadata 0-12, Produce 3-9, Fetch 4-12, ListOffsets 1-7,
  CreateTopics 2-4, FindCoordinator 0-4, JoinGroup 0-5, SyncGroup 0-3, Heartbeat 0-3,
  LeaveGroup 0-3, OffsetCommit 2-7, OffsetFetch 1-7, InitProducerId 0-4, DeleteTopics 1-5,
  OffsetForLeaderEpoch 2-4, DeleteRecords 0-2, CreatePartitions 0-3,
  IncrementalAlterConfigs 0-1, DescribeGroups 0-5, ListGroups 0-4, DescribeConfigs 1-4, AddPartitionsToTxn 0-3,
  AddOffsetsToTxn 0-3, EndTxn 0-3, TxnOffsetCommit 0-3.
";

/// What `serve` was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeArgs {
    pub brokers: u32,
    pub port: u16,
    pub advertised_host: String,
    pub configs: BTreeMap<String, String>,
    /// `--journal FILE`: where the session's journal is written as it happens.
    pub journal: Option<String>,
    /// The page's port and files (`super::http`).
    pub http_port: u16,
    pub page_dir: std::path::PathBuf,
}

/// Brokers `serve` runs at most (the scenario format's bound).
pub const MAX_SERVE_BROKERS: u32 = 9;

fn value<'a>(args: &'a [String], i: usize, name: &str) -> Result<&'a str, CliError> {
    args.get(i + 1).map(String::as_str).ok_or_else(|| CliError::usage(format!("{name} needs a value")))
}

/// `--http-port P` and `--page-dir DIR` (the page, `http`).
fn page_arg(parsed: &mut ServeArgs, name: &str, v: &str) -> Result<(), CliError> {
    if name == "--page-dir" {
        parsed.page_dir = v.into();
        return Ok(());
    }
    parsed.http_port = v
        .parse()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| CliError::usage(format!("--http-port: {v:?} is not a port number")))?;
    Ok(())
}

pub fn parse_args(args: &[String]) -> Result<ServeArgs, CliError> {
    let mut parsed = ServeArgs {
        brokers: 1,
        port: 9092,
        advertised_host: "127.0.0.1".to_string(),
        configs: BTreeMap::new(),
        journal: None,
        http_port: http::DEFAULT_HTTP_PORT,
        page_dir: "dist".into(),
    };
    let mut i = 0;
    while i < args.len() {
        let name = args[i].as_str();
        match name {
            "--brokers" => {
                let v = value(args, i, name)?;
                parsed.brokers =
                    v.parse().ok().filter(|n| (1..=MAX_SERVE_BROKERS).contains(n)).ok_or_else(|| {
                        CliError::usage(format!("--brokers: {v:?} is not a number from 1 to 9"))
                    })?;
            }
            "--port" => {
                let v = value(args, i, name)?;
                parsed.port = v
                    .parse()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| CliError::usage(format!("--port: {v:?} is not a port number")))?;
            }
            "--advertised-host" => parsed.advertised_host = value(args, i, name)?.to_string(),
            "--journal" => parsed.journal = Some(value(args, i, name)?.to_string()),
            "--config" => {
                let v = value(args, i, name)?;
                let (k, val) = v
                    .split_once('=')
                    .ok_or_else(|| CliError::usage(format!("--config: {v:?} is not NAME=VALUE")))?;
                parsed.configs.insert(k.trim().to_string(), val.trim().to_string());
            }
            "--http-port" | "--page-dir" => page_arg(&mut parsed, name, value(args, i, name)?)?,
            other => return Err(CliError::usage(format!("serve: unknown argument {other:?}"))),
        }
        i += 2;
    }
    if u32::from(parsed.port) + parsed.brokers - 1 > u32::from(u16::MAX) {
        return Err(CliError::usage(format!(
            "--port: {} brokers do not fit above port {}",
            parsed.brokers, parsed.port
        )));
    }
    Ok(parsed)
}

/// The cluster `serve` runs, as a scenario (what the journal says the session was made
/// from), and whether topics are auto-created.
pub fn scenario(args: &ServeArgs) -> Result<(Scenario, bool), CliError> {
    let mut configs = args.configs.clone();
    let auto_create = match configs.remove("auto.create.topics.enable") {
        None => true,
        Some(v) => match v.to_ascii_lowercase().as_str() {
            "true" => true,
            "false" => false,
            _ => {
                return Err(CliError::usage(format!(
                    "Invalid value {v} for configuration auto.create.topics.enable: Expected value to be either true or false"
                )))
            }
        },
    };
    configs.entry("num.partitions".to_string()).or_insert_with(|| "3".to_string());
    // Kafka's shipped config/server.properties (what its Docker image runs) sets 0 "for a
    // better out-of-the-box experience for development and testing" (default 3000): the
    // lecture's consumer reads from its first seconds.
    configs.entry("group.initial.rebalance.delay.ms".to_string()).or_insert_with(|| "0".to_string());
    configs
        .entry("offsets.topic.replication.factor".to_string())
        .or_insert_with(|| args.brokers.min(3).to_string());
    // The same for the transaction log (Kafka's shipped single-node server.properties sets
    // both to 1): a transactional producer works on one broker as in the lecture's Docker.
    let txn_factor = configs
        .entry("transaction.state.log.replication.factor".to_string())
        .or_insert_with(|| args.brokers.min(3).to_string())
        .clone();
    let txn_min_isr = txn_factor.parse::<u32>().map_or(2, |f| f.clamp(1, 2));
    configs.entry("transaction.state.log.min.isr".to_string()).or_insert_with(|| txn_min_isr.to_string());
    let json = serde_json::json!({
        "version": 1,
        "name": "serve",
        "cluster": { "brokers": args.brokers, "network": { "latency_ms": 0, "jitter_ms": 0 }, "configs": configs },
        "until_ms": crate::engine::limits::MAX_UNTIL_MS,
    });
    let s: Scenario = serde_json::from_value(json).map_err(|e| CliError::usage(format!("serve: {e}")))?;
    s.validate().map_err(|e| CliError::usage(format!("serve: {e}")))?;
    // Refused here with the engine's words (an unknown name, a bad value), not later.
    crate::sim::cluster_world::ClusterWorld::new(&s, 0)
        .map_err(|e| CliError::usage(format!("--config: {e}")))?;
    Ok((s, auto_create))
}

pub fn run(args: &[String], out: &mut dyn Write) -> Result<(), CliError> {
    let parsed = parse_args(args)?;
    let (s, auto_create) = scenario(&parsed)?;
    let endpoints = (1..=parsed.brokers)
        .map(|b| (b, (parsed.advertised_host.clone(), i32::from(parsed.port) + b as i32 - 1)))
        .collect();
    let context = ServeContext {
        // Kafka's cluster ids are 16 bytes in URL-safe base64 (`Uuid.toString`): these
        // are the 16 bytes of "kafka-playground".
        cluster_id: "a2Fma2EtcGxheWdyb3VuZA".to_string(),
        controller_id: crate::engine::cluster::CONTROLLER_ID,
        endpoints,
        auto_create_topics_enable: auto_create,
    };
    net::serve(&parsed, &s, context, out)
}
