//! A producer's `send()` blocked on metadata (Kafka's `KafkaProducer.waitOnMetadata`): the
//! topic or the partition its metadata lacks, what the producer does meanwhile, how long
//! it has waited of `max.block.ms`, and how many records wait behind it — so a send that
//! stays pending for up to a minute says why.

use crate::engine::client::producer::config::MAX_BLOCK_MS;
use crate::ui::i18n::{records_word, T};
use crate::ui::shell::page::ClusterCtx;
use crate::web::cluster_view::ProducerView;
use yew::prelude::*;

pub fn blocked_line(ctx: &ClusterCtx, p: &ProducerView) -> Html {
    let Some(b) = &p.blocked_send else { return html! {} };
    let what = match (b.partition, b.partition_count) {
        (Some(partition), Some(count)) => format!(
            "{} {}-{partition} ({}: {} {count})",
            ctx.t(T::BlockedOnPartition),
            b.topic,
            b.topic,
            ctx.t(T::PartitionCountWord)
        ),
        _ => format!("{} {}", ctx.t(T::BlockedOnTopic), b.topic),
    };
    let waited_s = (ctx.view.now_ms - b.since_ms).max(0) as f64 / 1000.0;
    let n = b.records_waiting;
    html! {
        <p class="hint blocked-send" role="status" data-testid="producer-blocked" data-topic={b.topic.clone()}
            data-partition={b.partition.map(|x| x.to_string())} data-since-ms={b.since_ms.to_string()}>
            {format!("⚠ {what} — {} = {MAX_BLOCK_MS} ms: {waited_s:.1} s · {n} {}", ctx.t(T::BlockedWhy),
                records_word(ctx.lang, n))}
        </p>
    }
}
