//! The page watching `kafka-playground serve` (issue #15, point 3): what `serve` sends the
//! page over its WebSocket ([`ServeMessage`]: the cluster view, built by the same
//! [`super::cluster::Picture`] as in the tab, with [`LiveView`] filled in; and the answer
//! to each command), and which of the page's [`ClusterCommand`]s `serve` carries out
//! under real clients ([`live_action`]): crash/restart a broker (its connections are
//! reset, its port refuses), pause/resume a broker, cut/heal the network between the
//! brokers and the controller. Everything else is refused with a [`Refusal`] the page
//! shows in the learner's language: the run's clock is the wall clock while real
//! clients are connected (their timeouts are in real time), and records, groups and
//! topics belong to the real clients. Native and wasm alike: `serve` answers with it,
//! the page refuses the same commands before sending them. When serve goes away the page
//! tries again after [`retry_delay_ms`].

use super::command::ClusterCommand;
use super::view::ClusterView;
use crate::engine::cluster::{NodeId, CONTROLLER_ID};
use serde::{Deserialize, Serialize};

/// The most bytes one message from the page may have (a command is a few hundred).
pub const MAX_PAGE_MESSAGE_BYTES: usize = 64 * 1024;

/// The longest wait of the page between two tries to reach `serve` again.
pub const RETRY_MAX_MS: u32 = 10_000;

/// How long the page waits before its `n`th try (1-based) to reach a `serve` that went
/// away: 1 s doubling, at most [`RETRY_MAX_MS`] (a restarted serve is seen within 10 s,
/// and a page left open does not knock every second).
pub fn retry_delay_ms(n: u32) -> u32 {
    (1_000u32 << n.saturating_sub(1).min(4)).min(RETRY_MAX_MS)
}

/// What `serve` adds to the view: the real clients' connections, and their groups as the
/// coordinators hold them ([`super::described`]: real consumers have no client node, so
/// the group cards' members come from there).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LiveView {
    /// Open connections of real clients, oldest first.
    pub connections: Vec<ConnectionView>,
    /// Each group of the view, by group id, as `kafka-consumer-groups.sh --describe`.
    #[serde(default)]
    pub groups: Vec<super::described::DescribedGroupView>,
}

/// One real client's TCP connection to a broker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectionView {
    /// The connection's node id in the simulation (from 1 000 000).
    pub id: NodeId,
    /// The `client.id` of the request header (Kafka's `RequestHeader.clientId`), once a
    /// request came; `None` before the first, or when the client sends none.
    pub client_id: Option<String>,
    /// The broker whose listener accepted it.
    pub broker: NodeId,
    /// Requests read on it so far.
    pub requests: u64,
}

/// One message from `serve` to the page: one binary WebSocket frame ([`ServeMessage::frame`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ServeMessage {
    /// The cluster now (`live` is set).
    View(Box<ClusterView>),
    /// The answer to the page's message: `None` when carried out.
    Answer(Option<Refusal>),
    /// The answer to the page's [`super::log_ask::LogRequest`] with this id.
    Log { id: u64, answer: super::log_ask::LogAnswer },
}

impl ServeMessage {
    /// The message as `serve` sends it ([`super::frame`]).
    pub fn frame(&self) -> Vec<u8> {
        super::frame::to_frame(self)
    }

    /// A frame read back, or what is wrong with it.
    pub fn from_frame(bytes: &[u8]) -> Result<ServeMessage, String> {
        super::frame::from_frame(bytes).map_err(|e| format!("not a serve message: {e}"))
    }
}

/// Why `serve` does not carry out a command from the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Refusal {
    /// Speed, pause, play, step: the clock is the wall clock.
    RealTime,
    /// Produce, consumers, transactions, producer restarts: the real clients do that.
    RealClients,
    /// Topics and configs: an admin client (AdminClient, kafka-topics.sh) does that.
    AdminClient,
    /// Lessons, added brokers and the timeline belong to the tab's own clusters.
    TabOnly,
    /// No such broker (crash, restart, pause, resume take 1..=N).
    NoBroker(NodeId),
    /// Crash of a crashed broker, or restart of a running one.
    AlreadyCrashed(NodeId),
    NotCrashed(NodeId),
    /// A cut names a node twice, a side is empty, or names a client's connection.
    BadCut,
    /// Not a command (the JSON's error), or longer than [`MAX_PAGE_MESSAGE_BYTES`].
    Invalid(String),
}

impl Refusal {
    /// The refusal in English (what `serve` prints; the page translates it).
    pub fn english(&self) -> String {
        match self {
            Refusal::RealTime => {
                "serve runs in real time: speed is 1× while real clients are connected".into()
            }
            Refusal::RealClients => "under serve, the real clients produce and consume: run them".into(),
            Refusal::AdminClient => {
                "under serve, topics and configs are an admin client's: AdminClient or kafka-topics.sh".into()
            }
            Refusal::TabOnly => "only the tab's own clusters do that".into(),
            Refusal::NoBroker(id) => format!("no broker {id}"),
            Refusal::AlreadyCrashed(id) => format!("broker {id} is already crashed"),
            Refusal::NotCrashed(id) => format!("broker {id} is running"),
            Refusal::BadCut => {
                "a cut needs two disjoint, non-empty sets of the cluster's nodes (brokers and the controller)"
                    .into()
            }
            Refusal::Invalid(e) => format!("not a cluster command: {e}"),
        }
    }
}

/// What `serve` does for the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveAction {
    Crash(NodeId),
    Restart(NodeId),
    Pause(NodeId),
    Resume(NodeId),
    Cut(Vec<NodeId>, Vec<NodeId>),
    Heal,
}

/// The command as `serve` carries it out on a cluster of `brokers` brokers, or why not.
/// Whether a broker is crashed is `serve`'s to judge (it knows the sockets).
pub fn live_action(c: &ClusterCommand, brokers: u32) -> Result<LiveAction, Refusal> {
    let broker = |id: NodeId| if (1..=brokers).contains(&id) { Ok(id) } else { Err(Refusal::NoBroker(id)) };
    match c {
        ClusterCommand::Crash(id) => broker(*id).map(LiveAction::Crash),
        ClusterCommand::Restart(id) => broker(*id).map(LiveAction::Restart),
        ClusterCommand::PauseNode(id) => broker(*id).map(LiveAction::Pause),
        ClusterCommand::ResumeNode(id) => broker(*id).map(LiveAction::Resume),
        ClusterCommand::Cut(a, b) => {
            let cluster = |id: &NodeId| *id == CONTROLLER_ID || (1..=brokers).contains(id);
            let mut all: Vec<NodeId> = a.iter().chain(b).copied().collect();
            all.sort_unstable();
            all.dedup();
            let disjoint = all.len() == a.len() + b.len();
            if a.is_empty() || b.is_empty() || !disjoint || !all.iter().all(cluster) {
                return Err(Refusal::BadCut);
            }
            Ok(LiveAction::Cut(a.clone(), b.clone()))
        }
        ClusterCommand::Heal => Ok(LiveAction::Heal),
        ClusterCommand::SetSpeed(_) | ClusterCommand::Pause | ClusterCommand::Play | ClusterCommand::Step => {
            Err(Refusal::RealTime)
        }
        ClusterCommand::Produce { .. }
        | ClusterCommand::AddConsumer { .. }
        | ClusterCommand::RestartProducer { .. }
        | ClusterCommand::Transaction { .. }
        | ClusterCommand::PauseHeartbeats { .. }
        | ClusterCommand::SetProcessingTime { .. }
        | ClusterCommand::CloseConsumer(_)
        | ClusterCommand::RestartWith { .. } => Err(Refusal::RealClients),
        ClusterCommand::CreateTopic { .. }
        | ClusterCommand::DeleteTopic { .. }
        | ClusterCommand::AlterBrokerConfigs { .. }
        | ClusterCommand::RunRetention
        | ClusterCommand::CreatePartitions { .. } => Err(Refusal::AdminClient),
        ClusterCommand::AddBroker
        | ClusterCommand::LessonStep(_)
        | ClusterCommand::Seek(_)
        | ClusterCommand::BackToNow
        | ClusterCommand::Fork
        | ClusterCommand::SwitchBranch(_)
        | ClusterCommand::NextGroupEvent => Err(Refusal::TabOnly),
    }
}

/// A message from the page: a [`ClusterCommand`] as JSON text, validated (size, shape).
pub fn parse_page_message(text: &str) -> Result<ClusterCommand, Refusal> {
    if text.len() > MAX_PAGE_MESSAGE_BYTES {
        return Err(Refusal::Invalid(format!("longer than {MAX_PAGE_MESSAGE_BYTES} bytes")));
    }
    serde_json::from_str(text).map_err(|e| Refusal::Invalid(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serve_does_what_it_can_under_real_clients_and_refuses_the_rest() {
        assert_eq!(live_action(&ClusterCommand::Crash(2), 3), Ok(LiveAction::Crash(2)));
        assert_eq!(live_action(&ClusterCommand::Crash(4), 3), Err(Refusal::NoBroker(4)));
        assert_eq!(live_action(&ClusterCommand::Restart(0), 3), Err(Refusal::NoBroker(0)));
        assert_eq!(live_action(&ClusterCommand::PauseNode(1), 3), Ok(LiveAction::Pause(1)));
        assert_eq!(live_action(&ClusterCommand::ResumeNode(3), 3), Ok(LiveAction::Resume(3)));
        assert_eq!(
            live_action(&ClusterCommand::Cut(vec![CONTROLLER_ID, 1], vec![2, 3]), 3),
            Ok(LiveAction::Cut(vec![CONTROLLER_ID, 1], vec![2, 3]))
        );
        assert_eq!(live_action(&ClusterCommand::Cut(vec![1], vec![1, 2]), 3), Err(Refusal::BadCut));
        assert_eq!(live_action(&ClusterCommand::Cut(vec![], vec![2]), 3), Err(Refusal::BadCut));
        assert_eq!(live_action(&ClusterCommand::Cut(vec![1], vec![1_000_000]), 3), Err(Refusal::BadCut));
        assert_eq!(live_action(&ClusterCommand::SetSpeed(10.0), 3), Err(Refusal::RealTime));
        assert_eq!(live_action(&ClusterCommand::Step, 3), Err(Refusal::RealTime));
        assert_eq!(live_action(&ClusterCommand::CloseConsumer(10_000), 3), Err(Refusal::RealClients));
        assert_eq!(live_action(&ClusterCommand::RunRetention, 3), Err(Refusal::AdminClient));
        assert_eq!(live_action(&ClusterCommand::AddBroker, 3), Err(Refusal::TabOnly));
        assert!(Refusal::RealTime.english().contains("speed is 1×"));
    }

    #[test]
    fn the_page_retries_after_1_s_doubling_to_10_s() {
        let waits: Vec<u32> = (1..=7).map(retry_delay_ms).collect();
        assert_eq!(waits, [1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000]);
        assert_eq!(retry_delay_ms(0), 1_000);
        assert_eq!(retry_delay_ms(u32::MAX), RETRY_MAX_MS);
    }

    #[test]
    fn page_messages_are_validated() {
        assert_eq!(parse_page_message(r#"{"Crash":2}"#), Ok(ClusterCommand::Crash(2)));
        assert!(matches!(parse_page_message("garbage"), Err(Refusal::Invalid(_))));
        assert!(matches!(parse_page_message(r#"{"Crash":-1}"#), Err(Refusal::Invalid(_))));
        assert!(matches!(parse_page_message(r#"{"Crash":2,"x":1}"#), Err(Refusal::Invalid(_))));
        let long = format!("\"{}\"", "a".repeat(MAX_PAGE_MESSAGE_BYTES));
        assert!(matches!(parse_page_message(&long), Err(Refusal::Invalid(e)) if e.contains("longer")));
    }
}
