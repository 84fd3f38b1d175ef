//! The page's commands that act on the simulation (crash, restart, cut, produce, add a
//! consumer …), as the acts the simulation schedules at the current virtual time. The
//! run's own controls (speed, pause, step) stay with the driver.

use super::cluster_view::ClusterCommand;
use crate::engine::cluster::CONTROLLER_ID;
use crate::sim::{Action, Sim};

/// Schedules `c` at the simulation's current time; run controls are ignored here.
pub fn schedule(sim: &mut Sim, c: ClusterCommand) {
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
        ClusterCommand::Produce { client, topic, count, key, value } => {
            let produce = serde_json::json!({ "topic": topic, "count": count, "key": key, "value": value });
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
