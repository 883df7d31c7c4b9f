//! `--format sarif` on `validate`, `lint` and `diff`: every log is valid against the SARIF 2.1.0 JSON schema
//! (vendored in `tests/data`, its source named there), and says what the text and JSON outputs say: one result
//! per finding or change, its rule listed in the run, its level, its message, and the file, line and column of what
//! it is about.

mod common;

use common::*;
use serde_json::{json, Value};

const SCHEMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sarif-schema-2.1.0.json");

/// The schema's validator, checking `format`s (`uri`, `uri-reference`) too.
fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(SCHEMA).expect("the vendored schema"))
        .expect("the schema is JSON");
    jsonschema::options().should_validate_formats(true).build(&schema).expect("the SARIF schema compiles")
}

/// Asserts that `log` is valid SARIF 2.1.0 and that its results name rules of the run; returns the results.
fn valid(log: &Value) -> Vec<Value> {
    let errors: Vec<String> = validator().iter_errors(log).map(|e| format!("{} at {}", e, e.instance_path)).collect();
    assert!(errors.is_empty(), "not valid SARIF 2.1.0: {errors:#?}\n{log:#}");
    assert_eq!(log["version"], json!("2.1.0"));
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], json!("wmpolicy"));
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let results = run["results"].as_array().expect("results").clone();
    for result in &results {
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(result["ruleId"], rules[index]["id"], "{result}");
        assert!(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].is_string(), "{result}");
    }
    results
}

/// A result's rule, level, file, line and column.
fn summary(result: &Value) -> (String, String, String, Value, Value) {
    let physical = &result["locations"][0]["physicalLocation"];
    (
        result["ruleId"].as_str().unwrap_or_default().to_string(),
        result["level"].as_str().unwrap_or_default().to_string(),
        physical["artifactLocation"]["uri"].as_str().unwrap_or_default().to_string(),
        physical["region"]["startLine"].clone(),
        physical["region"]["startColumn"].clone(),
    )
}

#[test]
fn the_schema_refuses_a_broken_log() {
    // The check can fail: a log without its version, or with a level SARIF does not have, is refused.
    let run = wmpolicy(&["validate", ACME, "--format", "sarif"]).expect_code(0);
    let mut log = run.json();
    assert!(valid(&log).is_empty(), "the example organization has no findings");
    log.as_object_mut().unwrap().remove("version");
    assert!(!validator().is_valid(&log));
    let mut log = run.json();
    log["runs"][0]["tool"]["driver"]["rules"][0]["defaultConfiguration"]["level"] = json!("fatal");
    assert!(!validator().is_valid(&log));
}

#[test]
fn validate_findings_become_results_at_their_line() {
    let file = TempFile::new(
        "sarif validate.json",
        "{\"Rules\": [\n  {\"Name\": \"a\", \"Effect\": \"ALLOW\", \"Description\": \"\", \"IpRanges\": [\"10.0.0.0/33\"]},\n  \
         {\"Name\": \"b\", \"Effect\": \"DENY\", \"Description\": \"\", \"Actions\": [\"Imapp\"], \"IpRanges\": [\"10.1.2.3/8\"]}\n]}\n",
    );
    let run = wmpolicy(&["validate", file.path(), "--format", "sarif"]).expect_code(4);
    let results = valid(&run.json());
    let uri = file.path().replace(' ', "%20");
    let found: Vec<_> = results.iter().map(summary).collect();
    assert_eq!(
        found,
        [
            ("InvalidValue".into(), "error".into(), uri.clone(), json!(2), json!(68)),
            ("HostBitsSet".into(), "warning".into(), uri.clone(), json!(3), json!(89)),
            ("UndocumentedAction".into(), "warning".into(), uri, json!(3), json!(66)),
        ]
    );
    assert_eq!(results[0]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"], json!("Rules[0].IpRanges[0]"));
    assert_eq!(results[0]["properties"]["code"], json!("InvalidParameterException"));

    // The JSON output places the same findings at the same lines and columns.
    let listed = wmpolicy(&["validate", file.path(), "--json"]).expect_code(4).json();
    let places: Vec<(Value, Value)> =
        listed.as_array().unwrap().iter().map(|f| (f["Line"].clone(), f["Column"].clone())).collect();
    let sarif_places: Vec<(Value, Value)> = found_places(&results);
    assert_eq!(places, sarif_places);

    // A file that is not JSON is a result too, where the syntax breaks.
    let broken = TempFile::new("broken.json", "{\n  \"Rules\": [,]\n}");
    let results = valid(&wmpolicy(&["validate", broken.path(), "--format", "sarif"]).expect_code(4).json());
    assert_eq!(summary(&results[0]).0, "NotJson");
    assert_eq!((summary(&results[0]).3, summary(&results[0]).4), (json!(2), json!(13)));
}

fn found_places(results: &[Value]) -> Vec<(Value, Value)> {
    results.iter().map(summary).map(|(_, _, _, line, column)| (line, column)).collect()
}

#[test]
fn lint_findings_become_results_with_lockouts_as_errors() {
    let file = TempFile::new(
        "lint.json",
        r#"{"AccessControlRules": [
            {"Name": "no-imap", "Effect": "DENY", "Description": "", "Actions": ["IMAP"]},
            {"Name": "imap-office", "Effect": "ALLOW", "Description": "", "Actions": ["IMAP"], "IpRanges": ["10.1.2.3/8"]},
            {"Name": "default", "Effect": "ALLOW", "Description": ""}],
          "MobileDeviceAccessRules": []}"#,
    );
    let run = wmpolicy(&["lint", file.path(), "--format", "sarif"]).expect_code(5);
    let results = valid(&run.json());
    let found: Vec<_> = results.iter().map(summary).collect();
    let path = file.path().to_string();
    assert_eq!(
        found,
        [
            ("DeadRule".into(), "warning".into(), path.clone(), json!(3), json!(13)),
            ("NoRules".into(), "error".into(), path.clone(), json!(5), json!(11)),
            ("ValidationWarning".into(), "warning".into(), path, json!(3), json!(109)),
        ]
    );
    assert_eq!(results[2]["properties"]["problem"], json!("HostBitsSet"));

    // An organization lint cannot read is reported as validation's results, and exits 4.
    let bad =
        TempFile::new("bad.json", r#"{"AccessControlRules": [{"Name": "a", "Effect": "MAYBE", "Description": ""}]}"#);
    let results = valid(&wmpolicy(&["lint", bad.path(), "--format", "sarif"]).expect_code(4).json());
    assert_eq!(summary(&results[0]).0, "InvalidValue");
}

#[test]
fn diff_changes_become_results_at_the_rule_that_decides() {
    let run = wmpolicy(&["diff", ACME, ACME_PROPOSED, "--format", "sarif"]).expect_code(5);
    let results = valid(&run.json());
    let text = wmpolicy(&["diff", ACME, ACME_PROPOSED]).expect_code(5).stdout;
    // One result per changed region or role, each with the text's line for it.
    let changes: Vec<&str> = text.lines().filter(|line| line.starts_with("  ")).map(str::trim).collect();
    assert_eq!(results.len(), changes.len(), "{text}");
    for (result, change) in results.iter().zip(&changes) {
        assert_eq!(result["message"]["text"].as_str(), Some(*change));
        let (rule, level, uri, line, _) = summary(result);
        assert!(["AccessChanged", "MobileChanged", "ImpersonationChanged"].contains(&rule.as_str()), "{result}");
        assert_eq!(level, "warning");
        assert!(uri.ends_with("acme-proposed.json") || uri.ends_with("acme.json"), "{result}");
        assert!(line.as_u64().is_some_and(|line| line >= 1), "{result}");
    }
    // Equivalent organizations: no results, exit 0.
    let results = valid(&wmpolicy(&["diff", ACME, ACME, "--format", "sarif"]).expect_code(0).json());
    assert!(results.is_empty());
}

#[test]
fn json_and_format_cannot_both_be_given() {
    wmpolicy(&["validate", ACME, "--json", "--format", "sarif"]).expect_code(2);
    assert_eq!(wmpolicy(&["validate", ACME, "--format", "json"]).expect_code(0).json(), json!([]));
}
