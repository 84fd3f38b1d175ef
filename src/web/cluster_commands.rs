//! The page's commands that act on the simulation (crash, restart, cut, produce, add a
//! consumer …), as the acts the simulation schedules at the current virtual time. The
//! run's own controls (speed, pause, step) stay with the driver.

use super::cluster_view::ClusterCommand;
use crate::engine::client::producer::ProducerNode;
use crate::engine::cluster::CONTROLLER_ID;
use crate::engine::controller::broker_configs::check_broker_configs;
use crate::engine::controller::ControllerNode;
use crate::sim::cluster_world::next_idle_broker;
use crate::sim::scenario::Scenario;
use crate::sim::{Action, Sim};

/// Whether `c` can be carried out now, with the refusal Kafka would answer (code name
/// and message) if not: the page checks a form with it before it sends the command, so
/// the error shows at the form at once, also while the run is paused.
pub fn check(sim: &Sim, scenario: &Scenario, c: &ClusterCommand) -> Result<(), String> {
    match c {
        ClusterCommand::CreateTopic { name, partitions, replication_factor, configs } => {
            let controller = sim
                .live_node(CONTROLLER_ID)
                .and_then(|n| n.as_any().downcast_ref::<ControllerNode>())
                .ok_or("TIMEOUT: the controller is not running, so CreateTopics cannot be answered")?;
            let configs: Vec<(String, String)> =
                configs.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            controller
                .check_create_topic(name, *partitions, *replication_factor, &configs, None)
                .map_err(|(code, text)| format!("{}: {text}", code.name()))
        }
        ClusterCommand::RestartProducer { client, configs } => {
            let producer = sim
                .live_node(*client)
                .and_then(|n| n.as_any().downcast_ref::<ProducerNode>())
                .ok_or("the producer is not running")?;
            producer
                .config()
                .with_pairs(configs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .map(|_| ())
                .map_err(|e| e.message)
        }
        ClusterCommand::AlterBrokerConfigs { configs } => {
            sim.live_node(CONTROLLER_ID).ok_or(
                "TIMEOUT: the controller is not running, so IncrementalAlterConfigs cannot be answered",
            )?;
            let pairs: Vec<(String, String)> = configs.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            check_broker_configs(&pairs).map_err(|(code, text)| format!("{}: {text}", code.name()))
        }
        ClusterCommand::AddBroker => match next_idle_broker(scenario, |id| sim.status(id).is_some()) {
            Some(_) => Ok(()),
            None => Err(format!("the cluster has its most brokers ({})", scenario.cluster.broker_slots())),
        },
        _ => Ok(()),
    }
}

/// Schedules `c` at the simulation's current time; run controls are ignored here.
pub fn schedule(sim: &mut Sim, scenario: &Scenario, c: ClusterCommand) {
    let now = sim.now_ms;
    match c {
        ClusterCommand::Crash(id) => sim.schedule(now, Action::Crash(id)),
        ClusterCommand::Restart(id) => sim.schedule(now, Action::Restart(id)),
        ClusterCommand::PauseNode(id) => sim.schedule(now, Action::Pause(id)),
        ClusterCommand::ResumeNode(id) => sim.schedule(now, Action::Resume(id)),
        ClusterCommand::Cut(a, b) => {
            sim.schedule(now, Action::Partition(a.into_iter().collect(), b.into_iter().collect()))
        }
        ClusterCommand::Heal => sim.schedule(now, Action::Heal),
        ClusterCommand::Produce { client, topic, count, key, value, partition, partitioner, headers } => {
            let mut produce =
                serde_json::json!({ "topic": topic, "count": count, "key": key, "value": value });
            if let Some(p) = partition {
                produce["partition"] = serde_json::json!(p);
            }
            if let Some(p) = partitioner {
                produce["partitioner"] = serde_json::json!(p);
            }
            if !headers.is_empty() {
                produce["headers"] = serde_json::json!(headers);
            }
            sim.schedule(now, Action::Command(client, serde_json::json!({ "produce": produce })));
        }
        ClusterCommand::AddConsumer { client, configs } => {
            let spec = if configs.is_empty() {
                serde_json::json!(true)
            } else {
                serde_json::json!({ "configs": configs })
            };
            sim.schedule(now, Action::StartWith(client, spec));
        }
        ClusterCommand::RestartProducer { client, configs } => {
            let command = serde_json::json!({ "restart_with": { "configs": configs } });
            sim.schedule(now, Action::Command(client, command));
        }
        ClusterCommand::PauseHeartbeats { client, paused } => {
            sim.schedule(now, Action::Command(client, serde_json::json!({ "pause_heartbeats": paused })));
        }
        ClusterCommand::SetProcessingTime { client, per_record_ms } => {
            let spec = serde_json::json!({ "per_record_ms": per_record_ms });
            sim.schedule(now, Action::Command(client, serde_json::json!({ "set_processing_time": spec })));
        }
        ClusterCommand::CloseConsumer(client) => {
            sim.schedule(now, Action::Command(client, serde_json::json!({ "close": {} })))
        }
        ClusterCommand::RestartWith { clients, configs, every_ms } => {
            let every = every_ms.clamp(0, 3_600_000);
            for (k, client) in clients.into_iter().enumerate() {
                let command = serde_json::json!({ "restart_with": { "configs": configs } });
                sim.schedule(
                    now.saturating_add(every.saturating_mul(k as i64)),
                    Action::Command(client, command),
                );
            }
        }
        ClusterCommand::CreateTopic { name, partitions, replication_factor, configs } => {
            let spec = serde_json::json!({
                "name": name, "partitions": partitions, "replication_factor": replication_factor, "configs": configs,
            });
            sim.schedule(now, Action::Command(CONTROLLER_ID, serde_json::json!({ "create_topic": spec })));
        }
        ClusterCommand::AlterBrokerConfigs { configs } => {
            let command = serde_json::json!({ "alter_broker_configs": { "configs": configs } });
            sim.schedule(now, Action::Command(CONTROLLER_ID, command));
        }
        ClusterCommand::RunRetention => {
            for id in 1..=scenario.cluster.broker_slots() {
                if sim.status(id) == Some(crate::sim::Status::Up) {
                    sim.schedule(now, Action::Command(id, serde_json::json!({ "retention_check": true })));
                }
            }
        }
        ClusterCommand::AddBroker => {
            if let Some(id) = next_idle_broker(scenario, |id| sim.status(id).is_some()) {
                // StartWith: a second click before this start ran cannot start it twice.
                sim.schedule(now, Action::StartWith(id, serde_json::json!(true)));
            }
        }
        ClusterCommand::CreatePartitions { topic, count } => {
            let spec = serde_json::json!({ "topic": topic, "count": count });
            sim.schedule(
                now,
                Action::Command(CONTROLLER_ID, serde_json::json!({ "create_partitions": spec })),
            );
        }
        ClusterCommand::SetSpeed(_) | ClusterCommand::Pause | ClusterCommand::Play | ClusterCommand::Step => {
        }
    }
}
