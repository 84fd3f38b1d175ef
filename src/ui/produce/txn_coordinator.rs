//! A transactional producer's (or pipeline's) line naming its transactional id's state at
//! the transaction coordinator (`TransactionMetadata` in `__transaction_state`): which
//! broker coordinates it, Kafka's state name, the partitions in the transaction, and,
//! while it is Ongoing, when the coordinator aborts it unless it ends first
//! (`transaction.timeout.ms` after it began; the coordinator checks every
//! `transaction.abort.timed.out.transaction.cleanup.interval.ms`). Issue 13, point 6.

use crate::ui::i18n::T;
use crate::ui::shell::page::ClusterCtx;
use crate::web::cluster_view::ProducerView;
use yew::prelude::*;

/// Partitions named at most; the rest are counted.
const PARTITIONS_NAMED: usize = 4;

pub fn coordinator_line(ctx: &ClusterCtx, p: &ProducerView) -> Html {
    let Some(c) = &p.txn_coordinator else { return html! {} };
    let mut parts: Vec<String> =
        c.partitions.iter().take(PARTITIONS_NAMED).map(|(t, n)| format!("{t}-{n}")).collect();
    if c.partitions.len() > PARTITIONS_NAMED {
        parts.push(format!("+{}", c.partitions.len() - PARTITIONS_NAMED));
    }
    let s = ctx.t(T::Sec);
    let deadline = (c.state == "Ongoing" && c.txn_start_timestamp_ms >= 0).then(|| {
        format!(
            " · {} {:.1} {s}; {} {:.1} {s} (transaction.timeout.ms={})",
            ctx.t(T::TxnBeganAt),
            c.txn_start_timestamp_ms as f64 / 1000.0,
            ctx.t(T::TxnAbortedByCoordinatorAfter),
            (c.txn_start_timestamp_ms + i64::from(c.txn_timeout_ms)) as f64 / 1000.0,
            c.txn_timeout_ms
        )
    });
    html! {
        <p class="txn-coordinator" data-testid="producer-txn-coordinator" data-state={c.state.clone()}
            data-broker={c.broker.to_string()} title={ctx.t(T::TxnCoordinatorHint)} tabindex="0">
            {format!("{} ({} {}): ", ctx.t(T::TxnCoordinator), ctx.t(T::BrokerLower), c.broker)}
            <code>{c.state.clone()}</code>
            if !parts.is_empty() { {format!(" · {}", parts.join(", "))} }
            {deadline.unwrap_or_default()}
        </p>
    }
}
