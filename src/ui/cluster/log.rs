//! The log panel: one replica's log on any broker, as Kafka keeps it on disk. Pick a
//! broker and one of its replicas to see the segments (base offset, next offset, size,
//! records, batches and their codecs, offset and time index entries, the active one),
//! each downloadable as Kafka's `.log`, `.index` and `.timeindex` files; the log start
//! offset, high watermark and log end offset in words; and read records from an offset
//! or a timestamp as a consumer's Fetch returns them (whole batches, from one segment,
//! below the high watermark), each record's batch taken apart byte by byte (`anatomy`).
//! Answers come from the broker's worker; a crashed broker says so.

use crate::engine::cluster::NodeId;
use crate::engine::controller::is_internal_topic;
use crate::engine::log::{LogDetail, ReadFrom, RecordView};
use crate::engine::record::anatomy::BatchAnatomy;
use crate::ui::cluster::anatomy::BatchAnatomyView;
use crate::ui::common::form::value_of;
use crate::ui::common::format::bytes_text;
use crate::ui::i18n::T;
use crate::ui::shell::page::ClusterCtx;
use crate::web::node_protocol::{LogAnswer, LogAsk};
use yew::prelude::*;

/// Records the detail shows at most.
const DETAIL_RECORDS: u32 = 50;
/// `fetch.max.bytes`-like cap of one read, as the consumer's default `max.partition.fetch.bytes`.
const READ_MAX_BYTES: u32 = 1_048_576;

/// Which replica the panel shows: (broker, topic, partition).
type Pick = (NodeId, String, u32);

#[function_component(LogPanel)]
pub fn log_panel() -> Html {
    let pick = use_state(|| None::<Pick>);
    let detail = use_state(|| None::<LogDetail>);
    let records = use_state(|| None::<Vec<RecordView>>);
    let anatomy = use_state(|| None::<BatchAnatomy>);
    let problem = use_state(|| None::<String>);
    let from_text = use_state(|| "0".to_string());
    let by_time = use_state(|| false);
    // Folded until the learner opens it: only then does it ask a broker anything.
    let open = use_state(|| false);
    let Some(ctx) = use_context::<ClusterCtx>() else { return html! {} };
    let toggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    let title = html! {
        <h2><button type="button" class="fold" aria-expanded={open.to_string()} onclick={toggle}
            data-testid="log-panel-toggle">{format!("{} {}", if *open { "▾" } else { "▸" }, ctx.t(T::LogOfReplica))}</button></h2>
    };
    // Replicas on running brokers, internal topics last.
    let mut choices: Vec<Pick> = ctx
        .view
        .brokers
        .iter()
        .flat_map(|b| b.replicas.iter().map(move |r| (b.id, r.topic.clone(), r.partition)))
        .collect();
    choices.sort_by(|(b, t, p), (b2, t2, p2)| {
        (is_internal_topic(t), t, p, b).cmp(&(is_internal_topic(t2), t2, p2, b2))
    });
    let current = (*pick).clone().filter(|p| choices.contains(p)).or_else(|| choices.first().cloned());
    let answer = {
        let (detail, records, problem, anatomy) =
            (detail.clone(), records.clone(), problem.clone(), anatomy.clone());
        Callback::from(move |a: LogAnswer| match a {
            LogAnswer::Detail(d) => {
                problem.set(None);
                detail.set(Some(d));
            }
            LogAnswer::Records(r) => {
                problem.set(None);
                records.set(Some(r));
            }
            LogAnswer::Batch(a) => {
                problem.set(None);
                anatomy.set(Some(a));
            }
            LogAnswer::Files(files) => crate::ui::common::download::segment_files(&files),
            LogAnswer::Refused(why) => problem.set(Some(why)),
        })
    };
    let ask = {
        let (inspect, answer, current) = (ctx.inspect.clone(), answer.clone(), current.clone());
        move |a: LogAsk| {
            if let Some((b, t, p)) = current.clone() {
                inspect.emit((b, t, p, a, answer.clone()));
            }
        }
    };
    // The detail follows the picked replica and the run (re-asked when its end moves).
    {
        let ask = ask.clone();
        let end = current.as_ref().and_then(|(b, t, p)| {
            let broker = ctx.view.brokers.iter().find(|x| x.id == *b)?;
            broker
                .replicas
                .iter()
                .find(|r| &r.topic == t && r.partition == *p)
                .map(|r| (r.log_start_offset, r.high_watermark, r.log_end_offset))
        });
        use_effect_with((current.clone(), end, *open), move |(_, _, open)| {
            if *open {
                ask(LogAsk::Detail { max_records: DETAIL_RECORDS });
            }
        });
    }
    let onpick = {
        let (pick, records, anatomy) = (pick.clone(), records.clone(), anatomy.clone());
        let choices = choices.clone();
        Callback::from(move |e: Event| {
            let i: usize = value_of(&e).parse().unwrap_or(0);
            records.set(None);
            anatomy.set(None);
            pick.set(choices.get(i).cloned());
        })
    };
    let read = {
        let (ask, from_text, by_time, problem, lang) =
            (ask.clone(), from_text.clone(), by_time.clone(), problem.clone(), ctx.lang);
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            match from_text.trim().parse::<i64>() {
                Ok(n) => {
                    let from = if *by_time { ReadFrom::Timestamp(n) } else { ReadFrom::Offset(n) };
                    ask(LogAsk::Read { from, max_bytes: READ_MAX_BYTES });
                }
                Err(_) => {
                    problem.set(Some(format!("\"{}\": {}", from_text.trim(), T::MustBeNumber.get(lang))))
                }
            }
        })
    };
    let t = |x: T| ctx.t(x);
    let selected = current.as_ref().and_then(|c| choices.iter().position(|x| x == c)).unwrap_or(0);
    if !*open {
        return html! { <div class="card log-panel folded" data-testid="log-panel">{title}</div> };
    }
    html! {
        <div class="card log-panel" data-testid="log-panel">
            {title}
            if choices.is_empty() {
                <p class="hint">{t(T::NoReplicas)}</p>
            } else {
                <label>{t(T::Replica)}
                    <select onchange={onpick} data-testid="log-replica">
                        { for choices.iter().enumerate().map(|(i, (b, topic, p))| html! {
                            <option value={i.to_string()} selected={i == selected}>
                                {format!("{topic}-{p} · {} {b}", t(T::Broker))}
                            </option>
                        }) }
                    </select>
                </label>
            }
            if let Some(why) = &*problem {
                <p class="field-error" role="alert" data-testid="log-problem">{why.clone()}</p>
            }
            if let Some(d) = &*detail {
                <p class="log-offsets" data-testid="log-offsets" data-log-start-offset={d.log_start_offset.to_string()}
                    data-high-watermark={d.high_watermark.to_string()} data-log-end-offset={d.log_end_offset.to_string()}>
                    {format!("{} {} · {} {} · {} {}", t(T::LogStartOffset), d.log_start_offset,
                        t(T::HighWatermark), d.high_watermark, t(T::LogEndOffset), d.log_end_offset)}
                </p>
                <div class="table-scroll">
                <table class="segments" data-testid="log-segments">
                    <thead><tr>
                        <th>{t(T::BaseOffset)}</th><th>{t(T::NextOffset)}</th><th>{t(T::Size)}</th>
                        <th>{t(T::Records)}</th><th title={t(T::BatchesCodecHint)}>{t(T::BatchesCodec)}</th><th>{t(T::IndexEntries)}</th><th>{t(T::TimeIndexEntries)}</th><th></th>
                    </tr></thead>
                    <tbody>
                    { for d.segments.iter().map(|s| {
                        let download = { let ask = ask.clone(); let base = s.base_offset;
                            Callback::from(move |_: MouseEvent| ask(LogAsk::Files { base_offset: base })) };
                        html! {
                            <tr data-testid="log-segment" data-base-offset={s.base_offset.to_string()}
                                data-batches={s.batches_count.to_string()} data-codecs={s.codecs.join(",")}>
                                <td>{s.base_offset}{ if s.is_active { format!(" ({})", t(T::Active)) } else { String::new() } }</td>
                                <td>{s.next_offset}</td>
                                <td>{format!("{} {}", s.size_bytes, t(T::Bytes))}</td>
                                <td>{s.records_count}</td>
                                <td class="batches">{format!("{} · {}", s.batches_count, s.codecs.join(", "))}</td>
                                <td>{s.offset_index_entries}</td>
                                <td>{s.time_index_entries}</td>
                                <td><button type="button" class="quiet" onclick={download} title={t(T::Export)}
                                    data-testid="log-download">{"⬇"}</button></td>
                            </tr>
                        }
                    }) }
                    </tbody>
                </table>
                </div>
            }
            <form class="log-read" onsubmit={read} data-testid="log-read-form">
                <label class="inline">
                    <input type="checkbox" checked={*by_time} onchange={{ let by_time = by_time.clone();
                        Callback::from(move |_: Event| by_time.set(!*by_time)) }} data-testid="log-read-by-time" />
                    {t(T::ByTimestamp)}
                </label>
                <input value={(*from_text).clone()} inputmode="numeric" data-testid="log-read-from"
                    aria-label={if *by_time { t(T::Timestamp) } else { t(T::FromOffset) }}
                    oninput={{ let from_text = from_text.clone(); Callback::from(move |e: InputEvent| from_text.set(value_of(&e))) }} />
                <button type="submit" data-testid="log-read">{t(T::Read)}</button>
            </form>
            if let Some(rs) = &*records {
                if rs.is_empty() {
                    <p class="hint" data-testid="log-read-empty">{t(T::NothingToRead)}</p>
                }
                <ol class="read-records" data-testid="log-read-records">
                    { for rs.iter().map(|r| {
                        let bytes = { let ask = ask.clone(); let offset = r.offset;
                            Callback::from(move |_: MouseEvent| ask(LogAsk::Batch { offset })) };
                        html! {
                            <li data-testid="log-record" data-offset={r.offset.to_string()}>
                                {format!("{} {} · {}: {} · {}: {} · {} {}", t(T::Offset), r.offset,
                                    t(T::Key), bytes_text(r.key.as_deref()), t(T::Value), bytes_text(r.value.as_deref()),
                                    t(T::Timestamp), r.timestamp_ms)}
                                <button type="button" class="quiet" onclick={bytes} title={t(T::BatchBytesHint)}
                                    data-testid="log-record-bytes">{t(T::BatchBytes)}</button>
                            </li>
                        }
                    }) }
                </ol>
            }
            if let Some(a) = &*anatomy {
                <BatchAnatomyView anatomy={a.clone()}
                    on_close={{ let anatomy = anatomy.clone(); Callback::from(move |()| anatomy.set(None)) }} />
            }
        </div>
    }
}
