//! A node's state as a `Serialize` over the node's own data ([`NodeState`]), so the
//! final-state report writes it straight to its output instead of building a JSON tree
//! first: a broker's state lists every record of every replica it holds (tens of
//! thousands), and its `serde_json::Value` tree took ~10× the memory of its text.
//!
//! Invariant: a state serialised directly prints the same text as its `Value`
//! ([`crate::engine::cluster::Node::state_json`], `serde_json::to_value` of the same
//! `Serialize`): serde_json here keeps an object's keys sorted (no `preserve_order`), so
//! every object is written with its keys in sorted order. The small parts of an object
//! are built as a `Value` map (sorted by construction) and the one large part is put in
//! its sorted place ([`WithEntry`]); the types written field by field declare their
//! fields sorted. The report writes the large states by hand instead
//! ([`NodeState::write_pretty`], through [`PrettyOut`]): the same parts in the same order,
//! the rows (a record, an acknowledged record) field by field, since serde_json spent
//! most of the report's time there. `tests/node_state_text.rs` checks both ways' text
//! against the `Value`'s on scenario runs.

use super::pretty::PrettyOut;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};
use std::io;

/// What [`crate::engine::cluster::Node::state`] gives: the state of the engine's nodes
/// whose state is large, written from the node's data; any other node's, as a tree.
pub enum NodeState<'a> {
    /// A broker: its replicas and every record they hold.
    Broker(crate::engine::replica::state::BrokerState<'a>),
    /// A producer: its acknowledged records.
    Producer(crate::engine::client::producer::state::ProducerState<'a>),
    /// A consume-transform-produce process: its producer's acknowledged records.
    Pipeline(crate::engine::client::pipeline::PipelineState<'a>),
    /// A small state, built as a tree.
    Tree(Value),
}

impl NodeState<'_> {
    /// The state as a tree (for replay comparisons, tests and the page).
    pub fn into_value(self) -> Value {
        match self {
            NodeState::Tree(value) => value,
            // Cannot fail: every map key written is a string and no part reports an error.
            other => serde_json::to_value(&other)
                .unwrap_or_else(|e| Value::String(format!("state not serialisable: {e}"))),
        }
    }

    /// The state as pretty JSON, `out`'s current depth, the text [`Serialize`] gives
    /// through serde_json's pretty printer, written by hand (the report's bulk).
    pub fn write_pretty(&self, out: &mut PrettyOut<'_>) -> io::Result<()> {
        match self {
            NodeState::Broker(state) => state.write_pretty(out),
            NodeState::Producer(state) => state.write_pretty(out),
            NodeState::Pipeline(state) => state.write_pretty(out),
            NodeState::Tree(value) => out.value(value),
        }
    }
}

impl Serialize for NodeState<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            NodeState::Broker(state) => state.serialize(s),
            NodeState::Producer(state) => state.serialize(s),
            NodeState::Pipeline(state) => state.serialize(s),
            NodeState::Tree(value) => value.serialize(s),
        }
    }
}

/// An object whose entries are `small`'s and one more, `key` → `large`, written in the
/// keys' sorted order as a `Value` object prints them (`large` is written in place, never
/// built as a tree).
pub struct WithEntry<'k, T> {
    pub small: Map<String, Value>,
    pub key: &'k str,
    pub large: T,
}

impl<T: Serialize> Serialize for WithEntry<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.small.len() + 1))?;
        let mut written = false;
        for (k, v) in &self.small {
            if !written && self.key < k.as_str() {
                map.serialize_entry(self.key, &self.large)?;
                written = true;
            }
            map.serialize_entry(k, v)?;
        }
        if !written {
            map.serialize_entry(self.key, &self.large)?;
        }
        map.end()
    }
}

/// [`WithEntry`] written by hand: `small`'s entries and `key` → what `large` writes, in
/// the keys' sorted order.
pub fn write_with_entry(
    out: &mut PrettyOut<'_>,
    small: &Map<String, Value>,
    key: &str,
    large: impl FnOnce(&mut PrettyOut<'_>) -> io::Result<()>,
) -> io::Result<()> {
    let mut large = Some(large);
    out.begin_object()?;
    for (k, v) in small {
        if key < k.as_str() {
            if let Some(large) = large.take() {
                out.key(key)?;
                large(out)?;
            }
        }
        out.key(k)?;
        out.value(v)?;
    }
    if let Some(large) = large {
        out.key(key)?;
        large(out)?;
    }
    out.end_object()
}

/// The `Map` of a `json!({...})` object (empty for anything else).
pub fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_large_entry_comes_out_in_sorted_place() {
        for key in ["a", "m", "z"] {
            let small = object(json!({ "b": 1, "y": [1, 2] }));
            let direct = WithEntry { small: small.clone(), key, large: vec!["x"] };
            let mut tree = small;
            tree.insert(key.to_string(), json!(["x"]));
            let tree = serde_json::to_string_pretty(&Value::Object(tree)).unwrap();
            assert_eq!(serde_json::to_string_pretty(&direct).unwrap(), tree, "key {key}");
            let mut by_hand = Vec::new();
            let mut out = PrettyOut::new(&mut by_hand);
            write_with_entry(&mut out, &direct.small, key, |out| out.value(&direct.large)).unwrap();
            out.finish().unwrap();
            assert_eq!(String::from_utf8(by_hand).unwrap(), tree, "key {key}, by hand");
        }
    }
}
