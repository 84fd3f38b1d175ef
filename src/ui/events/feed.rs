//! The events band: what was done to the cluster (crashes, restarts, pauses, network
//! cuts and heals, commands — the learner's, a scenario's), then the controller's
//! decisions and the nodes' reports (leaders elected, clean or unclean, partitions going
//! offline, ISR shrinking and growing, brokers fenced and unfenced, followers truncating,
//! sends failing or retried) in plain words, newest
//! first with their virtual time; invariant violations shown loudly; the journal's size
//! and its download.

use crate::engine::cluster::events::{
    Cause, LogStartOffsetIncrementReason, RemovalCause, SegmentDeletionReason,
};
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::cluster::{ClusterEvent, NodeId, CONTROLLER_ID};
use crate::engine::error::ErrorCode;
use crate::ui::cluster::brokers::node_name;
use crate::ui::cluster::replica::ids_text;
use crate::ui::i18n::{Lang, T};
use crate::ui::shell::page::ClusterCtx;
use crate::ui::shell::speed::clock_text;
use crate::web::cluster_view::ClusterView;
use yew::prelude::*;

fn tp_text(tp: &TopicPartition) -> String {
    format!("{}-{}", tp.topic, tp.partition)
}

fn tps_text(tps: &[TopicPartition]) -> String {
    if tps.is_empty() {
        return "∅".into();
    }
    tps.iter().map(tp_text).collect::<Vec<_>>().join(", ")
}

/// Offsets as short as they read: the first few, then how many more.
fn offsets_text(offsets: &[i64]) -> String {
    const SHOWN: usize = 8;
    let mut text = offsets.iter().take(SHOWN).map(i64::to_string).collect::<Vec<_>>().join(", ");
    if offsets.len() > SHOWN {
        text.push_str(&format!(" … +{}", offsets.len() - SHOWN));
    }
    text
}

fn error_text(e: &ErrorCode) -> String {
    format!("{} ({})", e.name(), e.code())
}

/// (kind for tests and styling, the sentence) of an event.
pub fn describe(lang: Lang, view: &ClusterView, node: NodeId, e: &ClusterEvent) -> (&'static str, String) {
    let t = |x: T| x.get(lang);
    let broker = |id: NodeId| format!("{} {id}", t(T::Broker));
    let who = |id: NodeId| node_name(lang, view, id);
    let words = |line: &str| crate::ui::groups::words::reason_text(lang, line);
    match e {
        ClusterEvent::BrokerRegistered { broker_id, broker_epoch } => (
            "registered",
            format!("{}: {} (broker epoch {broker_epoch})", broker(*broker_id), t(T::EvRegistered)),
        ),
        ClusterEvent::BrokerFenced { broker_id, reason } => {
            ("fenced", format!("{}: {} — {}", broker(*broker_id), t(T::EvFenced), words(reason)))
        }
        ClusterEvent::BrokerUnfenced { broker_id } => {
            ("unfenced", format!("{}: {}", broker(*broker_id), t(T::EvUnfenced)))
        }
        ClusterEvent::TopicCreated { topic, partitions, replication_factor } => (
            "topic-created",
            format!(
                "{} {topic} · {} {partitions} · {} {replication_factor}",
                t(T::EvTopicCreated),
                t(T::Partitions),
                t(T::ReplicationFactor)
            ),
        ),
        ClusterEvent::LeaderElected { tp, leader: None, leader_epoch, .. } => {
            ("offline", format!("{}: {} (leader epoch {leader_epoch})", tp_text(tp), t(T::EvOffline)))
        }
        ClusterEvent::LeaderElected { tp, leader: Some(l), leader_epoch, unclean: true } => (
            "unclean-election",
            format!(
                "{}: {} → {} (leader epoch {leader_epoch})",
                tp_text(tp),
                t(T::EvUncleanElection),
                broker(*l)
            ),
        ),
        ClusterEvent::LeaderElected { tp, leader: Some(l), leader_epoch, unclean: false } => (
            "leader-elected",
            format!(
                "{}: {}: {} (leader epoch {leader_epoch})",
                tp_text(tp),
                t(T::EvLeaderElected),
                broker(*l)
            ),
        ),
        ClusterEvent::IsrShrinkProposed {
            broker_id,
            tp,
            isr,
            new_isr,
            high_watermark,
            log_end_offset,
            out_of_sync,
            replica_lag_time_max_ms,
        } => {
            let why: Vec<String> = out_of_sync
                .iter()
                .map(|r| {
                    format!(
                        "{} {} {:.1} {} ({} {}; {} {high_watermark}, {} {log_end_offset})",
                        broker(r.broker_id),
                        t(T::EvNotCaughtUpSince),
                        r.last_caught_up_time_ms as f64 / 1000.0,
                        t(T::Sec),
                        t(T::EvItsLogEndOffset),
                        r.log_end_offset,
                        t(T::EvLeadersHighWatermark),
                        t(T::EvLeadersLogEndOffset),
                    )
                })
                .collect();
            (
                "isr-shrink-proposed",
                format!(
                    "{}: {}: {} {} → {}: {} (replica.lag.time.max.ms={replica_lag_time_max_ms})",
                    broker(*broker_id),
                    tp_text(tp),
                    t(T::EvShrinkingIsr),
                    ids_text(isr),
                    ids_text(new_isr),
                    why.join("; ")
                ),
            )
        }
        ClusterEvent::IsrShrunk { tp, removed, isr } => (
            "isr-shrunk",
            format!("{}: {} {} → ISR {}", tp_text(tp), ids_text(removed), t(T::EvIsrShrunk), ids_text(isr)),
        ),
        ClusterEvent::IsrExpanded { tp, added, isr } => (
            "isr-expanded",
            format!("{}: {} {} → ISR {}", tp_text(tp), ids_text(added), t(T::EvIsrExpanded), ids_text(isr)),
        ),
        ClusterEvent::Appended { broker_id, tp, first_offset, last_offset, leader_epoch } => (
            "appended",
            format!(
                "{} {}: {} {first_offset}–{last_offset} (leader epoch {leader_epoch})",
                broker(*broker_id),
                tp_text(tp),
                t(T::EvLeaderAppended)
            ),
        ),
        ClusterEvent::HighWatermarkAdvanced { broker_id, tp, high_watermark } => (
            "high-watermark",
            format!("{} {}: {} → {high_watermark}", broker(*broker_id), tp_text(tp), t(T::EvHwAdvanced)),
        ),
        ClusterEvent::Truncated { broker_id, tp, to_offset, removed_records } => (
            "truncated",
            format!(
                "{} {}: {} {to_offset} ({removed_records} {})",
                broker(*broker_id),
                tp_text(tp),
                t(T::EvFollowerTruncated),
                t(T::EvRemovedRecords)
            ),
        ),
        ClusterEvent::SendAcknowledged { client_id, tp, base_offset, records, acks, .. } => (
            "send-acknowledged",
            format!(
                "{} {}: {}, {records} {} {} {base_offset} (acks={acks})",
                who(*client_id),
                tp_text(tp),
                t(T::EvSendAcked),
                crate::ui::i18n::records_word(lang, u64::from(*records)),
                t(T::AtOffset)
            ),
        ),
        ClusterEvent::SendFailed { client_id, tp, error, records } => (
            "send-failed",
            format!(
                "{} {}: {}: {}, {records} {}",
                who(*client_id),
                tp.as_ref().map(tp_text).unwrap_or_default(),
                t(T::EvSendFailed),
                error_text(error),
                crate::ui::i18n::records_word(lang, u64::from(*records))
            ),
        ),
        ClusterEvent::SendRetried { client_id, tp, error, attempt } => (
            "send-retried",
            format!(
                "{} {}: {} {} ({} {attempt})",
                who(*client_id),
                tp_text(tp),
                t(T::EvSendRetried),
                error_text(error),
                t(T::EvAttempt)
            ),
        ),
        ClusterEvent::Refused { node_id, reason } => {
            let _ = node;
            ("refused", format!("{}: {}: {reason}", who(*node_id), t(T::EvRefused)))
        }
        ClusterEvent::GroupStateChanged { group_id, from, to, generation_id, reason, .. } => (
            "group-state",
            format!(
                "{} {group_id}: {from} → {to} ({} {generation_id}) — {}",
                t(T::EvGroupState),
                t(T::EvGeneration),
                words(reason)
            ),
        ),
        ClusterEvent::MemberJoined { group_id, client, .. } => (
            "member-joined",
            format!("{} {group_id}: {} — {}", t(T::EvGroupState), t(T::EvMemberJoined), who(*client)),
        ),
        ClusterEvent::MemberRemoved { group_id, member_id, cause, .. } => {
            let why = match cause {
                RemovalCause::SessionTimeout => T::EvSessionTimeout,
                RemovalCause::LeaveGroup => T::EvLeftGroup,
                RemovalCause::RebalanceTimeout => T::EvRebalanceTimeout,
                RemovalCause::SyncTimeout => T::EvSyncTimeout,
                RemovalCause::PendingJoinTimeout => T::EvPendingTimeout,
                RemovalCause::GroupMaxSize => T::EvGroupMaxSize,
            };
            let kind =
                if *cause == RemovalCause::SessionTimeout { "member-evicted" } else { "member-removed" };
            (
                kind,
                format!(
                    "{} {group_id}: {} {member_id}: {}",
                    t(T::EvGroupState),
                    t(T::EvMemberRemoved),
                    t(why)
                ),
            )
        }
        ClusterEvent::PartitionsAssigned { client_id, generation_id, added, owned, .. } => (
            "partitions-assigned",
            format!(
                "{}: {} {} → {} ({} {generation_id})",
                who(*client_id),
                t(T::EvAssigned),
                tps_text(added),
                tps_text(owned),
                t(T::EvGeneration)
            ),
        ),
        ClusterEvent::PartitionsRevoked { client_id, generation_id, revoked, lost, .. } => (
            "partitions-revoked",
            format!(
                "{}: {} {} ({} {generation_id})",
                who(*client_id),
                t(if *lost { T::EvLost } else { T::EvRevoked }),
                tps_text(revoked),
                t(T::EvGeneration)
            ),
        ),
        ClusterEvent::ConsumerJoining { client_id, group_id, reason, .. } => (
            "consumer-joining",
            format!("{}: {} {group_id} — {}", who(*client_id), t(T::EvRejoining), words(reason)),
        ),
        ClusterEvent::ProducerRebuilt { client_id, configs } => {
            ("producer-rebuilt", format!("{}: {} {configs}", who(*client_id), t(T::EvProducerRebuilt)))
        }
        ClusterEvent::TransactionsInitialized { client_id, transactional_id, producer_id, producer_epoch }
        | ClusterEvent::TransactionBegan { client_id, transactional_id, producer_id, producer_epoch }
        | ClusterEvent::TransactionOffsetsSent { client_id, transactional_id, producer_id, producer_epoch }
        | ClusterEvent::TransactionCommitted { client_id, transactional_id, producer_id, producer_epoch }
        | ClusterEvent::TransactionAborted { client_id, transactional_id, producer_id, producer_epoch } => {
            let (kind, what) = match e {
                ClusterEvent::TransactionsInitialized { .. } => ("txn-initialized", T::EvTxnInitialized),
                ClusterEvent::TransactionBegan { .. } => ("txn-began", T::EvTxnBegan),
                ClusterEvent::TransactionOffsetsSent { .. } => ("txn-offsets", T::EvTxnOffsetsSent),
                ClusterEvent::TransactionCommitted { .. } => ("txn-committed", T::EvTxnCommitted),
                _ => ("txn-aborted", T::EvTxnAborted),
            };
            (
                kind,
                format!(
                    "{} ({transactional_id}, producerId={producer_id}, epoch={producer_epoch}): {}",
                    who(*client_id),
                    t(what)
                ),
            )
        }
        ClusterEvent::TransactionFailed { client_id, transactional_id, operation, state, message } => (
            "txn-failed",
            format!("{} ({transactional_id}): {operation} {}: {message} → {state}", who(*client_id), t(T::EvTxnFailed)),
        ),
        ClusterEvent::SendAborted { client_id, tp, records } => (
            "send-aborted",
            format!(
                "{} {}: {}, {records}",
                who(*client_id),
                tp_text(tp),
                t(T::EvSendAborted)
            ),
        ),
        ClusterEvent::ConsumerNote { client_id, note } => {
            ("consumer-note", format!("{}: {}", who(*client_id), words(note)))
        }
        ClusterEvent::CoordinatorLoaded { broker_id, partition, groups, .. } => (
            "coordinator-loaded",
            format!("{}: {} {partition} ({groups})", broker(*broker_id), t(T::EvCoordinatorLoaded)),
        ),
        ClusterEvent::CoordinatorUnloaded { broker_id, partition, .. } => (
            "coordinator-unloaded",
            format!("{}: {} {partition}", broker(*broker_id), t(T::EvCoordinatorUnloaded)),
        ),
        ClusterEvent::PartitionsCreated { topic, from, to } => {
            ("partitions-created", format!("{topic}: {} {from} → {to}", t(T::EvPartitionsCreated)))
        }
        ClusterEvent::TopicDeleted { topic, partitions } => (
            "topic-deleted",
            format!("{topic}: {} ({} {partitions})", t(T::EvTopicDeleted), t(T::Partitions)),
        ),
        ClusterEvent::ReplicaDeleted { broker_id, tp, log_end_offset, segments } => (
            "replica-deleted",
            format!(
                "{}: {} {} ({}: {segments}, {}: {log_end_offset})",
                broker(*broker_id),
                tp_text(tp),
                t(T::EvReplicaDeleted),
                t(T::SegmentsWord),
                t(T::LogEndOffset)
            ),
        ),
        ClusterEvent::SegmentsDeleted { broker_id, tp, base_offsets, end_offset, reason, log_start_offset } => {
            let why = match reason {
                SegmentDeletionReason::RetentionMsBreach => "retention.ms",
                SegmentDeletionReason::RetentionSizeBreach => "retention.bytes",
                SegmentDeletionReason::StartOffsetBreach => t(T::EvBelowLogStart),
            };
            (
                "segments-deleted",
                format!(
                    "{}: {} {} ({} {}…{}, {why}); {} {log_start_offset}",
                    broker(*broker_id),
                    tp_text(tp),
                    t(T::EvSegmentsDeleted),
                    base_offsets.len(),
                    base_offsets.first().copied().unwrap_or(*end_offset),
                    end_offset - 1,
                    t(T::LogStartOffset)
                ),
            )
        }
        ClusterEvent::LogStartOffsetIncremented { broker_id, tp, log_start_offset, reason } => {
            let why = match reason {
                LogStartOffsetIncrementReason::LeaderOffsetIncremented => t(T::EvFromLeader),
                LogStartOffsetIncrementReason::ClientRecordDeletion => "DeleteRecords",
            };
            (
                "log-start-moved",
                format!("{}: {} {} → {log_start_offset} ({why})", broker(*broker_id), tp_text(tp), t(T::LogStartOffset)),
            )
        }
        ClusterEvent::RecordsDeleted { tp, low_watermark, error: None } => (
            "records-deleted",
            format!("DeleteRecords {}: {} {low_watermark}", tp_text(tp), t(T::EvLowWatermark)),
        ),
        ClusterEvent::RecordsDeleted { tp, error: Some(e), .. } => {
            ("records-deleted", format!("DeleteRecords {}: {}", tp_text(tp), error_text(e)))
        }
        ClusterEvent::LogCleaned { broker_id, tp, removed_offsets, dirty_ratio_percent, .. } => (
            "log-cleaned",
            format!(
                "{}: {} {} {} ({}: {}); dirty ratio {dirty_ratio_percent} %",
                broker(*broker_id),
                tp_text(tp),
                t(T::EvLogCleaned),
                removed_offsets.len(),
                t(T::Offsets),
                offsets_text(removed_offsets)
            ),
        ),
        ClusterEvent::OffsetOutOfRange { client_id, tp, fetch_offset, log_start_offset, high_watermark, auto_offset_reset } => (
            "offset-out-of-range",
            format!(
                "{}: OFFSET_OUT_OF_RANGE {} {fetch_offset} [{log_start_offset}, {high_watermark}) → auto.offset.reset={auto_offset_reset}",
                who(*client_id),
                tp_text(tp)
            ),
        ),
        ClusterEvent::Cause(c) => cause_text(lang, view, c),
        // The rest (heartbeats, fetched records, lag samples, commits) are drawn by the
        // groups band; the feed keeps them out (see web::cluster_picture).
        other => ("other", format!("{other:?}")),
    }
}

/// A cause (what the learner, a scenario step or the fuzzer did) in words: a node by its
/// name, a broker as "Broker N".
fn cause_text(lang: Lang, view: &ClusterView, c: &Cause) -> (&'static str, String) {
    let t = |x: T| x.get(lang);
    let who = |id: NodeId| {
        let known = id == CONTROLLER_ID || view.clients.iter().any(|(c, _)| *c == id);
        if known {
            node_name(lang, view, id)
        } else {
            format!("{} {id}", t(T::Broker))
        }
    };
    let group = |ids: &[NodeId]| ids.iter().map(|id| who(*id)).collect::<Vec<_>>().join(", ");
    match c {
        Cause::Crashed { node } => ("crash", format!("{}: {}", who(*node), t(T::CauseCrashed))),
        Cause::Restarted { node } => ("restart", format!("{}: {}", who(*node), t(T::CauseRestarted))),
        Cause::Paused { node } => ("pause", format!("{}: {}", who(*node), t(T::CausePaused))),
        Cause::Resumed { node } => ("resume", format!("{}: {}", who(*node), t(T::CauseResumed))),
        Cause::Partitioned { a, b } => {
            ("network-cut", format!("{}: {} ✂ {}", t(T::CauseCut), group(a), group(b)))
        }
        Cause::Healed => ("network-healed", t(T::CauseHealed).to_string()),
        Cause::LoseNext { to, api } => ("lose-next", format!("{} {api} → {}", t(T::CauseLoseNext), who(*to))),
        Cause::Started { node } => ("started", format!("{}: {}", who(*node), t(T::CauseStarted))),
        Cause::Commanded { node, command, detail, times } => {
            let repeated = if *times > 1 { format!(" × {times}") } else { String::new() };
            let detail = if detail.is_empty() { String::new() } else { format!(" {detail}") };
            ("command", format!("{}: ▶ {command}{detail}{repeated}", who(*node)))
        }
    }
}

/// Kinds a learner should not miss.
fn loud(kind: &str) -> bool {
    matches!(
        kind,
        "unclean-election" | "offline" | "send-failed" | "truncated" | "fenced" | "crash" | "network-cut"
    )
}

#[function_component(EventsBand)]
pub fn events_band() -> Html {
    let Some(ctx) = use_context::<ClusterCtx>() else { return html! {} };
    let v = &ctx.view;
    let download = ctx.download_journal.reform(|_: MouseEvent| ());
    html! {
        <div class="cluster-events">
            if v.violations.is_empty() {
                <p class="violations calm" data-testid="violations" data-count="0">{format!("✓ {}", ctx.t(T::NoViolations))}</p>
            } else {
                <div class="violations loud" role="alert" data-testid="violations" data-count={v.violations.len().to_string()}>
                    <h2>{format!("⚠ {} ({})", ctx.t(T::Violations), v.violations.len())}</h2>
                    <ul>{ for v.violations.iter().map(|x| html! { <li>{x.clone()}</li> }) }</ul>
                </div>
            }
            <div class="feed">
                <h2>{ctx.t(T::Timeline)}</h2>
                if v.events.is_empty() {
                    <p class="hint">{ctx.t(T::NoEvents)}</p>
                }
                <ol data-testid="event-feed" data-count={v.events.len().to_string()}>
                    // Keyed by each event's lasting number: a new event adds a row
                    // instead of rewriting every row below it.
                    { for v.events.iter().enumerate().rev().map(|(i, (at, node, e))| {
                        let (kind, text) = describe(ctx.lang, v, *node, e);
                        html! {
                            <li key={v.events_before + i as u64} class={classes!(kind, loud(kind).then_some("loud"))} data-testid="event" data-kind={kind}>
                                <time>{clock_text(*at).trim_start_matches("t = ").to_string()}</time>{" "}{text}
                            </li>
                        }
                    }) }
                </ol>
            </div>
            <p class="journal">
                <span data-testid="journal-entries" data-entries={v.journal_entries.to_string()}>{v.journal_entries}</span>
                {format!(" {}", ctx.t(T::JournalEntries))}
                // Under serve the journal stays with serve (the page has no run of its own).
                if v.live.is_none() {
                    {" "}
                    <button type="button" class="quiet small" onclick={download} data-testid="download-journal">
                        {ctx.t(T::DownloadJournal)}
                    </button>
                }
            </p>
        </div>
    }
}
