//! The broker configs that pace retention and cleaning, in the admin card, as Kafka lets
//! them change: `log.cleaner.backoff.ms` is dynamic, so it is changed live for every
//! broker (an IncrementalAlterConfigs at the cluster default through the controller,
//! `ClusterCommand::AlterBrokerConfigs`); `log.retention.check.interval.ms` is read-only
//! in Kafka (read when a broker starts), so it is shown with where it is set (a
//! scenario's `cluster.configs`) and not offered. A refusal shows at the form in Kafka's
//! words, and nothing typed is lost. Under it, the program that makes the same change.

use crate::takeaway::Action;
use crate::ui::common::code::TakeawayCode;
use crate::ui::i18n::T;
use crate::ui::shell::page::ClusterCtx;
use crate::web::cluster_view::ClusterCommand;
use std::collections::BTreeMap;
use yew::prelude::*;

#[function_component(BrokerPacing)]
pub fn broker_pacing() -> Html {
    let edits = use_state(BTreeMap::<String, String>::new);
    let error = use_state(|| None::<String>);
    let Some(ctx) = use_context::<ClusterCtx>() else { return html! {} };
    // The program sets what is typed (or, untouched, the dynamic configs as they are).
    let takeaway = Action::AlterBrokerConfigs {
        configs: ctx
            .view
            .broker_pacing
            .iter()
            .filter(|c| c.dynamic)
            .map(|c| (c.name.clone(), edits.get(&c.name).cloned().unwrap_or_else(|| c.value.clone())))
            .collect(),
    };
    let rows = ctx.view.broker_pacing.iter().map(|c| {
        let name = c.name.clone();
        let shown = edits.get(&name).cloned().unwrap_or_else(|| c.value.clone());
        let testid = format!("broker-config-{}", name.replace('.', "-"));
        if !c.dynamic {
            return html! {
                <li data-testid={testid} data-value={c.value.clone()} data-dynamic="false">
                    <code>{format!("{}={}", c.name, c.value)}</code>
                    {" "}<span class="hint" title={ctx.t(T::ReadOnlyConfigHint)} tabindex="0">{ctx.t(T::ReadOnlyConfig)}</span>
                </li>
            };
        }
        let oninput = {
            let (edits, name) = (edits.clone(), name.clone());
            Callback::from(move |e: InputEvent| {
                let mut next = (*edits).clone();
                next.insert(name.clone(), crate::ui::common::form::value_of(e.as_ref()));
                edits.set(next);
            })
        };
        let apply = {
            let (edits, error, try_command, name, value) =
                (edits.clone(), error.clone(), ctx.try_command.clone(), name.clone(), shown.clone());
            Callback::from(move |_: MouseEvent| {
                let configs = BTreeMap::from([(name.clone(), value.trim().to_string())]);
                error.set(None);
                let (edits, error, name) = (edits.clone(), error.clone(), name.clone());
                let done = Callback::from(move |refusal: Option<String>| {
                    if refusal.is_none() {
                        let mut next = (*edits).clone();
                        next.remove(&name);
                        edits.set(next);
                    }
                    error.set(refusal);
                });
                try_command.emit((ClusterCommand::AlterBrokerConfigs { configs }, done));
            })
        };
        html! {
            <li data-testid={testid} data-value={c.value.clone()} data-dynamic="true">
                <label title={ctx.t(T::DynamicConfigHint)}><code>{format!("{}=", c.name)}</code>
                    <input inputmode="numeric" value={shown} {oninput} data-testid="broker-config-input" size="7" />
                </label>
                <button type="button" class="quiet" onclick={apply} data-testid="broker-config-apply">
                    {ctx.t(T::AlterConfig)}
                </button>
            </li>
        }
    });
    html! {
        <div class="broker-pacing" data-testid="broker-pacing">
            <h3>{ctx.t(T::BrokerConfigs)}</h3>
            <ul class="settings">{ for rows }</ul>
            if let Some(e) = &*error {
                <p class="field-error" role="alert" data-testid="broker-config-error">{e.clone()}</p>
            }
            <TakeawayCode action={takeaway} testid="broker-config-code" />
        </div>
    }
}
