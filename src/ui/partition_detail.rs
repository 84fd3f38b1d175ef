//! The selected partition in detail: its segments (base offset, next offset, size,
//! records, index entries, largest timestamp), the active one marked, each downloadable
//! as Kafka's `.log`, `.index` and `.timeindex` files.

use super::app::Ctx;
use super::format::clock_text;
use super::i18n::T;
use super::state::Purpose;
use crate::engine::broker::api::Request;
use yew::prelude::*;

#[function_component(PartitionDetail)]
pub fn partition_detail() -> Html {
    let Some(ctx) = use_context::<Ctx>() else { return html! {} };
    let Some((topic, partition)) = ctx.state.selected.clone() else {
        return html! { <p class="hint">{ctx.t(T::ClickPartition)}</p> };
    };
    let Some(view) = ctx.state.snapshot.as_ref().and_then(|s| {
        s.topics.iter().find(|t| t.name == topic).and_then(|t| t.partitions.get(partition as usize)).cloned()
    }) else {
        return html! {};
    };
    let export = |base_offset: i64| {
        let ctx = ctx.clone();
        let topic = topic.clone();
        Callback::from(move |_| {
            ctx.broker(
                Request::ExportSegment { topic: topic.clone(), partition, base_offset },
                Purpose::Export,
            )
        })
    };
    // Narrow tables may break the label after each '/'.
    let export_label: Html =
        ctx.t(T::Export).split_inclusive('/').map(|part| html! { <>{part}<wbr /></> }).collect();
    html! {
        <section class="detail" data-testid="partition-detail">
            <h3>{format!("{} {topic}-{partition}", ctx.t(T::Details))}</h3>
            <p class="offsets">
                <span title={ctx.t(T::LogStartHelp)}>{format!("{}: {}", ctx.t(T::LogStartOffset), view.log_start_offset)}</span>
                <span title={ctx.t(T::HighWatermarkHelp)}>{format!("{}: {}", ctx.t(T::HighWatermark), view.high_watermark)}</span>
                <span title={ctx.t(T::LogEndHelp)}>{format!("{}: {}", ctx.t(T::LogEndOffset), view.log_end_offset)}</span>
            </p>
            <div class="table-scroll"><table class="segments">
                <thead><tr>
                    <th>{ctx.t(T::BaseOffset)}</th><th>{ctx.t(T::NextOffset)}</th><th>{ctx.t(T::Size)}</th>
                    <th>{ctx.t(T::Records)}</th><th>{ctx.t(T::IndexEntries)}</th><th>{ctx.t(T::TimeIndexEntries)}</th>
                    <th>{ctx.t(T::LargestTimestamp)}</th><th></th>
                </tr></thead>
                <tbody>
                { for view.segments.iter().map(|s| html! {
                    <tr data-testid="segment-row" data-base-offset={s.base_offset.to_string()}>
                        <td><code>{format!("{:020}.log", s.base_offset)}</code>
                            if s.is_active { <span class="badge">{ctx.t(T::Active)}</span> }</td>
                        <td>{s.next_offset}</td>
                        <td>{format!("{} {}", s.size_bytes, ctx.t(T::Bytes))}</td>
                        <td>{s.records_count}</td>
                        <td>{s.offset_index_entries}</td>
                        <td>{s.time_index_entries}</td>
                        <td>{clock_text(s.largest_timestamp_ms)}</td>
                        <td><button class="quiet" onclick={export(s.base_offset)} disabled={s.size_bytes == 0}
                            data-testid="export-segment">{export_label.clone()}</button></td>
                    </tr>
                }) }
                </tbody>
            </table></div>
        </section>
    }
}
