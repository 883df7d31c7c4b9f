//! `wmpolicy` through the built binary: every subcommand, every exit code, the aws CLI's output shapes.
//!
//! Exit codes: 0 answered (ALLOW or DENY alike), 1 the service would reject the request (its error on stdout) or,
//! for `fmt --check`, a file is not canonical, 2 usage error, 3 an input cannot be read (or `fmt` cannot write),
//! 4 the organization has validation errors or an input cannot be read as one (findings on stderr for the query
//! commands and `fmt`, on stdout for `validate`), 5 `diff` found a difference, `lint` a finding, or `test` a
//! fixture's recorded answer that differs from the engine's.

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

mod common;

use common::*;

const ALICE: &str = "S-1-1-11-4012345678-1000000001-2000000001-1001";
const DAVE: &str = "S-1-1-11-4012345678-1000000004-2000000004-1004";
const ARCHIVE: &str = "S-1-1-11-4012345678-1000000005-2000000005-1005";
const ARCHIVER_ROLE: &str = "6e1f4a52-3c1d-4f0b-9a57-0f1e2d3c4b5a";
const HELPDESK_ROLE: &str = "b7c8d9e0-1f2a-4b3c-8d4e-5f6a7b8c9d0e";
const AWS_USER: &str = "S-1-1-11-1111111111-2222222222-3333333333-3333";

/// An organization whose only problem is an IP range with a prefix length over 32.
const BAD_RANGE: &str = r#"{"AccessControlRules": [{"Name": "office", "Effect": "ALLOW", "Description": "", "IpRanges": ["10.0.0.0/33"]}]}"#;

/// An organization with a typo in a member name.
const TYPO: &str = r#"{"AccessControlRules": [{"Name": "office", "Effect": "DENY", "Description": "",
                        "NotIpRange": ["10.0.0.0/8"]}]}"#;

/// Asserts that `findings` is a JSON array of objects with exactly the members of a finding, and returns them:
/// strings, and where the finding is located, its `File` with a `Line` and `Column` (counted from 1).
fn findings(value: &Value) -> &Vec<Value> {
    let list = value.as_array().unwrap_or_else(|| panic!("findings are a JSON array: {value}"));
    for finding in list {
        let object = finding.as_object().unwrap_or_else(|| panic!("a finding is an object: {finding}"));
        let mut members: Vec<&str> = object.keys().map(String::as_str).collect();
        members.sort_unstable();
        members.retain(|member| !["Column", "File", "Line"].contains(member));
        assert_eq!(members, ["Code", "Message", "Path", "Problem", "Severity"], "{finding}");
        for member in ["Code", "Message", "Path", "Problem", "Severity"] {
            assert!(object[member].is_string(), "{finding}");
        }
        assert!(object.get("File").is_none_or(Value::is_string), "{finding}");
        let line = object.get("Line").map(|n| n.as_u64().filter(|&n| n >= 1));
        let column = object.get("Column").map(|n| n.as_u64().filter(|&n| n >= 1));
        assert_eq!(line.is_some(), column.is_some(), "{finding}");
        assert!(line.is_none_or(|n| n.is_some()) && column.is_none_or(|n| n.is_some()), "{finding}");
        assert!(line.is_none() || object.contains_key("File"), "{finding}");
    }
    list
}

// --- validate ---------------------------------------------------------------------------------------------------

#[test]
fn validate_accepts_the_example_organization() {
    let run = wmpolicy(&["validate", ACME]).expect_code(0);
    assert_eq!(run.stdout, "0 error(s), 0 warning(s)\n");
    assert_eq!(run.stderr, "");
    let run = wmpolicy(&["validate", "--json", ACME]).expect_code(0);
    assert_eq!(run.json(), json!([]));
}

#[test]
fn validate_reads_stdin_for_dash() {
    let acme = std::fs::read(ACME).unwrap();
    let run = wmpolicy_with_stdin(&["validate", "-"], &acme).expect_code(0);
    assert_eq!(run.stdout, "0 error(s), 0 warning(s)\n");
    let run = wmpolicy_with_stdin(&["validate", "-"], BAD_RANGE.as_bytes()).expect_code(4);
    assert!(run.stdout.contains("AccessControlRules[0].IpRanges[0]"), "{run:?}");
}

#[test]
fn validate_reports_each_finding_with_its_path_and_code() {
    let bad = TempFile::new("bad-range.json", BAD_RANGE);
    let run = wmpolicy(&["validate", bad.path()]).expect_code(4);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{run:?}");
    // As compilers print: file:line:column, severity, the path and what is wrong.
    let start = format!("{}:1:95: error: AccessControlRules[0].IpRanges[0]: \"10.0.0.0/33\" is not", bad.path());
    assert!(lines[0].starts_with(&start), "{run:?}");
    assert!(lines[0].ends_with("(InvalidParameterException)"), "{run:?}");
    assert_eq!(lines[1], "1 error(s), 0 warning(s)");
}

#[test]
fn validate_json_lists_findings_errors_first() {
    let file = TempFile::new(
        "error-and-warning.json",
        r#"{"AccessControlRules": [
            {"Name": "office", "Effect": "ALLOW", "Description": "", "IpRanges": ["10.1.2.3/8"]},
            {"Name": "bad", "Effect": "DENY", "Description": "", "IpRanges": ["10.0.0.0/33"]}
        ]}"#,
    );
    let run = wmpolicy(&["validate", "--json", file.path()]).expect_code(4);
    let value = run.json();
    let list = findings(&value);
    let summary: Vec<(&str, &str, &str, &str, &Value)> = list
        .iter()
        .map(|f| {
            let text = |member: &str| f[member].as_str().unwrap();
            (text("Path"), text("Problem"), text("Code"), text("Severity"), &f["Line"])
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("AccessControlRules[1].IpRanges[0]", "InvalidValue", "InvalidParameterException", "error", &json!(3)),
            ("AccessControlRules[0].IpRanges[0]", "HostBitsSet", "InvalidParameterException", "warning", &json!(2)),
        ]
    );
    assert!(list.iter().all(|f| f["File"] == json!(file.path())), "{value}");
    assert!(list[1]["Message"].as_str().unwrap().contains("host bits"), "{value}");
}

#[test]
fn validate_suggests_the_member_a_typo_meant() {
    let typo = TempFile::new("typo.json", TYPO);
    let run = wmpolicy(&["validate", typo.path()]).expect_code(4);
    let path = "AccessControlRules[0].NotIpRange";
    let line = format!("{}:2:25: error: {path}: unknown member `NotIpRange`", typo.path());
    assert!(run.stdout.contains(&line), "{run:?}");
    assert!(run.stdout.contains("did you mean `NotIpRanges`?"), "{run:?}");
    assert!(run.stdout.ends_with("1 error(s), 0 warning(s)\n"), "{run:?}");

    // Findings from reading a file are findings like any other: with --json, a JSON list on stdout.
    let run = wmpolicy(&["validate", "--json", typo.path()]).expect_code(4);
    assert_eq!(
        run.json(),
        json!([{
            "Path": path,
            "Problem": "UnknownMember",
            "Code": "InvalidParameterException",
            "Severity": "error",
            "Message": "unknown member `NotIpRange`; did you mean `NotIpRanges`?",
            "File": typo.path(),
            "Line": 2,
            "Column": 25,
        }])
    );
}

#[test]
fn validate_json_reports_malformed_json() {
    let broken = TempFile::new("broken.json", "{\"AccessControlRules\": [");
    let run = wmpolicy(&["validate", "--json", broken.path()]).expect_code(4);
    let value = run.json();
    let list = findings(&value);
    assert_eq!(list.len(), 1, "{value}");
    assert_eq!(list[0]["File"], json!(broken.path()));
    assert_eq!(list[0]["Path"], json!(""));
    // Where serde_json stopped: the end of the text.
    assert_eq!((&list[0]["Line"], &list[0]["Column"]), (&json!(1), &json!(24)), "{value}");
    assert_eq!(list[0]["Problem"], json!("NotJson"));
    assert_eq!(list[0]["Code"], json!("SerializationException"));
    assert_eq!(list[0]["Severity"], json!("error"));
}

// --- access -----------------------------------------------------------------------------------------------------

#[test]
fn access_answers_as_get_access_control_effect() {
    let cases: [(&[&str], Value); 6] = [
        (
            &["--ip-address", "192.0.2.5", "--action", "IMAP", "--user-id", ALICE],
            json!({"Effect": "DENY", "MatchedRules": ["deny-imap-except-archiver"]}),
        ),
        (
            &["--ip-address", "203.0.113.9", "--action", "IMAP", "--user-id", ARCHIVE],
            json!({"Effect": "ALLOW", "MatchedRules": ["default"]}),
        ),
        (
            &["--ip-address", "10.0.0.1", "--action", "EWS", "--user-id", DAVE],
            json!({"Effect": "DENY", "MatchedRules": ["contractors-office-only"]}),
        ),
        (
            // The directory resolves the email to dave's ID; 198.51.100.20 is one of the offices.
            &["--ip-address", "198.51.100.20", "--action", "EWS", "--user-id", "dave@acme.example.com"],
            json!({"Effect": "ALLOW", "MatchedRules": ["default"]}),
        ),
        (
            &["--ip-address", "192.0.2.7", "--action", "EWS", "--impersonation-role-id", ARCHIVER_ROLE],
            json!({"Effect": "ALLOW", "MatchedRules": ["impersonation-from-datacenter", "default"]}),
        ),
        (
            &["--ip-address", "10.9.9.9", "--action", "EWS", "--impersonation-role-id", HELPDESK_ROLE],
            json!({"Effect": "DENY", "MatchedRules": ["impersonation-elsewhere"]}),
        ),
    ];
    for (args, expected) in cases {
        let run = wmpolicy(&[&["access", ACME], args].concat()).expect_code(0);
        assert_eq!(run.json(), expected, "{args:?}");
        if args.contains(&"dave@acme.example.com") {
            // An email where the API names an ID is answered, with a hint on stderr.
            assert!(run.stderr.starts_with("warning: UserId: `dave@acme.example.com` is the email address"), "{run:?}");
        } else {
            assert_eq!(run.stderr, "", "{args:?}");
        }
    }
}

/// Values the service accepts but that probably mean something else get a warning on stderr; the answer on stdout
/// is still the service's (`Imap` is not `IMAP`, so the rule that denies IMAP does not match it).
#[test]
fn access_warns_about_values_that_probably_mean_something_else() {
    let run = wmpolicy(&["access", ACME, "--ip-address", "192.0.2.5", "--action", "Imap", "--user-id", ALICE]);
    let run = run.expect_code(0);
    assert_eq!(run.json(), json!({"Effect": "ALLOW", "MatchedRules": ["default"]}));
    assert_eq!(
        run.stderr,
        "warning: Action: `Imap` is not `IMAP`: actions are compared exactly, so rules that list `IMAP` do not match \
         it, and clients send `IMAP`; did you mean `IMAP`?\n"
    );
    let run = wmpolicy(&["access", ACME, "--ip-address", "192.0.2.5", "--action", "Pop", "--user-id", ALICE]);
    let run = run.expect_code(0);
    assert!(run.stderr.contains("`Pop` is not one of the seven actions clients send"), "{run:?}");
    // Without a directory, an email address is compared with the rules' UserIds as written.
    let run = wmpolicy(&[
        "access",
        AWS_ACCESS_RULES,
        "--ip-address",
        "192.0.2.0",
        "--action",
        "IMAP",
        "--user-id",
        "bob@example.com",
    ]);
    assert!(run.expect_code(0).stderr.contains("looks like an email address"));
    let run = wmpolicy(&[
        "mobile",
        ACME,
        "--device-type",
        "iPhone",
        "--user-id",
        "alice@acme.example.com",
        "--device-id",
        "X",
    ]);
    assert!(run.expect_code(0).stderr.starts_with("warning: UserId: `alice@acme.example.com` is the email address"));
}

// --- mobile -----------------------------------------------------------------------------------------------------

#[test]
fn mobile_answers_as_get_mobile_device_access_effect() {
    let cases: [(&[&str], Value); 3] = [
        (
            &["--device-type", "iPhone", "--device-user-agent", "Mail/1.0"],
            json!({"Effect": "ALLOW", "MatchedRules": [
                {"MobileDeviceAccessRuleId": "mdar-phones", "Name": "Allow phones and tablets"}
            ]}),
        ),
        (
            &["--device-type", "Android", "--device-operating-system", "Android 5.1", "--device-user-agent", "Gmail"],
            json!({"Effect": "DENY", "MatchedRules": [
                {"MobileDeviceAccessRuleId": "mdar-old-android", "Name": "Block Android 4 and 5"}
            ]}),
        ),
        (
            &["--device-model", "Pixel"],
            json!({"Effect": "DENY", "MatchedRules": [
                {"MobileDeviceAccessRuleId": "mdar-no-type", "Name": "Block devices that hide their type"}
            ]}),
        ),
    ];
    for (args, expected) in cases {
        let run = wmpolicy(&[&["mobile", ACME], args].concat()).expect_code(0);
        assert_eq!(run.json(), expected, "{args:?}");
    }
}

#[test]
fn mobile_overrides_decide_for_their_user_and_device() {
    // Dave's old Android would be denied by the rules; his override allows it.
    let run = wmpolicy(&[
        "mobile",
        ACME,
        "--device-type",
        "Android",
        "--device-operating-system",
        "Android 5.1",
        "--user-id",
        DAVE,
        "--device-id",
        "DAVEANDROID5",
    ])
    .expect_code(0);
    assert_eq!(
        run.json(),
        json!({"Effect": "ALLOW", "MatchedRules": [], "MatchedOverride": {"UserId": DAVE, "DeviceId": "DAVEANDROID5"}})
    );

    // Named by email, device id in another case: the override is reported as the organization lists it.
    let run = wmpolicy(&[
        "mobile",
        ACME,
        "--device-type",
        "iPhone",
        "--device-user-agent",
        "Mail",
        "--user-id",
        "alice@acme.example.com",
        "--device-id",
        "lostphone01",
    ])
    .expect_code(0);
    assert_eq!(
        run.json(),
        json!({"Effect": "DENY", "MatchedRules": [],
               "MatchedOverride": {"UserId": "alice@acme.example.com", "DeviceId": "LOSTPHONE01"}})
    );

    // Another user's device of that id: no override, the rules decide.
    let run = wmpolicy(&[
        "mobile",
        ACME,
        "--device-type",
        "iPhone",
        "--device-user-agent",
        "Mail",
        "--user-id",
        "bob",
        "--device-id",
        "LOSTPHONE01",
    ])
    .expect_code(0);
    assert_eq!(
        run.json(),
        json!({"Effect": "ALLOW", "MatchedRules": [
            {"MobileDeviceAccessRuleId": "mdar-phones", "Name": "Allow phones and tablets"}
        ]})
    );
}

// --- impersonation ----------------------------------------------------------------------------------------------

#[test]
fn impersonation_answers_allow_and_deny_with_exit_zero() {
    let cases = [
        (
            ARCHIVER_ROLE,
            "bob",
            json!({"Type": "READ_ONLY", "Effect": "ALLOW", "MatchedRules": [
                {"ImpersonationRuleId": "archiver-all", "Name": "Everyone"}
            ]}),
        ),
        (
            ARCHIVER_ROLE,
            "carol@acme.example.com",
            json!({"Type": "READ_ONLY", "Effect": "DENY", "MatchedRules": [
                {"ImpersonationRuleId": "archiver-not-ceo", "Name": "Not the CEO"}
            ]}),
        ),
        (
            HELPDESK_ROLE,
            "alice",
            json!({"Type": "FULL_ACCESS", "Effect": "ALLOW", "MatchedRules": [
                {"ImpersonationRuleId": "helpdesk-staff", "Name": "Staff"}
            ]}),
        ),
        (HELPDESK_ROLE, "carol", json!({"Type": "FULL_ACCESS", "Effect": "DENY", "MatchedRules": []})),
    ];
    for (role, target, expected) in cases {
        let run =
            wmpolicy(&["impersonation", ACME, "--impersonation-role-id", role, "--target-user", target]).expect_code(0);
        assert_eq!(run.json(), expected, "{role} {target}");
    }
}

// --- rejected requests (exit 1) ---------------------------------------------------------------------------------

/// Asserts the service's error shape on stdout: exactly `{"Error": {"Code": code, "Message": message}}`.
fn assert_rejected(args: &[&str], code: &str, message: &str) {
    let run = wmpolicy(args).expect_code(1);
    assert_eq!(run.json(), json!({"Error": {"Code": code, "Message": message}}), "{args:?}");
}

#[test]
fn rejected_requests_exit_one_with_the_service_error() {
    let pattern = workmail_policy::constraints::Pattern::Ipv4Address;
    assert_rejected(
        &["access", ACME, "--ip-address", "999.0.0.1", "--action", "IMAP", "--user-id", ALICE],
        "InvalidParameterException",
        &format!("IpAddress \"999.0.0.1\" is not {}", pattern.describe()),
    );
    assert_rejected(
        &["access", ACME, "--ip-address", "10.9.9.9", "--action", "IMAP"],
        "InvalidParameterException",
        "You must provide either the user ID or impersonation role ID, not both and not neither",
    );
    assert_rejected(
        &["access", ACME, "--ip-address", "10.9.9.9", "--action", "IMAP", "--impersonation-role-id", HELPDESK_ROLE],
        "InvalidParameterException",
        "Impersonation role ID can only be used with Action EWS, not \"IMAP\"",
    );
    assert_rejected(
        &["access", ACME, "--ip-address", "10.9.9.9", "--action", "IMAP", "--user-id", "alice"],
        "InvalidParameterException",
        "UserId \"alice\" is 5 characters long; the service requires at least 12",
    );
    assert_rejected(
        &["access", ACME, "--ip-address", "10.9.9.9", "--action", "EWS", "--impersonation-role-id", "no-such-role"],
        "ResourceNotFoundException",
        "ImpersonationRoleId \"no-such-role\" names no impersonation role",
    );
    assert_rejected(
        &["mobile", ACME, "--device-type", "iPhone", "--user-id", "alice"],
        "InvalidParameterException",
        "UserId and DeviceId select a mobile device access override together; give both or neither",
    );
    assert_rejected(
        &["impersonation", ACME, "--impersonation-role-id", HELPDESK_ROLE, "--target-user", "erin"],
        "EntityStateException",
        "TargetUser \"erin\" is not enabled",
    );
    assert_rejected(
        &["impersonation", ACME, "--impersonation-role-id", HELPDESK_ROLE, "--target-user", "zed"],
        "EntityNotFoundException",
        "TargetUser \"zed\" names no user of the directory",
    );
}

// --- invalid organizations (exit 4) -----------------------------------------------------------------------------

#[test]
fn query_commands_refuse_an_invalid_organization() {
    let bad = TempFile::new("bad-range.json", BAD_RANGE);
    let typo = TempFile::new("typo.json", TYPO);
    for file in [&bad, &typo] {
        let queries: [&[&str]; 4] = [
            &["access", file.path(), "--ip-address", "10.0.0.1", "--action", "IMAP", "--user-id", AWS_USER],
            &["mobile", file.path(), "--device-type", "iPhone"],
            &["impersonation", file.path(), "--impersonation-role-id", "r", "--target-user", "bob"],
            &["batch", file.path()],
        ];
        for args in queries {
            let request = br#"{"Operation":"GetMobileDeviceAccessEffect","DeviceType":"iPhone"}"#;
            let run = wmpolicy_with_stdin(args, request).expect_code(4);
            assert_eq!(run.stdout, "", "{args:?}");
            assert!(run.stderr.starts_with(&format!("{}:", file.path())), "{args:?}: {run:?}");
            assert!(run.stderr.contains(": error: "), "{args:?}: {run:?}");
        }
    }
    let run = wmpolicy(&["mobile", bad.path(), "--device-type", "iPhone"]).expect_code(4);
    assert!(run.stderr.contains(":1:95: error: AccessControlRules[0].IpRanges[0]: \"10.0.0.0/33\""), "{run:?}");
    assert!(run.stderr.contains("(InvalidParameterException)"), "{run:?}");
    let run = wmpolicy(&["mobile", typo.path(), "--device-type", "iPhone"]).expect_code(4);
    assert!(run.stderr.contains("did you mean `NotIpRanges`?"), "{run:?}");
}

#[test]
fn query_commands_answer_despite_warnings_and_show_them() {
    let file = TempFile::new(
        "host-bits.json",
        r#"{"AccessControlRules": [{"Name": "office", "Effect": "DENY", "Description": "", "IpRanges": ["10.1.2.3/8"]}]}"#,
    );
    let run =
        wmpolicy(&["access", file.path(), "--ip-address", "10.200.0.1", "--action", "IMAP", "--user-id", AWS_USER])
            .expect_code(0);
    assert_eq!(run.json(), json!({"Effect": "DENY", "MatchedRules": ["office"]}));
    let start = format!("{}:1:94: warning: AccessControlRules[0].IpRanges[0]: ", file.path());
    assert!(run.stderr.starts_with(&start), "{run:?}");
}

// --- usage errors (exit 2) and unreadable inputs (exit 3) -------------------------------------------------------

#[test]
fn usage_errors_exit_two() {
    let usages: [&[&str]; 7] = [
        &[],
        &["frobnicate", ACME],
        &["validate"],
        &["validate", "--no-such-flag", ACME],
        &["access", ACME, "--ip-address", "10.0.0.1"],
        &["impersonation", ACME, "--target-user", "bob"],
        &["batch"],
    ];
    for args in usages {
        let run = wmpolicy(args).expect_code(2);
        assert_eq!(run.stdout, "", "{args:?}");
        assert!(run.stderr.contains("Usage: wmpolicy"), "{args:?}: {run:?}");
    }
}

#[test]
fn unreadable_inputs_exit_three() {
    let missing = std::env::temp_dir().join(format!("wmpolicy-cli-{}-missing.json", std::process::id()));
    let missing = missing.to_str().unwrap();
    let directory = std::env::temp_dir();
    let directory = directory.to_str().unwrap();
    for path in [missing, directory] {
        let commands: [&[&str]; 5] = [
            &["validate", path],
            &["validate", ACME, path],
            &["access", path, "--ip-address", "10.0.0.1", "--action", "IMAP", "--user-id", AWS_USER],
            &["impersonation", ACME, path, "--impersonation-role-id", ARCHIVER_ROLE, "--target-user", "bob"],
            &["batch", path],
        ];
        for args in commands {
            let run = wmpolicy(args).expect_code(3);
            assert_eq!(run.stdout, "", "{args:?}");
            assert!(run.stderr.starts_with(&format!("error: cannot read {path}: ")), "{args:?}: {run:?}");
        }
    }
    assert!(!Path::new(missing).exists());
}

// --- batch ------------------------------------------------------------------------------------------------------

#[test]
fn batch_answers_every_line_in_order() {
    let lines: [(&str, Value); 14] = [
        (
            r#"{"Operation":"GetAccessControlEffect","IpAddress":"192.0.2.5","Action":"IMAP","UserId":"S-1-1-11-4012345678-1000000001-2000000001-1001"}"#,
            json!({"Effect": "DENY", "MatchedRules": ["deny-imap-except-archiver"]}),
        ),
        (
            // CRLF line ending, and the ignored OrganizationId.
            "{\"Operation\":\"GetAccessControlEffect\",\"OrganizationId\":\"m-0123456789abcdef0123456789abcdef\",\"IpAddress\":\"192.0.2.7\",\"Action\":\"EWS\",\"ImpersonationRoleId\":\"6e1f4a52-3c1d-4f0b-9a57-0f1e2d3c4b5a\"}\r",
            json!({"Effect": "ALLOW", "MatchedRules": ["impersonation-from-datacenter", "default"]}),
        ),
        ("this is not JSON", Value::Null),
        ("", Value::Null),
        (
            r#"{"Operation":"GetMobileDeviceAccessEffect","DeviceType":"iPhone","DeviceUserAgent":"Mail/1.0"}"#,
            json!({"Effect": "ALLOW", "MatchedRules": [
                {"MobileDeviceAccessRuleId": "mdar-phones", "Name": "Allow phones and tablets"}
            ]}),
        ),
        (
            r#"{"Operation":"GetAccessControlEffect","IpAddress":"192.0.2.5","Action":"IMAP","UserID":"alice"}"#,
            Value::Null,
        ),
        (
            r#"{"Operation":"GetMobileDeviceAccessEffect","DeviceType":"Android","UserId":"S-1-1-11-4012345678-1000000004-2000000004-1004","DeviceId":"DAVEANDROID5"}"#,
            json!({"Effect": "ALLOW", "MatchedRules": [], "MatchedOverride": {"UserId": DAVE, "DeviceId": "DAVEANDROID5"}}),
        ),
        (
            "\r",
            Value::Null,
        ),
        (
            r#"{"Operation":"GetImpersonationRoleEffect","ImpersonationRoleId":"6e1f4a52-3c1d-4f0b-9a57-0f1e2d3c4b5a","TargetUser":"carol"}"#,
            json!({"Type": "READ_ONLY", "Effect": "DENY", "MatchedRules": [
                {"ImpersonationRuleId": "archiver-not-ceo", "Name": "Not the CEO"}
            ]}),
        ),
        (
            r#"{"Operation":"GetAccessControlEffect","IpAddress":"10.0.0.1","Action":"IMAP"}"#,
            json!({"Error": {"Code": "InvalidParameterException",
                   "Message": "You must provide either the user ID or impersonation role ID, not both and not neither"}}),
        ),
        (
            r#"{"Operation":"GetImpersonationRoleEffect","ImpersonationRoleId":"b7c8d9e0-1f2a-4b3c-8d4e-5f6a7b8c9d0e","TargetUser":"erin"}"#,
            json!({"Error": {"Code": "EntityStateException", "Message": "TargetUser \"erin\" is not enabled"}}),
        ),
        (
            r#"{"Operation":"GetAccessControlEffect","IpAddress":"10.0.0.1","Action":"IMAP","TargetUser":"bob","UserId":"S-1-1-11-4012345678-1000000001-2000000001-1001"}"#,
            json!({"Error": {"Code": "InvalidParameterException",
                   "Message": "TargetUser is not a member of GetAccessControlEffect's request"}}),
        ),
        (
            r#"{"Operation":"SimulateEverything"}"#,
            json!({"Error": {"Code": "InvalidParameterException",
                   "Message": "unknown Operation \"SimulateEverything\"; expected GetAccessControlEffect, GetMobileDeviceAccessEffect or GetImpersonationRoleEffect"}}),
        ),
        (
            // The last line has no line ending at all.
            r#"{"IpAddress":"10.0.0.1"}"#,
            json!({"Error": {"Code": "InvalidParameterException", "Message": "the request has no Operation member"}}),
        ),
    ];
    let input = lines.iter().map(|(line, _)| *line).collect::<Vec<_>>().join("\n");
    assert!(!input.ends_with('\n'));
    let run = wmpolicy_with_stdin(&["batch", ACME], input.as_bytes()).expect_code(0);
    assert_eq!(run.stderr, "");
    assert!(run.stdout.ends_with('\n'), "every answer line ends with a newline: {run:?}");
    let answers: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(answers.len(), lines.len(), "one answer per request line: {run:?}");
    for (n, ((request, expected), answer)) in lines.iter().zip(&answers).enumerate() {
        let answer: Value =
            serde_json::from_str(answer).unwrap_or_else(|e| panic!("answer {n} is not JSON ({e}): {answer}"));
        if expected.is_null() {
            // Lines that are not requests: the error shape, with a code that says why.
            let object = answer.as_object().unwrap_or_else(|| panic!("answer {n}: {answer}"));
            assert_eq!(object.keys().collect::<Vec<_>>(), ["Error"], "answer {n} to {request:?}");
            let error = answer["Error"].as_object().unwrap();
            assert_eq!(error.keys().collect::<Vec<_>>(), ["Code", "Message"], "answer {n} to {request:?}");
            assert!(error["Message"].is_string(), "answer {n} to {request:?}: {answer}");
        } else {
            assert_eq!(&answer, expected, "answer {n} to {request:?}");
        }
    }
    let codes: Vec<Value> = answers
        .iter()
        .zip(&lines)
        .filter(|(_, (_, expected))| expected.is_null())
        .map(|(answer, _)| serde_json::from_str::<Value>(answer).unwrap()["Error"]["Code"].clone())
        .collect();
    assert_eq!(
        codes,
        ["SerializationException", "SerializationException", "InvalidParameterException", "SerializationException"],
        "non-JSON, empty, unknown member, lone CR"
    );
    let unknown_member: Value = serde_json::from_str(answers[5]).unwrap();
    assert!(
        unknown_member["Error"]["Message"]
            .as_str()
            .unwrap()
            .contains("unknown member `UserID`; did you mean `UserId`?"),
        "{unknown_member}"
    );

    // The same requests with CRLF line endings throughout get the same answers, still with LF endings.
    let crlf = input.replace('\r', "").replace('\n', "\r\n") + "\r\n";
    let run_crlf = wmpolicy_with_stdin(&["batch", ACME], crlf.as_bytes()).expect_code(0);
    assert_eq!(run_crlf.stdout, run.stdout);
}

#[test]
fn batch_with_no_input_answers_nothing() {
    let run = wmpolicy_with_stdin(&["batch", ACME], b"").expect_code(0);
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, "");
}

// --- the aws CLI's output ---------------------------------------------------------------------------------------

/// `{"Rules": []}` is what both list commands print for an organization with none: refused as ambiguous, with the
/// way out named; read with `--as KIND FILE`.
#[test]
fn an_empty_rules_list_is_read_as_the_kind_named_with_as() {
    let empty = TempFile::new("no-rules.json", r#"{"Rules": []}"#);
    let run = wmpolicy(&["validate", empty.path()]).expect_code(4);
    assert!(
        run.stdout
            .contains("say which with `--as access-control-rules FILE` or `--as mobile-device-access-rules FILE`"),
        "{run:?}"
    );
    let run = wmpolicy(&["validate", "--as", "access-control-rules", empty.path()]).expect_code(0);
    assert_eq!(run.stdout, "0 error(s), 0 warning(s)\n");
    // No access-control rules at all: every request is denied (SEMANTICS 1.2), and lint says so.
    let run = wmpolicy(&["lint", "--as", "access-control-rules", empty.path()]).expect_code(5);
    assert!(run.stdout.contains("there are no access-control rules"), "{run:?}");
    // Mobile rules: the example's rules keep the place they had; none are added.
    let device = ["--device-type", "iPhone", "--device-operating-system", "iOS 17.4"];
    let with = wmpolicy(&[&["mobile", ACME, "--as", "mobile-device-access-rules", empty.path()][..], &device].concat());
    let without = wmpolicy(&[&["mobile", ACME][..], &device].concat());
    assert_eq!(with.expect_code(0).json(), without.expect_code(0).json());
    let run = wmpolicy(&["validate", "--as", "rules", empty.path()]).expect_code(2);
    assert!(run.stderr.contains("KIND is access-control-rules or mobile-device-access-rules"), "{run:?}");
}

#[test]
fn aws_cli_list_access_control_rules_output_is_an_organization() {
    let query = |user: &str| {
        wmpolicy(&[
            "access",
            AWS_ACCESS_RULES,
            "--ip-address",
            "192.0.2.0",
            "--action",
            "WindowsOutlook",
            "--user-id",
            user,
        ])
        .expect_code(0)
        .json()
    };
    assert_eq!(query(AWS_USER), json!({"Effect": "DENY", "MatchedRules": ["myRule"]}));
    assert_eq!(
        query("S-1-1-11-1111111111-2222222222-3333333333-4444"),
        json!({"Effect": "ALLOW", "MatchedRules": ["default"]})
    );
    assert_eq!(wmpolicy(&["validate", AWS_ACCESS_RULES]).expect_code(0).stdout, "0 error(s), 0 warning(s)\n");
}

/// `aws workmail list-users` output.
const LIST_USERS: &str = r#"{
    "Users": [
        {"Id": "S-1-1-11-1111111111-2222222222-3333333333-3333", "Email": "mary@example.com", "Name": "mary",
         "DisplayName": "Mary Major", "State": "ENABLED", "UserRole": "USER", "EnabledDate": 1581635628.0},
        {"Id": "S-1-1-11-1111111111-2222222222-3333333333-4444", "Email": "joe@example.com", "Name": "joe",
         "State": "ENABLED", "UserRole": "USER"}
    ]
}"#;

#[test]
fn aws_cli_outputs_merge_in_order() {
    let users = TempFile::new("list-users.json", LIST_USERS);
    let access = |files: &[&str], user: &str| {
        let args =
            [&["access"], files, &["--ip-address", "192.0.2.0", "--action", "WindowsOutlook", "--user-id", user]];
        wmpolicy(&args.concat())
    };
    for files in [[users.path(), AWS_ACCESS_RULES], [AWS_ACCESS_RULES, users.path()]] {
        // With the directory loaded, a user may be named by email or user name.
        let run = access(&files, "mary@example.com").expect_code(0);
        assert_eq!(run.json(), json!({"Effect": "DENY", "MatchedRules": ["myRule"]}));
        let run = access(&files, "joe@example.com").expect_code(0);
        assert_eq!(run.json(), json!({"Effect": "ALLOW", "MatchedRules": ["default"]}));
        let run = access(&files, "nobody@example.com").expect_code(1);
        assert_eq!(
            run.json(),
            json!({"Error": {"Code": "EntityNotFoundException",
                             "Message": "UserId \"nobody@example.com\" names no user of the directory"}})
        );
        assert_eq!(wmpolicy(&[&["validate"], &files[..]].concat()).expect_code(0).stdout, "0 error(s), 0 warning(s)\n");
    }

    // A directory that lacks the rule's user makes the merged organization invalid.
    let other_users = TempFile::new(
        "other-users.json",
        r#"{"Users": [{"Id": "S-1-1-11-1111111111-2222222222-3333333333-4444", "Name": "joe"}]}"#,
    );
    let run = wmpolicy(&["validate", "--json", AWS_ACCESS_RULES, other_users.path()]).expect_code(4);
    // The finding names the file that holds the rule, and the rule's path in that file (issue 12).
    assert_eq!(
        run.json(),
        json!([{
            "Path": "Rules[1].UserIds[0]",
            "Problem": "UnknownUser",
            "Code": "EntityNotFoundException",
            "Severity": "error",
            "File": AWS_ACCESS_RULES,
            "Line": 15,
            "Column": 13,
            "Message": "\"S-1-1-11-1111111111-2222222222-3333333333-3333\" names no user of the directory (no user has it as ID, email or name)",
        }])
    );
}

#[test]
fn aws_cli_mobile_outputs_and_paged_overrides_merge() {
    let rules = TempFile::new(
        "list-mobile-device-access-rules.json",
        r#"{"Rules": [{"MobileDeviceAccessRuleId": "mdar-1", "Name": "No Android", "Effect": "DENY",
                       "DeviceTypes": ["Android"], "DateCreated": 1614704932.0, "DateModified": 1614704932.0}]}"#,
    );
    // Two pages of `list-mobile-device-access-overrides`, concatenated into one file.
    let overrides = TempFile::new(
        "list-mobile-device-access-overrides.json",
        r#"{"Overrides": [{"UserId": "joe@example.com", "DeviceId": "JOEPHONE", "Effect": "ALLOW"}], "NextToken": "t1"}
           {"Overrides": [{"UserId": "mary", "DeviceId": "MARYPHONE", "Effect": "DENY"}]}"#,
    );
    let users = TempFile::new("list-users.json", LIST_USERS);
    let files = [rules.path(), overrides.path(), users.path()];
    let mobile = |extra: &[&str]| wmpolicy(&[&["mobile"], &files[..], extra].concat()).expect_code(0).json();
    assert_eq!(
        mobile(&["--device-type", "Android"]),
        json!({"Effect": "DENY", "MatchedRules": [{"MobileDeviceAccessRuleId": "mdar-1", "Name": "No Android"}]})
    );
    assert_eq!(
        mobile(&["--device-type", "Android", "--user-id", "joe", "--device-id", "JOEPHONE"]),
        json!({"Effect": "ALLOW", "MatchedRules": [],
               "MatchedOverride": {"UserId": "joe@example.com", "DeviceId": "JOEPHONE"}})
    );
    assert_eq!(
        mobile(&[
            "--device-type",
            "iPhone",
            "--user-id",
            "S-1-1-11-1111111111-2222222222-3333333333-3333",
            "--device-id",
            "maryphone"
        ]),
        json!({"Effect": "DENY", "MatchedRules": [], "MatchedOverride": {"UserId": "mary", "DeviceId": "MARYPHONE"}})
    );
}

// --- explain ----------------------------------------------------------------------------------------------------

#[test]
fn explain_shows_every_rule_and_how_the_verdict_followed() {
    let args = ["--ip-address", "203.0.113.200", "--action", "WebMail", "--user-id", "dave@acme.example.com"];
    let run = wmpolicy(&[&["explain", "access", ACME][..], &args].concat()).expect_code(0);
    assert!(run.stdout.starts_with("Verdict: DENY [contractors-office-only]\n"), "{}", run.stdout);
    assert!(run.stdout.contains("AccessControlRules[1] \"contractors-office-only\" DENY: matched"), "{}", run.stdout);
    assert!(run.stdout.contains("no match: Actions: WebMail is not one of \"IMAP\""), "{}", run.stdout);
    assert!(run.stdout.contains("Decision: a DENY rule matched (contractors-office-only)"), "{}", run.stdout);

    // The JSON verdict is exactly what the query command answers.
    let explained = wmpolicy(&[&["explain", "access", ACME, "--json"][..], &args].concat()).expect_code(0).json();
    let answered = wmpolicy(&[&["access", ACME][..], &args].concat()).expect_code(0).json();
    assert_eq!(explained["Verdict"], answered);
    assert_eq!(explained["Rules"].as_array().map(Vec::len), Some(5));
    assert_eq!(
        explained["Rules"][0]["Failed"],
        json!({"Condition": "Actions", "Reason": "WebMail is not one of \"IMAP\""})
    );
    assert_eq!(explained["Decision"]["Kind"], json!("DenyRuleMatched"));
}

#[test]
fn explain_covers_mobile_overrides_and_impersonation() {
    let run = wmpolicy(&[
        "explain",
        "mobile",
        ACME,
        "--device-type",
        "iPhone",
        "--user-id",
        "alice@acme.example.com",
        "--device-id",
        "lostphone01",
    ])
    .expect_code(0);
    assert!(
        run.stdout.contains(
            "Decision: the override for UserId alice@acme.example.com and DeviceId LOSTPHONE01 decided (DENY)"
        ),
        "{}",
        run.stdout
    );
    let run = wmpolicy(&[
        "explain",
        "impersonation",
        ACME,
        "--json",
        "--impersonation-role-id",
        ARCHIVER_ROLE,
        "--target-user",
        "bob",
    ])
    .expect_code(0);
    let value = run.json();
    assert_eq!(value["Verdict"]["Effect"], json!("ALLOW"));
    assert_eq!(value["Rules"][1]["Failed"]["Condition"], json!("TargetUsers"));
}

#[test]
fn explain_of_a_refused_request_exits_one_with_the_error() {
    let run = wmpolicy(&[
        "explain",
        "access",
        ACME,
        "--json",
        "--ip-address",
        "192.0.2.10",
        "--action",
        "IMAP",
        "--impersonation-role-id",
        ARCHIVER_ROLE,
    ])
    .expect_code(1);
    let value = run.json();
    assert_eq!(value["Verdict"]["Error"]["Code"], json!("InvalidParameterException"));
    assert_eq!(value["Decision"]["Kind"], json!("RequestRejected"));
}

// --- diff -------------------------------------------------------------------------------------------------------

#[test]
fn diff_of_an_organization_with_itself_is_equivalent() {
    let run = wmpolicy(&["diff", ACME, ACME]).expect_code(0);
    assert_eq!(
        run.stdout,
        "GetAccessControlEffect: equivalent\nGetMobileDeviceAccessEffect: equivalent\nGetImpersonationRoleEffect: equivalent\n"
    );
    let run = wmpolicy(&["diff", ACME, ACME, "--json"]).expect_code(0);
    assert_eq!(run.json(), json!({"Equivalent": true, "Access": [], "Mobile": [], "Impersonation": []}));
}

/// Every counterexample `diff --json` gives, asked of both files through `wmpolicy batch`, gets the reported
/// answers.
#[test]
fn diff_counterexamples_reproduce_through_batch() {
    let value = wmpolicy(&["diff", ACME, ACME_PROPOSED, "--json"]).expect_code(5).json();
    assert_eq!(value["Equivalent"], json!(false));
    let mut lines = String::new();
    let mut expected: [Vec<Value>; 2] = Default::default();
    for (call, operation) in [("Access", "GetAccessControlEffect"), ("Mobile", "GetMobileDeviceAccessEffect")] {
        let changes = value[call].as_array().unwrap_or_else(|| panic!("{call} is compared: {value}"));
        assert!(!changes.is_empty(), "acme-proposed changes {call}");
        for change in changes {
            let mut request = change["Example"].clone();
            request["Operation"] = json!(operation);
            lines.push_str(&format!("{request}\n"));
            expected[0].push(change["Old"].clone());
            expected[1].push(change["New"].clone());
        }
    }
    for (file, expected) in [ACME, ACME_PROPOSED].into_iter().zip(expected) {
        let run = wmpolicy_with_stdin(&["batch", file], lines.as_bytes()).expect_code(0);
        let answers: Vec<Value> = run.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(answers, expected, "{file}");
    }
}

#[test]
fn diff_text_lists_regions_with_an_example_and_exits_five() {
    let run = wmpolicy(&["diff", ACME, ACME_PROPOSED, "--kind", "access"]).expect_code(5);
    assert!(run.stdout.starts_with("GetAccessControlEffect: 5 changed regions\n"), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "from 203.0.113.64/26 for user dave@acme.example.com: ALLOW [default] → DENY [contractors-office-only]; e.g. --ip-address 203.0.113.65"
        ),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("GetMobileDeviceAccessEffect"), "--kind access compares access only");
    wmpolicy(&["diff", ACME, ACME_PROPOSED, "--kind", "impersonation"]).expect_code(0);
}

#[test]
fn diff_reads_aws_cli_output_and_refuses_invalid_files() {
    // The aws CLI's rules against acme's: only access-control rules differ (both lack roles and users there).
    let run = wmpolicy(&["diff", AWS_ACCESS_RULES, ACME, "--kind", "access"]).expect_code(5);
    assert!(run.stdout.starts_with("GetAccessControlEffect: "), "{}", run.stdout);
    let bad = TempFile::new("diff-bad-range.json", BAD_RANGE);
    let run = wmpolicy(&["diff", ACME, bad.path()]).expect_code(4);
    assert!(run.stderr.contains("AccessControlRules[0].IpRanges[0]"), "{run:?}");
    wmpolicy(&["diff", ACME, "/nonexistent/new.json"]).expect_code(3);
}

// --- lint -------------------------------------------------------------------------------------------------------

#[test]
fn lint_of_the_example_organization_is_clean() {
    let run = wmpolicy(&["lint", ACME]).expect_code(0);
    assert_eq!(run.stdout, "0 dead rule(s), 0 lockout(s), 0 likely mistake(s)\n");
    assert_eq!(wmpolicy(&["lint", ACME, "--json"]).expect_code(0).json(), json!({"Findings": []}));
}

#[test]
fn lint_reports_dead_rules_lockouts_and_mistakes_and_exits_five() {
    let file = TempFile::new(
        "lint.json",
        r#"{"AccessControlRules": [
            {"Name": "no-imap", "Effect": "DENY", "Description": "", "Actions": ["IMAP"]},
            {"Name": "imap-office", "Effect": "ALLOW", "Description": "", "Actions": ["IMAP"], "IpRanges": ["10.1.2.3/8"]},
            {"Name": "no-ews", "Effect": "DENY", "Description": "", "Actions": ["EWS"]},
            {"Name": "default", "Effect": "ALLOW", "Description": ""}],
          "MobileDeviceAccessRules": []}"#,
    );
    let run = wmpolicy(&["lint", file.path()]).expect_code(5);
    assert!(run.stdout.contains("dead rule: AccessControlRules[1]: \"imap-office\" never decides"), "{}", run.stdout);
    assert!(
        run.stdout.contains("lockout: MobileDeviceAccessRules: there are no mobile-device access rules"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("likely mistake: AccessControlRules: WindowsOutlook is allowed but EWS is denied"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("has host bits set"), "{}", run.stdout);
    assert!(run.stdout.ends_with("1 dead rule(s), 1 lockout(s), 2 likely mistake(s)\n"), "{}", run.stdout);

    let value = wmpolicy(&["lint", file.path(), "--json"]).expect_code(5).json();
    let dead = &value["Findings"][0];
    assert_eq!(dead["Category"], json!("DeadRule"));
    assert_eq!(dead["Path"], json!("AccessControlRules[1]"));
    assert_eq!(dead["ShadowedBy"], json!([format!("{}: AccessControlRules[0]", file.path())]));
    assert_eq!((&dead["File"], &dead["Line"]), (&json!(file.path()), &json!(3)), "{value}");
}

/// The issue's organization: every documented protocol denied, an undocumented spelling still allowed by
/// `default`. Every user is locked out, and the finding names the rule.
#[test]
fn lint_finds_every_user_locked_out_of_the_seven_protocols() {
    let file = TempFile::new(
        "deny-all-protocols.json",
        r#"{"AccessControlRules": [
            {"Name": "deny-all-protocols", "Effect": "DENY", "Description": "d",
             "Actions": ["WebMail", "EWS", "IMAP", "ActiveSync", "AutoDiscover", "SMTP", "WindowsOutlook"]},
            {"Name": "default", "Effect": "ALLOW", "Description": "Default WorkMail Rule"}]}"#,
    );
    let run = wmpolicy(&["lint", file.path()]).expect_code(5);
    assert_eq!(
        run.stdout.strip_prefix(&format!("{}:1:2: warning: ", file.path())).unwrap_or(&run.stdout),
        "lockout: AccessControlRules: every user is denied every protocol (ActiveSync, AutoDiscover, EWS, IMAP, SMTP, \
         WindowsOutlook, WebMail) from every address, by \"deny-all-protocols\": no one can reach their mail\n\
         0 dead rule(s), 1 lockout(s), 0 likely mistake(s)\n"
    );
    let value = wmpolicy(&["lint", file.path(), "--json"]).expect_code(5).json();
    assert_eq!(
        value["Findings"][0]["Lockout"],
        json!({"Who": "EveryUser", "Extent": "EveryProtocolEverywhere", "Rules": ["deny-all-protocols"]})
    );
    // The undocumented spelling is still allowed: the lockout is judged over the protocols clients use.
    let run = wmpolicy(&[
        "access",
        file.path(),
        "--ip-address",
        "192.0.2.1",
        "--action",
        "Foo",
        "--user-id",
        "S-1-1-11-0000000001",
    ]);
    assert_eq!(run.expect_code(0).json()["Effect"], json!("ALLOW"));
}

#[test]
fn lint_must_reach_checks_named_accounts() {
    let run = wmpolicy(&[
        "lint",
        ACME,
        "--must-reach",
        "archive@acme.example.com:IMAP",
        "--must-reach",
        "dave@acme.example.com",
    ]);
    assert_eq!(run.expect_code(0).stdout, "0 dead rule(s), 0 lockout(s), 0 likely mistake(s)\n");
    let run = wmpolicy(&["lint", ACME, "--must-reach", "dave@acme.example.com:imap", "--json"]).expect_code(5).json();
    let finding = &run["Findings"][0];
    assert_eq!(finding["Check"], json!("MustReach"));
    assert_eq!(finding["Path"], json!("Users[3]"));
    assert_eq!(finding["Lockout"]["Extent"], json!({"ProtocolsEverywhere": ["IMAP"]}));
    assert_eq!(finding["Lockout"]["Rules"], json!(["deny-imap-except-archiver", "contractors-office-only"]));
    // What the finding says, the access call confirms.
    let ask = |ip: &str| {
        wmpolicy(&["access", ACME, "--ip-address", ip, "--action", "IMAP", "--user-id", "dave@acme.example.com"])
            .expect_code(0)
            .json()["Effect"]
            .clone()
    };
    assert_eq!((ask("198.51.100.9"), ask("192.0.2.9")), (json!("DENY"), json!("DENY")));
    let run = wmpolicy(&["lint", ACME, "--must-reach", "dave@acme.example.com:IMAP4"]).expect_code(2);
    assert!(run.stderr.contains("\"IMAP4\" is not a protocol"), "{run:?}");
}

// --- completions and man page ----------------------------------------------------------------------------------

/// The bash completion script completes subcommands and their flags, as bash runs it.
#[test]
fn bash_completion_completes_subcommands_and_flags() {
    let script = wmpolicy(&["completions", "bash"]).expect_code(0).stdout;
    let complete = |words: &str| {
        let program = format!(
            "{script}\nCOMP_WORDS=({words}); COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 )); \
             _wmpolicy wmpolicy \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\""
        );
        let out = Command::new("bash").args(["--norc", "-c", &program]).output().expect("bash runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(complete("wmpolicy li"), "lint\n");
    assert!(complete("wmpolicy effective").contains("effective-access"));
    assert!(
        complete("wmpolicy lint --must").lines().any(|l| l == "--must-reach"),
        "{}",
        complete("wmpolicy lint --must")
    );
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        assert!(wmpolicy(&["completions", shell]).expect_code(0).stdout.contains("must-reach"), "{shell}");
    }
}

#[test]
fn man_pages_cover_every_command() {
    let page = wmpolicy(&["man"]).expect_code(0).stdout;
    assert!(page.contains(".TH wmpolicy 1"), "{page}");
    assert!(page.contains("effective\\-access"), "the main page lists the subcommands");
    let dir = std::env::temp_dir().join(format!("wmpolicy-man-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    wmpolicy(&["man", "--out-dir", dir.to_str().unwrap()]).expect_code(0);
    let lint = std::fs::read_to_string(dir.join("wmpolicy-lint.1")).expect("a page per subcommand");
    assert!(lint.contains(".TH wmpolicy-lint 1") && lint.contains("must\\-reach"), "{lint}");
    assert!(dir.join("wmpolicy-effective-access.1").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

// --- effective-access -------------------------------------------------------------------------------------------

#[test]
fn effective_access_of_the_example_is_a_table_and_json_the_access_call_agrees_with() {
    let run = wmpolicy(&["effective-access", ACME]).expect_code(0);
    let dave = run.stdout.lines().find(|l| l.starts_with("dave@acme.example.com")).expect("a row for dave");
    assert_eq!(
        dave.split_whitespace().collect::<Vec<_>>(),
        ["dave@acme.example.com", "[1]", "[1]", "[1]", "nowhere", "[1]", "[1]", "[1]"]
    );
    assert!(run.stdout.contains("\n[1] 198.51.100.0/24, 203.0.113.0/25\n"), "{}", run.stdout);

    let value = wmpolicy(&["effective-access", ACME, "--json"]).expect_code(0).json();
    let rows = value["Rows"].as_array().unwrap();
    assert_eq!(rows.len(), 8, "six users and two roles");
    let dave = rows.iter().find(|r| r["Label"] == json!("dave@acme.example.com")).unwrap();
    assert_eq!(dave["Protocols"]["WebMail"]["Allowed"], json!(["198.51.100.0/24", "203.0.113.0/25"]));
    let id = dave["Id"].as_str().unwrap();
    for (ip, effect) in
        [("198.51.100.200", "ALLOW"), ("203.0.113.127", "ALLOW"), ("203.0.113.128", "DENY"), ("8.8.8.8", "DENY")]
    {
        let answer = wmpolicy(&["access", ACME, "--ip-address", ip, "--action", "WebMail", "--user-id", id])
            .expect_code(0)
            .json();
        assert_eq!(answer["Effect"], json!(effect), "{ip}");
    }
    let role = rows.iter().find(|r| r["Kind"] == json!("ImpersonationRole")).unwrap();
    assert_eq!(role["Protocols"]["EWS"]["Allowed"], json!(["192.0.2.0/24"]));
    assert_eq!(
        role["Protocols"]["IMAP"]["Regions"][0]["Answer"],
        json!({"Error": {"Code": "InvalidParameterException"}})
    );
}

#[test]
fn effective_access_of_one_user_and_against_a_proposal() {
    let run = wmpolicy(&["effective-access", ACME, "--user", "dave@acme.example.com"]).expect_code(0);
    assert!(run.stdout.contains("  IMAP: nowhere\n"), "{}", run.stdout);
    assert!(
        run.stdout.contains("DENY [contractors-office-only] from anywhere but 198.51.100.0/24, 203.0.113.0/25"),
        "{}",
        run.stdout
    );
    let run = wmpolicy(&["effective-access", ACME, "--user", "nobody@acme.example.com"]).expect_code(2);
    assert!(run.stderr.contains("no such user"), "{run:?}");

    let run = wmpolicy(&["effective-access", ACME, "--against", ACME]).expect_code(0);
    assert_eq!(run.stdout, "0 cell(s) changed\n");
    let value = wmpolicy(&["effective-access", ACME, "--against", ACME_PROPOSED, "--json"]).expect_code(5).json();
    let changes = value["Changes"].as_array().unwrap();
    let alice = changes.iter().find(|c| c["Label"] == json!("alice@acme.example.com")).unwrap();
    assert_eq!(alice["Protocol"], json!("WebMail"));
    assert_eq!(alice["Old"]["Allowed"], json!(["0.0.0.0/0"]));
    assert_eq!(alice["New"]["Allowed"], json!(["198.51.100.0/24", "203.0.113.0/26"]));
}

#[test]
fn lint_refuses_an_invalid_organization() {
    let bad = TempFile::new("lint-bad-range.json", BAD_RANGE);
    let run = wmpolicy(&["lint", bad.path()]).expect_code(4);
    assert!(run.stderr.contains("AccessControlRules[0].IpRanges[0]"), "{run:?}");
}

/// `fmt --check` exits 0 on canonical files, and the examples are canonical.
#[test]
fn fmt_check_passes_on_the_examples() {
    let run = wmpolicy(&["fmt", "--check", ACME]).expect_code(0);
    assert_eq!(run.stdout, "");
}

/// `fmt --check` lists a file that is not canonical and exits 1 without touching it; `fmt` rewrites it, keeping
/// its kind and meaning; then `--check` passes.
#[test]
fn fmt_rewrites_in_place_and_check_lists_what_would_change() {
    let messy = "{\"Rules\":[{\"Effect\":\"DENY\",\"Name\":\"no-imap\",\"Description\":\"\",\"Actions\":[\"IMAP\"],\"DateCreated\":1.6147e9}]}";
    let file = TempFile::new("messy.json", messy);
    let run = wmpolicy(&["fmt", "--check", file.path(), ACME]).expect_code(1);
    assert_eq!(run.stdout, format!("{}\n", file.path()));
    assert_eq!(std::fs::read_to_string(&file.0).unwrap(), messy, "--check changes nothing");

    wmpolicy(&["fmt", file.path()]).expect_code(0);
    let formatted = std::fs::read_to_string(&file.0).unwrap();
    assert!(formatted.starts_with("{\n  \"Rules\": [\n    {\n      \"Name\": \"no-imap\",\n"), "{formatted}");
    assert!(formatted.contains("\"DateCreated\": 1614700000.0") && formatted.ends_with("}\n"), "{formatted}");
    wmpolicy(&["fmt", "--check", file.path()]).expect_code(0);
    // Same answers before and after.
    let ask = |path: &str| {
        wmpolicy(&["access", path, "--ip-address", "192.0.2.1", "--action", "IMAP", "--user-id", AWS_USER]).stdout
    };
    assert_eq!(ask(file.path()), ask(TempFile::new("again.json", messy).path()));
}

/// `fmt` leaves a file it cannot read as an input alone and says why (exit 4); a missing file is exit 3.
#[test]
fn fmt_refuses_what_it_cannot_read() {
    let twice = r#"{"AccessControlRules": [{"Name": "a", "Name": "b"}]}"#;
    let file = TempFile::new("twice.json", twice);
    let run = wmpolicy(&["fmt", file.path()]).expect_code(4);
    let start = format!("{}:1:39: error: AccessControlRules[0].Name", file.path());
    assert!(run.stderr.contains(&start), "{}", run.stderr);
    assert!(run.stderr.contains("written twice"), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&file.0).unwrap(), twice);
    wmpolicy(&["fmt", "/nonexistent/org.json"]).expect_code(3);
}

/// `fmt -` formats stdin to stdout.
#[test]
fn fmt_formats_stdin_to_stdout() {
    let run =
        wmpolicy_with_stdin(&["fmt", "-"], br#"{"Users":[{"Id":"S-1-5-18-0001"}],"NextToken":"t"}"#).expect_code(0);
    assert_eq!(
        run.stdout,
        "{\n  \"Users\": [\n    {\n      \"Id\": \"S-1-5-18-0001\"\n    }\n  ],\n  \"NextToken\": \"t\"\n}\n"
    );
}

/// `batch` answers a line over 64 KiB with an error, without keeping it, and goes on; CRLF ends are accepted.
#[test]
fn batch_answers_an_overlong_line_with_an_error_and_goes_on() {
    let request = r#"{"Operation":"GetAccessControlEffect","IpAddress":"198.51.100.20","Action":"IMAP","UserId":"alice@acme.example.com"}"#;
    let mut input = format!("{request}\r\n").into_bytes();
    input.extend(std::iter::repeat_n(b'x', 4 << 20));
    input.extend_from_slice(format!("\r\n{request}").as_bytes());
    let run = wmpolicy_with_stdin(&["batch", ACME], &input).expect_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    assert_eq!(lines[0], r#"{"Effect":"DENY","MatchedRules":["deny-imap-except-archiver"]}"#);
    assert!(lines[1].starts_with(r#"{"Error":{"Code":"LimitExceededException""#), "{}", lines[1]);
    assert_eq!(lines[2], lines[0]);
}

/// Inputs over the size limit are refused before parsing; `--max-input-mib` moves the limit.
#[test]
fn inputs_over_the_size_limit_are_refused() {
    let padded = format!("{{}}{}", " ".repeat(2 << 20));
    let file = TempFile::new("padded.json", &padded);
    let run = wmpolicy(&["validate", "--max-input-mib", "1", file.path()]).expect_code(4);
    assert!(
        run.stdout.contains("is larger than 1048576 bytes") && run.stdout.contains("LimitExceededException"),
        "{}",
        run.stdout
    );
    // The message names the knob the user has, not the library's.
    assert!(run.stdout.contains("--max-input-mib") && !run.stdout.contains("Limits::"), "{}", run.stdout);
    wmpolicy(&["validate", file.path()]).expect_code(0);
    wmpolicy(&["validate", "--max-input-mib", "3", file.path()]).expect_code(0);
}

/// With several inputs, a validation finding names the input that holds the entry and the entry's path there
/// (`bad.json: Rules[0].IpRanges[0]`), not its index in the merged organization.
#[test]
fn validation_findings_name_the_input_and_its_own_path() {
    let bad = TempFile::new(
        "bad.json",
        r#"{"Rules": [{"Name": "office", "Effect": "DENY", "Description": "", "IpRanges": ["10.0.0.0/33"]}]}"#,
    );
    let run = wmpolicy(&["validate", "--json", ACME, bad.path()]).expect_code(4);
    let value: Value = serde_json::from_str(&run.stdout).expect("JSON findings");
    let places: Vec<String> =
        findings(&value).iter().map(|f| format!("{} {} {}:{}", f["File"], f["Path"], f["Line"], f["Column"])).collect();
    let expected = format!("\"{}\" \"Rules[0].IpRanges[0]\" 1:81", bad.path());
    assert!(places.contains(&expected), "{places:?}");
    assert!(!places.iter().any(|p| p.contains("\"AccessControlRules[")), "{places:?}");
}

/// With several inputs, a finding's message names the other entries it quotes as its path does: by the file and
/// the entry's path there, not by the merged organization's index.
#[test]
fn a_rule_named_twice_across_inputs_is_told_by_both_files_own_paths() {
    let first = TempFile::new(
        "first.json",
        r#"{"AccessControlRules": [{"Name": "a", "Effect": "ALLOW", "Description": ""},
                                   {"Name": "office", "Effect": "ALLOW", "Description": ""}]}"#,
    );
    let second =
        TempFile::new("second.json", r#"{"Rules": [{"Name": "office", "Effect": "DENY", "Description": ""}]}"#);
    let run = wmpolicy(&["validate", "--json", first.path(), second.path()]).expect_code(4);
    let value: Value = serde_json::from_str(&run.stdout).expect("JSON findings");
    let twice: Vec<&Value> = findings(&value)
        .iter()
        .filter(|f| f["Message"].as_str().is_some_and(|m| m.contains("second rule named")))
        .collect();
    assert_eq!(twice.len(), 1, "{value}");
    assert_eq!((&twice[0]["File"], &twice[0]["Path"]), (&json!(second.path()), &json!("Rules[0].Name")), "{value}");
    assert_eq!((&twice[0]["Line"], &twice[0]["Column"]), (&json!(1), &json!(13)), "{value}");
    let message = twice[0]["Message"].as_str().unwrap_or_default();
    let first_at = format!("(first at {}: AccessControlRules[1])", first.path());
    assert!(message.contains(&first_at), "{message}");
}

/// The fixture `wmpolicy-aws verify --record` wrote in its offline tests (against a simulated service).
const RECORDED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/fixtures/acme.json");

#[test]
fn test_replays_the_recorded_fixture_and_every_case_passes() {
    let run = wmpolicy(&["test", RECORDED]).expect_code(0);
    let cases = std::fs::read_to_string(RECORDED).unwrap().lines().filter(|l| l.contains(r#"{"Request":"#)).count();
    assert!(cases > 50, "the recorded fixture holds the covering set");
    let last = run.stdout.lines().last().unwrap_or_default();
    assert_eq!(last, format!("{cases} passed, 0 failed"), "{run:?}");
    assert!(!run.stdout.contains("FAILED"));
}

#[test]
fn test_lists_each_failure_and_exits_five() {
    let recorded = std::fs::read_to_string(RECORDED).unwrap();
    // One answer changed: the IMAP rule's DENY turned into an ALLOW, as if the service had answered otherwise.
    let wrong = recorded.replacen(
        r#""Action":"IMAP","UserId":"S-1-1-11-4012345678-1000000001-2000000001-1001"},"Answer":{"Effect":"DENY""#,
        r#""Action":"IMAP","UserId":"S-1-1-11-4012345678-1000000001-2000000001-1001"},"Answer":{"Effect":"ALLOW""#,
        1,
    );
    assert_ne!(wrong, recorded, "the fixture asks alice over IMAP");
    let file = TempFile::new("wrong.json", wrong);
    let run = wmpolicy(&["test", RECORDED, file.path()]).expect_code(5);
    let failures: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("FAILED ")).collect();
    assert_eq!(failures.len(), 1, "{run:?}");
    assert!(failures[0].contains(file.path()) && failures[0].contains("Effect: service \"ALLOW\", local \"DENY\""));
    assert!(run.stdout.contains("  request: {\"Operation\":\"GetAccessControlEffect\""));
    let cases = recorded.lines().filter(|l| l.contains(r#"{"Request":"#)).count();
    assert_eq!(run.stdout.lines().last().unwrap(), format!("{} passed, 1 failed", 2 * cases - 1));
}

#[test]
fn test_refuses_files_that_are_not_fixtures() {
    let run = wmpolicy(&["test", ACME]).expect_code(4);
    assert!(run.stderr.contains("is not a fixture"), "{run:?}");
    wmpolicy(&["test", "/nonexistent/fixture.json"]).expect_code(3);
    let typo = TempFile::new(
        "typo.json",
        r#"{"Format": "workmail-policy-fixture/1", "Organization": {"AccessControlRules": [{"Nmae": "x"}]}, "Cases": []}"#,
    );
    let run = wmpolicy(&["test", typo.path()]).expect_code(4);
    assert!(run.stderr.contains("Organization: AccessControlRules[0].Nmae"), "{run:?}");
}

/// Fixtures are read bounded and held to the size limit as organization files are, with the same flag.
#[test]
fn test_holds_fixtures_to_the_size_limit() {
    let recorded = std::fs::read_to_string(RECORDED).unwrap();
    let padded = TempFile::new("padded-fixture.json", format!("{recorded}{}", " ".repeat(2 << 20)));
    let run = wmpolicy(&["test", "--max-input-mib", "1", padded.path()]).expect_code(4);
    assert!(
        run.stderr.contains(padded.path())
            && run.stderr.contains("is larger than 1048576 bytes")
            && run.stderr.contains("LimitExceededException")
            && run.stderr.contains("--max-input-mib"),
        "{run:?}"
    );
    wmpolicy(&["test", padded.path()]).expect_code(0);
}

/// A request's `OrganizationId` is held to the service model's shape, in a batch line and in a fixture alike.
#[test]
fn organization_ids_are_checked_in_batch_lines_and_fixtures() {
    let line = |id: &str| {
        format!(r#"{{"Operation":"GetMobileDeviceAccessEffect","OrganizationId":"{id}","DeviceType":"iPhone"}}"#)
    };
    let input = [line("m-0123456789abcdef0123456789abcdef"), line("m-XYZ"), line("")].join("\n");
    let run = wmpolicy_with_stdin(&["batch", ACME], input.as_bytes()).expect_code(0);
    let answers: Vec<Value> = run.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(answers[0].get("Effect").is_some(), "{run:?}");
    for answer in &answers[1..] {
        assert_eq!(answer["Error"]["Code"], "InvalidParameterException", "{run:?}");
        assert!(answer["Error"]["Message"].as_str().unwrap().starts_with("OrganizationId"), "{run:?}");
    }
    let fixture = TempFile::new(
        "organization-id.json",
        format!(
            r#"{{"Format": "workmail-policy-fixture/1", "Organization": {{}}, "Cases": [{{"Request": {}, "Answer": {{"Effect": "ALLOW"}}}}]}}"#,
            line("m-XYZ")
        ),
    );
    let run = wmpolicy(&["test", fixture.path()]).expect_code(4);
    assert!(run.stderr.contains("Cases[0].Request") && run.stderr.contains("OrganizationId \"m-XYZ\""), "{run:?}");
}

/// `batch --threads 2` writes exactly what `--threads 1` writes, in input order, on many lines of every kind:
/// responses, refusals, lines that are not JSON, an overlong line between blocks, CRLF ends, no final newline.
#[test]
fn batch_with_threads_answers_exactly_as_one_thread_in_input_order() {
    let requests = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/requests.jsonl")).unwrap();
    let requests: Vec<&str> = requests.lines().collect();
    let mut input = Vec::new();
    // 60,000 lines (several blocks of 1 MiB), each numbered in a member the reader refuses every so often, so
    // that an answer out of order would show.
    for i in 0..60_000 {
        let line = requests[i % requests.len()];
        match i % 97 {
            0 => input.extend_from_slice(format!(r#"{{"Operation":"Get{i}"}}"#).as_bytes()),
            1 => input.extend_from_slice(format!("not json {i}").as_bytes()),
            2 => input.extend_from_slice(format!("{line}\r").as_bytes()),
            _ => input.extend_from_slice(line.as_bytes()),
        }
        input.push(b'\n');
        if i == 30_000 {
            input.extend(std::iter::repeat_n(b'x', 3 << 20));
            input.push(b'\n');
        }
    }
    input.extend_from_slice(requests[0].as_bytes());
    let one = wmpolicy_with_stdin(&["batch", "--threads", "1", ACME], &input).expect_code(0);
    let two = wmpolicy_with_stdin(&["batch", "--threads", "2", ACME], &input).expect_code(0);
    let default = wmpolicy_with_stdin(&["batch", ACME], &input).expect_code(0);
    let lines: Vec<&str> = one.stdout.lines().collect();
    assert_eq!(lines.len(), 60_002);
    assert!(lines[0].contains(r#"unknown Operation \"Get0\""#), "{}", lines[0]);
    assert!(lines[97 * 300].contains(&format!(r#"unknown Operation \"Get{}\""#, 97 * 300)), "{}", lines[97 * 300]);
    assert!(lines[30_001].starts_with(r#"{"Error":{"Code":"LimitExceededException""#), "{}", lines[30_001]);
    assert!(lines[97 * 600 + 1].contains(&format!(r#"unknown Operation \"Get{}\""#, 97 * 600)));
    assert!(one.stdout == two.stdout, "--threads 2 differs from --threads 1");
    assert!(one.stdout == default.stdout, "the default thread count differs from --threads 1");
}

const LOG_EVENTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/logs/acme-events.jsonl");
const LOG_EVENTS_GZ: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/logs/acme-events.jsonl.gz");
const LOG_PAGES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/logs/acme-filter-log-events.json");
const LOG_QUERY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/logs/acme-query-results.json");

/// SEMANTICS 6: the bundled logs, generated with the reference evaluator's verdicts, agree in every shape (exit 0),
/// and the counts add up.
#[test]
fn replay_of_the_bundled_logs_agrees_and_exits_zero() {
    let run = wmpolicy(&["replay", ACME, "--logs", LOG_EVENTS, LOG_PAGES, LOG_QUERY, "--json"]).expect_code(0);
    let report = run.json();
    let skipped = &report["Skipped"];
    let not_judged: u64 = ["DeviceAccessControl", "MailFlow", "Unreadable", "Unreplayable"]
        .iter()
        .map(|reason| skipped[reason].as_u64().unwrap())
        .sum();
    assert_eq!(report["Events"].as_u64(), Some(report["Replayed"].as_u64().unwrap() + not_judged));
    assert_eq!(report["Agreed"], report["Replayed"]);
    assert_eq!(report["Disagreed"], 0);
    assert_eq!((skipped["Unreadable"].as_u64(), skipped["Unreplayable"].as_u64()), (Some(0), Some(0)));
    assert!(report.get("Changed").is_none(), "no impact without --against");
    let run = wmpolicy(&["replay", ACME, "--logs", LOG_EVENTS]).expect_code(0);
    assert!(run.stdout.contains("agree with the log, 0 disagree"), "{run:?}");
    assert!(run.stderr.is_empty(), "no progress bar when stderr is not a terminal: {run:?}");
}

/// A gzip-compressed log (as S3 delivers it) and the same log on stdin read as the file does.
#[test]
fn replay_reads_gzip_and_stdin_as_the_plain_file() {
    let plain = wmpolicy(&["replay", ACME, "--logs", LOG_EVENTS, "--json"]).expect_code(0).json();
    let gz = wmpolicy(&["replay", ACME, "--logs", LOG_EVENTS_GZ, "--json"]).expect_code(0).json();
    let bytes = std::fs::read(LOG_EVENTS).expect("the example log reads");
    let stdin = wmpolicy_with_stdin(&["replay", ACME, "--logs", "-", "--json"], &bytes).expect_code(0).json();
    assert_eq!(plain["Events"], gz["Events"]);
    assert_eq!(plain["Agreed"], gz["Agreed"]);
    assert_eq!(plain["Events"], stdin["Events"]);
    assert_eq!(plain["Agreed"], stdin["Agreed"]);
}

/// `--against`: the impact of acme-proposed.json (WebMail only from the offices) on the logged logins: a one-line
/// summary first, exit 5, groups by user, protocol and network whose counts add up, and an example request that
/// `wmpolicy access` answers as the report says.
#[test]
fn replay_against_proposed_rules_reports_who_would_be_denied() {
    let args = ["replay", ACME, "--logs", LOG_EVENTS, LOG_PAGES, LOG_QUERY, "--against", ACME_PROPOSED];
    let text = wmpolicy(&args).expect_code(5).stdout;
    let first = text.lines().next().unwrap_or_default();
    assert!(first.contains("would now be denied;") && first.ends_with("would now be allowed."), "{first}");
    let report = wmpolicy(&[&args[..], &["--json"]].concat()).expect_code(5).json();
    let changed = report["Changed"].as_u64().unwrap();
    assert!(changed > 0 && report["NowDenied"].as_u64().unwrap() > 0, "{report:#}");
    for groups in ["ChangesByUser", "ChangesByProtocol", "ChangesBySourceNetwork"] {
        let total: u64 = report[groups].as_array().unwrap().iter().map(|g| g["Events"].as_u64().unwrap()).sum();
        assert_eq!(total, changed, "{groups} add up to the changed events");
    }
    let group = &report["ChangesByUser"][0];
    let example = &group["Example"];
    let mut ask = vec!["access".to_owned(), ACME_PROPOSED.to_owned()];
    ask.extend(
        ["--ip-address", "--action", "--user-id"]
            .iter()
            .zip(["IpAddress", "Action", "UserId"])
            .flat_map(|(flag, member)| [flag.to_string(), example[member].as_str().unwrap().to_owned()]),
    );
    let ask: Vec<&str> = ask.iter().map(String::as_str).collect();
    let answer = wmpolicy(&ask).expect_code(0).json();
    assert_eq!(answer["Effect"], group["After"]["Effect"]);
    assert_eq!(answer["MatchedRules"], group["After"]["MatchedRules"]);
}

/// Output is the same whatever the thread count; a log that disagrees exits 5 and names the line; an unreadable
/// log file exits 3.
#[test]
fn replay_threads_disagreements_and_missing_logs() {
    let mut log = std::fs::read(LOG_EVENTS).expect("the example log reads");
    log.extend_from_slice(
        format!(r#"{{"user_id":"{ALICE}","protocol":"IMAP","source_ip":"192.0.2.1","scope":"AccessControl","rule_id":"default","access_granted":true}}"#)
            .as_bytes(),
    );
    log.extend_from_slice(b"\nnot an event\n");
    let file = TempFile::new("disagreeing.jsonl", &log);
    let one = wmpolicy(&["replay", ACME, "--logs", file.path(), "--threads", "1", "--json"]).expect_code(5);
    let two = wmpolicy(&["replay", ACME, "--logs", file.path(), LOG_PAGES, "--threads", "2", "--json"]).expect_code(5);
    let one_again = wmpolicy(&["replay", ACME, "--logs", file.path(), LOG_PAGES, "--threads", "1", "--json"]);
    assert_eq!(two.stdout, one_again.stdout, "--threads 2 differs from --threads 1");
    let report = one.json();
    let lines = log.split(|&b| b == b'\n').count() as u64;
    assert_eq!(report["Disagreed"], 1);
    assert_eq!(report["Disagreements"][0]["Line"].as_u64(), Some(lines - 2));
    assert_eq!(report["Disagreements"][0]["Engine"]["Effect"], "DENY");
    assert_eq!(report["Problems"][0]["Line"].as_u64(), Some(lines - 1));
    let missing = std::env::temp_dir().join(format!("wmpolicy-cli-{}-missing.log", std::process::id()));
    let run = wmpolicy(&["replay", ACME, "--logs", missing.to_str().unwrap()]).expect_code(3);
    assert!(run.stderr.contains("cannot read"), "{run:?}");
}
