//! The page's commands that act on the simulation (crash, restart, cut, produce, add a
//! consumer …), as the acts the simulation schedules at the current virtual time. The
//! run's own controls (speed, pause, step) stay with the driver.

use super::cluster_view::ClusterCommand;
use crate::engine::cluster::command::{
    Command, ConfigsSpec, CreatePartitionsCommand, CreateTopicCommand, DeleteTopicCommand,
    ProcessingTimeCommand, ProduceCommand, StartSpec, Yes,
};
use crate::engine::cluster::CONTROLLER_ID;
use crate::engine::controller::broker_configs::check_broker_configs;
use crate::engine::controller::{refusal_text, ControllerNode};
use crate::engine::limits::{check_records_kept, record_bytes_at_most};
use crate::sim::cluster_world::next_idle_broker;
use crate::sim::scenario::Scenario;
use crate::sim::{Action, Sim};
use crate::web::cluster_picture::Picture;

/// The controller, for a check of `api`; a stopped one answers nothing, as Kafka's
/// admin client then times out.
fn live_controller<'a>(sim: &'a Sim, api: &str) -> Result<&'a ControllerNode, String> {
    sim.live_node(CONTROLLER_ID)
        .and_then(|n| n.view().controller())
        .ok_or_else(|| format!("TIMEOUT: the controller is not running, so {api} cannot be answered"))
}

/// Whether `c` can be carried out now, with the refusal Kafka would answer (code name
/// and message) if not: the page checks a form with it before it sends the command, so
/// the error shows at the form at once, also while the run is paused.
pub fn check(sim: &Sim, scenario: &Scenario, picture: &Picture, c: &ClusterCommand) -> Result<(), String> {
    match c {
        ClusterCommand::Produce { count, key, value, .. } => {
            let (records, bytes) = picture.kept();
            let record_bytes = key.as_deref().map_or(0, record_bytes_at_most) + record_bytes_at_most(value);
            check_records_kept(records, bytes, u64::from(*count), record_bytes)
        }
        ClusterCommand::CreateTopic { name, partitions, replication_factor, configs } => {
            let controller = live_controller(sim, "CreateTopics")?;
            let configs: Vec<(String, String)> =
                configs.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            controller
                .check_create_topic(name, *partitions, *replication_factor, &configs, None)
                .map_err(refusal_text)
        }
        ClusterCommand::DeleteTopic { name } => {
            let controller = live_controller(sim, "DeleteTopics")?;
            controller.check_delete_topic(name).map(|_| ()).map_err(refusal_text)
        }
        ClusterCommand::RestartProducer { client, configs } => {
            let producer = sim
                .live_node(*client)
                .and_then(|n| n.view().producer())
                .ok_or("the producer is not running")?;
            producer
                .next_config()
                .with_pairs(configs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .map(|_| ())
                .map_err(|e| e.message)
        }
        ClusterCommand::Transaction { client, action } => {
            let producer = sim
                .live_node(*client)
                .and_then(|n| n.view().producer())
                .ok_or("the producer is not running")?;
            producer.check_transaction_command(&txn_command(*action))
        }
        ClusterCommand::AlterBrokerConfigs { configs } => {
            live_controller(sim, "IncrementalAlterConfigs")?;
            let pairs: Vec<(String, String)> = configs.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            check_broker_configs(&pairs).map_err(refusal_text)
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
        ClusterCommand::SetSpeed(_)
        | ClusterCommand::Pause
        | ClusterCommand::Play
        | ClusterCommand::Step
        | ClusterCommand::LessonStep(_) => {}
    }
}

/// The producer command a transaction button calls.
fn txn_command(action: crate::sim::picture::command::TxnAction) -> Command {
    use crate::engine::cluster::command::Yes;
    use crate::sim::picture::command::TxnAction;
    match action {
        TxnAction::InitTransactions => Command::InitTransactions(Yes),
        TxnAction::BeginTransaction => Command::BeginTransaction(Yes),
        TxnAction::CommitTransaction => Command::CommitTransaction(Yes),
        TxnAction::AbortTransaction => Command::AbortTransaction(Yes),
    }
}
