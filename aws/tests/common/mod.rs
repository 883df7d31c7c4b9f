//! A simulated WorkMail for the offline tests: typed `aws-smithy-mocks` rules that answer every call the bridge
//! makes with the service's wire JSON (awsJson 1.1), so the SDK's own deserializers run as they would against the
//! service. The List/Get calls serve an organization file page by page; the simulate calls are answered by the
//! core's engine over a (possibly different) organization, which stands in for the service's evaluator.

#![allow(dead_code)] // Each test binary uses a different part.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_workmail::Client;
use aws_smithy_mocks::{mock, mock_client, MockResponse, Rule, RuleMode};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use serde_json::{json, Value};
use workmail_policy::batch::Call;
use workmail_policy::model::{OrganizationFile, Timestamp};
use workmail_policy::{load, validate, AccessRequest, ImpersonationRequest, MobileRequest, Policy};
use workmail_policy_aws::{retry_config, run, Cli, Io, RetryReporter};

pub const ORGANIZATION_ID: &str = "m-0123456789abcdef0123456789abcdef";

/// The bundled example organization.
pub fn acme() -> OrganizationFile {
    load::parse(include_bytes!("../../../examples/acme.json")).expect("examples/acme.json loads")
}

/// The organization as the service would store it: awsJson sends timestamps as epoch seconds, so text
/// timestamps (which only the aws CLI v2 prints) are left out.
pub fn as_stored(mut file: OrganizationFile) -> OrganizationFile {
    fn epoch(t: &mut Option<Timestamp>) {
        if matches!(t, Some(Timestamp::Text(_))) {
            *t = None;
        }
    }
    for rule in file.access_control_rules.iter_mut().flatten() {
        epoch(&mut rule.date_created);
        epoch(&mut rule.date_modified);
    }
    for rule in file.mobile_device_access_rules.iter_mut().flatten() {
        epoch(&mut rule.date_created);
        epoch(&mut rule.date_modified);
    }
    for o in file.mobile_device_access_overrides.iter_mut().flatten() {
        epoch(&mut o.date_created);
        epoch(&mut o.date_modified);
    }
    for role in file.impersonation_roles.iter_mut().flatten() {
        epoch(&mut role.date_created);
        epoch(&mut role.date_modified);
    }
    for user in file.users.iter_mut().flatten() {
        epoch(&mut user.enabled_date);
        epoch(&mut user.disabled_date);
    }
    file
}

pub fn http(status: u16, body: Value) -> HttpResponse {
    let status = StatusCode::try_from(status).expect("a valid status");
    HttpResponse::new(status, SdkBody::from(body.to_string()))
}

/// An awsJson 1.1 error response.
pub fn wire_error(code: &str, message: &str) -> HttpResponse {
    http(400, json!({"__type": code, "Message": message}))
}

/// Page `token` (none: the first) of `items`, `size` to a page, as `{member: [...], "NextToken": …}`.
fn page<T: serde::Serialize>(member: &str, items: &[T], size: usize, token: Option<&str>) -> HttpResponse {
    let start: usize = token.and_then(|t| t.strip_prefix("page-")).and_then(|n| n.parse().ok()).unwrap_or(0);
    let end = (start + size).min(items.len());
    let mut body = json!({});
    body[member] = serde_json::to_value(&items[start.min(end)..end]).expect("serializable");
    if end < items.len() {
        body["NextToken"] = json!(format!("page-{end}"));
    }
    http(200, body)
}

/// The engine's answer over `policy`, on the wire: the response with 200, or the error with 400.
fn simulate(policy: &Policy, call: Call) -> HttpResponse {
    let answer = call.answer(policy);
    match answer.get("Error") {
        Some(error) => wire_error(error["Code"].as_str().unwrap_or("?"), error["Message"].as_str().unwrap_or("")),
        None => http(200, answer),
    }
}

fn compile(file: &OrganizationFile) -> Policy {
    let organization = validate::validate(file, &validate::Options::default()).organization.expect("valid");
    Policy::compile(&organization).expect("compiles")
}

/// The mock rules of a simulated organization, kept to count their calls.
pub struct Simulated {
    pub list_access_control_rules: Rule,
    pub list_mobile_device_access_rules: Rule,
    pub list_mobile_device_access_overrides: Rule,
    pub list_impersonation_roles: Rule,
    pub get_impersonation_role: Rule,
    pub list_users: Rule,
    pub get_access_control_effect: Rule,
    pub get_mobile_device_access_effect: Rule,
    pub get_impersonation_role_effect: Rule,
}

impl Simulated {
    /// A service that lists `listed` (one override, one role and two users to a page) and answers the simulate
    /// calls as the engine does over `evaluated`.
    pub fn new(listed: &OrganizationFile, evaluated: &OrganizationFile) -> Simulated {
        let listed = as_stored(listed.clone());
        let policy = std::sync::Arc::new(compile(evaluated));
        let access = json!({ "Rules": listed.access_control_rules.clone().unwrap_or_default() });
        let mobile = json!({ "Rules": listed.mobile_device_access_rules.clone().unwrap_or_default() });
        let overrides = listed.mobile_device_access_overrides.clone().unwrap_or_default();
        let roles = listed.impersonation_roles.clone().unwrap_or_default();
        let summaries: Vec<Value> = roles
            .iter()
            .map(|r| json!({"ImpersonationRoleId": r.impersonation_role_id, "Name": r.name, "Type": r.role_type}))
            .collect();
        let users = listed.users.clone().unwrap_or_default();
        let (p1, p2, p3) = (policy.clone(), policy.clone(), policy);
        Simulated {
            list_access_control_rules: mock!(Client::list_access_control_rules)
                .then_http_response(move || http(200, access.clone())),
            list_mobile_device_access_rules: mock!(Client::list_mobile_device_access_rules)
                .then_http_response(move || http(200, mobile.clone())),
            list_mobile_device_access_overrides: mock!(Client::list_mobile_device_access_overrides)
                .then_compute_response(move |req| {
                    MockResponse::Http(page("Overrides", &overrides, 1, req.next_token()))
                }),
            list_impersonation_roles: mock!(Client::list_impersonation_roles)
                .then_compute_response(move |req| MockResponse::Http(page("Roles", &summaries, 1, req.next_token()))),
            get_impersonation_role: mock!(Client::get_impersonation_role).then_compute_response(move |req| {
                let role = roles.iter().find(|r| r.impersonation_role_id.as_deref() == req.impersonation_role_id());
                MockResponse::Http(match role {
                    Some(role) => http(200, serde_json::to_value(role).expect("serializable")),
                    None => wire_error("ResourceNotFoundException", "Impersonation role not found"),
                })
            }),
            list_users: mock!(Client::list_users)
                .then_compute_response(move |req| MockResponse::Http(page("Users", &users, 2, req.next_token()))),
            get_access_control_effect: mock!(Client::get_access_control_effect).then_compute_response(move |req| {
                let call = Call::Access(
                    AccessRequest {
                        ip_address: req.ip_address().unwrap_or_default(),
                        action: req.action().unwrap_or_default(),
                        user_id: req.user_id(),
                        impersonation_role_id: req.impersonation_role_id(),
                    }
                    .into(),
                );
                MockResponse::Http(simulate(&p1, call))
            }),
            get_mobile_device_access_effect: mock!(Client::get_mobile_device_access_effect).then_compute_response(
                move |req| {
                    let call = Call::Mobile(
                        MobileRequest {
                            device_type: req.device_type(),
                            device_model: req.device_model(),
                            device_operating_system: req.device_operating_system(),
                            device_user_agent: req.device_user_agent(),
                            user_id: None,
                            device_id: None,
                        }
                        .into(),
                    );
                    MockResponse::Http(simulate(&p2, call))
                },
            ),
            get_impersonation_role_effect: mock!(Client::get_impersonation_role_effect).then_compute_response(
                move |req| {
                    let call = Call::Impersonation(
                        ImpersonationRequest {
                            impersonation_role_id: req.impersonation_role_id().unwrap_or_default(),
                            target_user: req.target_user().unwrap_or_default(),
                        }
                        .into(),
                    );
                    MockResponse::Http(simulate(&p3, call))
                },
            ),
        }
    }

    pub fn rules(&self) -> [&Rule; 9] {
        [
            &self.list_access_control_rules,
            &self.list_mobile_device_access_rules,
            &self.list_mobile_device_access_overrides,
            &self.list_impersonation_roles,
            &self.get_impersonation_role,
            &self.list_users,
            &self.get_access_control_effect,
            &self.get_mobile_device_access_effect,
            &self.get_impersonation_role_effect,
        ]
    }

    pub fn client(&self) -> Client {
        mocked(RuleMode::MatchAny, &self.rules())
    }
}

/// A mocked client with the command's retry policy, its backoff shortened for tests.
pub fn mocked(mode: RuleMode, rules: &[&Rule]) -> Client {
    mock_client!(aws_sdk_workmail, mode, rules, |config| config.retry_config(retry_config(Duration::from_millis(1))))
}

/// A mocked client like [`mocked`] that also reports retries as the command does, into the returned lines.
pub fn mocked_reporting(mode: RuleMode, rules: &[&Rule]) -> (Client, Arc<Mutex<Vec<String>>>) {
    let said = Arc::new(Mutex::new(Vec::new()));
    let sink = said.clone();
    let reporter = RetryReporter::new(Arc::new(move |line| sink.lock().unwrap().push(line)));
    let client = mock_client!(aws_sdk_workmail, mode, rules, |config| config
        .retry_config(retry_config(Duration::from_millis(1)))
        .interceptor(reporter.clone()));
    (client, said)
}

/// What one command run printed and returned.
pub struct Outcome {
    pub code: u8,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `wmpolicy-aws ARGS…` against `client`, with no recording time (so recorded fixtures are stable).
pub async fn run_cli(client: &Client, args: &[&str]) -> Outcome {
    let cli = <Cli as clap::Parser>::try_parse_from(std::iter::once("wmpolicy-aws").chain(args.iter().copied()))
        .expect("valid arguments");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut io = Io {
        out: &mut out,
        err: &mut err,
        recorded_at: None,
        recorded_by: "wmpolicy-aws offline test: a simulated service (the engine over examples/acme.json)".into(),
    };
    let code = run(cli, client, &mut io).await;
    Outcome { code, stdout: String::from_utf8_lossy(&out).into(), stderr: String::from_utf8_lossy(&err).into() }
}

/// A path in cargo's per-test scratch directory.
pub fn scratch(name: &str) -> String {
    format!("{}/{name}", env!("CARGO_TARGET_TMPDIR"))
}
