//! A consume-transform-produce pipeline's card in the producers band: its input and
//! output topics, where its loop is (`polling`, `in_transaction`, `sending_offsets`,
//! `committing`, `aborting`, `stopped`), its producer's `transactional.id` and state, the
//! transactions it committed and aborted and the records it processed and produced. It
//! takes no commands (its loop runs by itself); its consumer is a member of its group in
//! the groups band.

use crate::ui::cluster::brokers::status_text;
use crate::ui::i18n::T;
use crate::ui::shell::page::ClusterCtx;
use crate::web::cluster_view::ProducerView;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct PipelineProps {
    pub producer: ProducerView,
}

#[function_component(PipelineCard)]
pub fn pipeline_card(props: &PipelineProps) -> Html {
    let Some(ctx) = use_context::<ClusterCtx>() else { return html! {} };
    let p = &props.producer;
    let Some(f) = &p.pipeline else { return html! {} };
    html! {
        <section class="card producer pipeline" data-testid={format!("pipeline-{}", p.name)}
            data-state={f.state.clone()} data-committed={f.transactions_committed.to_string()}
            data-aborted={f.transactions_aborted.to_string()} data-acknowledged={p.acknowledged_records.to_string()}>
            <h2 title={ctx.t(T::PipelineHint)} tabindex="0">{format!("{} {}", ctx.t(T::PipelineTitle), p.name)}</h2>
            <p class="producer-facts">
                <code>{format!("{} → {}", f.input, f.output)}</code>
                {" · "}
                <code data-testid="pipeline-state">{f.state.clone()}</code>
                if let (Some(id), Some(state)) = (&p.transactional_id, &p.transaction_state) {
                    {" · "}
                    <code class="transaction-state" title={ctx.t(T::TransactionStateHint)} tabindex="0">
                        {format!("transactional.id={id} · {state}")}
                    </code>
                }
                {format!(" · {}", status_text(ctx.lang, p.status))}
            </p>
            {crate::ui::produce::txn_coordinator::coordinator_line(&ctx, p)}
            <p class="producer-counts" data-testid="pipeline-counts">
                <span>{format!("{} {}", ctx.t(T::PipelineProcessed), f.records_processed)}</span>
                <span class="ok">{format!(" · ✓ {} {}", ctx.t(T::Acknowledged), p.acknowledged_records)}</span>
                <span>{format!(" · {} {}", ctx.t(T::PipelineCommitted), f.transactions_committed)}</span>
                <span class="err">{format!(" · {} {}", ctx.t(T::PipelineAborted), f.transactions_aborted)}</span>
            </p>
        </section>
    }
}
