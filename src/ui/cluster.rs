//! The cluster band: the broker's column with every topic and, per partition, its log as
//! a strip; the selected partition opens its segment detail below.

use super::app::Ctx;
use super::i18n::T;
use super::partition_detail::PartitionDetail;
use super::partition_strip::PartitionStrip;
use super::state::Purpose;
use crate::engine::broker::api::Request;
use yew::prelude::*;

#[function_component(ClusterBand)]
pub fn cluster_band() -> Html {
    let Some(ctx) = use_context::<Ctx>() else { return html! {} };
    let Some(snapshot) = ctx.state.snapshot.clone() else { return html! {} };
    let retention = {
        let ctx = ctx.clone();
        Callback::from(move |_| ctx.broker(Request::RetentionCheck, Purpose::Retention))
    };
    html! {
        <div class="broker" data-testid="broker">
            <div class="broker-head">
                <h2>{format!("{} {}", ctx.t(T::Broker), snapshot.broker_id)}</h2>
                <button class="quiet" onclick={retention} title={ctx.t(T::RetentionHint)} data-testid="retention-check">
                    {ctx.t(T::RetentionCheck)}
                </button>
            </div>
            if snapshot.topics.is_empty() {
                <p class="hint">{ctx.t(T::NoTopics)}</p>
            }
            { for snapshot.topics.iter().map(|t| html! {
                <article class="topic" data-testid="topic" data-topic={t.name.clone()}>
                    <h3>
                        <span class="topic-name">{t.name.clone()}</span>
                        { for t.config_overrides.iter().map(|(k, v)| html! { <code class="override">{format!("{k}={v}")}</code> }) }
                    </h3>
                    { for t.partitions.iter().map(|p| html! {
                        <PartitionStrip topic={t.name.clone()} partition={p.clone()} />
                    }) }
                </article>
            }) }
            <PartitionDetail />
        </div>
    }
}
