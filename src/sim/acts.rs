//! The scheduled acts a run carries out at their time: faults (crash, restart, pause,
//! resume, partition, heal, crash the leader of a partition) and commands and starts
//! handed to nodes, and hand-made messages a test puts on the wire. Each builds or changes a node's slot; what the node then outputs
//! goes through the driver like any other step.

use super::driver::{Action, Sim, Slot, Status, Timers};
use super::journal::JournalEntry;
use crate::engine::cluster::events::Cause;
use crate::engine::cluster::{Command, Envelope, Input, Message, Node, NodeId};

impl Sim {
    /// Puts a hand-made message on the wire, arriving at `at_ms` (never in the past): a
    /// test sends a request no client of the playground sends yet (an idempotent
    /// producer's batches). Its answer to a `from` that is no node is dropped.
    pub fn send_at(&mut self, at_ms: i64, env: crate::engine::cluster::Envelope) {
        self.push(at_ms.max(self.now_ms), super::driver::Pending::Deliver(env));
    }

    pub(super) fn act(&mut self, action: Action) {
        let now = self.now_ms;
        match action {
            Action::StartWith(id, spec) => {
                if self.slots.get(&id).is_some_and(|s| s.status != Status::Crashed) {
                    return;
                }
                self.log_cause(Cause::Started { node: id });
                self.start(id, Command::Start(spec));
            }
            Action::Start(id) => self.start(id, Command::start()),
            Action::Crash(id) => {
                if let Some(s) = self.slots.get_mut(&id) {
                    if s.status != Status::Crashed {
                        s.node = None;
                        s.status = Status::Crashed;
                        s.timers.clear();
                        s.held.clear();
                        s.incarnation += 1;
                        self.journal.push(JournalEntry::Crash { at_ms: now, node: id });
                        self.log_cause(Cause::Crashed { node: id });
                        self.reset_connections(now, id);
                    }
                }
            }
            Action::CrashLeaderOf(topic, partition) => {
                let leader = self.slots.iter().find_map(|(id, s)| {
                    let broker = s.node.as_ref()?.view().broker()?;
                    broker.replica_state(&topic, partition).filter(|v| v.is_leader).map(|_| *id)
                });
                if let Some(id) = leader {
                    self.act(Action::Crash(id));
                }
            }
            Action::RestartCrashed => {
                let crashed: Vec<NodeId> = self
                    .slots
                    .iter()
                    .filter(|(_, s)| s.status == Status::Crashed)
                    .map(|(id, _)| *id)
                    .collect();
                for id in crashed {
                    self.act(Action::Restart(id));
                }
            }
            Action::Restart(id) => {
                if self.slots.get(&id).is_some_and(|s| s.status == Status::Crashed) {
                    let node = self.build(id, now, true);
                    if let Some(s) = self.slots.get_mut(&id) {
                        s.node = node;
                        s.timers.clear();
                        s.status = Status::Up;
                        s.incarnation += 1;
                    }
                    self.journal.push(JournalEntry::Restart { at_ms: now, node: id });
                    self.log_cause(Cause::Restarted { node: id });
                    self.deliver(id, Input::Command(Command::start()));
                }
            }
            Action::Pause(id) => {
                let slot = self.slots.get_mut(&id).filter(|s| s.status == Status::Up);
                if let Some(s) = slot {
                    s.status = Status::Paused;
                    self.log_cause(Cause::Paused { node: id });
                }
            }
            Action::Resume(id) => {
                let held = match self.slots.get_mut(&id) {
                    Some(s) if s.status == Status::Paused => {
                        s.status = Status::Up;
                        Some(std::mem::take(&mut s.held))
                    }
                    _ => None,
                };
                if let Some(held) = held {
                    self.log_cause(Cause::Resumed { node: id });
                    for input in held {
                        self.deliver(id, input);
                    }
                }
            }
            Action::Partition(a, b) => {
                self.log_cause(Cause::Partitioned {
                    a: a.iter().copied().collect(),
                    b: b.iter().copied().collect(),
                });
                self.network.partition(a, b);
            }
            Action::Heal => {
                self.log_cause(Cause::Healed);
                self.network.heal();
            }
            Action::LoseNext(rule) => {
                self.log_cause(Cause::LoseNext { to: rule.to, api: rule.api.clone() });
                self.network.lose_next.push(rule);
            }
            Action::Command(id, command) => {
                self.log_command(id, &command);
                self.deliver(id, Input::Command(command));
            }
            Action::SendOffsetsToTransaction(producer, consumer, name) => {
                let command = Command::SendOffsetsToTransaction(self.consumer_offsets(consumer, name));
                self.act(Action::Command(producer, command));
            }
        }
    }

    /// What the application reads from its consumer for `sendOffsetsToTransaction`: its
    /// `groupMetadata()` and the offset after the last record it processed per owned
    /// partition (no metadata when it is not running here or has no `group.id`).
    fn consumer_offsets(
        &self,
        id: NodeId,
        name: String,
    ) -> crate::engine::cluster::command::SendOffsetsCommand {
        use crate::engine::cluster::command::SendOffsetsCommand;
        match self.live_node(id).and_then(|n| n.view().consumer()) {
            Some(c) => c.send_offsets_command(name, c.processed()),
            None => SendOffsetsCommand { consumer: name, group_metadata: None, offsets: Vec::new() },
        }
    }

    /// Creates node `id` fresh and hands it `start` (its start command).
    pub(super) fn start(&mut self, id: NodeId, start: Command) {
        let now = self.now_ms;
        self.stores.entry(id).or_default();
        let node = self.build(id, now, false);
        let incarnation = self.slots.get(&id).map_or(0, |s| s.incarnation + 1);
        self.slots.insert(
            id,
            Slot { node, status: Status::Up, incarnation, timers: Timers::default(), held: Vec::new() },
        );
        self.journal.push(JournalEntry::Start { at_ms: now, node: id });
        self.deliver(id, Input::Command(start));
    }

    /// Builds node `id` here, or nothing when it runs elsewhere.
    pub(super) fn build(&mut self, id: NodeId, now: i64, restart: bool) -> Option<Box<dyn Node>> {
        if self.remote.contains(&id) {
            return None;
        }
        let store = self.stores.entry(id).or_default();
        Some(self.world.build(id, store, now, restart))
    }

    /// A crashed process's host resets its TCP connections: each peer it had exchanged
    /// messages with gets a [`Message::ConnectionClosed`] from it, so a request parked
    /// there (a JoinGroup waiting out its rebalance, a long-polling Fetch) fails at once,
    /// as Kafka's `NetworkClient` fails in-flight requests on a disconnect, instead of
    /// waiting out its request timeout (305 s for a JoinGroup). The reset travels like any
    /// packet, so a cut link still keeps it from its peer.
    fn reset_connections(&mut self, now: i64, id: NodeId) {
        let peers = self.network.connected_to(id);
        self.network.close_connections(id);
        for peer in peers {
            if self.slots.get(&peer).is_some_and(|s| s.status != Status::Crashed) {
                self.transmit(now, Envelope { from: id, to: peer, message: Message::ConnectionClosed });
            }
        }
    }
}
