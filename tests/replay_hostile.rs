//! Hostile and damaged audit logs: every record that cannot be read or replayed is counted and reported with its
//! line and what is wrong, the run goes on, and nothing is dropped; the records do not depend on how the bytes were
//! chunked. SEMANTICS 6.1 (shapes), 6.2 (fields), 6.3 (what is judged).

mod common;

use serde_json::Value;
use workmail_policy::replay::{report, LogReader, LogShape, RecordKind, Records, Replayer, RuleSet, Summary};

const ORG: &str = r#"{
  "AccessControlRules": [
    {"Name": "no-imap", "Effect": "DENY", "Description": "", "Actions": ["IMAP"]},
    {"Name": "default", "Effect": "ALLOW", "Description": "Default WorkMail Rule"}],
  "ImpersonationRoles": [{"ImpersonationRoleId": "r-1", "Name": "archiver", "Type": "READ_ONLY",
    "Rules": [{"ImpersonationRuleId": "all", "Effect": "ALLOW", "TargetUsers": ["S-1-5-18-0001"]}]}]
}"#;

const ALICE: &str = "S-1-5-18-0001";

/// A good access event by `ALICE`, with `extra` members appended and `protocol` given.
fn event(protocol: &str, granted: bool, rule: &str) -> String {
    format!(
        r#"{{"event_timestamp":1764547200000,"user_id":"{ALICE}","protocol":"{protocol}","source_ip":"192.0.2.1","scope":"AccessControl","rule_id":"{rule}","access_granted":{granted}}}"#
    )
}

fn read(bytes: &[u8], chunk: usize) -> (Records, LogShape) {
    let (mut reader, mut records) = (LogReader::new(), Records::new());
    for piece in bytes.chunks(chunk.max(1)) {
        reader.push(piece, &mut records);
    }
    let shape = reader.finish(&mut records);
    (records, shape)
}

/// The report of replaying `bytes` against `ORG`, as JSON; every chunking of the bytes gives the same records.
fn replayed(bytes: &[u8]) -> Value {
    let org = common::org(ORG);
    let (records, _) = read(bytes, 1 << 16);
    let whole: Vec<(Vec<u8>, u64, RecordKind)> = records.iter().map(|(t, l, k)| (t.to_vec(), l, k)).collect();
    for chunk in [1, 2, 3, 7, 64, 1000] {
        let (again, _) = read(bytes, chunk);
        let again: Vec<(Vec<u8>, u64, RecordKind)> = again.iter().map(|(t, l, k)| (t.to_vec(), l, k)).collect();
        assert_eq!(again, whole, "chunks of {chunk} give other records");
    }
    let mut replayer = Replayer::new(RuleSet { organization: &org.org, policy: &org.policy });
    let mut summary = Summary::new(false);
    for one in replayer.replay(0, &records) {
        summary.add(&one);
    }
    serde_json::to_value(report(&summary, &["log".into()], Some(&org.org)).explain(&org.org)).expect("serializes")
}

/// `(line, kind, message)` of each problem.
fn problems(report: &Value) -> Vec<(u64, String, String)> {
    report["Problems"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|p| {
            (p["Line"].as_u64().unwrap(), p["Kind"].as_str().unwrap().into(), p["Message"].as_str().unwrap().into())
        })
        .collect()
}

fn assert_problem(report: &Value, line: u64, kind: &str, says: &str) {
    let found = problems(report);
    assert!(
        found.iter().any(|(l, k, m)| *l == line && k == kind && m.contains(says)),
        "no {kind} problem at line {line} saying {says:?}: {found:#?}"
    );
}

#[test]
fn bad_lines_are_counted_and_reported_by_line_and_the_run_goes_on() {
    let good = event("IMAP", false, "no-imap");
    let log = [
        good.as_str(),
        "not json",
        r#"{"event_timestamp":1764547200000,"user_id":"S-1-5-18-0001","protocol":"EW"#,
        r#"{"user_id":"S-1-5-18-0001","protocol":"EWS","source_ip":"192.0.2.1","scope":"AccessControl"}"#,
        r#"{"user_id":"S-1-5-18-0001","protocol":"EWS","source_ip":"192.0.2.1","scope":"AccessControl","access_granted":"maybe"}"#,
        r#"{"user_id":"S-1-5-18-0001","protocol":"EWS","source_ip":"192.0.2.1","scope":"Elsewhere","access_granted":true}"#,
        r#"{"user_id":"S-1-5-18-0001","protocol":"POP3","source_ip":"192.0.2.1","scope":"AccessControl","access_granted":true}"#,
        r#"{"user_id":"S-1-5-18-0001","protocol":"EWS","source_ip":"300.0.2.1","scope":"AccessControl","access_granted":true}"#,
        r#"{"user_id":"S-1-5-18-0001","user_id":"x","protocol":"EWS","source_ip":"192.0.2.1","scope":"AccessControl","access_granted":true}"#,
        r#"[1, 2, 3]"#,
        r#"{"user_id":42,"protocol":"EWS","source_ip":"192.0.2.1","scope":"AccessControl","access_granted":true}"#,
        "",
        "   ",
        good.as_str(),
    ]
    .join("\n");
    let report = replayed(log.as_bytes());
    assert_eq!(report["Events"], 12, "blank lines are not events; every other line is one");
    assert_eq!(report["Replayed"], 2);
    assert_eq!(report["Agreed"], 2);
    assert_eq!(report["Skipped"]["Unreadable"], 8);
    assert_eq!(report["Skipped"]["Unreplayable"], 2);
    assert_problem(&report, 2, "Unreadable", "not an event: a JSON object");
    assert_problem(&report, 3, "Unreadable", "`protocol`: EOF while parsing");
    assert_problem(&report, 4, "Unreadable", "`access_granted` is missing");
    assert_problem(&report, 5, "Unreadable", "`access_granted`");
    assert_problem(&report, 6, "Unreadable", "`scope` is `Elsewhere`");
    assert_problem(&report, 7, "Unreplayable", "`protocol` `POP3`");
    assert_problem(&report, 8, "Unreplayable", "300.0.2.1");
    assert_problem(&report, 9, "Unreadable", "`user_id` appears twice");
    assert_problem(&report, 10, "Unreadable", "");
    assert_problem(&report, 11, "Unreadable", "`user_id`");
}

#[test]
fn bytes_that_are_not_utf8_nul_bytes_and_long_lines_are_unreadable_lines_not_crashes() {
    let mut log = Vec::new();
    log.extend_from_slice(b"{\"user_id\":\"\xff\xfe\",\"scope\":\"AccessControl\"}\n");
    log.extend_from_slice(b"\x00\x00\x00\n");
    log.extend_from_slice(format!("{{\"user_id\":\"{}\"}}\n", "a".repeat(200_000)).as_bytes());
    log.extend_from_slice(event("EWS", true, "default").as_bytes());
    let report = replayed(&log);
    assert_eq!(report["Events"], 4);
    assert_eq!(report["Agreed"], 1);
    assert_problem(&report, 1, "Unreadable", "");
    assert_problem(&report, 2, "Unreadable", "not an event: a JSON object");
    assert_problem(&report, 3, "Unreadable", "longer than 65536 bytes");
}

#[test]
fn a_byte_order_mark_and_crlf_line_ends_are_not_part_of_events() {
    let log = format!("\u{feff}{}\r\n{}\r\n", event("IMAP", false, "no-imap"), event("EWS", true, "default"));
    let report = replayed(log.as_bytes());
    assert_eq!((report["Events"].as_u64(), report["Agreed"].as_u64()), (Some(2), Some(2)), "{report:#}");
}

#[test]
fn an_empty_log_is_zero_events_in_the_event_line_shape() {
    for log in ["", "\n\n", "   "] {
        let (records, shape) = read(log.as_bytes(), 1);
        assert!(records.is_empty());
        assert_eq!(shape, LogShape::EventLines);
    }
}

/// SEMANTICS 6.3: mail flow and device checks are counted, not judged; the three replayable classes are each the
/// call 6.3 names.
#[test]
fn each_class_is_the_call_semantics_names() {
    let log = [
        event("IncomingEmail", true, "default"),
        r#"{"user_id":"S-1-5-18-0001","protocol":"ActiveSync","source_ip":"192.0.2.1","scope":"DeviceAccessControl","access_granted":false}"#.into(),
        // Impersonated access: asked as role r-1 with EWS whatever the protocol says; `default` allows it.
        r#"{"user_id":"S-1-5-18-0001","impersonator_id":"r-1","protocol":"EWS","source_ip":"192.0.2.1","scope":"AccessControl","rule_id":"default","access_granted":true}"#.into(),
        // Impersonation: role r-1 may impersonate S-1-5-18-0001 by its rule `all`.
        r#"{"user_id":"S-1-5-18-0001","impersonator_id":"r-1","scope":"ImpersonationAccessControl","rule_id":"all","access_granted":true}"#.into(),
        // The same, logged as denied: a disagreement, whose request is GetImpersonationRoleEffect.
        r#"{"user_id":"S-1-5-18-0001","impersonator_id":"r-1","scope":"ImpersonationAccessControl","rule_id":"all","access_granted":false}"#.into(),
    ]
    .join("\n");
    let report = replayed(log.as_bytes());
    assert_eq!(report["Skipped"]["MailFlow"], 1);
    assert_eq!(report["Skipped"]["DeviceAccessControl"], 1);
    assert_eq!(report["ReplayedByClass"]["ImpersonatedAccessControl"], 1);
    assert_eq!(report["ReplayedByClass"]["ImpersonationAccessControl"], 2);
    assert_eq!(report["Agreed"], 2);
    let disagreement = &report["Disagreements"][0];
    assert_eq!(disagreement["Request"]["Operation"], "GetImpersonationRoleEffect");
    assert_eq!(disagreement["Request"]["ImpersonationRoleId"], "r-1");
    assert_eq!(disagreement["Request"]["TargetUser"], ALICE);
    assert_eq!(disagreement["Engine"]["MatchedRules"][0], "all");
    assert_eq!(disagreement["Line"], 5);
}

/// SEMANTICS 6.4: a `rule_id` must be among `MatchedRules` when it names a rule; one that names none leaves the
/// effect alone to compare; an absent one agrees only with no matched rule.
#[test]
fn a_logged_rule_id_is_compared_by_membership() {
    let log = [
        event("IMAP", false, "no-imap"),   // agrees
        event("IMAP", false, "default"),   // names a rule that did not match: disagrees
        event("IMAP", false, "rule-7f3a"), // names no rule: effect only, agrees
        r#"{"user_id":"S-1-5-18-0001","protocol":"IMAP","source_ip":"192.0.2.1","scope":"AccessControl","access_granted":false}"#.into(), // no rule_id, but no-imap matched: disagrees
    ]
    .join("\n");
    let report = replayed(log.as_bytes());
    assert_eq!((report["Agreed"].as_u64(), report["Disagreed"].as_u64()), (Some(2), Some(2)), "{report:#}");
    assert_eq!(report["RuleIdsNotCompared"], 1);
    let lines: Vec<u64> =
        report["Disagreements"].as_array().unwrap().iter().map(|d| d["Line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [2, 4]);
}

fn page(events: &[String], next: bool) -> String {
    let body: Vec<String> = events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            format!(
                "        {{\n            \"timestamp\": {i},\n            \"message\": {}\n        }}",
                serde_json::to_string(e).unwrap()
            )
        })
        .collect();
    let token = if next { ",\n    \"nextToken\": \"abc\"" } else { "" };
    format!("{{\n    \"events\": [\n{}\n    ],\n    \"searchedLogStreams\": []{token}\n}}\n", body.join(",\n"))
}

#[test]
fn damaged_pages_are_skipped_to_the_next_page_and_reported() {
    let good = event("IMAP", false, "no-imap");
    let mut log = page(&[good.clone(), good.clone()], true);
    // Garbage between pages.
    log.push_str("garbage\nmore garbage\n");
    log.push_str(&page(std::slice::from_ref(&good), true));
    // An element whose message is not an event, and one without a message.
    log.push_str(&page(&["not json".into()], true).replace("\"timestamp\": 0,", "\"timestamp\": 0, \"x\": 1,"));
    log.push_str("{\n    \"events\": [\n        {\"timestamp\": 1}\n    ]\n}\n");
    // A page cut short by the end of the file.
    log.push_str(
        "{\n    \"events\": [\n        {\n            \"timestamp\": 1,\n            \"message\": \"{\\\"scope",
    );
    let (_, shape) = read(log.as_bytes(), 5);
    assert_eq!(shape, LogShape::FilterLogEvents);
    let report = replayed(log.as_bytes());
    assert_eq!(report["Agreed"], 3, "{report:#}");
    let found = problems(&report);
    assert_eq!(found.len(), 4, "{found:#?}");
    assert_problem(&report, 15, "Unreadable", "not a page");
    assert_eq!(report["Problems"][0]["ToLine"], 16, "the skipped lines are named");
    assert_problem(&report, 29, "Unreadable", "`message`: not an event");
    assert_problem(&report, 39, "Unreadable", "`message` is missing");
    assert_problem(&report, 44, "Unreadable", "the log ends inside a page");
}

#[test]
fn a_line_end_inside_a_string_of_a_page_breaks_only_that_page() {
    let good = event("IMAP", false, "no-imap");
    let mut log = page(std::slice::from_ref(&good), true);
    log.push_str("{\n    \"events\": [\n        {\"message\": \"{\\\"scope\n\": 1}\n    ]\n}\n");
    log.push_str(&page(&[good], false));
    let report = replayed(log.as_bytes());
    assert_eq!(report["Agreed"], 2, "{report:#}");
    assert_eq!(problems(&report).len(), 1);
    assert_problem(&report, 13, "Unreadable", "a line end inside a string");
}

#[test]
fn query_results_rows_read_strings_and_one_zero_booleans() {
    let row = |granted: &str, rule: &str| {
        format!(
            r#"[{{"field":"@timestamp","value":"2026-11-02 09:15:03.123"}},{{"field":"user_id","value":"{ALICE}"}},{{"field":"protocol","value":"IMAP"}},{{"field":"source_ip","value":"192.0.2.1"}},{{"field":"scope","value":"AccessControl"}},{{"field":"rule_id","value":"{rule}"}},{{"field":"access_granted","value":"{granted}"}},{{"field":"event_timestamp","value":"1764547200000"}},{{"field":"@ptr","value":"xyz"}}]"#
        )
    };
    let message = serde_json::to_string(&event("IMAP", false, "no-imap")).unwrap();
    let log = format!(
        "{{\n    \"results\": [\n        {},\n        {},\n        {},\n        [{{\"field\": \"@message\", \"value\": {message}}}]\n    ],\n    \"status\": \"Complete\"\n}}\n",
        row("0", "no-imap"),
        row("1", "default"),
        row("yes", "no-imap"),
    );
    let (_, shape) = read(log.as_bytes(), 3);
    assert_eq!(shape, LogShape::QueryResults);
    let report = replayed(log.as_bytes());
    assert_eq!(report["Agreed"], 2, "{report:#}");
    assert_eq!(report["Disagreed"], 1);
    assert_problem(&report, 5, "Unreadable", "`access_granted`: `yes` is neither true nor false");
}
