//! One record cell of a replica strip: coloured by its key (the colour the matrix gave
//! that key, see `crate::sim::picture::keys`) and labelled with the part of the key that
//! tells keys apart, its offset on top, hatched while above the high watermark; on hover
//! or focus its offset, whole key and value, leader epoch and how the partitioner placed
//! it (`murmur2("alice") % 3 = 0`), and, when its batch names a producer (idempotent or
//! transactional), the producer id, epoch and sequence numbers. A component of its own with comparable props, keyed
//! by offset in the strip, so a new view redraws only the cells that changed.

use crate::engine::partitioner::PartitionerKind;
use crate::engine::replica::view::{RecordProducer, TxnMarker};
use crate::sim::picture::keys::{key_label, placement, Placement};
use crate::sim::picture::txn::TxnStatus;
use crate::ui::i18n::{Lang, T};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub offset: i64,
    pub leader_epoch: i32,
    pub key_text: Option<String>,
    pub value_text: Option<String>,
    /// Below the high watermark.
    pub committed: bool,
    pub colour: String,
    pub partition: u32,
    pub partitioner: PartitionerKind,
    pub partition_count: u32,
    /// A record of an internal topic (written by a coordinator, not by a partitioner).
    #[prop_or_default]
    pub internal: bool,
    /// The producer fields of the record's batch, when it names a producer.
    #[prop_or_default]
    pub producer: Option<RecordProducer>,
    /// Its transaction's state, or the marker it is ([`crate::sim::picture::txn`]).
    #[prop_or_default]
    pub txn: Option<TxnStatus>,
}

/// The transaction help and the short sign drawn in the cell (shapes, not colour alone:
/// an open record is outlined dashed, a committed one solid, an aborted one struck through).
fn txn_text(lang: Lang, txn: TxnStatus) -> (&'static str, &'static str, &'static str) {
    match txn {
        TxnStatus::Open => (T::TxnOpenHelp.get(lang), "txn-open", "⧗"),
        TxnStatus::Committed => (T::TxnCommittedHelp.get(lang), "txn-committed", "✓"),
        TxnStatus::Aborted => (T::TxnAbortedHelp.get(lang), "txn-aborted", "✗"),
        TxnStatus::Marker(TxnMarker::Commit) => {
            (T::TxnCommitMarkerHelp.get(lang), "txn-marker txn-commit", "")
        }
        TxnStatus::Marker(TxnMarker::Abort) => (T::TxnAbortMarkerHelp.get(lang), "txn-marker txn-abort", ""),
    }
}

/// `producer id 1000 · producer epoch 0 · sequence 7 (batch 5–9)`, and whether the batch
/// is transactional or a control batch; a plain producer's batch says it has no producer id.
fn producer_text(lang: Lang, producer: Option<&RecordProducer>) -> String {
    let Some(p) = producer else { return T::NoProducerId.get(lang).to_string() };
    let mut text = format!(
        "producer id {} · producer epoch {} · {} {} ({} {}–{})",
        p.producer_id,
        p.producer_epoch,
        T::Sequence.get(lang),
        p.sequence,
        T::BatchWord.get(lang),
        p.batch_base_sequence,
        p.batch_last_sequence
    );
    if p.control {
        text.push_str(&format!(" · {}", T::ControlBatch.get(lang)));
    } else if p.transactional {
        text.push_str(&format!(" · {}", T::TransactionalBatch.get(lang)));
    }
    text
}

/// Where the record went and why, in the page's language.
fn placement_text(p: &Props) -> String {
    let l = p.lang;
    if p.internal {
        return T::PlacedByCoordinator.get(l).to_string();
    }
    match placement(p.partitioner, p.key_text.as_deref(), p.partition, p.partition_count) {
        Placement::Hashed { partitioner, formula } => {
            format!("{} {partitioner}: {formula}", T::PlacedBy.get(l))
        }
        Placement::Sticky { partitioner } => {
            format!("{} {partitioner}: {}", T::PlacedBy.get(l), T::PlacedSticky.get(l))
        }
        Placement::NotByKey { formula } => format!("{formula} — {}", T::PlacedNotByKey.get(l)),
        Placement::Unknown => String::new(),
    }
}

#[function_component(RecordCell)]
pub fn record_cell(props: &Props) -> Html {
    let t = |x: T| x.get(props.lang);
    let key = props.key_text.clone().unwrap_or_else(|| "null".into());
    let value = props.value_text.clone().unwrap_or_else(|| "null".into());
    let marker = match props.txn {
        Some(TxnStatus::Marker(m)) => Some(m),
        _ => None,
    };
    let txn = props.txn.map(|x| txn_text(props.lang, x));
    if let Some(m) = marker {
        let mut help = format!(
            "offset {} · {} · {} {}",
            props.offset,
            txn.map_or("", |x| x.0),
            t(T::LeaderEpoch),
            props.leader_epoch
        );
        help.push_str(&format!(" · {}", producer_text(props.lang, props.producer.as_ref())));
        if !props.committed {
            help.push_str(&format!(" — {}", t(T::UncommittedHelp)));
        }
        let class =
            classes!("record", "control", txn.map(|x| x.1), (!props.committed).then_some("uncommitted"));
        return html! {
            <span class={class} tabindex="0" role="img" aria-label={help.clone()} data-help={help}
                data-testid="replica-marker" data-offset={props.offset.to_string()} data-marker={m.name()}>
                <span class="offset">{props.offset}</span>
                <span class="key-label">{m.name()}</span>
            </span>
        };
    }
    let mut help = format!(
        "offset {} · {}: {key} · {}: {value} · {} {} · {}",
        props.offset,
        t(T::Key),
        t(T::Value),
        t(T::LeaderEpoch),
        props.leader_epoch,
        placement_text(props)
    );
    help.push_str(&format!(" · {}", producer_text(props.lang, props.producer.as_ref())));
    if let Some((txn_help, _, _)) = txn {
        help.push_str(&format!(" · {txn_help}"));
    }
    if !props.committed {
        help.push_str(&format!(" — {}", t(T::UncommittedHelp)));
    }
    let class = classes!(
        "record",
        txn.map(|x| x.1),
        (!props.committed).then_some("uncommitted"),
        props.key_text.is_none().then_some("null-key"),
        props.producer.is_some().then_some("has-producer")
    );
    let producer_id = props.producer.map(|p| p.producer_id.to_string());
    let sequence = props.producer.map(|p| p.sequence.to_string());
    html! {
        <span class={class} style={format!("--key-colour: {}", props.colour)}
            tabindex="0" role="img" aria-label={help.clone()} data-help={help}
            data-testid="replica-record" data-offset={props.offset.to_string()} data-key={key} data-value={value}
            data-producer-id={producer_id} data-sequence={sequence}
            data-txn={txn.map(|x| x.1.trim_start_matches("txn-").to_string())}>
            <span class="offset">{props.offset}{ txn.map(|x| format!(" {}", x.2)).unwrap_or_default() }</span>
            <span class="key-label">{key_label(props.key_text.as_deref())}</span>
        </span>
    }
}
