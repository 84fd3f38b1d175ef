//! The checks of the page's commands against the cluster now (Kafka's refusals shown at
//! the form before anything is sent); carrying them out is `crate::sim::timeline::apply`.

use super::cluster_view::ClusterCommand;
use crate::engine::cluster::CONTROLLER_ID;
use crate::engine::controller::broker_configs::check_broker_configs;
use crate::engine::controller::{refusal_text, ControllerNode};
use crate::engine::limits::{check_records_kept, record_bytes_at_most};
use crate::sim::cluster_world::next_idle_broker;
use crate::sim::scenario::Scenario;
use crate::sim::timeline::apply::txn_command;
use crate::sim::Sim;
use crate::web::cluster_picture::Picture;

/// The controller, for a check of `api`; a stopped one answers nothing, as Kafka's
/// admin client then times out.
fn live_controller<'a>(sim: &'a Sim, api: &str) -> Result<&'a ControllerNode, String> {
    sim.live_node(CONTROLLER_ID)
        .and_then(|n| n.view().controller())
        .ok_or_else(|| format!("TIMEOUT: the controller is not running, so {api} cannot be answered"))
}

/// Whether `c` can be carried out now, with the refusal Kafka would answer (code name
/// and message) if not: the page's forms ask the run worker this before the command is
/// sent, so the error shows at the form at once, also while the run is paused.
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
