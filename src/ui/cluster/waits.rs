//! The waits a broker's column header names, so a long wait is not silent (issue 14,
//! "pending timers on the cards"): its fetch to a leader unanswered well past
//! `replica.fetch.wait.max.ms` (the fetcher gives it up `replica.socket.timeout.ms` after
//! sending it, and only then fetches again), and, where it leads, ISR followers that have
//! not caught up for a while (the ISR check, every `replica.lag.time.max.ms` / 2, drops one
//! that has not caught up for `replica.lag.time.max.ms`: the first check after that
//! moment; until then the high watermark waits for it). Data:
//! [`crate::engine::replica::waits`].

use crate::engine::cluster::NodeId;
use crate::engine::controller::is_internal_topic;
use crate::ui::i18n::T;
use crate::ui::shell::page::ClusterCtx;
use crate::web::cluster_view::BrokerView;
use std::collections::BTreeMap;
use yew::prelude::*;

/// A fetch older than this is late: `replica.fetch.wait.max.ms` (500 ms) is the longest a
/// leader holds one, and the network adds its latency.
const FETCH_LATE_AFTER_MS: i64 = 1_500;
/// A follower not caught up for this long is named (a live one catches up on every fetch).
const BEHIND_AFTER_MS: i64 = 3_000;
/// Partitions named in one note at most.
const PARTITIONS_NAMED: usize = 3;

/// A follower behind on this broker's partitions: its earliest last catch-up, the lag
/// limit, and the partitions (internal ones flagged, to name them last).
struct Behind {
    caught_up_ms: i64,
    lag_max_ms: i64,
    partitions: Vec<(bool, String)>,
}

fn seconds(ms: i64) -> String {
    format!("{:.1}", ms as f64 / 1000.0)
}

/// `f-0, f-1 +2`: user topics first, then internal ones.
fn partitions_text(mut names: Vec<(bool, String)>) -> String {
    names.sort();
    let shown: Vec<&str> = names.iter().take(PARTITIONS_NAMED).map(|(_, n)| n.as_str()).collect();
    let more = names.len().saturating_sub(PARTITIONS_NAMED);
    if more > 0 {
        format!("{} +{more}", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

pub fn wait_notes(ctx: &ClusterCtx, b: &BrokerView) -> Html {
    let now = ctx.view.now_ms;
    let s = ctx.t(T::Sec);
    // Its fetch to each leader (one fetch carries every partition it follows there).
    let mut fetches: BTreeMap<NodeId, (i64, i64)> = BTreeMap::new();
    let mut behind: BTreeMap<NodeId, Behind> = BTreeMap::new();
    for r in &b.replicas {
        if let (Some(f), Some(leader)) = (r.waits.fetch_in_flight, r.leader) {
            if now - f.sent_at_ms > FETCH_LATE_AFTER_MS {
                fetches.insert(leader, (f.sent_at_ms, f.give_up_at_ms));
            }
        }
        for (follower, caught_up_ms) in &r.waits.followers_caught_up_ms {
            if now - caught_up_ms > BEHIND_AFTER_MS {
                let e = behind.entry(*follower).or_insert(Behind {
                    caught_up_ms: *caught_up_ms,
                    lag_max_ms: r.waits.replica_lag_time_max_ms,
                    partitions: Vec::new(),
                });
                e.caught_up_ms = e.caught_up_ms.min(*caught_up_ms);
                e.partitions.push((is_internal_topic(&r.topic), format!("{}-{}", r.topic, r.partition)));
            }
        }
    }
    let fetch_notes = fetches.into_iter().map(|(leader, (sent, give_up))| {
        html! {
            <p class="session-note wait-note" data-testid={format!("broker-{}-fetch-wait-{leader}", b.id)} data-give-up-at-ms={give_up.to_string()}>
                {format!("{} {leader} {} {} {s}: {} {} {s} (replica.socket.timeout.ms={})", ctx.t(T::FetchToBroker),
                    ctx.t(T::UnansweredFor), seconds(now - sent), ctx.t(T::GivenUpAt), seconds(give_up), give_up - sent)}
            </p>
        }
    });
    let behind_notes = behind.into_iter().map(|(follower, Behind { caught_up_ms: caught_up, lag_max_ms: lag_max, partitions })| {
        html! {
            <p class="session-note wait-note" data-testid={format!("broker-{}-behind-{follower}", b.id)} data-out-at-ms={(caught_up + lag_max).to_string()}>
                {format!("{} {follower} {} {} {} {} {s}: {} {} {s} (replica.lag.time.max.ms={lag_max})", ctx.t(T::Broker),
                    ctx.t(T::NotCaughtUpOn), partitions_text(partitions), ctx.t(T::For), seconds(now - caught_up),
                    ctx.t(T::OutOfIsrAfter), seconds(caught_up + lag_max))}
            </p>
        }
    });
    html! { <>{for fetch_notes}{for behind_notes}</> }
}
