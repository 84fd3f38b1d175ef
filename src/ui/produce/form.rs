//! The producers band: each topic's durability settings (replication factor,
//! min.insync.replicas, unclean.leader.election.enable); each producer client with its
//! acks and counts, a small form that produces through it (topic, count, key pattern with
//! `{i}` or a null key, value), and what became of its sends: acknowledged at an offset,
//! failed with Kafka's error name and code, or still pending; a failed or pending send
//! also names the error it was last retried on (e.g. a send that timed out after being
//! refused with NOT_ENOUGH_REPLICAS says so). Under the form, the program that sends the
//! same records with the same settings (`crate::takeaway`). With more than two producers
//! the forms are folded, and past the latest three sends only failed or lost ones stay in
//! view (the rest fold).

use crate::engine::cluster::command::ProduceCommand;
use crate::engine::cluster::{ClusterEvent, NodeId};
use crate::engine::controller::is_internal_topic;
use crate::engine::partitioner::PartitionerKind;
use crate::sim::scenario::HeaderSpec;
use crate::takeaway::{Action, ProducerSettings};
use crate::ui::cluster::brokers::status_text;
use crate::ui::common::code::TakeawayCode;
use crate::ui::common::form::setter;
use crate::ui::i18n::{records_word, T};
use crate::ui::shell::page::ClusterCtx;
use crate::web::cluster_view::{ClusterCommand, ClusterView, ProducerView, SendOutcome};
use yew::prelude::*;

/// Most records one click may produce.
const MAX_RECORDS_PER_CLICK: u32 = 1000;

/// The latest sends a card lists before folding the older ones.
const SENDS_SHOWN: usize = 3;

#[function_component(ProducersBand)]
pub fn producers_band() -> Html {
    let Some(ctx) = use_context::<ClusterCtx>() else { return html! {} };
    html! {
        <div class="cluster-producers">
            <crate::ui::produce::admin::AdminCard />
            <div class="card topics-card">
                <h2>{ctx.t(T::TopicConfigs)}</h2>
                { for ctx.view.topics.iter().map(|t| html! {
                    <div class="topic-settings" data-testid={format!("topic-settings-{}", t.name)}
                        data-min-insync-replicas={t.min_insync_replicas.to_string()}
                        data-replication-factor={t.replication_factor.to_string()}
                        data-unclean={t.unclean_leader_election.to_string()}>
                        <strong>{t.name.clone()}</strong>
                        <span>{format!(" · {} {}", ctx.t(T::Partitions), t.partitions.len())}</span>
                        <ul class="settings">
                            <li>{format!("{}: {}", ctx.t(T::ReplicationFactor), t.replication_factor)}</li>
                            <li><code>{format!("min.insync.replicas={}", t.min_insync_replicas)}</code></li>
                            <li class={classes!(t.unclean_leader_election.then_some("warn"))}>
                                <code>{format!("unclean.leader.election.enable={}", t.unclean_leader_election)}</code>
                            </li>
                        </ul>
                    </div>
                }) }
                if !ctx.view.cluster_configs.is_empty() {
                    <details class="cluster-configs" data-testid="cluster-configs" title={ctx.t(T::ClusterConfigsHelp)}>
                        <summary>{format!("{} ({})", ctx.t(T::ClusterConfigs), ctx.view.cluster_configs.len())}</summary>
                        <ul class="settings">
                            { for ctx.view.cluster_configs.iter().map(|c| html! {
                                <li data-testid={format!("cluster-config-{}", c.name.replace('.', "-"))} data-value={c.value.clone()}>
                                    <code>{format!("{}={}", c.name, c.value)}</code>
                                </li>
                            }) }
                        </ul>
                    </details>
                }
            </div>
            { for ctx.view.producers.iter().map(|p| if p.pipeline.is_some() {
                html! { <crate::ui::produce::pipeline::PipelineCard producer={p.clone()} /> }
            } else {
                html! { <Producer producer={p.clone()} /> }
            }) }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct ProducerProps {
    producer: ProducerView,
}

#[derive(Clone, PartialEq)]
struct Fields {
    topic: String,
    count: String,
    key: String,
    null_key: bool,
    value: String,
    /// librdkafka's topic-level `partitioner` for this send ("": the producer's own).
    partitioner: String,
    /// An explicit partition ("": the partitioner chooses).
    partition: String,
    /// Record headers, one `key=value` per line (a line without `=`: a null value).
    headers: String,
}

/// The headers text as Kafka record headers, in order (keys may repeat).
fn parse_headers(text: &str) -> Vec<HeaderSpec> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| match l.split_once('=') {
            Some((k, v)) => HeaderSpec { key: k.trim().to_string(), value: Some(v.to_string()) },
            None => HeaderSpec { key: l.to_string(), value: None },
        })
        .collect()
}

/// How many of an acknowledged send's records are among the producer's lost ones.
/// What the form would send, as the program that sends it (`crate::takeaway`). The
/// producer's running record number is what it has sent so far (acknowledged, failed, in
/// flight): the number `{i}` continues from.
fn takeaway_action(p: &ProducerView, f: &Fields, topic: &str) -> Action {
    let producer = ProducerSettings {
        client_id: p.name.clone(),
        acks: if p.acks == "-1" { "all".into() } else { p.acks.clone() },
        linger_ms: p.linger_ms,
        batch_size: p.batch_size,
        compression_type: p.compression_type.clone(),
        enable_idempotence: p.enable_idempotence,
        max_in_flight_requests_per_connection: p.max_in_flight_requests_per_connection,
        partitioner: p.partitioner.clone(),
    };
    let command = ProduceCommand {
        count: f.count.trim().parse::<u64>().ok().filter(|c| *c >= 1).unwrap_or(1),
        headers: parse_headers(&f.headers),
        key: (!f.null_key).then(|| f.key.clone()),
        partition: f.partition.trim().parse().ok(),
        partitioner: (!f.partitioner.is_empty()).then(|| f.partitioner.clone()),
        topic: topic.to_string(),
        value: f.value.clone(),
    };
    let first_number = p.acknowledged_records + p.failed_records + p.records_in_flight;
    Action::Produce { producer, command, first_number }
}

fn lost_of(p: &ProducerView, o: &SendOutcome) -> u64 {
    let (Some(partition), Some(base)) = (o.partition, o.base_offset.filter(|b| *b >= 0)) else { return 0 };
    let end = base + i64::from(o.records);
    p.lost
        .iter()
        .filter(|l| l.topic == o.topic && l.partition == partition)
        .map(|l| (end.min(l.last_offset + 1) - base.max(l.first_offset)).max(0) as u64)
        .sum()
}

fn outcome_kind(o: &SendOutcome, lost: u64) -> &'static str {
    if o.error.is_some() {
        "failed"
    } else if lost > 0 {
        "lost"
    } else if o.base_offset.is_some() {
        "acknowledged"
    } else {
        "pending"
    }
}

/// The error `client` last retried a send to `topic` on, after `since_ms` and at or
/// before `until_ms` (from the feed's events).
fn last_retry(
    view: &ClusterView,
    client: NodeId,
    topic: &str,
    since_ms: i64,
    until_ms: i64,
) -> Option<(String, i16)> {
    view.events.iter().rev().find_map(|(at, _, e)| match e {
        ClusterEvent::SendRetried { client_id, tp, error, .. }
            if *client_id == client && tp.topic == topic && *at > since_ms && *at <= until_ms =>
        {
            Some((error.name().to_string(), error.code()))
        }
        _ => None,
    })
}

#[function_component(Producer)]
fn producer(props: &ProducerProps) -> Html {
    let fields = use_state(|| Fields {
        topic: String::new(),
        count: "5".into(),
        key: "key-{i}".into(),
        null_key: false,
        value: "value-{i}".into(),
        partitioner: String::new(),
        partition: String::new(),
        headers: String::new(),
    });
    let count_error = use_state(|| false);
    let partition_error = use_state(|| None::<String>);
    let refusal = use_state(|| None::<String>);
    // Whether "Earlier sends" is unfolded: its rows are drawn only then (under load all
    // of them are new every view, and a folded list would be rebuilt for no one).
    let earlier_open = use_state(|| false);
    let Some(ctx) = use_context::<ClusterCtx>() else { return html! {} };
    let p = &props.producer;
    let topics: Vec<String> =
        ctx.view.topics.iter().map(|t| t.name.clone()).filter(|t| !is_internal_topic(t)).collect();
    let topic = if topics.contains(&fields.topic) {
        fields.topic.clone()
    } else {
        topics.first().cloned().unwrap_or_default()
    };
    let edit = |apply: fn(&mut Fields, String)| setter::<Fields, Event>(&fields, apply);
    let typed = |apply: fn(&mut Fields, String)| setter::<Fields, InputEvent>(&fields, apply);
    let onsubmit = {
        let (fields, count_error, partition_error, refusal, try_command, client, topic) = (
            fields.clone(),
            count_error.clone(),
            partition_error.clone(),
            refusal.clone(),
            ctx.try_command.clone(),
            p.id,
            topic.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let count =
                fields.count.trim().parse::<u32>().ok().filter(|c| (1..=MAX_RECORDS_PER_CLICK).contains(c));
            count_error.set(count.is_none());
            // ProducerRecord's check of an explicit partition. One the topic does not have
            // (yet) is sent: send() waits for it in the metadata, as KafkaProducer's
            // waitOnMetadata does, and fails after max.block.ms.
            let partition = match fields.partition.trim() {
                "" => Ok(None),
                text => text.parse::<u32>().map(Some).map_err(|_| {
                    format!(
                        "Invalid partition: {text}. Partition number should always be non-negative or null."
                    )
                }),
            };
            partition_error.set(partition.as_ref().err().cloned());
            let (Some(count), Ok(partition)) = (count, partition) else { return };
            if topic.is_empty() {
                return;
            }
            // The page's bound on what the logs keep answers here, at the form.
            refusal.set(None);
            let refusal = refusal.clone();
            try_command.emit((
                ClusterCommand::Produce {
                    client,
                    topic: topic.clone(),
                    count,
                    key: (!fields.null_key).then(|| fields.key.clone()),
                    value: fields.value.clone(),
                    partition,
                    partitioner: (!fields.partitioner.is_empty()).then(|| fields.partitioner.clone()),
                    headers: parse_headers(&fields.headers),
                },
                Callback::from(move |r| refusal.set(r)),
            ));
        })
    };
    let retried_text = |r: &Option<(String, i16)>| {
        r.as_ref()
            .map(|(name, code)| format!(" · {} {name} ({code})", ctx.t(T::RetriedOn)))
            .unwrap_or_default()
    };
    let outcomes = p.outcomes.iter().enumerate().rev().map(|(i, o)| {
        let lost = lost_of(p, o);
        let kind = outcome_kind(o, lost);
        let since = if i == 0 { i64::MIN } else { p.outcomes[i - 1].at_ms };
        let retried =
            if o.error.is_some() { last_retry(&ctx.view, p.id, &o.topic, since, o.at_ms) } else { None };
        let tp = match o.partition {
            Some(part) => format!("{}-{part}", o.topic),
            None => o.topic.clone(),
        };
        let at = crate::ui::shell::speed::clock_text(o.at_ms);
        let text = match (&o.error, o.base_offset) {
            (Some((name, code)), _) => {
                format!(
                    "✗ {tp} · {} {}: {name} ({code}){}",
                    o.records,
                    records_word(ctx.lang, u64::from(o.records)),
                    retried_text(&retried)
                )
            }
            (None, Some(offset)) if offset < 0 => format!(
                "✓ {tp} · {} {} · {}",
                o.records,
                records_word(ctx.lang, u64::from(o.records)),
                ctx.t(T::SentWithoutAnswer)
            ),
            (None, Some(offset)) if lost > 0 => format!(
                "✗ {tp} · {} {} {} {offset} · {} {lost}",
                o.records,
                records_word(ctx.lang, u64::from(o.records)),
                ctx.t(T::AtOffset),
                ctx.t(T::Lost)
            ),
            (None, Some(offset)) => {
                format!(
                    "✓ {tp} · {} {} {} {offset}",
                    o.records,
                    records_word(ctx.lang, u64::from(o.records)),
                    ctx.t(T::AtOffset)
                )
            }
            (None, None) => format!(
                "… {tp} · {} {} · {}",
                o.records,
                records_word(ctx.lang, u64::from(o.records)),
                ctx.t(T::Pending)
            ),
        };
        let item = html! {
            <li key={p.outcomes_before + i as u64} class={kind} data-testid="send-outcome" data-outcome={kind}
                data-error={o.error.as_ref().map(|(n, _)| n.clone()).unwrap_or_default()}
                data-offset={o.base_offset.map(|x| x.to_string()).unwrap_or_default()}
                data-records={o.records.to_string()}
                data-retried-on={retried.as_ref().map(|(n, _)| n.clone()).unwrap_or_default()}>
                <time>{at.trim_start_matches("t = ").to_string()}</time>{" "}{text}
            </li>
        };
        (kind, item)
    });
    // The latest sends and every failed or lost one stay in view; older good ones fold,
    // so a long run's card keeps its size (the picture keeps 50 per producer).
    let (shown, earlier): (Vec<_>, Vec<_>) = outcomes
        .enumerate()
        .partition(|(n, (kind, _))| *n < SENDS_SHOWN || matches!(*kind, "failed" | "lost"));
    let shown: Vec<Html> = shown.into_iter().map(|(_, (_, item))| item).collect();
    let earlier: Vec<Html> = earlier.into_iter().map(|(_, (_, item))| item).collect();
    let since = p.outcomes.last().map_or(i64::MIN, |o| o.at_ms);
    let pending_retry = if p.records_in_flight > 0 {
        p.outcomes
            .last()
            .map(|o| o.topic.clone())
            .or_else(|| topics.first().cloned())
            .and_then(|t| last_retry(&ctx.view, p.id, &t, since, i64::MAX))
    } else {
        None
    };
    let count_id = format!("produce-count-{}", p.id);
    let takeaway = takeaway_action(p, &fields, &topic);
    let lost_total: u64 = p.lost.iter().map(|l| l.records).sum();
    let folded = ctx.view.producers.len() > 2;
    let form = html! {
        <>
        <form onsubmit={onsubmit} data-testid="produce-form">
            <div class="row">
                <label>{ctx.t(T::Topic)}
                    <select onchange={edit(|f, v| f.topic = v)} data-testid="produce-topic">
                        { for topics.iter().map(|t| html! { <option value={t.clone()} selected={*t == topic}>{t.clone()}</option> }) }
                    </select>
                </label>
                <label for={count_id.clone()}>{ctx.t(T::Count)}
                    <input id={count_id} value={fields.count.clone()} inputmode="numeric" oninput={typed(|f, v| f.count = v)}
                        aria-invalid={count_error.to_string()} data-testid="produce-count" />
                </label>
            </div>
            if *count_error {
                <p class="field-error" role="alert" data-testid="produce-count-error">
                    {format!("{}: 1 … {MAX_RECORDS_PER_CLICK}", ctx.t(T::MustBeNumber))}
                </p>
            }
            // Key and value side by side, the null-key switch under the key.
            <div class="row key-value">
                <div>
                    <label>{ctx.t(T::Key)}
                        <input value={fields.key.clone()} oninput={typed(|f, v| f.key = v)} disabled={fields.null_key} data-testid="produce-key" />
                    </label>
                    <label class="inline">
                        <input type="checkbox" checked={fields.null_key} onchange={edit(|f, v| f.null_key = v == "true")} data-testid="produce-null-key" />
                        {ctx.t(T::NullKey)}
                    </label>
                </div>
                <label>{ctx.t(T::Value)}
                    <input value={fields.value.clone()} oninput={typed(|f, v| f.value = v)} data-testid="produce-value" />
                </label>
            </div>
            <p class="hint">{ctx.t(T::KeyPatternHint)}</p>
            <details class="produce-more" open={!fields.partitioner.is_empty() || !fields.partition.is_empty() || !fields.headers.is_empty()}>
                <summary data-testid="produce-more">{ctx.t(T::ProduceMore)}</summary>
                <div class="row">
                    <label title={ctx.t(T::PartitionerHint)}>{ctx.t(T::Partitioner)}
                        <select onchange={edit(|f, v| f.partitioner = v)} data-testid="produce-partitioner">
                            <option value="" selected={fields.partitioner.is_empty()}>{ctx.t(T::ProducersOwn)}</option>
                            { for PartitionerKind::ALL.iter().map(|k| html! {
                                <option value={k.name()} selected={fields.partitioner == k.name()}>{k.name()}</option>
                            }) }
                        </select>
                    </label>
                    <label>{ctx.t(T::ExplicitPartition)}
                        <input value={fields.partition.clone()} inputmode="numeric" oninput={typed(|f, v| f.partition = v)}
                            aria-invalid={partition_error.is_some().to_string()} data-testid="produce-partition" />
                    </label>
                </div>
                <label>{ctx.t(T::Headers)}
                    <textarea rows="2" value={fields.headers.clone()} data-testid="produce-headers"
                        oninput={typed(|f, v| f.headers = v)} />
                </label>
            </details>
            if let Some(e) = &*partition_error {
                <p class="field-error" role="alert" data-testid="produce-partition-error">{e.clone()}</p>
            }
            if let Some(e) = &*refusal {
                <p class="field-error" role="alert" data-testid="produce-refusal">{e.clone()}</p>
            }
            <button type="submit" disabled={topic.is_empty()} data-testid="produce-submit">{ctx.t(T::Produce)}</button>
        </form>
        <TakeawayCode action={takeaway} testid={format!("produce-code-{}", p.name)} />
        </>
    };
    html! {
        <section class="card producer" data-testid={format!("producer-{}", p.name)} data-acks={p.acks.clone()}
            data-compression-type={p.compression_type.clone()} data-linger-ms={p.linger_ms.to_string()}
            data-acknowledged={p.acknowledged_records.to_string()} data-failed={p.failed_records.to_string()}
            data-in-flight={p.records_in_flight.to_string()} data-lost={lost_total.to_string()}>
            <h2>{format!("{} {}", ctx.t(T::Producers), p.name)}</h2>
            <p class="producer-facts">
                <code class="acks">{format!("acks={}", p.acks)}</code>
                {" · "}
                <code class="idempotence" title={ctx.t(T::IdempotenceWhy)} tabindex="0"
                    data-testid="producer-idempotence">{format!("enable.idempotence={}", p.enable_idempotence)}</code>
                if let Some((producer_id, epoch)) = p.producer_id_and_epoch {
                    {" · "}
                    <code class="producer-id" data-testid="producer-id">{format!("producer id {producer_id}, epoch {epoch}")}</code>
                }
                if let (Some(id), Some(state)) = (&p.transactional_id, &p.transaction_state) {
                    {" · "}
                    <code class="transaction-state" data-testid="producer-transaction-state"
                        title={ctx.t(T::TransactionStateHint)} tabindex="0">
                        {format!("transactional.id={id} · {state}")}
                    </code>
                }
                {format!(" · {}", status_text(ctx.lang, p.status))}
            </p>
            {crate::ui::produce::txn_coordinator::coordinator_line(&ctx, p)}
            <crate::ui::produce::settings::ProducerSettings producer={p.clone()} />
            if p.transactional_id.is_some() {
                <crate::ui::produce::txn::TxnControls client={p.id} />
            }
            <p class="producer-counts" data-testid="producer-counts">
                <span class="ok">{format!("✓ {} {}", ctx.t(T::Acknowledged), p.acknowledged_records)}</span>
                <span class="err">{format!(" · ✗ {} {}", ctx.t(T::Failed), p.failed_records)}</span>
                <span>{format!(" · … {} {}", ctx.t(T::RecordsInFlight), p.records_in_flight)}</span>
                if lost_total > 0 {
                    <span class="err lost" data-testid="producer-lost">{format!(" · ✗ {} {lost_total}", ctx.t(T::Lost))}</span>
                }
            </p>
            {crate::ui::produce::blocked::blocked_line(&ctx, p)}
            if lost_total > 0 {
                <ul class="lost-runs" role="status" data-testid="producer-lost-runs">
                    { for p.lost.iter().map(|l| html! {
                        <li data-topic={l.topic.clone()} data-partition={l.partition.to_string()}
                            data-first-offset={l.first_offset.to_string()} data-last-offset={l.last_offset.to_string()}>
                            {format!("✗ {}-{} · offsets {}–{} ({} {}): {}", l.topic, l.partition, l.first_offset, l.last_offset,
                                l.records, records_word(ctx.lang, l.records), ctx.t(T::LostWhy))}
                        </li>
                    }) }
                </ul>
            }
            // With more than two producers (lesson 8's four) each form is folded, so the
            // producers' facts and sends stay on screen.
            if folded {
                <details class="produce-fold" data-testid="produce-fold">
                    <summary>{format!("{} {}", ctx.t(T::ProduceThrough), p.name)}</summary>
                    { form }
                </details>
            } else {
                { form }
            }
            <h3>{ctx.t(T::Sends)}</h3>
            if p.outcomes.is_empty() && p.records_in_flight == 0 {
                <p class="hint">{ctx.t(T::NoSends)}</p>
            }
            <ol class="outcomes" aria-live="polite" data-testid="send-outcomes">
                if p.records_in_flight > 0 {
                    <li class="pending" data-testid="send-outcome" data-outcome="pending" data-error=""
                        data-records={p.records_in_flight.to_string()}
                        data-retried-on={pending_retry.as_ref().map(|(n, _)| n.clone()).unwrap_or_default()}>
                        {format!("… {} {} · {}{}", p.records_in_flight, records_word(ctx.lang, p.records_in_flight), ctx.t(T::Pending), retried_text(&pending_retry))}
                    </li>
                }
                { for shown }
            </ol>
            if !earlier.is_empty() {
                <details class="earlier-sends" data-testid="earlier-sends" open={*earlier_open}
                    ontoggle={let open = earlier_open.clone(); Callback::from(move |e: Event| {
                        let now = e.target_dyn_into::<web_sys::Element>().is_some_and(|d| d.has_attribute("open"));
                        if *open != now { open.set(now) }
                    })}>
                    <summary>{format!("{} ({})", ctx.t(T::EarlierSends), earlier.len())}</summary>
                    if *earlier_open {
                        <ol class="outcomes">{ for earlier }</ol>
                    }
                </details>
            }
        </section>
    }
}
