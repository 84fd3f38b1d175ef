//! A producer's state for the final-state report and replay comparison
//! ([`ProducerState`]): its settings, send counts, queues, known brokers and leaders, its
//! idempotent/transactional identity, and every acknowledged record it keeps.
//!
//! Invariant: a pure read of the node, written as it is serialised (the acknowledged
//! records, up to [`super::ACKNOWLEDGED_KEPT`] × 2, are never built as a tree), with every
//! object's keys in sorted order, as the `Value` of it prints them (see
//! [`crate::engine::cluster::state`]); written by hand ([`ProducerState::write_pretty`])
//! from the same parts, walked by the same code.

use super::{AcknowledgedRecord, ProducerNode};
use crate::engine::cluster::messages::TopicName;
use crate::engine::cluster::pretty::{PrettyOut, RowText};
use crate::engine::cluster::state::{object, write_with_entry, WithEntry};
use crate::engine::cluster::NodeId;
use crate::engine::text::lossy_utf8;
use serde::ser::SerializeSeq;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io;

/// A producer's state, written from the node (see the module doc).
pub struct ProducerState<'a>(pub(crate) &'a ProducerNode);

impl ProducerState<'_> {
    /// Every part but the acknowledged records.
    fn small(&self) -> Map<String, Value> {
        let p = self.0;
        let leaders: BTreeMap<&String, Vec<Option<NodeId>>> =
            p.topics.iter().map(|(t, ps)| (t, ps.values().map(|p| p.leader).collect())).collect();
        let mut small = object(serde_json::json!({
            "client_id": p.client_id,
            "config": p.config,
            "sends": p.counts,
            "batches_queued": p.accumulator.queued_batches(),
            "records_queued": p.accumulator.queued_records(),
            "records_waiting_for_metadata": p.waiting.len(),
            "closing": p.rebuild_with.is_some(),
            "requests_in_flight": p.in_flight.len(),
            "brokers": p.brokers,
            "leaders": leaders,
        }));
        if let Some(tm) = &p.idempotence {
            let id = tm.current();
            small.insert("producer_id".into(), id.producer_id.into());
            small.insert("producer_epoch".into(), id.epoch.into());
            if let Some(error) = tm.fatal_error {
                small.insert("fatal_error".into(), error.name().into());
            }
        }
        if let Some(txn) = &p.txn {
            small.insert("transactional_id".into(), txn.transactional_id.clone().into());
            small.insert("transaction_state".into(), txn.state.name().into());
        }
        if p.acknowledged_forgotten > 0 {
            small.insert("acknowledged_forgotten".into(), p.acknowledged_forgotten.into());
        }
        small
    }

    /// [`Serialize`]'s text through serde_json's pretty printer, written by hand.
    pub fn write_pretty(&self, out: &mut PrettyOut<'_>) -> io::Result<()> {
        write_with_entry(out, &self.small(), "acknowledged", |out| {
            out.begin_array()?;
            let text = out.row_text(&Sorted::FIELDS);
            Acknowledged(&self.0.acknowledged).each_row(|row| row.write_pretty(out, &text))?;
            out.end_array()
        })
    }
}

impl Serialize for ProducerState<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let acknowledged = Acknowledged(&self.0.acknowledged);
        WithEntry { small: self.small(), key: "acknowledged", large: acknowledged }.serialize(s)
    }
}

/// The acknowledged records, each with its fields in sorted order, their key and value
/// texts written out in one buffer kept from record to record.
struct Acknowledged<'a>(&'a [AcknowledgedRecord]);

impl Acknowledged<'_> {
    /// Hands `row` each record in turn, then stops at its first error.
    fn each_row<E>(&self, mut row: impl FnMut(Sorted<'_>) -> Result<(), E>) -> Result<(), E> {
        let mut text = Vec::new();
        for r in self.0 {
            text.clear();
            if let Some(key) = &r.key {
                key.write(&mut text);
            }
            let key_end = text.len();
            r.value.write(&mut text);
            // As `RecordText`'s own `Serialize` (its `Display`) shows each.
            let key = r.key.as_ref().map(|_| lossy_utf8(&text[..key_end]));
            let value = lossy_utf8(&text[key_end..]);
            row(Sorted { key, offset: r.offset, partition: r.partition, topic: &r.topic, value })?;
        }
        Ok(())
    }
}

impl Serialize for Acknowledged<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        self.each_row(|row| seq.serialize_element(&row))?;
        seq.end()
    }
}

/// [`AcknowledgedRecord`]'s fields in sorted order.
#[derive(Serialize)]
struct Sorted<'a> {
    key: Option<Cow<'a, str>>,
    offset: i64,
    partition: u32,
    topic: &'a TopicName,
    value: Cow<'a, str>,
}

impl Sorted<'_> {
    /// The fields, as declared.
    const FIELDS: [&'static str; 5] = ["key", "offset", "partition", "topic", "value"];

    /// As its derived `Serialize` through the pretty printer: a row of `text`, the
    /// text of [`Sorted::FIELDS`].
    fn write_pretty(&self, out: &mut PrettyOut<'_>, text: &RowText) -> io::Result<()> {
        out.row_start(text)?;
        out.optional_string(self.key.as_deref())?;
        out.row_field(text, 1)?;
        out.integer(self.offset)?;
        out.row_field(text, 2)?;
        out.unsigned(self.partition.into())?;
        out.row_field(text, 3)?;
        out.string(self.topic.as_str())?;
        out.row_field(text, 4)?;
        out.string(&self.value)?;
        out.row_end(text)
    }
}
