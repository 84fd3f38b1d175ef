//! The course page's `postMessage` API (`kafka_playground::embed`, EMBEDDING.md): every
//! message in is validated with an error naming what is wrong (never a panic), the page's
//! own commands pass as the page sends them, lesson next / back / again follow the lesson
//! panel's buttons, events out are told from two views, and origins are matched exactly
//! as the HTML standard's `postMessage` target-origin check matches them (a serialized
//! origin `scheme://host[:port]`, no path; `null` is every opaque origin's).

use kafka_playground::embed::inbound::{lesson_target, parse, EmbedError, InboundBody, LessonGo};
use kafka_playground::embed::origins::AllowedOrigins;
use kafka_playground::embed::outbound::{changes, Outbound, Snapshot};
use kafka_playground::embed::{COMMANDS_WAITING_AT_MOST, MAX_MESSAGE_BYTES};
use kafka_playground::sim::lesson::{Lesson, LessonProgress};
use kafka_playground::sim::picture::command::ClusterCommand;

fn err(text: &str) -> (Option<String>, EmbedError) {
    parse(text).expect_err(text)
}

#[test]
fn the_pages_own_commands_pass() {
    let m = parse(r#"{"v":1,"id":"c1","type":"command","command":{"Crash":2}}"#).unwrap();
    assert_eq!(m.id.as_deref(), Some("c1"));
    assert_eq!(m.body, InboundBody::Command(ClusterCommand::Crash(2)));
    let m = parse(r#"{"v":1,"type":"command","command":"Pause"}"#).unwrap();
    assert_eq!((m.id, m.body), (None, InboundBody::Command(ClusterCommand::Pause)));
    let m = parse(r#"{"v":1,"type":"command","command":{"SetSpeed":10}}"#).unwrap();
    assert_eq!(m.body, InboundBody::Command(ClusterCommand::SetSpeed(10.0)));
    let m = parse(
        r#"{"v":1,"type":"command","command":{"Produce":{"client":10000,"topic":"orders","count":3,"key":"k-{i}","value":"v"}}}"#,
    )
    .unwrap();
    assert!(matches!(m.body, InboundBody::Command(ClusterCommand::Produce { count: 3, .. })));
    assert_eq!(
        parse(r#"{"v":1,"type":"lesson","go":"next"}"#).unwrap().body,
        InboundBody::Lesson(LessonGo::Next)
    );
    assert_eq!(parse(r#"{"v":1,"type":"hello"}"#).unwrap().body, InboundBody::Hello);
}

#[test]
fn a_malformed_message_is_answered_with_what_is_wrong() {
    let (id, e) = err("{not json");
    assert_eq!((id, e.code()), (None, "not_json"));
    assert_eq!(err("[1,2]").1, EmbedError::NotAnObject);
    assert_eq!(err(r#"{"type":"hello"}"#).1, EmbedError::MissingVersion);
    let (id, e) = err(r#"{"v":2,"id":"x","type":"hello","new_field":1}"#);
    assert_eq!(id.as_deref(), Some("x"), "the answer names the message it answers");
    assert_eq!(e.code(), "version");
    assert!(e.to_string().contains("version 2"), "{e}");
    assert_eq!(err(r#"{"v":1,"id":7,"type":"hello"}"#).1.code(), "bad_id");
    assert_eq!(err(&format!(r#"{{"v":1,"id":"{}","type":"hello"}}"#, "i".repeat(65))).1.code(), "bad_id");
    let e = err(r#"{"v":1,"type":"explode"}"#).1;
    assert!(e.to_string().contains("\"explode\"") && e.to_string().contains("command"), "{e}");
    assert_eq!(err(r#"{"v":1}"#).1, EmbedError::MissingType);
}

#[test]
fn the_pages_own_messages_out_are_never_answered() {
    // Every message out, of this version or another: answering one would make two pages
    // (or one posting to itself) answer each other forever.
    let out = [
        Outbound::Accepted { id: Some("a".into()) },
        Outbound::error(None, &EmbedError::NotAnObject),
        Outbound::Node { node: 1, status: "up", at_ms: 0 },
        Outbound::Group { group: "g".into(), state: "Stable".into(), generation: 1, at_ms: 0 },
        Outbound::LessonStep { step: 0, steps: 1, at_ms: 0 },
        Outbound::TaskCompleted { step: 0, at_ms: 0 },
    ];
    for m in out {
        assert_eq!(parse(&m.to_json()).unwrap_err().1, EmbedError::OwnMessage, "{m:?}");
    }
    assert_eq!(err(r#"{"v":9,"type":"ready"}"#).1, EmbedError::OwnMessage);
}

#[test]
fn unknown_fields_and_commands_are_refused_by_name() {
    let e = err(r#"{"v":1,"type":"command","command":{"Crash":2},"force":true}"#).1.to_string();
    assert!(e.contains("unknown field `force`"), "{e}");
    let e = err(r#"{"v":1,"type":"command","command":{"Crush":2}}"#).1.to_string();
    assert!(e.starts_with("command message: unknown variant `Crush`"), "{e}");
    // Inside a command too: a produce with a field Kafka's producer form does not have.
    let e = err(r#"{"v":1,"type":"command","command":{"Produce":{"client":10000,"topic":"t","count":1,"key":null,"value":"v","acks":"all"}}}"#)
        .1
        .to_string();
    assert!(e.contains("unknown field `acks`"), "{e}");
    let e = err(r#"{"v":1,"type":"command"}"#).1.to_string();
    assert!(e.contains("missing field `command`"), "{e}");
    let e = err(r#"{"v":1,"type":"lesson","go":"forward"}"#).1.to_string();
    assert!(e.contains("unknown variant `forward`"), "{e}");
}

#[test]
fn sizes_are_bounded() {
    let big = format!(
        r#"{{"v":1,"type":"command","command":{{"Produce":{{"client":10000,"topic":"t","count":1,"key":null,"value":"{}"}}}}}}"#,
        "x".repeat(MAX_MESSAGE_BYTES)
    );
    let (_, e) = err(&big);
    assert_eq!(e.code(), "too_large");
    assert!(e.to_string().contains(&MAX_MESSAGE_BYTES.to_string()));
    assert!(EmbedError::QueueFull.to_string().contains(&COMMANDS_WAITING_AT_MOST.to_string()));
    // Deep nesting is refused by serde_json's recursion limit, not a stack overflow.
    let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
    assert_eq!(err(&deep).1.code(), "not_json");
}

#[test]
fn lesson_moves_follow_the_panels_buttons() {
    let at = |step, task_done| Some(LessonProgress { step, task_done });
    assert_eq!(lesson_target(LessonGo::Next, at(0, true), Some(6)), Ok(1));
    let e = lesson_target(LessonGo::Next, at(2, false), Some(6)).unwrap_err();
    assert!(e.to_string().contains("step 3's task is not done yet"), "{e}");
    assert!(lesson_target(LessonGo::Next, at(5, true), Some(6)).is_err(), "no step after the last");
    assert!(lesson_target(LessonGo::Back, at(0, true), Some(6)).is_err(), "no step before the first");
    assert_eq!(lesson_target(LessonGo::Back, at(3, false), Some(6)), Ok(2));
    assert_eq!(lesson_target(LessonGo::Again, at(3, false), Some(6)), Ok(3));
    assert_eq!(lesson_target(LessonGo::Again, None, Some(6)).unwrap_err().code(), "lesson");
    let e = lesson_target(LessonGo::Again, at(0, true), None).unwrap_err().to_string();
    assert!(e.contains("?lesson=NAME"), "{e}");
}

fn lesson() -> Lesson {
    let text = std::fs::read_to_string("lessons/s05-replication-and-acks.json").unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn events_are_told_from_two_views() {
    // The page holds the outline of the lesson (its texts and tasks), as the run worker sends it.
    let lesson = kafka_playground::sim::lesson::outline::LessonOutline::from(&lesson());
    let mut before = Snapshot { at_ms: 100, ..Snapshot::default() };
    before.nodes.insert(1, "up");
    before.nodes.insert(2, "up");
    before.groups.insert("g".into(), ("Stable".into(), 1));
    before.lesson = Some(LessonProgress { step: 1, task_done: false });
    let mut after = before.clone();
    after.at_ms = 250;
    after.nodes.insert(2, "crashed");
    after.groups.insert("g".into(), ("PreparingRebalance".into(), 1));
    after.lesson = Some(LessonProgress { step: 1, task_done: true });
    let out = changes(&before, &after, Some(&lesson));
    assert_eq!(
        out,
        vec![
            Outbound::Node { node: 2, status: "crashed", at_ms: 250 },
            Outbound::Group {
                group: "g".into(),
                state: "PreparingRebalance".into(),
                generation: 1,
                at_ms: 250
            },
            Outbound::TaskCompleted { step: 1, at_ms: 250 },
        ]
    );
    assert!(changes(&after, &after, Some(&lesson)).is_empty(), "nothing changed, nothing said");
    // Step 0 has no task: it counts as done at once and says so with no event.
    let mut first = after.clone();
    first.lesson = Some(LessonProgress { step: 0, task_done: true });
    assert_eq!(
        changes(&after, &first, Some(&lesson)),
        vec![Outbound::LessonStep { step: 0, steps: 6, at_ms: 250 }]
    );
    let json = Outbound::TaskCompleted { step: 1, at_ms: 250 }.to_json();
    assert_eq!(json, r#"{"v":1,"type":"task_completed","step":1,"at_ms":250}"#);
    let e = Outbound::error(Some("c1".into()), &EmbedError::NotAnObject).to_json();
    assert!(e.starts_with(r#"{"v":1,"type":"error","id":"c1","code":"not_an_object","error":"#), "{e}");
}

#[test]
fn origins_default_to_the_pages_own_and_match_exactly() {
    let own = "http://127.0.0.1:8080";
    let only_own = AllowedOrigins::parse(None, own).unwrap();
    assert!(only_own.allows(own));
    assert!(!only_own.allows("http://127.0.0.1:9090"), "another port is another origin");
    assert_eq!(only_own.targets(), vec![own.to_string()], "events never go to *");
    let listed =
        AllowedOrigins::parse(Some("https://Course.example.org/, http://localhost:8888"), own).unwrap();
    assert!(listed.allows("https://course.example.org"));
    assert!(listed.allows("http://localhost:8888"));
    assert!(listed.allows(own), "the page's own origin may always talk to it");
    assert!(!listed.allows("http://course.example.org"), "the scheme is part of the origin");
    assert!(!listed.allows("https://course.example.org.evil.test"));
    assert!(AllowedOrigins::parse(Some("http://[::1]:8080"), own).unwrap().allows("http://[::1]:8080"));
    let any = AllowedOrigins::parse(Some("*"), own).unwrap();
    assert!(any.allows("https://anyone.test") && any.targets() == vec!["*".to_string()]);
    for (bad, words) in [
        ("null", "sandboxed"),
        ("course.example.org", "http:// or https://"),
        ("https://a.test/path", "no path"),
        ("https://user@a.test", "no path, query or user"),
        ("https://a.test:0", "port"),
        ("https://a.test:99999", "port"),
        ("ftp://a.test", "http:// or https://"),
    ] {
        let e = AllowedOrigins::parse(Some(bad), own).unwrap_err();
        assert!(e.starts_with("embed_origin: ") && e.contains(words), "{bad}: {e}");
    }
    let many = (0..9).map(|i| format!("https://a{i}.test")).collect::<Vec<_>>().join(",");
    assert!(AllowedOrigins::parse(Some(&many), own).unwrap_err().contains("at most 8"));
}
