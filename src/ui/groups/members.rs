//! One member of a consumer group: its name and colour, status, member id (and
//! group.instance.id), the partitions it owns (in its colour and labelled), a heartbeat
//! pulse and the countdown to its session timeout, what it processed, when it commits
//! and what that cost (`super::delivery`), and its buttons (crash, restart, close, pause
//! heartbeats, slow down), and its `isolation.level` where transactions are written; a
//! consume-transform-produce pipeline's member offers only crash and restart (the other
//! commands it refuses, and it always reads committed records).

use crate::ui::i18n::Lang;
use crate::ui::i18n::{s_text, T};
use crate::web::cluster_view::{ClusterCommand, MemberView};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub member: MemberView,
    pub colour: &'static str,
    pub now_ms: i64,
    /// Some producer is transactional, so `isolation.level` changes what this member reads.
    pub transactions: bool,
    pub lang: Lang,
    pub on_command: Callback<ClusterCommand>,
}

fn status_text(status: &str) -> T {
    match status {
        "up" => T::MemberUp,
        "paused" => T::MemberPaused,
        "crashed" => T::MemberCrashed,
        "closed" => T::StatusClosed,
        "failed" => T::StatusFailed,
        _ => T::StatusNotStarted,
    }
}

/// The slow-down step: each press multiplies the processing time (from 0 to 50 ms).
fn slower(ms: i64) -> i64 {
    if ms <= 0 {
        50
    } else {
        ms.saturating_mul(4).min(600_000)
    }
}

#[function_component(MemberRow)]
pub fn member_row(p: &Props) -> Html {
    let (m, l) = (&p.member, p.lang);
    let id = m.id;
    let cmd = |c: ClusterCommand| {
        let on = p.on_command.clone();
        Callback::from(move |_: MouseEvent| on.emit(c.clone()))
    };
    let alive = m.status == "up";
    let assigned = m.assigned.iter().map(|(t, n)| format!("{t}-{n}")).collect::<Vec<_>>();
    let held: Vec<String> = if m.status == "crashed" {
        m.coordinator_assigned.iter().map(|(t, n)| format!("{t}-{n}")).collect()
    } else {
        Vec::new()
    };
    let left = m.last_heartbeat_ms.map(|hb| hb + m.session_timeout_ms - p.now_ms);
    let countdown = match left {
        _ if m.status == "closed" => String::new(),
        Some(ms) if ms > 0 => {
            format!("{}: {} / {}", T::SessionLeft.get(l), s_text(l, ms), s_text(l, m.session_timeout_ms))
        }
        Some(_) => T::SessionExpired.get(l).to_string(),
        None => String::new(),
    };
    let fraction = left.map_or(0.0, |ms| (ms as f64 / m.session_timeout_ms.max(1) as f64).clamp(0.0, 1.0));
    let t = |g: T| g.get(l);
    let pipeline = m.commit_sync == "in-transaction";
    html! {
        <li class={classes!("member", format!("member-{}", m.status.replace(' ', "-")))} data-testid={format!("member-{}", m.name)}
            data-status={m.status.clone()} data-assigned={assigned.join(",")} style={format!("--member-colour: {}", p.colour)}>
            <div class="member-head">
                <span class="member-swatch" aria-hidden="true"></span>
                <strong class="member-name">{ &m.name }</strong>
                <span class="member-status">{ t(status_text(&m.status)) }</span>
                <code class="member-id" title={m.member_id.clone()}>{ if m.member_id.is_empty() { "—".to_string() } else { m.member_id.clone() } }</code>
                if let Some(instance) = &m.group_instance_id { <span class="member-instance">{ format!("group.instance.id = {instance}") }</span> }
                <span class="member-state">{ &m.member_state }</span>
            </div>
            <div class="member-partitions">
                if assigned.is_empty() && held.is_empty() { <span class="none">{ t(T::OwnsNothing) }</span> }
                // A dead process owns nothing, but the coordinator's generation still
                // gives it these until session.timeout.ms: nobody consumes them.
                { for held.iter().map(|a| html! {
                    <span class="partition-chip held" data-testid="held-partition"
                        title={format!("{} {} — {}", t(T::OwnedByCrashed), m.name, t(T::NotConsumed))}>
                        { format!("✕ {a} · {} — {}", m.name, t(T::NotConsumedShort)) }
                    </span>
                }) }
                { for assigned.iter().map(|a| html! {
                    <span class="partition-chip" data-testid="owned-partition" aria-label={format!("{} {} {a}", m.name, t(T::Owns))}>
                        { format!("{a} · {}", m.name) }
                    </span>
                }) }
            </div>
            <div class="member-heartbeat">
                // Keyed by the heartbeat's time, so each answered heartbeat restarts the pulse.
                if let Some(hb) = m.last_heartbeat_ms {
                    <span key={hb.to_string()} class={classes!("pulse", m.heartbeats_paused.then_some("paused"))}
                        data-testid="heartbeat" data-at-ms={hb.to_string()} aria-hidden="true"></span>
                    <span>{ format!("{} {}", t(T::Heartbeat), s_text(l, hb)) }</span>
                }
                if m.heartbeats_paused { <span class="warn">{ t(T::HeartbeatsPaused) }</span> }
                if !countdown.is_empty() {
                    <span class="countdown" data-testid="session-countdown" data-left-ms={left.unwrap_or(0).to_string()}>
                        <span class="countdown-bar" style={format!("width: {:.0}%", fraction * 100.0)}></span>
                        <span class="countdown-text">{ countdown }</span>
                    </span>
                }
            </div>
            <div class="member-stats" data-reordered={m.reordered.to_string()} title={t(T::ReorderedHelp)}>
                { format!("{} {} · {} {} · {} {} · {} {} · max.poll.interval.ms {} · {}",
                    m.records_consumed, t(T::Consumed), m.duplicates, t(T::Duplicates), m.reordered, t(T::Reordered),
                    m.processing_ms_per_record, t(T::Processing), m.max_poll_interval_ms, m.assignors) }
            </div>
            <super::delivery::DeliveryNotes member={m.clone()} lang={l} on_command={p.on_command.clone()} />
            if !m.waiting_for_topics.is_empty() {
                <p class="member-waiting" role="status" data-testid="waiting-for-topic">
                    { format!("{} {}", t(T::WaitingForTopic), m.waiting_for_topics.join(", ")) }
                </p>
            }
            <div class="member-actions">
                <button data-testid={format!("member-{}-crash", m.name)} disabled={!matches!(m.status.as_str(), "up" | "paused" | "closed" | "failed")}
                    onclick={cmd(ClusterCommand::Crash(id))}>{ t(T::Crash) }</button>
                <button data-testid={format!("member-{}-restart", m.name)} disabled={m.status != "crashed"}
                    onclick={cmd(ClusterCommand::Restart(id))}>{ t(T::Restart) }</button>
                // A pipeline runs its own loop (it takes no commands but crash and restart)
                // and reads committed records only: its consumer's controls are not offered.
                if !pipeline {
                    <button data-testid={format!("member-{}-close", m.name)} disabled={!alive}
                        onclick={cmd(ClusterCommand::CloseConsumer(id))}>{ t(T::Close) }</button>
                    <button data-testid={format!("member-{}-pause-heartbeats", m.name)} disabled={!alive} aria-pressed={m.heartbeats_paused.to_string()}
                        onclick={cmd(ClusterCommand::PauseHeartbeats { client: id, paused: !m.heartbeats_paused })}>
                        { if m.heartbeats_paused { t(T::ResumeHeartbeats) } else { t(T::PauseHeartbeats) } }
                    </button>
                    <button data-testid={format!("member-{}-slow", m.name)} disabled={!alive} title={t(T::SlowHint)}
                        onclick={cmd(ClusterCommand::SetProcessingTime { client: id, per_record_ms: slower(m.processing_ms_per_record) })}>
                        { format!("{} → {} {}", t(T::SlowDown), slower(m.processing_ms_per_record), t(T::Processing)) }
                    </button>
                }
                <super::delivery::CommitMomentSelect member={m.clone()} lang={l} on_command={p.on_command.clone()} />
                // Without transactions read_committed reads what read_uncommitted does (the
                // last stable offset is the HW): offered where it matters, or where chosen.
                if !pipeline && (p.transactions || m.isolation_level == "read_committed") {
                    <super::isolation::IsolationSelect member={m.clone()} lang={l} on_command={p.on_command.clone()} />
                }
            </div>
        </li>
    }
}
