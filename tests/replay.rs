//! Audit-log replay (SEMANTICS 6) on generated logs: agreement, every flipped verdict found, the impact of a change
//! equal to the reference evaluator's, and the same summary however the log is chunked or split into blocks.
//!
//! The logs come from `testing::logs`, whose verdicts are the reference evaluator's under the mapping of 6.3, in
//! all three shapes of 6.1. Hostile input (broken lines and pages, missing fields, refused requests) is in
//! `tests/replay_hostile.rs`.

use std::collections::BTreeSet;

use proptest::prelude::*;
use workmail_policy::batch::Request;
use workmail_policy::replay::{
    report, Event, LogReader, LogShape, Outcome, Records, Replayable, Replayer, RuleSet, Summary,
};
use workmail_policy::testing::logs::{self, LogEvent, LogOptions};
use workmail_policy::testing::{self, Rng, Shape};
use workmail_policy::validate::{validate, Options};
use workmail_policy::{reference, Effect, Organization, Policy};

const SHAPES: [LogShape; 3] = [LogShape::EventLines, LogShape::FilterLogEvents, LogShape::QueryResults];

fn organization(seed: u64) -> (Organization, Policy) {
    let generated = testing::organization(seed, &Shape::varied());
    let org = validate(&generated.file, &Options { enforce_quotas: false }).organization.expect("valid");
    let policy = Policy::compile(&org).expect("compiles");
    (org, policy)
}

/// The log's bytes cut into records, delivered in chunks of random sizes (some of one byte).
fn records(bytes: &[u8], rng: &mut Rng) -> (Records, LogShape) {
    let (mut reader, mut records) = (LogReader::new(), Records::new());
    let mut rest = bytes;
    while !rest.is_empty() {
        let size = if rng.one_in(4) { 1 + rng.below(8) } else { 1 + rng.below(4096) };
        let (chunk, after) = rest.split_at(size.min(rest.len()));
        reader.push(chunk, &mut records);
        rest = after;
    }
    let shape = reader.finish(&mut records);
    (records, shape)
}

fn replay(replayer: &mut Replayer<'_>, records: &Records) -> Summary {
    let mut summary = Summary::new(replayer.has_against());
    for replayed in replayer.replay(0, records) {
        summary.add(&replayed);
    }
    summary
}

/// The request ids of the events a replay finds in disagreement.
fn disagreeing(replayer: &mut Replayer<'_>, records: &Records) -> BTreeSet<String> {
    replayer
        .replay(0, records)
        .filter(|replayed| matches!(&replayed.outcome, Outcome::Judged(judged) if !judged.agrees))
        .map(|replayed| replayed.event.request_id.as_deref().unwrap_or_default().to_owned())
        .collect()
}

fn count(events: &[LogEvent], is: impl Fn(&LogEvent) -> bool) -> u64 {
    events.iter().filter(|event| is(event)).count() as u64
}

/// SEMANTICS 6.3 and 6.4: a log whose verdicts are the reference evaluator's agrees with the engine event for
/// event, in every shape; mail flow and device checks are counted, not judged; nothing is unreadable.
fn check_agreement(seed: u64) -> Result<(), TestCaseError> {
    let (org, policy) = organization(seed);
    let log = logs::log(&org, seed, &LogOptions { events: 300, ..LogOptions::default() });
    let mut rng = Rng::new(seed ^ 0x10C);
    for shape in SHAPES {
        let bytes = logs::write(&log.events, shape, seed);
        let (records, told) = records(&bytes, &mut rng);
        prop_assert_eq!(told, shape, "seed {}: the shape is told from the content", seed);
        let mut replayer = Replayer::new(RuleSet { organization: &org, policy: &policy });
        let summary = replay(&mut replayer, &records);
        let judged = count(&log.events, LogEvent::is_judged);
        prop_assert_eq!(summary.events, 300, "seed {} {:?}", seed, shape);
        prop_assert_eq!(
            (summary.unreadable, summary.unreplayable),
            (0, 0),
            "seed {} {:?}: {:?}",
            seed,
            shape,
            summary.problems()
        );
        prop_assert_eq!(summary.replayed_total(), judged, "seed {} {:?}", seed, shape);
        prop_assert_eq!(summary.agreed, judged, "seed {} {:?}: every verdict agrees", seed, shape);
        prop_assert_eq!(
            summary.skipped_mail_flow,
            count(&log.events, |e| logs::MAIL_FLOW.contains(&e.protocol.as_str()))
        );
        prop_assert_eq!(summary.skipped_device, count(&log.events, |e| e.scope == logs::SCOPE_DEVICE));
    }
    Ok(())
}

/// SEMANTICS 6.4: every event whose logged verdict was inverted is reported as a disagreement, and no other.
fn check_flips(seed: u64) -> Result<(), TestCaseError> {
    let (org, policy) = organization(seed);
    let log = logs::log(&org, seed, &LogOptions { events: 300, flip_every: 7, ..LogOptions::default() });
    let flipped: BTreeSet<String> = log.flipped.iter().map(|&i| log.events[i].request_id.clone()).collect();
    let mut rng = Rng::new(seed ^ 0xF11B);
    for shape in SHAPES {
        let bytes = logs::write(&log.events, shape, seed);
        let (records, _) = records(&bytes, &mut rng);
        let mut replayer = Replayer::new(RuleSet { organization: &org, policy: &policy });
        prop_assert_eq!(&disagreeing(&mut replayer, &records), &flipped, "seed {} {:?}", seed, shape);
        let summary = replay(&mut replayer, &records);
        prop_assert_eq!(summary.disagreed, flipped.len() as u64);
        let grouped: u64 = summary.disagreements().map(|group| group.count).sum();
        prop_assert_eq!(grouped, flipped.len() as u64, "every disagreement is in a group");
    }
    Ok(())
}

/// The reference evaluator's answer to an event's request: effect and `MatchedRules` (names or rule ids).
fn reference_answer(org: &Organization, request: &Request<'_>) -> Option<(Effect, Vec<String>)> {
    match request {
        Request::Access(request) => reference::access(org, request)
            .ok()
            .map(|answer| (answer.effect, answer.matched_rules.iter().map(|r| r.to_string()).collect())),
        Request::Impersonation(request) => reference::impersonation(org, request).ok().map(|answer| {
            (answer.effect, answer.matched_rules.iter().map(|r| r.impersonation_rule_id.to_string()).collect())
        }),
        Request::Mobile(_) => None,
    }
}

/// `--against`: the events that change, and those now denied and now allowed, are exactly the ones whose
/// reference answers under the two organizations differ.
fn check_impact(seed: u64) -> Result<(), TestCaseError> {
    let (old, old_policy) = organization(seed);
    // The proposed rules: the same organization with its first access rule's effect turned around and its last
    // rule dropped, which changes some answers and not others.
    let generated = testing::organization(seed, &Shape::varied());
    let mut file = generated.file.clone();
    if let Some(rules) = file.access_control_rules.as_mut() {
        if let Some(first) = rules.first_mut() {
            first.effect =
                first.effect.clone().map(|effect| if effect == "ALLOW" { "DENY".into() } else { "ALLOW".into() });
        }
        rules.pop();
    }
    let new = validate(&file, &Options { enforce_quotas: false }).organization.expect("valid");
    let new_policy = Policy::compile(&new).expect("compiles");

    let log = logs::log(&old, seed, &LogOptions { events: 300, ..LogOptions::default() });
    let bytes = logs::write(&log.events, LogShape::EventLines, seed);
    let (mut expected_changed, mut expected_denied, mut expected_allowed) = (0, 0, 0);
    for line in bytes.split(|&b| b == b'\n').filter(|line| !line.is_empty()) {
        let event = Event::read_line_in_full(line).expect("a generated event reads");
        let Replayable::Judge { request, .. } = event.replayable() else { continue };
        let before = reference_answer(&old, &request).expect("the generator draws answered requests");
        let after = reference_answer(&new, &request);
        let after_effect = after.as_ref().map_or(Effect::Deny, |answer| answer.0);
        expected_changed += u64::from(after.as_ref() != Some(&before));
        expected_denied += u64::from(before.0 == Effect::Allow && after_effect == Effect::Deny);
        expected_allowed += u64::from(before.0 == Effect::Deny && after_effect == Effect::Allow);
    }
    let (records, _) = records(&bytes, &mut Rng::new(seed));
    let mut replayer = Replayer::new(RuleSet { organization: &old, policy: &old_policy })
        .against(RuleSet { organization: &new, policy: &new_policy });
    let summary = replay(&mut replayer, &records);
    prop_assert_eq!(
        (summary.changed, summary.now_denied, summary.now_allowed),
        (expected_changed, expected_denied, expected_allowed),
        "seed {}",
        seed
    );
    let by_user: u64 = summary.changes_by_user().iter().map(|(_, group)| group.count).sum();
    let by_protocol: u64 = summary.changes_by_protocol().iter().map(|(_, group)| group.count).sum();
    let by_network: u64 = summary.changes_by_network().iter().map(|(_, group)| group.count).sum();
    prop_assert_eq!((by_user, by_protocol, by_network), (summary.changed, summary.changed, summary.changed));
    let json = serde_json::to_value(report(&summary, &["log".into()], Some(&old)).explain(&old)).expect("serializes");
    prop_assert_eq!(json["Changed"].as_u64(), Some(expected_changed));
    prop_assert_eq!(json["NowDenied"].as_u64(), Some(expected_denied));
    prop_assert_eq!(json["NowAllowed"].as_u64(), Some(expected_allowed));
    Ok(())
}

/// Blocks replayed by separate replayers (as `wmpolicy replay`'s threads do) and their summaries merged in order
/// give exactly the report of one pass.
fn check_merge(seed: u64) -> Result<(), TestCaseError> {
    let (org, policy) = organization(seed);
    let log = logs::log(&org, seed, &LogOptions { events: 400, flip_every: 5, ..LogOptions::default() });
    let mut bytes = logs::write(&log.events, LogShape::EventLines, seed);
    bytes.extend_from_slice(b"not json\n{\"scope\": \"AccessControl\"}\n");
    let rules = RuleSet { organization: &org, policy: &policy };
    let (whole, _) = records(&bytes, &mut Rng::new(seed));
    let one_pass = replay(&mut Replayer::new(rules), &whole);

    let mut rng = Rng::new(seed ^ 0xB10C);
    let mut merged = Summary::new(false);
    let mut reader = LogReader::new();
    let mut rest = &bytes[..];
    while !rest.is_empty() {
        let (chunk, after) = rest.split_at((1 + rng.below(9000)).min(rest.len()));
        let mut block = Records::new();
        reader.push(chunk, &mut block);
        if after.is_empty() {
            reader.finish(&mut block);
        }
        merged.merge(replay(&mut Replayer::new(rules), &block));
        rest = after;
    }
    let files = ["log".to_owned()];
    let one = serde_json::to_string(&report(&one_pass, &files, Some(&org))).expect("serializes");
    let many = serde_json::to_string(&report(&merged, &files, Some(&org))).expect("serializes");
    prop_assert_eq!(one, many, "seed {}", seed);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn generated_logs_agree_in_every_shape(seed in any::<u64>()) {
        check_agreement(seed)?;
    }

    #[test]
    fn every_flipped_verdict_is_reported_and_no_other(seed in any::<u64>()) {
        check_flips(seed)?;
    }

    #[test]
    fn the_impact_of_a_change_is_the_reference_evaluators(seed in any::<u64>()) {
        check_impact(seed)?;
    }

    #[test]
    fn blocks_replayed_apart_and_merged_report_as_one_pass(seed in any::<u64>()) {
        check_merge(seed)?;
    }
}

/// Real event lines with bytes changed to JSON's significant characters: wherever the plain-line shortcut accepts
/// a line, the full reader reads the same event.
fn mutated_line(rng: &mut Rng, line: &str) -> Vec<u8> {
    const BYTES: &[u8] = b"\"\\{}[],:0123456789-.eE tfnul\t\r\x00\x1f\x7f\xc3\xa9\xff_xyz";
    let mut bytes = line.as_bytes().to_vec();
    for _ in 0..1 + rng.below(3) {
        // Half the changes at a value's first bytes, where the readers' choices are.
        let colons: Vec<usize> = bytes.iter().enumerate().filter(|(_, &b)| b == b':').map(|(i, _)| i + 1).collect();
        let at = if rng.one_in(2) && !colons.is_empty() {
            (rng.pick(&colons) + rng.below(3)).min(bytes.len())
        } else {
            rng.below(bytes.len() + 1)
        };
        match rng.below(5) {
            // A value replaced by one of the spellings where JSON readers differ.
            4 if !colons.is_empty() => {
                const VALUES: &[&str] = &[
                    "0123",
                    "-0",
                    "1e3",
                    "1.0",
                    "-",
                    "\"123\"",
                    "true",
                    "false",
                    "null",
                    "[]",
                    "{}",
                    "nul",
                    r#""a\"b""#,
                    r#""\u00e9""#,
                    "9223372036854775807",
                    "9223372036854775808",
                    "-9223372036854775808",
                    "18446744073709551616",
                    "1",
                    "0",
                    "\"\"",
                    "truex",
                    "\"x\"y",
                ];
                let start = *rng.pick(&colons);
                let end =
                    bytes[start..].iter().position(|&b| b == b',' || b == b'}').map_or(bytes.len(), |i| start + i);
                bytes.splice(start..end, rng.pick(VALUES).bytes());
            }
            0 if at < bytes.len() => {
                bytes.remove(at);
            }
            1 if at < bytes.len() => bytes[at] = *rng.pick(BYTES),
            2 => {
                // A known member written again.
                let member =
                    *rng.pick(&[r#","scope":"AccessControl""#, r#","access_granted":false"#, r#","user_id":null"#]);
                let close = bytes.iter().rposition(|&b| b == b'}').unwrap_or(bytes.len());
                bytes.splice(close..close, member.bytes());
            }
            _ => bytes.insert(at.min(bytes.len()), *rng.pick(BYTES)),
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    #[test]
    fn the_plain_event_reader_reads_what_the_full_reader_reads(seed in any::<u64>()) {
        let mut rng = Rng::new(seed);
        let event = LogEvent {
            event_timestamp: 1_793_577_835_093 - rng.below(1 << 30) as i64,
            request_id: "48a3e4b2-cd76-4d71-bccd-c004203b6f1c".into(),
            organization_arn: "arn:aws:workmail:us-east-1:111122223333:organization/m-63cbe1e459320dd7044c3cd7f43c661c".into(),
            user_id: rng.pick(&["S-1-1-11-0002005713-0127", "alice@example.com", "é"]).to_string(),
            impersonator_id: rng.one_in(3).then(|| "role-01".to_owned()),
            protocol: rng.pick(&["ActiveSync", "IMAP", "IncomingEmail"]).to_string(),
            source_ip: "244.72.64.74".into(),
            scope: rng.pick(&["AccessControl", "ImpersonationAccessControl"]).to_string(),
            rule_id: rng.one_in(2).then(|| "rule-3".to_owned()),
            access_granted: rng.one_in(2),
        };
        let line = mutated_line(&mut rng, &event.to_json());
        prop_assert_eq!(Event::read_line(&line), Event::read_line_in_full(&line), "{:?}", String::from_utf8_lossy(&line));
    }
}
