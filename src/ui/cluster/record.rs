//! One record cell of a replica strip: coloured by its key (the colour the matrix gave
//! that key, see `crate::sim::picture::keys`) and labelled with the part of the key that
//! tells keys apart, its offset on top, hatched while above the high watermark; on hover
//! or focus its offset, whole key and value, leader epoch and how the partitioner placed
//! it (`murmur2("alice") % 3 = 0`), and, when its batch names a producer (idempotent or
//! transactional), the producer id, epoch and sequence numbers. The cell carries what draws
//! it and what tests read; its help ([`record_help`]) is built when the strip is pointed at
//! or focused, not for every cell of every view: at 1,000 records/s every drawn cell is new
//! at every view (BENCHMARKS.md, "Frames in the tab"). Keyed by offset in the strip, so a
//! new view redraws only the cells that changed.

use crate::engine::partitioner::PartitionerKind;
use crate::engine::replica::view::{RecordPicture, RecordProducer, TxnMarker};
use crate::sim::picture::keys::{key_label, placement, Placement};
use crate::sim::picture::txn::TxnStatus;
use crate::ui::i18n::{Lang, T};
use yew::prelude::*;

/// What a replica's record cells share: the page's language and where the records sit.
#[derive(Clone, PartialEq)]
pub struct RecordPlace {
    pub lang: Lang,
    pub partition: u32,
    /// The partitioner the topic's producers use, and the topic's partition count, to
    /// explain where each record went.
    pub partitioner: PartitionerKind,
    pub partition_count: u32,
    /// A record of an internal topic (written by a coordinator, not by a partitioner).
    pub internal: bool,
    /// Records below it are committed.
    pub high_watermark: i64,
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
fn placement_text(p: &RecordPlace, key: Option<&str>) -> String {
    let l = p.lang;
    if p.internal {
        return T::PlacedByCoordinator.get(l).to_string();
    }
    match placement(p.partitioner, key, p.partition, p.partition_count) {
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

/// The record's help: its offset, key and value, leader epoch, where the partitioner put
/// it, its producer and transaction, and whether it is committed yet.
pub fn record_help(place: &RecordPlace, rec: &RecordPicture, txn: Option<TxnStatus>) -> String {
    let lang = place.lang;
    let t = |x: T| x.get(lang);
    let txn_help = txn.map(|x| txn_text(lang, x).0);
    let mut help = match txn {
        Some(TxnStatus::Marker(_)) => format!(
            "offset {} · {} · {} {}",
            rec.offset,
            txn_help.unwrap_or_default(),
            t(T::LeaderEpoch),
            rec.leader_epoch
        ),
        _ => format!(
            "offset {} · {}: {} · {}: {} · {} {} · {}",
            rec.offset,
            t(T::Key),
            rec.key.as_deref().unwrap_or("null"),
            t(T::Value),
            rec.value.as_deref().unwrap_or("null"),
            t(T::LeaderEpoch),
            rec.leader_epoch,
            placement_text(place, rec.key.as_deref())
        ),
    };
    help.push_str(&format!(" · {}", producer_text(lang, rec.producer.as_ref())));
    if let (Some(h), false) = (txn_help, matches!(txn, Some(TxnStatus::Marker(_)))) {
        help.push_str(&format!(" · {h}"));
    }
    if rec.offset >= place.high_watermark {
        help.push_str(&format!(" — {}", t(T::UncommittedHelp)));
    }
    help
}

/// The cell of `rec` (a control record's is a marker), coloured `colour` by its key. Its
/// accessible name is its offset; the strip shows and announces its help when focused.
pub fn record_cell(place: &RecordPlace, rec: &RecordPicture, colour: &str, txn: Option<TxnStatus>) -> Html {
    let committed = rec.offset < place.high_watermark;
    let txn_class = txn.map(|x| txn_text(place.lang, x));
    let name = format!("offset {}", rec.offset);
    if let Some(TxnStatus::Marker(m)) = txn {
        let class =
            classes!("record", "control", txn_class.map(|x| x.1), (!committed).then_some("uncommitted"));
        return html! {
            <span key={rec.offset} class={class} tabindex="0" role="img" aria-label={name}
                data-testid="replica-marker" data-offset={rec.offset.to_string()} data-marker={m.name()}>
                <span class="offset">{rec.offset}</span>
                <span class="key-label">{m.name()}</span>
            </span>
        };
    }
    let key = rec.key.as_deref();
    let class = classes!(
        "record",
        txn_class.map(|x| x.1),
        (!committed).then_some("uncommitted"),
        key.is_none().then_some("null-key"),
        rec.producer.is_some().then_some("has-producer")
    );
    html! {
        <span key={rec.offset} class={class} style={format!("--key-colour: {colour}")}
            tabindex="0" role="img" aria-label={name}
            data-testid="replica-record" data-offset={rec.offset.to_string()}
            data-key={key.unwrap_or("null").to_string()} data-value={rec.value.clone().unwrap_or_else(|| "null".into())}
            data-producer-id={rec.producer.map(|p| p.producer_id.to_string())}
            data-sequence={rec.producer.map(|p| p.sequence.to_string())}
            data-txn={txn_class.map(|x| x.1.trim_start_matches("txn-").to_string())}>
            <span class="offset">{rec.offset}{ txn_class.map(|x| format!(" {}", x.2)).unwrap_or_default() }</span>
            <span class="key-label">{key_label(key)}</span>
        </span>
    }
}
