//! One client connection, sans-IO: bytes in ([`Connection::receive`]), engine requests
//! out (to put on the simulated wire from the connection's node), engine answers in
//! ([`Connection::on_engine`]), response bytes out ([`Connection::take_output`]).
//! Invariant: responses leave in the order their requests arrived, whatever order the
//! engine answers in (Kafka's `SocketServer` answers one request per connection at a
//! time); a produce with `acks=0` has no place in that order (no response). After a
//! reason to close (a bad frame or request, see [`super::request`]) the connection takes
//! nothing more and the server closes it once the responses before it are written.

use super::apis::{
    admin, answer_id, create_topics, delete_topics, describe_configs, describe_groups, fetch,
    find_coordinator, group, init_producer_id, list_offsets, metadata, offset_for_leader_epoch, offsets,
    produce, txn, Ctx, Gather, Outgoing, ServeContext,
};
use super::frame::FrameReader;
use super::request::{decode_request, encode_response, Header, Request};
use super::versions::{api_versions_response, unsupported_api_versions_response};
use crate::engine::cluster::{Message, NodeId};
use std::collections::VecDeque;

/// Requests one connection may have waiting on the engine at once; more close it.
pub const MAX_IN_FLIGHT: usize = 1000;

enum Slot {
    Ready(Vec<u8>),
    Waiting(Header, Box<dyn Gather>),
}

pub struct Connection {
    broker: NodeId,
    reader: FrameReader,
    slots: VecDeque<Slot>,
    next_id: u64,
    close_reason: Option<String>,
    /// The latest request header's `client.id` (the page names the connection by it).
    client_id: Option<String>,
    /// The client's address as Kafka's `clientHost` shows it (`/127.0.0.1`).
    client_host: Option<String>,
    requests: u64,
}

impl Connection {
    /// A connection to broker `broker`'s listener.
    pub fn new(broker: NodeId) -> Self {
        Connection {
            broker,
            reader: FrameReader::default(),
            slots: VecDeque::new(),
            next_id: 0,
            close_reason: None,
            client_id: None,
            client_host: None,
            requests: 0,
        }
    }

    /// The same, from a client at `address`: JoinGroup tells the group coordinator its
    /// `clientHost` as Java's `InetAddress.toString()` writes it (`/127.0.0.1`,
    /// `/0:0:0:0:0:0:0:1`), which DescribeGroups and `kafka-consumer-groups` show as HOST.
    pub fn from_client(broker: NodeId, address: std::net::IpAddr) -> Self {
        let host = match address {
            std::net::IpAddr::V4(v4) => format!("/{v4}"),
            std::net::IpAddr::V6(v6) => {
                let segments: Vec<String> = v6.segments().iter().map(|s| format!("{s:x}")).collect();
                format!("/{}", segments.join(":"))
            }
        };
        Connection { client_host: Some(host), ..Connection::new(broker) }
    }

    /// Why the connection must close, once it must.
    pub fn close_reason(&self) -> Option<&str> {
        self.close_reason.as_deref()
    }

    /// The `client.id` the client's latest request carried, if any.
    pub fn client_id(&self) -> Option<&str> {
        self.client_id.as_deref()
    }

    /// Requests decoded on this connection so far.
    pub fn requests(&self) -> u64 {
        self.requests
    }

    /// Requests still waiting for the engine.
    pub fn in_flight(&self) -> usize {
        self.slots.iter().filter(|s| matches!(s, Slot::Waiting(..))).count()
    }

    fn close(&mut self, reason: String) {
        if self.close_reason.is_none() {
            self.close_reason = Some(reason);
        }
    }

    /// Bytes read from the socket; returns the engine requests they make.
    pub fn receive(&mut self, bytes: &[u8], serve: &ServeContext) -> Vec<Outgoing> {
        let mut sends = Vec::new();
        if self.close_reason.is_some() {
            return sends;
        }
        self.reader.push(bytes);
        loop {
            if self.slots.len() >= MAX_IN_FLIGHT {
                self.close(format!("more than {MAX_IN_FLIGHT} requests waiting on one connection"));
                break;
            }
            let frame = match self.reader.next_frame() {
                Ok(Some(frame)) => frame,
                Ok(None) => break,
                Err(e) => {
                    self.close(e.0);
                    break;
                }
            };
            match decode_request(frame) {
                Ok((header, request)) => self.handle(header, request, serve, &mut sends),
                Err(e) => {
                    self.close(e.0);
                    break;
                }
            }
        }
        sends
    }

    fn handle(&mut self, header: Header, request: Request, serve: &ServeContext, sends: &mut Vec<Outgoing>) {
        self.requests += 1;
        if header.client_id.is_some() && header.client_id != self.client_id {
            self.client_id = header.client_id.clone();
        }
        let client_host = self.client_host.as_deref();
        let mut ctx = Ctx { broker: self.broker, client_host, serve, next_id: &mut self.next_id, sends };
        let v = header.api_version;
        let slot: Result<Option<Slot>, String> = match &request {
            Request::ApiVersions { unsupported: true } => {
                // Answered as v0 (`RequestContext.apiVersion`).
                encode_response(&header, 0, &unsupported_api_versions_response())
                    .map(|b| Some(Slot::Ready(b)))
            }
            Request::ApiVersions { unsupported: false } => {
                encode_response(&header, v, &api_versions_response()).map(|b| Some(Slot::Ready(b)))
            }
            Request::Metadata(r) => waiting(header, metadata::start(r, v, &mut ctx), false).map(Some),
            Request::Produce(r) => match produce::start(r, &mut ctx) {
                Some(g) => {
                    let done = g.is_done();
                    waiting(header, g, done).map(Some)
                }
                None => Ok(None),
            },
            Request::Fetch(r) => {
                let g = fetch::start(r, &mut ctx);
                let done = g.is_done();
                waiting(header, g, done).map(Some)
            }
            Request::ListOffsets(r) => {
                let g = list_offsets::start(r, &mut ctx);
                let done = g.is_done();
                waiting(header, g, done).map(Some)
            }
            Request::CreateTopics(r) => {
                let g = create_topics::start(r, &mut ctx);
                let done = g.is_done();
                waiting(header, g, done).map(Some)
            }
            Request::FindCoordinator(r) => {
                let g = find_coordinator::start(r, v, &mut ctx);
                let done = g.is_done();
                waiting(header, g, done).map(Some)
            }
            Request::JoinGroup(r) => {
                let g = group::start_join(r, &header, &mut ctx);
                waiting(header, g, false).map(Some)
            }
            Request::SyncGroup(r) => waiting(header, group::start_sync(r, &mut ctx), false).map(Some),
            Request::Heartbeat(r) => waiting(header, group::start_heartbeat(r, &mut ctx), false).map(Some),
            Request::LeaveGroup(r) => waiting(header, group::start_leave(r, v, &mut ctx), false).map(Some),
            Request::OffsetCommit(r) => {
                let g = offsets::start_commit(r, v, &mut ctx);
                let done = g.is_done();
                waiting(header, g, done).map(Some)
            }
            Request::OffsetFetch(r) => waiting(header, offsets::start_fetch(r, &mut ctx), false).map(Some),
            Request::DeleteTopics(r) => {
                let g = delete_topics::start(r, v, &mut ctx);
                let done = g.is_done();
                waiting(header, g, done).map(Some)
            }
            Request::OffsetForLeaderEpoch(r) => {
                let g = offset_for_leader_epoch::start(r, &mut ctx);
                let done = g.is_done();
                waiting(header, g, done).map(Some)
            }
            Request::InitProducerId(r) => {
                let g = init_producer_id::start(r, &mut ctx);
                let done = g.is_done();
                waiting(header, g, done).map(Some)
            }
            Request::AddPartitionsToTxn(r) => {
                let g = txn::start_add_partitions(r, &mut ctx);
                let done = g.is_done();
                waiting(header, g, done).map(Some)
            }
            Request::AddOffsetsToTxn(r) => {
                waiting(header, txn::start_add_offsets(r, &mut ctx), false).map(Some)
            }
            Request::EndTxn(r) => waiting(header, txn::start_end(r, &mut ctx), false).map(Some),
            Request::CreatePartitions(r) => {
                let g = admin::start_create_partitions(r, &mut ctx);
                let done = g.is_done();
                waiting(header, g, done).map(Some)
            }
            Request::IncrementalAlterConfigs(r) => {
                let g = admin::start_alter_configs(r, &mut ctx);
                let done = g.is_done();
                waiting(header, g, done).map(Some)
            }
            Request::DeleteRecords(r) => {
                waiting(header, admin::start_delete_records(r, &mut ctx), false).map(Some)
            }
            Request::DescribeGroups(r) => {
                waiting(header, describe_groups::start_describe(r, &mut ctx), false).map(Some)
            }
            Request::ListGroups(r) => {
                waiting(header, describe_groups::start_list(r, &mut ctx), false).map(Some)
            }
            Request::DescribeConfigs(r) => {
                waiting(header, describe_configs::start(r, &mut ctx), false).map(Some)
            }
            Request::TxnOffsetCommit(r) => {
                let g = txn::start_offset_commit(r, &mut ctx);
                let done = g.is_done();
                waiting(header, g, done).map(Some)
            }
        };
        match slot {
            Ok(Some(slot)) => self.slots.push_back(slot),
            Ok(None) => {}
            Err(e) => self.close(format!("cannot encode the response: {e}")),
        }
    }

    /// An engine message sent to this connection's node; returns further engine requests.
    pub fn on_engine(&mut self, message: &Message, serve: &ServeContext) -> Vec<Outgoing> {
        let mut sends = Vec::new();
        let Some(id) = answer_id(message) else { return sends };
        let client_host = self.client_host.as_deref();
        let mut ctx =
            Ctx { broker: self.broker, client_host, serve, next_id: &mut self.next_id, sends: &mut sends };
        let mut failed = None;
        for slot in self.slots.iter_mut() {
            let Slot::Waiting(header, gather) = slot else { continue };
            if !gather.waits_on(id) {
                continue;
            }
            if gather.answer(&mut ctx, message) {
                match gather.encode(header) {
                    Ok(bytes) => *slot = Slot::Ready(bytes),
                    Err(e) => failed = Some(e),
                }
            }
            break;
        }
        if let Some(e) = failed {
            self.close(format!("cannot encode the response: {e}"));
        }
        sends
    }

    /// The responses ready to write, in request order (stops at the first still waiting).
    pub fn take_output(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        while let Some(Slot::Ready(_)) = self.slots.front() {
            if let Some(Slot::Ready(bytes)) = self.slots.pop_front() {
                out.extend_from_slice(&bytes);
            }
        }
        out
    }
}

/// A slot for a request; `done`: it needed nothing from the engine (answered at once).
fn waiting(header: Header, gather: impl Gather + 'static, done: bool) -> Result<Slot, String> {
    if done {
        gather.encode(&header).map(Slot::Ready)
    } else {
        Ok(Slot::Waiting(header, Box::new(gather)))
    }
}

#[cfg(test)]
mod tests {
    use super::Connection;

    /// Java's `InetAddress.toString()` for an address without a host name: `/` and the
    /// literal, IPv6 in full form with no zero compression (`Inet6Address.getHostAddress`).
    #[test]
    fn client_host_is_written_as_java_writes_it() {
        let host = |ip: &str| Connection::from_client(1, ip.parse().unwrap()).client_host.unwrap();
        assert_eq!(host("127.0.0.1"), "/127.0.0.1");
        assert_eq!(host("::1"), "/0:0:0:0:0:0:0:1");
        assert_eq!(host("fe80::1:abcd"), "/fe80:0:0:0:0:0:1:abcd");
    }
}
