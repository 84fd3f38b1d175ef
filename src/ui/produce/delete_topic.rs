//! The admin card's "delete topic" (`kafka-topics --delete`, the lecture's
//! `AdminClient.delete_topics`): a name (the cluster's topics offered), checked against
//! the cluster first so Kafka's refusal (UNKNOWN_TOPIC_OR_PARTITION,
//! TOPIC_DELETION_DISABLED, TOPIC_AUTHORIZATION_FAILED) shows at the field at once; a
//! name that would pass asks for a confirmation, since every replica's records go.
//! Invariant: nothing is sent without the confirmation, and nothing typed is lost on a
//! refusal. Under the form, the AdminClient program that deletes the topic.

use crate::engine::controller::is_internal_topic;
use crate::takeaway::Action;
use crate::ui::common::code::TakeawayCode;
use crate::ui::common::form::value_of;
use crate::ui::i18n::T;
use crate::ui::shell::page::ClusterCtx;
use crate::web::cluster_view::ClusterCommand;
use yew::prelude::*;

#[function_component(DeleteTopicForm)]
pub fn delete_topic_form() -> Html {
    let name = use_state(String::new);
    let confirming = use_state(|| None::<String>);
    let error = use_state(|| None::<String>);
    let Some(ctx) = use_context::<ClusterCtx>() else { return html! {} };
    let oninput = {
        let (name, confirming) = (name.clone(), confirming.clone());
        Callback::from(move |e: InputEvent| {
            name.set(value_of(e.as_ref()));
            confirming.set(None);
        })
    };
    let ask = {
        let (name, confirming, error, check) =
            (name.clone(), confirming.clone(), error.clone(), ctx.check_command.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let topic = name.trim().to_string();
            confirming.set(None);
            error.set(None);
            let (confirming, error) = (confirming.clone(), error.clone());
            let asked = topic.clone();
            check.emit((
                ClusterCommand::DeleteTopic { name: topic },
                Callback::from(move |refusal: Option<String>| {
                    confirming.set(refusal.is_none().then(|| asked.clone()));
                    error.set(refusal);
                }),
            ));
        })
    };
    let confirm = {
        let (name, confirming, error, try_command) =
            (name.clone(), confirming.clone(), error.clone(), ctx.try_command.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(topic) = (*confirming).clone() else { return };
            confirming.set(None);
            error.set(None);
            let (name, error) = (name.clone(), error.clone());
            try_command.emit((
                ClusterCommand::DeleteTopic { name: topic },
                Callback::from(move |refusal: Option<String>| {
                    if refusal.is_none() {
                        name.set(String::new());
                    }
                    error.set(refusal);
                }),
            ));
        })
    };
    let cancel = {
        let confirming = confirming.clone();
        Callback::from(move |_: MouseEvent| confirming.set(None))
    };
    let partitions =
        |topic: &str| ctx.view.topics.iter().find(|t| t.name == topic).map_or(0, |t| t.partitions.len());
    let offered = ctx.view.topics.iter().filter(|t| !is_internal_topic(&t.name));
    html! {
        <form class="delete-topic" onsubmit={ask} data-testid="delete-topic-form">
            <label>{ctx.t(T::TopicToDelete)}
                <input value={(*name).clone()} {oninput} list="delete-topic-names" required=true
                    data-testid="delete-topic-name" />
            </label>
            <datalist id="delete-topic-names">
                { for offered.map(|t| html! { <option value={t.name.clone()} /> }) }
            </datalist>
            <button type="submit" class="quiet" title={ctx.t(T::DeleteTopicHint)}
                data-testid="delete-topic">{ctx.t(T::DeleteTopic)}</button>
            if let Some(topic) = &*confirming {
                <div class="confirm" role="alertdialog" data-testid="delete-topic-confirm">
                    <p>{format!("{} «{topic}» ({}: {})? {}", ctx.t(T::DeleteTopicQuestion), ctx.t(T::Partitions),
                        partitions(topic), ctx.t(T::DeleteTopicConsequence))}</p>
                    <button type="button" class="danger" onclick={confirm}
                        data-testid="delete-topic-yes">{ctx.t(T::DeleteTopicYes)}</button>
                    <button type="button" class="quiet" onclick={cancel}
                        data-testid="delete-topic-no">{ctx.t(T::Cancel)}</button>
                </div>
            }
            if let Some(e) = &*error {
                <p class="field-error" role="alert" data-testid="delete-topic-error">{e.clone()}</p>
            }
            <TakeawayCode action={Action::DeleteTopic { topic: name.trim().to_string() }} testid="delete-topic-code" />
        </form>
    }
}
