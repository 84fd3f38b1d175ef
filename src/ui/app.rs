//! The root component: starts the broker worker, opens the workspace (recovering from
//! IndexedDB), seeds the lecture's example on a first visit, runs the retention task on a
//! timer, and lays out the four bands of the page (as tabs on narrow screens; `?embed=1`
//! hides the chrome for an iframe). Children get a [`Ctx`] and only dispatch or send.

use super::cluster::ClusterBand;
use super::feed::Feed;
use super::i18n::{Lang, T};
use super::produce_form::{ProduceForm, ProduceRequest};
use super::reader::Reader;
use super::state::{Action, AppState, Purpose};
use super::tabs::{Band, BandTabs};
use super::topbar::TopBar;
use super::topic_form::TopicForm;
use crate::engine::broker::api::{Request, Response};
use crate::engine::partitioner::{Partitioner, PartitionerConfig, PartitionerKind};
use crate::engine::producer::{accumulate, ProducerRecord, DEFAULT_BATCH_SIZE_BYTES};
use crate::web::client::BrokerClient;
use crate::web::protocol::{WorkerReply, WorkerRequest};
use crate::web::{wall_clock_ms, BROKER_WORKER_PATH};
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// The producer's partitioner seed: fixed, so the same sends pick the same partitions.
pub const PRODUCER_SEED: u64 = 42;
const RETENTION_TIMER_MS: u32 = 10_000;
const EXAMPLE_TOPIC: &str = "some_topic";

/// What every component gets.
#[derive(Clone, PartialEq)]
pub struct Ctx {
    pub state: UseReducerHandle<AppState>,
    pub send: Callback<(WorkerRequest, Purpose)>,
    pub produce: Callback<ProduceRequest>,
}

impl Ctx {
    pub fn t(&self, t: T) -> &'static str {
        t.get(self.state.lang)
    }

    pub fn broker(&self, request: Request, purpose: Purpose) {
        self.send.emit((WorkerRequest::Broker { now_ms: wall_clock_ms(), request }, purpose));
    }
}

use super::query_param;

fn workspace_name() -> String {
    query_param("workspace")
        .filter(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or_else(|| "default".to_string())
}

/// `?embed=1` (or `true`): the page is iframed, e.g. by a teacher; the chrome is hidden.
fn embed_mode() -> bool {
    query_param("embed").is_some_and(|v| v == "1" || v == "true")
}

/// The lecture's notebook: 25 records to `some_topic`, key = Python's `bytes(idx)` (idx
/// zero bytes), value `Msg idx`, with confluent_kafka's default partitioner.
fn example_records(now_ms: i64) -> Vec<ProducerRecord> {
    (0..25u32)
        .map(|i| ProducerRecord {
            key: Some(vec![0u8; i as usize]),
            value: Some(format!("Msg {i}").into_bytes()),
            headers: Vec::new(),
            timestamp_ms: now_ms + i64::from(i),
            partition: None,
        })
        .collect()
}

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(|| AppState::new(Lang::load()));
    let client: Rc<RefCell<Option<BrokerClient>>> = use_mut_ref(|| None);
    let partitioners: Rc<RefCell<Vec<Partitioner>>> = use_mut_ref(Vec::new);
    let band = use_state(Band::default);
    let embed = use_memo((), |_| embed_mode());

    let send = {
        let client = client.clone();
        let dispatcher = state.dispatcher();
        Callback::from(move |(request, purpose): (WorkerRequest, Purpose)| {
            if let Some(c) = client.borrow().as_ref() {
                let id = c.send(request);
                dispatcher.dispatch(Action::Sent { id, purpose });
            }
        })
    };

    let produce = {
        let state = state.clone();
        let send = send.clone();
        let partitioners = partitioners.clone();
        Callback::from(move |req: ProduceRequest| {
            let Some(count) = state.partition_count(&req.topic) else { return };
            let mut all = partitioners.borrow_mut();
            let index = match all.iter().position(|p| p.kind() == req.partitioner) {
                Some(i) => i,
                None => {
                    all.push(Partitioner::new(req.partitioner, PartitionerConfig::default(), PRODUCER_SEED));
                    all.len() - 1
                }
            };
            let batch_size_bytes = state.batch_limit_bytes(&req.topic, DEFAULT_BATCH_SIZE_BYTES);
            match accumulate(&mut all[index], &req.topic, count, &req.records, batch_size_bytes) {
                Ok(batches) => {
                    for b in batches {
                        let request = Request::Produce {
                            topic: req.topic.clone(),
                            partition: b.partition,
                            acks: -1,
                            records: b.bytes,
                        };
                        let purpose = if req.example {
                            Purpose::Example
                        } else {
                            Purpose::Produce { records: b.records_count }
                        };
                        send.emit((WorkerRequest::Broker { now_ms: wall_clock_ms(), request }, purpose));
                    }
                }
                Err(e) => state.dispatch(Action::ProduceRefused(e)),
            }
        })
    };

    let ctx = Ctx { state: state.clone(), send: send.clone(), produce: produce.clone() };

    // Start the worker once and open the workspace.
    {
        let client = client.clone();
        let dispatcher = state.dispatcher();
        let send = send.clone();
        use_effect_with((), move |_| {
            let on_reply = {
                let dispatcher = dispatcher.clone();
                move |output: crate::web::protocol::WorkerOutput| {
                    if let WorkerReply::Answered { response: Response::Segment { files, .. } } = &output.reply
                    {
                        super::download::segment_files(files);
                    }
                    dispatcher.dispatch(Action::Reply { output, now_ms: wall_clock_ms() });
                }
            };
            *client.borrow_mut() = Some(BrokerClient::spawn(BROKER_WORKER_PATH, on_reply));
            send.emit((
                WorkerRequest::Open { workspace: workspace_name(), broker_id: 1, now_ms: wall_clock_ms() },
                Purpose::Open,
            ));
            let timer = gloo_timers::callback::Interval::new(RETENTION_TIMER_MS, move || {
                send.emit((
                    WorkerRequest::Broker { now_ms: wall_clock_ms(), request: Request::RetentionCheck },
                    Purpose::Retention,
                ));
            });
            move || drop(timer)
        });
    }

    // First visit: an empty workspace opens on the lecture's example.
    {
        let empty_and_ready = state.ready && state.snapshot.as_ref().is_some_and(|s| s.topics.is_empty());
        let ctx = ctx.clone();
        use_effect_with(empty_and_ready, move |empty| {
            if *empty {
                ctx.broker(
                    Request::CreateTopic { name: EXAMPLE_TOPIC.into(), partitions: 3, configs: Vec::new() },
                    Purpose::Example,
                );
            }
        });
    }
    {
        let seed_records = state.ready
            && state.pending.values().all(|p| *p != Purpose::Example)
            && state.snapshot.as_ref().is_some_and(|s| {
                s.topics.len() == 1
                    && s.topics[0].name == EXAMPLE_TOPIC
                    && s.topics[0].partitions.iter().all(|p| p.log_end_offset == 0)
                    && state.feed.iter().any(|f| {
                        matches!(&f.event, crate::engine::broker::BrokerEvent::TopicCreated { topic, .. } if topic == EXAMPLE_TOPIC)
                    })
            });
        let produce = produce.clone();
        use_effect_with(seed_records, move |seed| {
            if *seed {
                produce.emit(ProduceRequest {
                    topic: EXAMPLE_TOPIC.into(),
                    partitioner: PartitionerKind::ConsistentRandom,
                    records: example_records(wall_clock_ms()),
                    example: true,
                });
            }
        });
    }

    let lang = state.lang;
    let active = *band;
    let onselect = Callback::from(move |b: Band| band.set(b));
    let section = |b: Band, class: &'static str| {
        (classes!("band", class, (b == active).then_some("active")), b.panel_id())
    };
    let (producers, cluster, consumers, timeline) = (
        section(Band::Producer, "producers"),
        section(Band::Cluster, "cluster"),
        section(Band::Reader, "consumers"),
        section(Band::Events, "timeline"),
    );
    html! {
        <ContextProvider<Ctx> context={ctx}>
            <div class={classes!("page", embed.then_some("embed"))} lang={lang.code()}>
                <div class="head">
                    <TopBar embed={*embed} />
                    <BandTabs lang={lang} active={active} onselect={onselect} />
                </div>
                if let Some(detail) = &state.storage_error {
                    <div class="banner error" role="alert" data-testid="storage-error">
                        {format!("{}: {detail}", T::StorageFailed.get(lang))}
                    </div>
                }
                if !state.ready {
                    <div class="loading" data-testid="loading">{T::Loading.get(lang)}</div>
                }
                <main class="bands">
                    <section class={producers.0} id={producers.1} aria-label={T::Producers.get(lang)} data-testid="band-producer">
                        <TopicForm />
                        <ProduceForm />
                    </section>
                    <section class={cluster.0} id={cluster.1} aria-label={T::Cluster.get(lang)} data-testid="band-cluster">
                        <ClusterBand />
                    </section>
                    <section class={consumers.0} id={consumers.1} aria-label={T::Consumers.get(lang)} data-testid="band-reader">
                        <Reader />
                    </section>
                    <section class={timeline.0} id={timeline.1} aria-label={T::Timeline.get(lang)} data-testid="band-events">
                        <Feed />
                    </section>
                </main>
            </div>
        </ContextProvider<Ctx>>
    }
}
