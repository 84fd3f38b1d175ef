//! The timeline band: the broker's events, newest first (topic created, appends, segment
//! rolls, retention deletions, recovery), in the chosen language.

use super::app::Ctx;
use super::format::clock_text;
use super::i18n::T;
use crate::engine::broker::BrokerEvent;
use crate::engine::log::RetentionReason;
use yew::prelude::*;

fn describe(ctx: &Ctx, e: &BrokerEvent) -> (String, &'static str) {
    match e {
        BrokerEvent::TopicCreated { topic, partitions } => {
            (format!("{} {topic} ({partitions})", ctx.t(T::EvTopicCreated)), "created")
        }
        BrokerEvent::Appended { topic, partition, first_offset, last_offset, rolled } => {
            let mut s = format!("{topic}-{partition}: {} {first_offset}–{last_offset}", ctx.t(T::EvAppended));
            if *rolled {
                s.push_str(&format!(" · {} @ {first_offset}", ctx.t(T::EvRolled)));
            }
            (s, if *rolled { "rolled" } else { "appended" })
        }
        BrokerEvent::SegmentsDeleted { topic, partition, segments, log_start_offset } => {
            let parts: Vec<String> = segments
                .iter()
                .map(|s| {
                    let why = match s.reason {
                        RetentionReason::Time => ctx.t(T::ByTime),
                        RetentionReason::Size => ctx.t(T::BySize),
                    };
                    format!("[{}, {}) {why}", s.base_offset, s.next_offset)
                })
                .collect();
            (
                format!(
                    "{topic}-{partition}: {} {} → log start offset {log_start_offset}",
                    ctx.t(T::EvDeleted),
                    parts.join(", ")
                ),
                "deleted",
            )
        }
        BrokerEvent::Recovered { topic, partition, report } => {
            let mut s = format!(
                "{topic}-{partition}: {} ({} {})",
                ctx.t(T::EvRecovered),
                report.segments_loaded,
                ctx.t(T::Segments)
            );
            if report.truncated_bytes > 0 || !report.deleted_segments.is_empty() {
                s.push_str(&format!(
                    " · {} ({} {})",
                    ctx.t(T::EvTruncated),
                    report.truncated_bytes,
                    ctx.t(T::Bytes)
                ));
            }
            (s, "recovered")
        }
    }
}

#[function_component(Feed)]
pub fn feed() -> Html {
    let Some(ctx) = use_context::<Ctx>() else { return html! {} };
    html! {
        <div class="feed">
            <h2>{ctx.t(T::Timeline)}</h2>
            if ctx.state.feed.is_empty() {
                <p class="hint">{ctx.t(T::NoEvents)}</p>
            }
            <ol data-testid="feed">
                { for ctx.state.feed.iter().map(|f| {
                    let (text, kind) = describe(&ctx, &f.event);
                    html! { <li class={kind} data-testid={format!("event-{kind}")}><time>{clock_text(f.at_ms)}</time>{" "}{text}</li> }
                }) }
            </ol>
        </div>
    }
}
