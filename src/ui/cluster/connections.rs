//! Under `kafka-playground serve`: the real clients' connections, each named by the
//! `client.id` of its requests, with the broker whose port it is connected to (a
//! crashed broker's connections are reset, so a reconnecting client shows up again on
//! another broker).

use crate::ui::i18n::T;
use crate::ui::shell::page::ClusterCtx;
use yew::prelude::*;

#[function_component(LiveConnections)]
pub fn live_connections() -> Html {
    let Some(ctx) = use_context::<ClusterCtx>() else { return html! {} };
    let Some(live) = ctx.view.live.as_ref() else { return html! {} };
    let rows = live.connections.iter().map(|c| {
        let name = c.client_id.clone().unwrap_or_else(|| ctx.t(T::NoClientIdYet).to_string());
        html! {
            <li class="connection" data-testid="connection" data-client-id={c.client_id.clone().unwrap_or_default()}
                data-broker={c.broker.to_string()}>
                <strong class="client-id">{name}</strong>
                {" → "}
                <span class="conn-broker">{format!("{} {}", ctx.t(T::Broker), c.broker)}</span>
                <span class="conn-requests hint">{format!(" · {} {}", c.requests, ctx.t(T::Requests))}</span>
            </li>
        }
    });
    html! {
        <section class="live-connections" data-testid="connections" data-count={live.connections.len().to_string()}>
            <h2>{ctx.t(T::Connections)}</h2>
            <p class="hint">{ctx.t(T::ConnectionsHint)}</p>
            if live.connections.is_empty() {
                <p class="hint" data-testid="connections-empty">{ctx.t(T::ConnectionsEmpty)}</p>
            } else {
                <ul class="connections">{ for rows }</ul>
            }
        </section>
    }
}
