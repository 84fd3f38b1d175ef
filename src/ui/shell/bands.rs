//! The page's four bands under one [`ClusterCtx`]: the first (the tab's producers, or the
//! real clients' connections when the page watches `serve`), the cluster, the consumer
//! groups (when there are any) and the events. The tab's page and the page watching
//! `serve` lay them out the same way; on narrow and embedded screens only the active band
//! shows (`tabs`).

use crate::ui::cluster::brokers::BrokersBand;
use crate::ui::events::feed::EventsBand;
use crate::ui::shell::page::ClusterCtx;
use crate::ui::shell::tabs::Band;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub ctx: ClusterCtx,
    pub active: Band,
    /// What the first band holds, and its label.
    pub first: Html,
    pub first_label: &'static str,
    pub cluster_label: &'static str,
    pub groups_label: &'static str,
    pub timeline_label: &'static str,
}

#[function_component(ClusterBands)]
pub fn cluster_bands(p: &Props) -> Html {
    let section = |b: Band, class: &'static str| {
        (classes!("band", class, (b == p.active).then_some("active")), b.panel_id())
    };
    let (first, cluster, groups, timeline) = (
        section(Band::Producer, "producers"),
        section(Band::Cluster, "cluster"),
        section(Band::Reader, "groups"),
        section(Band::Events, "timeline"),
    );
    let v = p.ctx.view.clone();
    let has_groups = !v.groups.is_empty();
    let (command, lang) = (p.ctx.command.clone(), p.ctx.lang);
    html! {
        <ContextProvider<ClusterCtx> context={p.ctx.clone()}>
            <main class={classes!("bands", "cluster-bands", has_groups.then_some("with-groups"))}>
                <section class={first.0} id={first.1} aria-label={p.first_label} data-testid="band-producer">
                    { p.first.clone() }
                </section>
                <section class={cluster.0} id={cluster.1} aria-label={p.cluster_label} data-testid="band-cluster">
                    <BrokersBand />
                    <crate::ui::cluster::log::LogPanel />
                </section>
                if has_groups {
                    <section class={groups.0} id={groups.1} aria-label={p.groups_label} data-testid="band-groups">
                        <crate::ui::groups::band::GroupsBand view={v} on_command={command} lang={Some(lang)} />
                    </section>
                }
                <section class={timeline.0} id={timeline.1} aria-label={p.timeline_label} data-testid="band-events">
                    <EventsBand />
                </section>
            </main>
        </ContextProvider<ClusterCtx>>
    }
}
