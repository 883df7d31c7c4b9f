//! Talking to WorkMail: the snapshot's List/Get calls, the three simulate calls, pacing and errors.
//!
//! Throttling is handled twice over: the client's retry configuration ([`crate::retries::retry_config`]) retries
//! throttled and transient failures with exponential backoff, and a [`Pacer`] spaces the calls so that a long
//! verify stays under the account's rate in the first place. Failed calls become [`ServiceError`]s, which say what
//! to do ([`crate::errors`]).

use std::time::Duration;

use aws_sdk_workmail::config::http::HttpResponse;
use aws_sdk_workmail::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_workmail::Client;
use serde_json::Value;
use tokio::time::Instant;
use workmail_policy::batch::{Call, ErrorResponse};
use workmail_policy::model::OrganizationFile;
use workmail_policy::ErrorCode;

use crate::convert;
use crate::errors::{Context, Problem, ServiceError};

/// The IAM actions (and WorkMail operations) `snapshot` calls, in the order it calls them. `verify` calls these
/// (unless given `--snapshot`) and [`SIMULATE_ACTIONS`]. A test checks that these are exactly the operations this
/// module calls, and the README's IAM policy lists exactly these.
pub const SNAPSHOT_ACTIONS: [&str; 6] = [
    "ListAccessControlRules",
    "ListMobileDeviceAccessRules",
    "ListMobileDeviceAccessOverrides",
    "ListImpersonationRoles",
    "GetImpersonationRole",
    "ListUsers",
];

/// The IAM actions of the three simulate calls, which `verify` asks.
pub const SIMULATE_ACTIONS: [&str; 3] =
    ["GetAccessControlEffect", "GetMobileDeviceAccessEffect", "GetImpersonationRoleEffect"];

/// Spaces calls at most `per_second` apart.
#[derive(Debug)]
pub struct Pacer {
    interval: Option<Duration>,
    next: Option<Instant>,
}

impl Pacer {
    /// `per_second` of 0 (or anything not positive and finite) means no limit.
    pub fn new(per_second: f64) -> Pacer {
        let interval = (per_second.is_finite() && per_second > 0.0).then(|| Duration::from_secs_f64(1.0 / per_second));
        Pacer { interval, next: None }
    }

    /// Waits until the next call may go.
    pub async fn wait(&mut self) {
        let Some(interval) = self.interval else { return };
        if let Some(next) = self.next {
            tokio::time::sleep_until(next).await;
        }
        self.next = Some(Instant::now() + interval);
    }
}

/// Every page of a paginated List call: `$call` builds the request for a page token; `$items` takes the items out
/// of a page. A token the service repeats would loop forever, so it is an error.
macro_rules! every_page {
    ($pacer:expr, $context:expr, $operation:literal, |$token:ident| $call:expr, |$page:ident| $items:expr) => {{
        let mut all = Vec::new();
        let mut $token: Option<String> = None;
        loop {
            $pacer.wait().await;
            let $page = $call.send().await.map_err(|e| ServiceError::new($operation, $context, e))?;
            let next = $page.next_token.clone().filter(|t| !t.is_empty());
            all.extend($items);
            match next {
                Some(next) if $token.as_deref() == Some(next.as_str()) => {
                    let message = format!("the service returned the same NextToken twice ({next:?})");
                    let problem = Problem::Other(message);
                    let context = Box::new($context.clone());
                    return Err(ServiceError { operation: $operation, problem, code: None, message: None, context });
                }
                Some(next) => $token = Some(next),
                None => break,
            }
        }
        all
    }};
}

/// Reads everything the three simulate calls depend on into one organization file: the access-control rules,
/// mobile rules and overrides, every impersonation role with its rules, and the user directory.
pub async fn snapshot(
    client: &Client,
    organization_id: &str,
    pacer: &mut Pacer,
) -> Result<OrganizationFile, ServiceError> {
    let context = Context::of(client, organization_id);
    // ListAccessControlRules and ListMobileDeviceAccessRules take no NextToken: each answers in one page (the
    // quota is 10 rules).
    pacer.wait().await;
    let access = client
        .list_access_control_rules()
        .organization_id(organization_id)
        .send()
        .await
        .map_err(|e| ServiceError::new("ListAccessControlRules", &context, e))?;
    pacer.wait().await;
    let mobile = client
        .list_mobile_device_access_rules()
        .organization_id(organization_id)
        .send()
        .await
        .map_err(|e| ServiceError::new("ListMobileDeviceAccessRules", &context, e))?;
    let overrides = every_page!(
        pacer,
        &context,
        "ListMobileDeviceAccessOverrides",
        |token| client
            .list_mobile_device_access_overrides()
            .organization_id(organization_id)
            .set_next_token(token.clone()),
        |page| page.overrides.unwrap_or_default().into_iter().map(convert::mobile_device_access_override)
    );
    // ListImpersonationRoles gives summaries without rules; GetImpersonationRole gives each role whole.
    let summaries = every_page!(
        pacer,
        &context,
        "ListImpersonationRoles",
        |token| client.list_impersonation_roles().organization_id(organization_id).set_next_token(token.clone()),
        |page| page.roles.unwrap_or_default()
    );
    let mut roles = Vec::with_capacity(summaries.len());
    for summary in summaries {
        let Some(id) = summary.impersonation_role_id else { continue };
        pacer.wait().await;
        let role = client
            .get_impersonation_role()
            .organization_id(organization_id)
            .impersonation_role_id(id)
            .send()
            .await
            .map_err(|e| ServiceError::new("GetImpersonationRole", &context, e))?;
        roles.push(convert::impersonation_role(role));
    }
    let users = every_page!(
        pacer,
        &context,
        "ListUsers",
        |token| client.list_users().organization_id(organization_id).set_next_token(token.clone()),
        |page| page.users.unwrap_or_default().into_iter().map(convert::user)
    );
    Ok(OrganizationFile {
        access_control_rules: Some(
            access.rules.unwrap_or_default().into_iter().map(convert::access_control_rule).collect(),
        ),
        mobile_device_access_rules: Some(
            mobile.rules.unwrap_or_default().into_iter().map(convert::mobile_device_access_rule).collect(),
        ),
        mobile_device_access_overrides: Some(overrides),
        impersonation_roles: Some(roles),
        users: Some(users),
    })
}

/// Errors that answer one request (the engine gives the same codes), as opposed to errors that mean the call as a
/// whole failed ([`ServiceError`]).
const REQUEST_ERRORS: [ErrorCode; 4] = [
    ErrorCode::InvalidParameterException,
    ErrorCode::EntityNotFoundException,
    ErrorCode::ResourceNotFoundException,
    ErrorCode::EntityStateException,
];

/// Asks the service one simulate call. A request the service refuses with a request error is an answer (the
/// `{"Error": …}` shape); any other failure is a [`ServiceError`].
///
/// The override extension's `UserId` and `DeviceId` are not sent: `GetMobileDeviceAccessEffect` takes neither, so
/// verify never plans such requests.
pub async fn ask(client: &Client, organization_id: &str, call: &Call) -> Result<Value, ServiceError> {
    let context = Context::of(client, organization_id);
    fn answer<O, E>(
        context: &Context,
        operation: &'static str,
        result: Result<O, SdkError<E, HttpResponse>>,
        convert: fn(O) -> Value,
    ) -> Result<Value, ServiceError>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        match result {
            Ok(output) => Ok(convert(output)),
            Err(error) => match REQUEST_ERRORS.into_iter().find(|code| error.code() == Some(code.as_str())) {
                // The service's error, in the shape the engine writes its own.
                Some(code) => Ok(ErrorResponse::new(code, error.message().unwrap_or_default()).to_value()),
                None => Err(ServiceError::new(operation, context, error)),
            },
        }
    }
    match call {
        Call::Access(request) => {
            let result = client
                .get_access_control_effect()
                .organization_id(organization_id)
                .ip_address(&request.ip_address)
                .action(&request.action)
                .set_user_id(request.user_id.clone())
                .set_impersonation_role_id(request.impersonation_role_id.clone())
                .send()
                .await;
            answer(&context, "GetAccessControlEffect", result, convert::access_control_effect)
        }
        Call::Mobile(request) => {
            let owned = |value: Option<&str>| value.map(str::to_string);
            let device = request.as_request();
            let result = client
                .get_mobile_device_access_effect()
                .organization_id(organization_id)
                .set_device_type(owned(device.device_type))
                .set_device_model(owned(device.device_model))
                .set_device_operating_system(owned(device.device_operating_system))
                .set_device_user_agent(owned(device.device_user_agent))
                .send()
                .await;
            answer(&context, "GetMobileDeviceAccessEffect", result, convert::mobile_device_access_effect)
        }
        Call::Impersonation(request) => {
            let result = client
                .get_impersonation_role_effect()
                .organization_id(organization_id)
                .impersonation_role_id(&request.impersonation_role_id)
                .target_user(&request.target_user)
                .send()
                .await;
            answer(&context, "GetImpersonationRoleEffect", result, convert::impersonation_role_effect)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_pacer_spaces_calls_and_zero_means_no_limit() {
        let start = std::time::Instant::now();
        let mut pacer = Pacer::new(20.0);
        for _ in 0..3 {
            pacer.wait().await;
        }
        // Three calls at 20 per second: two gaps of 50 ms.
        assert!(start.elapsed() >= Duration::from_millis(100), "{:?}", start.elapsed());
        for rate in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(Pacer::new(rate).interval.is_none(), "{rate}");
        }
    }

    /// Every `client.operation()` this module calls, as the operation's name (`list_users` → `ListUsers`).
    fn operations_called() -> std::collections::BTreeSet<String> {
        let source = include_str!("service.rs");
        let source = &source[..source.find("#[cfg(test)]").expect("the tests")];
        let mut called = std::collections::BTreeSet::new();
        for (i, _) in source.match_indices("client") {
            let rest = source[i + "client".len()..].trim_start();
            let Some(rest) = rest.strip_prefix('.') else { continue };
            let name: String = rest.chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
            if name.is_empty() || name == "config" || !rest[name.len()..].starts_with("()") {
                continue;
            }
            called.insert(name.split('_').map(|w| w[..1].to_uppercase() + &w[1..]).collect());
        }
        called
    }

    #[test]
    fn the_iam_actions_are_exactly_the_operations_called() {
        let listed: std::collections::BTreeSet<String> =
            SNAPSHOT_ACTIONS.iter().chain(&SIMULATE_ACTIONS).map(|a| a.to_string()).collect();
        assert_eq!(operations_called(), listed);
    }
}
