//! What a page command does to the simulation: the acts it schedules at the current
//! virtual time (crash, restart, cut, produce, add a consumer …), and the acts of a
//! lesson's step. The tab's driver and the timeline's replay both call these, so a
//! replayed command does exactly what the live one did.

use crate::engine::cluster::command::{
    Command, ConfigsSpec, CreatePartitionsCommand, CreateTopicCommand, DeleteTopicCommand,
    ProcessingTimeCommand, ProduceCommand, StartSpec, Yes,
};
use crate::engine::cluster::CONTROLLER_ID;
use crate::sim::cluster_world::{next_idle_broker, step_actions};
use crate::sim::lesson::Lesson;
use crate::sim::picture::command::{ClusterCommand, TxnAction};
use crate::sim::scenario::Scenario;
use crate::sim::{Action, Sim};

/// Schedules the acts of `lesson`'s step `step` from now (its `act` list, resolved as a
/// scenario's own steps); an error names the step's field.
pub fn schedule_lesson_step(
    sim: &mut Sim,
    scenario: &Scenario,
    lesson: &Lesson,
    step: usize,
) -> Result<(), String> {
    let Some(shown) = lesson.steps.get(step) else {
        return Err(format!("lesson {} has no step {step}", lesson.name));
    };
    let acts = step_actions(scenario, &format!("steps[{step}].act"), &shown.act)
        .map_err(|e| format!("lesson {}: {e}", lesson.name))?;
    let now = sim.now_ms;
    for (at_ms, action) in acts {
        sim.schedule(now.saturating_add(at_ms), action);
    }
    Ok(())
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
            let count = u64::from(count);
            let produce = ProduceCommand { count, headers, key, partition, partitioner, topic, value };
            sim.schedule(now, Action::Command(client, Command::Produce(produce)));
        }
        ClusterCommand::AddConsumer { client, configs } => {
            let spec = StartSpec { configs: (!configs.is_empty()).then_some(configs) };
            sim.schedule(now, Action::StartWith(client, spec));
        }
        ClusterCommand::RestartProducer { client, configs } => {
            sim.schedule(now, Action::Command(client, Command::RestartWith(ConfigsSpec { configs })));
        }
        ClusterCommand::Transaction { client, action } => {
            sim.schedule(now, Action::Command(client, txn_command(action)));
        }
        ClusterCommand::PauseHeartbeats { client, paused } => {
            sim.schedule(now, Action::Command(client, Command::PauseHeartbeats(paused)));
        }
        ClusterCommand::SetProcessingTime { client, per_record_ms } => {
            let spec = ProcessingTimeCommand { per_record_ms };
            sim.schedule(now, Action::Command(client, Command::SetProcessingTime(spec)));
        }
        ClusterCommand::CloseConsumer(client) => {
            sim.schedule(now, Action::Command(client, Command::Close {}))
        }
        ClusterCommand::RestartWith { clients, configs, every_ms } => {
            let every = every_ms.clamp(0, 3_600_000);
            for (k, client) in clients.into_iter().enumerate() {
                let command = Command::RestartWith(ConfigsSpec { configs: configs.clone() });
                sim.schedule(
                    now.saturating_add(every.saturating_mul(k as i64)),
                    Action::Command(client, command),
                );
            }
        }
        ClusterCommand::CreateTopic { name, partitions, replication_factor, configs } => {
            let spec = CreateTopicCommand {
                configs,
                name,
                partitions,
                replica_assignment: None,
                replication_factor,
            };
            sim.schedule(now, Action::Command(CONTROLLER_ID, Command::CreateTopic(spec)));
        }
        ClusterCommand::DeleteTopic { name } => {
            sim.schedule(
                now,
                Action::Command(CONTROLLER_ID, Command::DeleteTopic(DeleteTopicCommand { name })),
            );
        }
        ClusterCommand::AlterBrokerConfigs { configs } => {
            sim.schedule(
                now,
                Action::Command(CONTROLLER_ID, Command::AlterBrokerConfigs(ConfigsSpec { configs })),
            );
        }
        ClusterCommand::RunRetention => {
            for id in 1..=scenario.cluster.broker_slots() {
                if sim.status(id) == Some(crate::sim::Status::Up) {
                    sim.schedule(now, Action::Command(id, Command::RetentionCheck(Yes)));
                }
            }
        }
        ClusterCommand::AddBroker => {
            if let Some(id) = next_idle_broker(scenario, |id| sim.status(id).is_some()) {
                // StartWith: a second click before this start ran cannot start it twice.
                sim.schedule(now, Action::StartWith(id, StartSpec::default()));
            }
        }
        ClusterCommand::CreatePartitions { topic, count } => {
            let spec = CreatePartitionsCommand { count: i64::from(count), topic };
            sim.schedule(now, Action::Command(CONTROLLER_ID, Command::CreatePartitions(spec)));
        }
        // The lesson's steps are [`schedule_lesson_step`]'s; the clock and the timeline
        // are the driver's.
        ClusterCommand::SetSpeed(_)
        | ClusterCommand::Pause
        | ClusterCommand::Play
        | ClusterCommand::Step
        | ClusterCommand::LessonStep(_)
        | ClusterCommand::Seek(_)
        | ClusterCommand::BackToNow
        | ClusterCommand::Fork
        | ClusterCommand::SwitchBranch(_)
        | ClusterCommand::NextGroupEvent => {}
    }
}

/// The producer command a transaction button calls.
pub fn txn_command(action: TxnAction) -> Command {
    match action {
        TxnAction::InitTransactions => Command::InitTransactions(Yes),
        TxnAction::BeginTransaction => Command::BeginTransaction(Yes),
        TxnAction::CommitTransaction => Command::CommitTransaction(Yes),
        TxnAction::AbortTransaction => Command::AbortTransaction(Yes),
    }
}
