//! `wmpolicy-aws` end to end against a simulated WorkMail (typed aws-smithy-mocks answering wire JSON): no
//! network, no credentials.

mod common;

use aws_sdk_workmail::Client;
use aws_smithy_mocks::{mock, RuleMode};
use common::*;
use serde_json::{json, Value};
use workmail_policy::{load, validate};
use workmail_policy_fixture as fixture;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/fixtures/acme.json");

fn checked(file: &workmail_policy::OrganizationFile) -> workmail_policy::Organization {
    validate::validate(file, &validate::Options::default()).organization.expect("valid")
}

#[tokio::test]
async fn snapshot_reads_every_page_into_a_file_the_core_loads_unchanged() {
    let service = Simulated::new(&acme(), &acme());
    let output = scratch("snapshot.json");
    let run = run_cli(
        &service.client(),
        &["snapshot", "--organization-id", ORGANIZATION_ID, "--rate", "0", "--output", &output],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run
        .stderr
        .contains("5 access-control rules, 3 mobile-device rules, 2 overrides, 2 impersonation roles, 6 users"));

    // One override and one role to a page, two users to a page: every page was asked for.
    assert_eq!(service.list_mobile_device_access_overrides.num_calls(), 2);
    assert_eq!(service.list_impersonation_roles.num_calls(), 2);
    assert_eq!(service.get_impersonation_role.num_calls(), 2);
    assert_eq!(service.list_users.num_calls(), 3);

    let text = std::fs::read_to_string(&output).unwrap();
    let snapshot = load::parse(text.as_bytes()).expect("the core loads the snapshot unchanged");
    assert_eq!(checked(&snapshot), checked(&acme()), "the same rules, overrides, roles and users");
    // Timestamps come out as ISO-8601 text: 1614704932 is 2021-03-02T17:08:52Z.
    assert!(text.contains(r#""DateCreated": "2021-03-02T17:08:52Z""#), "{text}");
    assert!(text.contains(r#""DateCreated": "1970-01-01T00:00:00Z""#), "the default rule's zero timestamp");
}

#[tokio::test]
async fn snapshot_to_stdout_when_no_output_is_given() {
    let service = Simulated::new(&acme(), &acme());
    let run = run_cli(&service.client(), &["snapshot", "--organization-id", ORGANIZATION_ID, "--rate", "0"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(checked(&load::parse(run.stdout.as_bytes()).unwrap()), checked(&acme()));
}

#[tokio::test]
async fn an_unknown_organization_is_reported_with_what_to_check() {
    let not_found = mock!(Client::list_access_control_rules).then_http_response(|| {
        wire_error("OrganizationNotFoundException", "An operation received an invalid organization identifier.")
    });
    let client = mocked(RuleMode::MatchAny, &[&not_found]);
    let run = run_cli(&client, &["snapshot", "--organization-id", ORGANIZATION_ID, "--rate", "0"]).await;
    assert_eq!(run.code, 6);
    assert_eq!(
        run.stderr.trim(),
        format!(
            "error: organization {ORGANIZATION_ID} was not found in us-east-1 (ListAccessControlRules: \
             OrganizationNotFoundException: An operation received an invalid organization identifier.): check \
             --organization-id, and --region (an organization lives in one Region)"
        )
    );
    assert_eq!(run.stdout, "", "no partial organization file");

    // During verify, an organization error stops the run too: it is no answer to the request.
    let state = mock!(Client::get_access_control_effect)
        .then_http_response(|| wire_error("OrganizationStateException", "The organization is not active."));
    let client = mocked(RuleMode::MatchAny, &[&state]);
    let run = run_cli(
        &client,
        &["verify", "--organization-id", ORGANIZATION_ID, "--snapshot", &new_organization_file(), "--rate", "0"],
    )
    .await;
    assert_eq!(run.code, 6);
    assert_eq!(
        run.stderr.trim(),
        format!(
            "error: organization {ORGANIZATION_ID} is not active (GetAccessControlEffect: OrganizationStateException: \
             The organization is not active.): wait until its state is Active (`aws workmail describe-organization \
             --organization-id {ORGANIZATION_ID}`), then run again"
        )
    );
}

fn new_organization_file() -> String {
    let path = scratch("new-organization.json");
    std::fs::write(&path, "{}").unwrap();
    path
}

#[tokio::test]
async fn throttled_calls_are_retried_with_backoff_until_they_succeed_and_each_retry_is_said() {
    let throttled = mock!(Client::get_access_control_effect)
        .sequence()
        .http_response(|| wire_error("ThrottlingException", "Rate exceeded"))
        .times(2)
        .http_response(|| http(200, json!({"Effect": "ALLOW", "MatchedRules": ["default"]})))
        .build();
    let (client, said) = mocked_reporting(RuleMode::Sequential, &[&throttled]);
    let args = ["verify", "--organization-id", ORGANIZATION_ID, "--snapshot", &new_organization_file(), "--rate", "0"];
    let run = run_cli(&client, &[&args[..], &["--max-calls", "1"]].concat()).await;
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(throttled.num_calls(), 3, "two throttled attempts, then the answer");
    assert!(run.stdout.ends_with("1 agreed, 0 diverged\n"), "{}", run.stdout);
    assert_eq!(
        *said.lock().unwrap(),
        [
            "retrying GetAccessControlEffect after a throttling error (attempt 2 of 8)…",
            "retrying GetAccessControlEffect after a throttling error (attempt 3 of 8)…",
        ]
    );
}

#[tokio::test]
async fn throttling_beyond_the_retries_stops_the_run() {
    let throttled = mock!(Client::get_access_control_effect)
        .sequence()
        .http_response(|| wire_error("ThrottlingException", "Rate exceeded"))
        .repeatedly()
        .build();
    let (client, said) = mocked_reporting(RuleMode::Sequential, &[&throttled]);
    let args = ["verify", "--organization-id", ORGANIZATION_ID, "--snapshot", &new_organization_file(), "--rate", "0"];
    let run = run_cli(&client, &args).await;
    assert_eq!(run.code, 6);
    assert_eq!(throttled.num_calls(), 8, "the configured attempts");
    assert_eq!(
        run.stderr.trim(),
        "error: GetAccessControlEffect was throttled on all 8 attempts (ThrottlingException: Rate exceeded): lower \
         --rate, or run again later"
    );
    // Seven retries said, none after the last attempt.
    let said = said.lock().unwrap();
    assert_eq!(said.len(), 7, "{said:?}");
    assert_eq!(said[6], "retrying GetAccessControlEffect after a throttling error (attempt 8 of 8)…");
}

#[tokio::test]
async fn verify_agrees_with_a_service_that_answers_as_the_engine_does_and_records_the_fixture() {
    let service = Simulated::new(&acme(), &acme());
    let record = scratch("recorded.json");
    let args =
        ["verify", "--organization-id", ORGANIZATION_ID, "--rate", "0", "--random", "30", "--seed", "6", "--record"];
    let run = run_cli(&service.client(), &[&args[..], &[record.as_str()]].concat()).await;
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let asked = [&service.get_access_control_effect, &service.get_mobile_device_access_effect]
        .iter()
        .chain([&&service.get_impersonation_role_effect])
        .map(|rule| rule.num_calls())
        .sum::<usize>();
    assert!(run.stdout.ends_with(&format!("{asked} agreed, 0 diverged\n")), "{}", run.stdout);
    assert!(run.stdout.contains("not asked: the mobile override extension"), "{}", run.stdout);
    // Request errors are answers, compared by code: the covering set asks an unlisted user and role.
    let text = std::fs::read_to_string(&record).unwrap();
    for code in
        ["EntityNotFoundException", "ResourceNotFoundException", "InvalidParameterException", "EntityStateException"]
    {
        assert!(text.contains(code), "{code}");
    }

    let recorded = fixture::parse(text.as_bytes()).expect("a fixture");
    assert_eq!(recorded.cases.len(), asked);
    assert_eq!(recorded.source.organization_id.as_deref(), Some(ORGANIZATION_ID));
    assert_eq!(recorded.source.region.as_deref(), Some("us-east-1"));
    let replayed = fixture::replay(&recorded, &validate::Options::default()).unwrap();
    assert_eq!(replayed.summary(), format!("{asked} passed, 0 failed"));

    // The committed example is this recording; `UPDATE_FIXTURES=1 cargo test -p workmail-policy-aws` renews it.
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        std::fs::write(FIXTURE, &text).unwrap();
    }
    let committed = std::fs::read_to_string(FIXTURE).unwrap_or_default();
    assert!(
        committed == text,
        "examples/fixtures/acme.json is stale: run UPDATE_FIXTURES=1 cargo test -p workmail-policy-aws"
    );
}

#[tokio::test]
async fn a_divergence_is_listed_with_both_answers_and_exits_5() {
    // The service evaluates an organization whose IMAP rule allows: as if the engine had that rule wrong.
    let mut service_side = acme();
    service_side.access_control_rules.as_mut().unwrap()[0].effect = Some("ALLOW".into());
    let service = Simulated::new(&acme(), &service_side);
    let acme_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/acme.json");
    let args =
        ["verify", "--organization-id", ORGANIZATION_ID, "--snapshot", acme_path, "--rate", "0", "--random", "0"];

    let run = run_cli(&service.client(), &args).await;
    assert_eq!(run.code, 5, "{}", run.stderr);
    let first = run.stdout.lines().position(|l| l.starts_with("DIVERGED case ")).expect("a divergence");
    let lines: Vec<&str> = run.stdout.lines().skip(first).take(4).collect();
    assert!(lines[0].contains("(GetAccessControlEffect): "), "{}", lines[0]);
    assert!(lines[1].starts_with(r#"  request: {"Operation":"GetAccessControlEffect""#), "{}", lines[1]);
    assert!(lines[2].starts_with("  local:   "), "{}", lines[2]);
    assert!(lines[3].starts_with("  service: "), "{}", lines[3]);
    assert!(run.stdout.contains("deny-imap-except-archiver"));

    let run = run_cli(&service.client(), &[&args[..], &["--json"]].concat()).await;
    assert_eq!(run.code, 5);
    let report: Value = serde_json::from_str(&run.stdout).expect("one JSON object");
    let divergences = report["Divergences"].as_array().unwrap();
    assert!(!divergences.is_empty());
    assert_eq!(
        report["Agreed"].as_u64().unwrap() as usize + divergences.len(),
        report["Requests"].as_u64().unwrap() as usize
    );
    let one = &divergences[0];
    assert_eq!(one["Request"]["Operation"], "GetAccessControlEffect");
    assert_ne!(one["Local"], one["Service"]);
    assert_eq!(report["Random"], 0);
}

#[tokio::test]
async fn max_calls_caps_the_requests_and_says_what_was_left_out() {
    let service = Simulated::new(&acme(), &acme());
    let run = run_cli(
        &service.client(),
        &["verify", "--organization-id", ORGANIZATION_ID, "--rate", "0", "--max-calls", "7"],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with(&format!("verify {ORGANIZATION_ID}: 7 requests (7 covering, 0 random)")));
    assert!(run.stdout.contains("requests of the covering set, beyond --max-calls"), "{}", run.stdout);
    // Each of the three calls keeps its share of the cap.
    let asked = [
        service.get_access_control_effect.num_calls(),
        service.get_mobile_device_access_effect.num_calls(),
        service.get_impersonation_role_effect.num_calls(),
    ];
    assert_eq!(asked, [3, 2, 2]);
}

#[tokio::test]
async fn a_broken_snapshot_file_is_reported_before_any_call() {
    let path = scratch("broken.json");
    std::fs::write(&path, r#"{"AccessControlRules": [{"Name": "x", "NotIpRange": ["10.0.0.0/8"]}]}"#).unwrap();
    let unused = mock!(Client::get_access_control_effect).then_http_response(|| http(500, json!({})));
    let client = mocked(RuleMode::MatchAny, &[&unused]);
    let run = run_cli(&client, &["verify", "--organization-id", ORGANIZATION_ID, "--snapshot", &path]).await;
    assert_eq!(run.code, 4);
    assert!(run.stderr.contains("did you mean `NotIpRanges`"), "{}", run.stderr);
    assert_eq!(unused.num_calls(), 0);
    // A missing file is a usage error, found while parsing: tests/command.rs runs the binary on one.
}

#[tokio::test]
async fn server_errors_are_retried_and_said_then_reported_in_one_line() {
    let failing = mock!(Client::list_access_control_rules)
        .sequence()
        .http_response(|| {
            http(500, json!({"__type": "InternalFailure", "Message": "We encountered an internal error."}))
        })
        .repeatedly()
        .build();
    let (client, said) = mocked_reporting(RuleMode::Sequential, &[&failing]);
    let run = run_cli(&client, &["snapshot", "--organization-id", ORGANIZATION_ID, "--rate", "0"]).await;
    assert_eq!(run.code, 6);
    assert_eq!(
        said.lock().unwrap()[0],
        "retrying ListAccessControlRules after a server error (HTTP 500) (attempt 2 of 8)…"
    );
    assert_eq!(
        run.stderr.trim(),
        "error: ListAccessControlRules failed on the service's side on all 8 attempts (InternalFailure: We \
         encountered an internal error.): run again later"
    );
}

#[tokio::test]
async fn access_denied_names_the_iam_action_of_the_call_that_failed() {
    let denied = mock!(Client::list_users).then_http_response(|| {
        wire_error(
            "AccessDeniedException",
            "User: arn:aws:iam::111122223333:user/ops is not authorized to perform: workmail:ListUsers",
        )
    });
    let service = Simulated::new(&acme(), &acme());
    let rules: Vec<&aws_smithy_mocks::Rule> = std::iter::once(&denied)
        .chain(service.rules().into_iter().filter(|r| !std::ptr::eq(*r, &service.list_users)))
        .collect();
    let client = mocked(RuleMode::MatchAny, &rules);
    let run = run_cli(&client, &["snapshot", "--organization-id", ORGANIZATION_ID, "--rate", "0"]).await;
    assert_eq!(run.code, 6, "{}", run.stderr);
    assert!(
        run.stderr.starts_with(&format!(
            "error: access denied for workmail:ListUsers on organization {ORGANIZATION_ID} in us-east-1: the identity \
             needs the IAM action workmail:ListUsers"
        )),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, "");
}
