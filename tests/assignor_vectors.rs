#![cfg(not(target_arch = "wasm32"))]
//! Every case of `tests/vectors/assignors.json` (cases from Kafka's own assignor unit
//! tests) through every assignor it lists, compared per member as the case says: as a set
//! or as a list. `cooperative-sticky` is checked the way Kafka's tests check it: its first
//! answer (partitions changing owner withheld) against `expected_cooperative_first_round`,
//! and the state after the follow-up rebalances (`verifyValidityAndBalance` re-runs the
//! assignor with the new owned partitions until nothing is revoked, at most 4 times)
//! against `expected` / `expected_cooperative_second_round`.

use kafka_playground::engine::group::assignor::{AssignorKind, MemberSubscription, TopicPartition};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Deserialize)]
struct VectorFile {
    cases: Vec<Case>,
}

type Expected = BTreeMap<String, Vec<String>>;

#[derive(Deserialize)]
struct Case {
    id: String,
    assignors: Vec<String>,
    topics: BTreeMap<String, u32>,
    compare: String,
    #[serde(default)]
    expected_applies_to: Option<Vec<String>>,
    #[serde(default)]
    expected_is_partial: bool,
    #[serde(flatten)]
    step: Step,
    #[serde(default)]
    steps: Vec<Step>,
}

#[derive(Deserialize, Default)]
struct Step {
    #[serde(default)]
    members: Vec<Member>,
    #[serde(default)]
    expected: Option<Expected>,
    #[serde(default)]
    expected_partitions_transferring_ownership: Option<BTreeMap<String, String>>,
    #[serde(default)]
    expected_cooperative_first_round: Option<Expected>,
    #[serde(default)]
    expected_cooperative_second_round: Option<Expected>,
}

#[derive(Deserialize)]
struct Member {
    member_id: String,
    group_instance_id: Option<String>,
    topics: Vec<String>,
    owned_partitions: Vec<String>,
    generation: i32,
    #[serde(default)]
    rack: Option<String>,
}

fn tp(text: &str) -> TopicPartition {
    let (topic, partition) = text.rsplit_once('-').unwrap_or_else(|| panic!("bad partition {text}"));
    TopicPartition { topic: topic.into(), partition: partition.parse().expect("partition number") }
}

fn show(tps: &[TopicPartition]) -> String {
    let names: Vec<String> = tps.iter().map(|t| format!("{}-{}", t.topic, t.partition)).collect();
    format!("[{}]", names.join(", "))
}

fn members_of(step: &Step) -> Vec<MemberSubscription> {
    step.members
        .iter()
        .map(|m| MemberSubscription {
            member_id: m.member_id.clone(),
            group_instance_id: m.group_instance_id.clone(),
            topics: m.topics.clone(),
            owned_partitions: m.owned_partitions.iter().map(|p| tp(p)).collect(),
            generation: m.generation,
            rack: m.rack.clone(),
        })
        .collect()
}

type Assignment = BTreeMap<String, Vec<TopicPartition>>;

/// Compares every member `expected` lists; unless `partial`, the result must list exactly
/// those members.
fn compare(
    label: &str,
    how: &str,
    expected: &Expected,
    actual: &Assignment,
    partial: bool,
    failures: &mut Vec<String>,
) {
    for (member, want) in expected {
        let want: Vec<TopicPartition> = want.iter().map(|p| tp(p)).collect();
        let got = actual.get(member).cloned().unwrap_or_default();
        let equal = match how {
            "list" => want == got,
            _ => {
                let (mut a, mut b) = (want.clone(), got.clone());
                a.sort();
                b.sort();
                a == b
            }
        };
        if !equal {
            failures.push(format!(
                "{label}: member {member} ({how}): expected {} actual {}",
                show(&want),
                show(&got)
            ));
        }
    }
    if !partial {
        let extra: Vec<&String> = actual.keys().filter(|m| !expected.contains_key(*m)).collect();
        if !extra.is_empty() {
            failures.push(format!("{label}: unexpected members {extra:?}"));
        }
    }
}

/// No partition twice, only subscribed topics, only existing partitions; with `complete`,
/// every subscribed partition assigned.
fn check_valid(
    label: &str,
    topics: &BTreeMap<String, u32>,
    members: &[MemberSubscription],
    actual: &Assignment,
    complete: bool,
    failures: &mut Vec<String>,
) {
    let mut seen = BTreeSet::new();
    for member in members {
        for p in actual.get(&member.member_id).into_iter().flatten() {
            if !member.topics.iter().any(|t| p.topic == *t)
                || topics.get(p.topic.as_str()).is_none_or(|&n| p.partition >= n)
            {
                failures.push(format!(
                    "{label}: {} got {}-{} it cannot have",
                    member.member_id, p.topic, p.partition
                ));
            }
            if !seen.insert(p.clone()) {
                failures.push(format!("{label}: {}-{} assigned twice", p.topic, p.partition));
            }
        }
    }
    if complete {
        let subscribed: BTreeSet<&String> = members.iter().flat_map(|m| m.topics.iter()).collect();
        for topic in subscribed {
            for partition in 0..topics.get(topic).copied().unwrap_or(0) {
                let p = TopicPartition { topic: topic.into(), partition };
                if !seen.contains(&p) {
                    failures.push(format!("{label}: {topic}-{partition} unassigned"));
                }
            }
        }
    }
}

/// CooperativeStickyAssignorTest.verifyValidityAndBalance: while a rebalance revokes
/// something, every member rejoins owning what it was given, in the same generation.
fn converge(
    kind: AssignorKind,
    topics: &BTreeMap<String, u32>,
    members: &[MemberSubscription],
    first: Assignment,
) -> Result<Assignment, String> {
    let mut members = members.to_vec();
    let mut assignment = first;
    let mut rebalances = 0;
    loop {
        let revoked = members.iter().any(|m| {
            let got = assignment.get(&m.member_id).cloned().unwrap_or_default();
            m.owned_partitions.iter().any(|p| !got.contains(p))
        });
        if !revoked {
            return Ok(assignment);
        }
        for m in &mut members {
            m.owned_partitions = assignment.get(&m.member_id).cloned().unwrap_or_default();
        }
        assignment = kind.assign(topics, &members);
        rebalances += 1;
        if rebalances > 4 {
            return Err(format!("still revoking after {rebalances} rebalances"));
        }
    }
}

fn run_step(case: &Case, kind: AssignorKind, index: usize, step: &Step, failures: &mut Vec<String>) {
    let label = if case.steps.is_empty() {
        format!("{} [{}]", case.id, kind.name())
    } else {
        format!("{} [{}] step {}", case.id, kind.name(), index + 1)
    };
    let members = members_of(step);
    let outcome = match kind.try_assign(&case.topics, &members) {
        Ok(outcome) => outcome,
        Err(error) => {
            failures.push(format!("{label}: {error}"));
            return;
        }
    };
    let applies =
        case.expected_applies_to.as_ref().unwrap_or(&case.assignors).iter().any(|a| a == kind.name());
    let cooperative = kind == AssignorKind::CooperativeSticky;
    let eager_result = !cooperative;
    check_valid(&label, &case.topics, &members, &outcome.assignment, eager_result, failures);

    if let Some(expected) = &step.expected_partitions_transferring_ownership {
        let expected: BTreeMap<TopicPartition, String> =
            expected.iter().map(|(p, m)| (tp(p), m.clone())).collect();
        if outcome.partitions_transferring_ownership.as_ref() != Some(&expected) {
            failures.push(format!(
                "{label}: partitionsTransferringOwnership expected {expected:?} actual {:?}",
                outcome.partitions_transferring_ownership
            ));
        }
    }

    if !cooperative {
        match &step.expected {
            Some(expected) if applies => compare(
                &label,
                &case.compare,
                expected,
                &outcome.assignment,
                case.expected_is_partial,
                failures,
            ),
            _ => failures.push(format!("{label}: no expectation for this assignor")),
        }
    } else {
        let mut checked = false;
        if let Some(first) = &step.expected_cooperative_first_round {
            compare(
                &format!("{label} first round"),
                &case.compare,
                first,
                &outcome.assignment,
                false,
                failures,
            );
            checked = true;
        }
        let last = match converge(kind, &case.topics, &members, outcome.assignment.clone()) {
            Ok(last) => last,
            Err(error) => {
                failures.push(format!("{label}: {error}"));
                return;
            }
        };
        check_valid(&format!("{label} final"), &case.topics, &members, &last, true, failures);
        if let Some(second) = &step.expected_cooperative_second_round {
            compare(&format!("{label} second round"), &case.compare, second, &last, false, failures);
            checked = true;
        }
        if let (Some(expected), true) = (&step.expected, applies) {
            compare(
                &format!("{label} final"),
                &case.compare,
                expected,
                &last,
                case.expected_is_partial,
                failures,
            );
            checked = true;
        }
        if !checked {
            failures.push(format!("{label}: no expectation for this assignor"));
        }
    }

    if case.expected_is_partial {
        // The members not asserted keep what they owned, and the result is fully balanced.
        let listed: BTreeSet<String> =
            step.expected.as_ref().map(|e| e.keys().cloned().collect()).unwrap_or_default();
        for member in members.iter().filter(|m| !listed.contains(&m.member_id)) {
            let got = outcome.assignment.get(&member.member_id).cloned().unwrap_or_default();
            if member.owned_partitions.iter().any(|p| !got.contains(p)) {
                failures.push(format!(
                    "{label}: {} lost owned partitions: owned {} got {}",
                    member.member_id,
                    show(&member.owned_partitions),
                    show(&got)
                ));
            }
        }
        let sizes: Vec<usize> = outcome.assignment.values().map(Vec::len).collect();
        let (min, max) = (sizes.iter().min().copied().unwrap_or(0), sizes.iter().max().copied().unwrap_or(0));
        if max > min + 1 {
            failures.push(format!("{label}: not fully balanced: sizes {sizes:?}"));
        }
    }
}

#[test]
fn every_case_through_every_listed_assignor() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/assignors.json"))
        .expect("read assignors.json");
    let file: VectorFile = serde_json::from_str(&text).expect("parse assignors.json");
    let mut pairs = 0;
    let mut passed = 0;
    let mut failures = Vec::new();
    for case in &file.cases {
        assert!(!case.assignors.is_empty(), "{} lists no assignor", case.id);
        let steps: Vec<&Step> =
            if case.steps.is_empty() { vec![&case.step] } else { case.steps.iter().collect() };
        assert!(steps.iter().all(|s| !s.members.is_empty()), "{} has a step without members", case.id);
        for name in &case.assignors {
            let kind: AssignorKind = name.parse().unwrap_or_else(|e| panic!("{}: {e}", case.id));
            pairs += 1;
            let before = failures.len();
            for (index, step) in steps.iter().enumerate() {
                run_step(case, kind, index, step, &mut failures);
            }
            if failures.len() == before {
                passed += 1;
            }
        }
    }
    println!("{} cases, {pairs} (case, assignor) pairs, {passed} passed", file.cases.len());
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}
