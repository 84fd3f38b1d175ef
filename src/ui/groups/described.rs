//! A real clients' group on the page watching `serve`, as its coordinator holds it
//! ([`DescribedGroupView`], `crate::sim::picture::described`): the members as
//! `kafka-consumer-groups.sh --describe --members --verbose` lists them (CONSUMER-ID,
//! HOST, CLIENT-ID, #PARTITIONS, ASSIGNMENT) and the offsets as `--describe` does
//! (TOPIC, PARTITION, CURRENT-OFFSET, LOG-END-OFFSET, LAG, CONSUMER-ID, HOST, CLIENT-ID;
//! "-" where Kafka prints it). Column names are Kafka's own, in both languages. The tab's
//! group cards (scenario consumers) never show it.

use crate::sim::picture::described::DescribedGroupView;
use crate::ui::groups::band::member_colour;
use crate::ui::i18n::{Lang, T};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub group: DescribedGroupView,
    pub lang: Lang,
}

fn dash<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(|| "-".to_string(), ToString::to_string)
}

fn partitions(a: &[(String, u32)]) -> String {
    a.iter().map(|(t, p)| format!("{t}-{p}")).collect::<Vec<_>>().join(",")
}

#[function_component(DescribedGroup)]
pub fn described_group(p: &Props) -> Html {
    let (d, l) = (&p.group, p.lang);
    let coordinator = d.coordinator.map_or_else(|| "-".to_string(), |c| c.to_string());
    let total: i64 = d.partitions.iter().filter_map(|r| r.lag).sum();
    html! {
        <div class="described-group" data-testid="described-group" data-coordinator={coordinator.clone()}
            data-state={d.state.clone()} data-generation={d.generation.to_string()} data-members={d.members.len().to_string()}>
            <h4>{ T::DescribedMembers.get(l) }</h4>
            <p class="hint" title={T::DescribedHelp.get(l)}>{ T::DescribedHelp.get(l) }</p>
            if !d.loaded {
                <p class="hint" data-testid="coordinator-not-loaded">
                    { format!("{} {coordinator}, __consumer_offsets-{}: {}", T::Broker.get(l), d.offsets_partition, T::CoordinatorNotLoaded.get(l)) }
                </p>
            } else if d.members.is_empty() {
                <p class="hint">{ T::NoMembers.get(l) }</p>
            } else {
                <table class="described-members" data-testid="described-members">
                    <thead><tr>
                        <th>{ "CONSUMER-ID" }</th><th>{ "HOST" }</th><th>{ "CLIENT-ID" }</th>
                        <th>{ "#PARTITIONS" }</th><th>{ "ASSIGNMENT" }</th>
                    </tr></thead>
                    <tbody>
                        { for d.members.iter().enumerate().map(|(i, m)| html! {
                            <tr key={m.member_id.clone()} data-testid="described-member" data-client-id={m.client_id.clone()}
                                data-member-id={m.member_id.clone()} data-partitions={partitions(&m.assignment)}
                                data-leader={(d.leader.as_deref() == Some(m.member_id.as_str())).to_string()}>
                                <td class="consumer-id" title={m.member_id.clone()}><span class="owner-chip" style={format!("--member-colour: {}", member_colour(i))}>
                                    { &m.member_id }</span>
                                    if d.leader.as_deref() == Some(m.member_id.as_str()) { { format!(" ({})", T::Leader.get(l)) } }
                                </td>
                                <td>{ &m.host }</td>
                                <td>{ &m.client_id }</td>
                                <td>{ m.assignment.len() }</td>
                                <td>{ if m.assignment.is_empty() { "-".to_string() } else { partitions(&m.assignment) } }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            }
            if !d.partitions.is_empty() {
                <h4>{ format!("{} · LAG {total}", T::DescribedOffsets.get(l)) }</h4>
                <table class="described-offsets" data-testid="described-offsets">
                    <thead><tr>
                        <th>{ "TOPIC" }</th><th>{ "PARTITION" }</th><th>{ "CURRENT-OFFSET" }</th><th>{ "LOG-END-OFFSET" }</th>
                        <th>{ "LAG" }</th><th>{ "CONSUMER-ID" }</th><th>{ "HOST" }</th><th>{ "CLIENT-ID" }</th>
                    </tr></thead>
                    <tbody>
                        { for d.partitions.iter().map(|r| html! {
                            <tr key={format!("{}-{}", r.topic, r.partition)} data-testid={format!("offsets-{}-{}", r.topic, r.partition)}
                                data-current={dash(&r.current_offset)} data-log-end={dash(&r.log_end_offset)}
                                data-lag={dash(&r.lag)} data-client-id={dash(&r.client_id)}>
                                <td>{ &r.topic }</td>
                                <td>{ r.partition }</td>
                                <td>{ dash(&r.current_offset) }</td>
                                <td>{ dash(&r.log_end_offset) }</td>
                                <td class={classes!("lag-value", r.lag.is_some_and(|x| x > 0).then_some("behind"))}>{ dash(&r.lag) }</td>
                                <td class="consumer-id" title={dash(&r.consumer_id)}>{ dash(&r.consumer_id) }</td>
                                <td>{ dash(&r.host) }</td>
                                <td>{ dash(&r.client_id) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            }
        </div>
    }
}
