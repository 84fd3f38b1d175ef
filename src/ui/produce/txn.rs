//! The producer card's transaction controls, for a producer with a `transactional.id`:
//! buttons calling `initTransactions()`, `beginTransaction()`, `commitTransaction()` and
//! `abortTransaction()` (each a [`ClusterCommand::Transaction`]); the producer itself
//! refuses a call its transaction state forbids, in Kafka's words.

use crate::engine::cluster::NodeId;
use crate::sim::picture::command::{ClusterCommand, TxnAction};
use crate::ui::i18n::T;
use crate::ui::shell::page::ClusterCtx;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub client: NodeId,
}

#[function_component(TxnControls)]
pub fn txn_controls(props: &Props) -> Html {
    let refusal = use_state(|| None::<String>);
    let Some(ctx) = use_context::<ClusterCtx>() else { return html! {} };
    let button = |action: TxnAction, label: &'static str, testid: &'static str| {
        let (refusal, try_command, client) = (refusal.clone(), ctx.try_command.clone(), props.client);
        let onclick = Callback::from(move |_: MouseEvent| {
            refusal.set(None);
            let refusal = refusal.clone();
            try_command.emit((
                ClusterCommand::Transaction { client, action },
                Callback::from(move |r| refusal.set(r)),
            ));
        });
        html! { <button type="button" {onclick} data-testid={testid}><code>{label}</code></button> }
    };
    html! {
        <div class="txn-controls" role="group" aria-label={ctx.t(T::TxnControlsHint)} title={ctx.t(T::TxnControlsHint)}
            data-testid="producer-txn-controls">
            { button(TxnAction::InitTransactions, "initTransactions()", "txn-init") }
            { button(TxnAction::BeginTransaction, "beginTransaction()", "txn-begin") }
            { button(TxnAction::CommitTransaction, "commitTransaction()", "txn-commit") }
            { button(TxnAction::AbortTransaction, "abortTransaction()", "txn-abort") }
            if let Some(e) = &*refusal {
                <p class="field-error" role="alert" data-testid="txn-refusal">{e.clone()}</p>
            }
        </div>
    }
}
