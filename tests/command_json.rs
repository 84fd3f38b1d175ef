//! The typed commands and timer keys at the boundary: each command reads and writes the
//! exact JSON the journal carried when commands were untyped JSON (the texts below are
//! copied from journals the earlier code wrote, or follow its `json!` maps, whose keys
//! serde_json sorts), so earlier journals load and the page's journal equals the CLI's;
//! the workers' binary encoding carries the same command; malformed input is an error
//! that names what is wrong, never a panic.
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::engine::cluster::command::{
    Command, ConfigsSpec, CreateTopicCommand, ProduceCommand, SeekCommand, SeekTo, StartSpec, Yes,
};
use kafka_playground::engine::cluster::{Input, TimerKey, TimerKind};
use std::collections::BTreeMap;

/// Journal texts of commands as the untyped code wrote them.
const EARLIER_JSON: &[&str] = &[
    r#"{"start":true}"#,
    r#"{"start":{"configs":{"group.id":"g2","session.timeout.ms":"10000"}}}"#,
    r#"{"produce":{"count":5,"key":"card-{i}","topic":"payments","value":"payment-{i}"}}"#,
    r#"{"produce":{"count":3,"key":null,"topic":"t","value":"v-{i}"}}"#,
    r#"{"produce":{"count":2,"headers":[{"key":"h","value":null},{"key":"h","value":"x"}],"key":"k","partition":1,"partitioner":"murmur2_random","topic":"t","value":"v"}}"#,
    r#"{"create_topic":{"configs":{"unclean.leader.election.enable":"false"},"name":"logs","partitions":1,"replica_assignment":[[1,2,3]],"replication_factor":3}}"#,
    r#"{"create_topic":{"configs":{},"name":"orders","partitions":3,"replication_factor":1}}"#,
    r#"{"create_partitions":{"count":4,"topic":"orders"}}"#,
    r#"{"delete_records":{"offset":-1,"partition":0,"topic":"events"}}"#,
    r#"{"retention_check":true}"#,
    r#"{"subscribe":{"topics":["orders"]}}"#,
    r#"{"commit":{}}"#,
    r#"{"close":{}}"#,
    r#"{"unsubscribe":{}}"#,
    r#"{"seek":{"partition":0,"to":"beginning","topic":"orders"}}"#,
    r#"{"seek":{"offset":7,"partition":2,"topic":"orders"}}"#,
    r#"{"set_processing_time":{"per_record_ms":2000}}"#,
    r#"{"pause_heartbeats":true}"#,
    r#"{"restart_with":{"configs":{"partition.assignment.strategy":"cooperative-sticky"}}}"#,
];

#[test]
fn every_command_keeps_its_earlier_json_byte_for_byte() {
    for text in EARLIER_JSON {
        let command = Command::from_json(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(&serde_json::to_string(&command).unwrap(), text);
        // As the journal writes it: inside `Input::Command`.
        let input = serde_json::to_string(&Input::Command(command)).unwrap();
        assert_eq!(input, format!("{{\"Command\":{text}}}"));
    }
}

#[test]
fn commands_read_as_the_values_they_mean() {
    let c = Command::from_json(r#"{"produce":{"topic":"t"}}"#).unwrap();
    let want = ProduceCommand {
        count: 1,
        headers: vec![],
        key: None,
        partition: None,
        partitioner: None,
        topic: "t".into(),
        value: "v-{i}".into(),
    };
    assert_eq!(c, Command::Produce(want), "count 1 and value v-{{i}} when absent, a null key");
    let c = Command::from_json(r#"{"create_topic":{"name":"x"}}"#).unwrap();
    let want = CreateTopicCommand {
        configs: BTreeMap::new(),
        name: "x".into(),
        partitions: -1,
        replica_assignment: None,
        replication_factor: -1,
    };
    assert_eq!(c, Command::CreateTopic(want), "-1: the broker's default, as CreateTopics says");
    let c = Command::from_json(r#"{"seek":{"partition":0,"to":"end","topic":"o"}}"#).unwrap();
    let want = SeekCommand { offset: None, partition: 0, to: Some(SeekTo::End), topic: "o".into() };
    assert_eq!(c, Command::Seek(want));
    assert_eq!(Command::from_json(r#"{"start":true}"#).unwrap(), Command::start());
    assert_eq!(Command::from_json(r#"{"retention_check":true}"#).unwrap(), Command::RetentionCheck(Yes));
}

#[test]
fn malformed_commands_are_errors_that_name_what_is_wrong() {
    let cases = [
        (r#"{"explode":true}"#, "unknown variant `explode`"),
        (r#"{"produce":{"count":1}}"#, "missing field `topic`"),
        (r#"{"produce":{"topic":"t","colour":"red"}}"#, "unknown field `colour`"),
        (r#"{"produce":{"topic":"t","partition":-1}}"#, "invalid value: integer `-1`"),
        (r#"{"retention_check":false}"#, "expected `true`"),
        (r#"{"start":false}"#, "expected `true` or {\"configs\""),
        (r#"{"start":{"configs":{"group.id":5}}}"#, "expected a string"),
        (r#"{"seek":{"partition":0,"to":"middle","topic":"o"}}"#, "unknown variant `middle`"),
        (r#"{"delete_records":{"partition":0,"topic":"o"}}"#, "missing field `offset`"),
        (r#"{"create_topic":{"name":"x","configs":{"retention.ms":1}}}"#, "expected a string"),
        ("{\"produce\":", "EOF"),
    ];
    for (text, want) in cases {
        let e = Command::from_json(text).unwrap_err();
        assert!(e.contains(want), "{text}: {e}");
    }
}

#[test]
fn the_workers_binary_encoding_carries_the_same_commands() {
    let configs = BTreeMap::from([("group.id".to_string(), "g2".to_string())]);
    let inputs = [
        Input::Command(Command::start()),
        Input::Command(Command::Start(StartSpec { configs: Some(configs.clone()) })),
        Input::Command(Command::RestartWith(ConfigsSpec { configs })),
        Input::Command(Command::RetentionCheck(Yes)),
        Input::Command(Command::from_json(EARLIER_JSON[4]).unwrap()),
        Input::Timer(TimerKey { kind: TimerKind::DelayedProduce, instance: 7 }),
    ];
    for input in inputs {
        let bytes = bincode::serialize(&input).unwrap();
        assert_eq!(bincode::deserialize::<Input>(&bytes).unwrap(), input);
    }
    // A worker message whose command text is not a command: an error naming it.
    let bad = bincode::serialize(&BadInput::Command(r#"{"produce":{"count":2}}"#.into())).unwrap();
    let e = bincode::deserialize::<Input>(&bad).unwrap_err().to_string();
    assert!(e.contains("missing field `topic`"), "{e}");
}

/// `Input`'s binary layout with the command as free text (variant 2 = `Command`).
#[derive(serde::Serialize)]
enum BadInput {
    #[allow(dead_code)]
    Deliver(()),
    #[allow(dead_code)]
    Timer(()),
    Command(String),
}

#[test]
fn timers_show_their_kind_by_name() {
    let key = TimerKey { kind: TimerKind::BrokerSession, instance: 2 };
    let text = serde_json::to_string(&Input::Timer(key)).unwrap();
    assert_eq!(text, r#"{"Timer":{"kind":"BrokerSession","instance":2}}"#);
    assert_eq!(serde_json::from_str::<Input>(&text).unwrap(), Input::Timer(key));
    let e = serde_json::from_str::<Input>(r#"{"Timer":{"kind":"Nap","instance":0}}"#).unwrap_err();
    assert!(e.to_string().contains("unknown variant `Nap`"), "{e}");
    let e = serde_json::from_str::<Input>(r#"{"Timer":{"kind":3,"instance":0}}"#).unwrap_err();
    assert!(e.to_string().contains("timer kind 3: a journal written when timer kinds were numbers"), "{e}");
}

#[test]
fn a_consumer_refuses_what_is_not_a_consumers_to_do() {
    use kafka_playground::engine::client::consumer::{ConsumerConfig, ConsumerNode, Subscription};
    use kafka_playground::engine::cluster::{ClusterEvent, Node, Output};
    let config = ConsumerConfig::from_pairs([("group.id", "g")]).unwrap();
    let mut c = ConsumerNode::new(10_000, config, Subscription::None);
    let refusals = |c: &mut ConsumerNode, command: Command| {
        c.handle(0, Input::Command(command));
        std::iter::from_fn(|| c.poll_output())
            .filter_map(|o| match o {
                Output::Event(ClusterEvent::Refused { reason, .. }) => Some(reason),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(refusals(&mut c, Command::start()), Vec::<String>::new());
    for (text, name) in
        [(r#"{"retention_check":true}"#, "\"retention_check\""), (EARLIER_JSON[2], "\"produce\"")]
    {
        let got = refusals(&mut c, Command::from_json(text).unwrap());
        assert!(got.len() == 1 && got[0].contains(name), "{text}: {got:?}");
    }
    let got =
        refusals(&mut c, Command::from_json(r#"{"set_processing_time":{"per_record_ms":-1}}"#).unwrap());
    assert!(got.len() == 1 && got[0].contains("per_record_ms"), "{got:?}");
}
