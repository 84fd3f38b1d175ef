//! A broker's state for the final-state report and replay comparison ([`BrokerState`]):
//! its ids, the metadata offset it has applied, the group and transaction coordinators'
//! state when they hold something, and every replica it holds with its offsets and every
//! record of its log, listed by offset. `__consumer_offsets` and `__transaction_state`
//! records are shown decoded (their bytes are binary), a control batch as kafka-dump-log
//! names its marker.
//!
//! Invariant: a pure read of the node, written as it is serialised (records are decoded
//! one batch at a time, never gathered), with every object's keys in sorted order, as the
//! `Value` of it prints them (see [`crate::engine::cluster::state`]); written by hand
//! ([`BrokerState::write_pretty`]) from the same parts, walked by the same code.

use super::partition::Partition;
use super::view::describe_txn_record;
use super::BrokerNode;
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::cluster::pretty::{PrettyOut, RowText};
use crate::engine::cluster::state::{object, write_with_entry, WithEntry};
use crate::engine::group::coordinator::placement::OFFSETS_TOPIC;
use crate::engine::group::coordinator::records::describe_record;
use crate::engine::record::decode::read_batch;
use crate::engine::text::lossy_utf8 as lossy;
use crate::engine::txn::coordinator::TRANSACTION_STATE_TOPIC;
use crate::engine::txn::marker::{decode_control_batch, ControlBatch, ControlRecordType};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::io;

/// A broker's state, written from the node (see the module doc).
pub struct BrokerState<'a>(pub(super) &'a BrokerNode);

impl BrokerState<'_> {
    /// Every part but the replicas.
    fn small(&self) -> Map<String, Value> {
        let b = self.0;
        let mut small = object(json!({
            "broker_id": b.broker_id,
            "broker_epoch": b.broker_epoch,
            "metadata_offset": b.image.next_offset - 1,
        }));
        if !b.coordinator.is_idle() {
            small.insert("group_coordinator".into(), b.coordinator.state_json());
        }
        if !b.txn_coordinator.is_idle() {
            small.insert("transaction_coordinator".into(), b.txn_coordinator.state_json());
        }
        small
    }

    /// [`Serialize`]'s text through serde_json's pretty printer, written by hand.
    pub fn write_pretty(&self, out: &mut PrettyOut<'_>) -> io::Result<()> {
        write_with_entry(out, &self.small(), "partitions", |out| {
            out.begin_object()?;
            for (key, tp, p) in replicas(self.0) {
                out.key(&key)?;
                write_with_entry(out, &replica_small(p), "records", |out| {
                    out.begin_array()?;
                    let text = out.row_text(&Record::FIELDS);
                    Records(tp, p).each_row(|row| match row {
                        Row::Record(record) => record.write_pretty(out, &text),
                        Row::Control(control) => {
                            out.element()?;
                            out.value(&control)
                        }
                    })?;
                    out.end_array()
                })?;
            }
            out.end_object()
        })
    }
}

impl Serialize for BrokerState<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        WithEntry { small: self.small(), key: "partitions", large: Replicas(self.0) }.serialize(s)
    }
}

/// Every replica with its key, `topic-partition`, in the order of those strings.
fn replicas(b: &BrokerNode) -> Vec<(String, &TopicPartition, &Partition)> {
    let mut replicas: Vec<(String, &TopicPartition, &Partition)> =
        b.partitions.iter().map(|(tp, p)| (format!("{}-{}", tp.topic, tp.partition), tp, p)).collect();
    replicas.sort_by(|a, b| a.0.cmp(&b.0));
    replicas
}

/// A replica's every part but its records.
fn replica_small(p: &Partition) -> Map<String, Value> {
    object(json!({
        "role": p.role.name(),
        "leader": p.state.leader,
        "leader_epoch": p.state.leader_epoch,
        "partition_epoch": p.state.partition_epoch,
        "isr": p.state.isr,
        "log_start_offset": p.log.log_start_offset(),
        "high_watermark": p.high_watermark,
        "last_stable_offset": p.last_stable_offset(),
        "log_end_offset": p.log_end_offset(),
    }))
}

/// Every replica, keyed `topic-partition` in the order of those strings.
struct Replicas<'a>(&'a BrokerNode);

impl Serialize for Replicas<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let replicas = replicas(self.0);
        let mut map = s.serialize_map(Some(replicas.len()))?;
        for (key, tp, p) in replicas {
            map.serialize_entry(
                &key,
                &WithEntry { small: replica_small(p), key: "records", large: Records(tp, p) },
            )?;
        }
        map.end()
    }
}

/// Every record of a replica's log by offset, read one batch at a time, borrowed (a
/// batch that does not decode is left out).
struct Records<'a>(&'a TopicPartition, &'a Partition);

/// One row of a replica's records.
enum Row<'a> {
    Record(Record<'a>),
    Control(ControlRecord),
}

impl Records<'_> {
    /// Hands `row` each record by offset, then stops at its first error.
    fn each_row<E>(&self, mut row: impl FnMut(Row<'_>) -> Result<(), E>) -> Result<(), E> {
        let Records(tp, p) = *self;
        let internal = tp.topic == OFFSETS_TOPIC;
        let txn_state = tp.topic == TRANSACTION_STATE_TOPIC;
        for seg in p.log.segments() {
            for view in seg.batches_from(0).flatten() {
                if view.header.is_control_batch() {
                    // As kafka-dump-log prints a marker: "endTxnMarker: COMMIT coordinatorEpoch: 0".
                    if let Ok(control) = decode_control_batch(view.bytes) {
                        row(Row::Control(ControlRecord::of(&control, view.header.base_offset)))?;
                    }
                    continue;
                }
                let leader_epoch = view.header.partition_leader_epoch;
                let written = read_batch(view.bytes, |header, records| {
                    for r in records {
                        let (key, value) = if internal {
                            let (k, v) = describe_record(r.key, r.value);
                            (Text::Tree(k), Text::Tree(v))
                        } else if let Some((k, v)) =
                            txn_state.then(|| describe_txn_record(r.key, r.value)).flatten()
                        {
                            (Text::Owned(Some(k)), Text::Owned(v))
                        } else {
                            (Text::Lossy(r.key.map(lossy)), Text::Lossy(r.value.map(lossy)))
                        };
                        let offset = header.base_offset.wrapping_add(i64::from(r.offset_delta));
                        row(Row::Record(Record { key, leader_epoch, offset, value }))?;
                    }
                    Ok(())
                });
                // A batch that does not decode is left out (as `decode_batch` refuses it whole).
                if let Ok(written) = written {
                    written?;
                }
            }
        }
        Ok(())
    }
}

impl Serialize for Records<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        self.each_row(|row| match row {
            Row::Record(record) => seq.serialize_element(&record),
            Row::Control(control) => seq.serialize_element(&control),
        })?;
        seq.end()
    }
}

/// A record's key or value: its bytes as text (`null` when absent), or decoded.
#[derive(Serialize)]
#[serde(untagged)]
enum Text<'a> {
    Lossy(Option<Cow<'a, str>>),
    Owned(Option<String>),
    Tree(Value),
}

impl Text<'_> {
    fn write_pretty(&self, out: &mut PrettyOut<'_>) -> io::Result<()> {
        match self {
            Text::Lossy(text) => out.optional_string(text.as_deref()),
            Text::Owned(text) => out.optional_string(text.as_deref()),
            Text::Tree(value) => out.value(value),
        }
    }
}

/// One record; fields in sorted order.
#[derive(Serialize)]
struct Record<'a> {
    key: Text<'a>,
    leader_epoch: i32,
    offset: i64,
    value: Text<'a>,
}

impl Record<'_> {
    /// The fields, as declared.
    const FIELDS: [&'static str; 4] = ["key", "leader_epoch", "offset", "value"];

    /// As its derived `Serialize` through the pretty printer: a row of `text`, the
    /// text of [`Record::FIELDS`].
    fn write_pretty(&self, out: &mut PrettyOut<'_>, text: &RowText) -> io::Result<()> {
        out.row_start(text)?;
        self.key.write_pretty(out)?;
        out.row_field(text, 1)?;
        out.integer(self.leader_epoch.into())?;
        out.row_field(text, 2)?;
        out.integer(self.offset)?;
        out.row_field(text, 3)?;
        self.value.write_pretty(out)?;
        out.row_end(text)
    }
}

/// A control batch as kafka-dump-log names it: `end_txn_marker` (COMMIT/ABORT, with the
/// coordinator epoch) or the control type. Fields in sorted order.
#[derive(Serialize)]
struct ControlRecord {
    coordinator_epoch: Option<i32>,
    end_txn_marker: &'static str,
    leader_epoch: i32,
    offset: i64,
    producer_id: i64,
}

impl ControlRecord {
    fn of(control: &ControlBatch, offset: i64) -> Self {
        let end_txn_marker = match control.control_type {
            Some(ControlRecordType::Commit) => "COMMIT",
            Some(ControlRecordType::Abort) => "ABORT",
            Some(_) => "OTHER",
            None => "EMPTY",
        };
        ControlRecord {
            coordinator_epoch: control.marker.as_ref().map(|m| m.coordinator_epoch()),
            end_txn_marker,
            leader_epoch: control.header.partition_leader_epoch,
            offset,
            producer_id: control.header.producer_id,
        }
    }
}
