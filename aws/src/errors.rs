//! What went wrong with a call, in one line that says what to do.
//!
//! The SDK's errors are built for programs: `SdkError`'s `Display` says "dispatch failure", and the usual way to
//! show more (`DisplayErrorContext`) appends a `Debug` dump of the whole error. [`classify`] sorts an error into a
//! [`Problem`] (one function, unit-tested over constructed SDK errors), and [`ServiceError`]'s `Display` says it
//! in words with the operation, the organization, the Region and the next step. No `Debug` text reaches the user.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_workmail::config::http::HttpResponse;
use aws_sdk_workmail::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_workmail::Client;

/// The exit code of each kind of failure (the README's table).
pub mod exit {
    /// The service refused or failed the call: organization not found or not active, access denied, credentials
    /// refused, throttling beyond the retries, a server error.
    pub const SERVICE: u8 = 6;
    /// Nothing could be sent: no Region, no credentials (the local AWS set-up).
    pub const SETUP: u8 = 7;
    /// The service could not be reached, or `--timeout` passed first.
    pub const NETWORK: u8 = 8;
}

/// How to give a Region, wherever one is missing.
pub const REGION_HINT: &str =
    "set a region with --region or AWS_REGION (WorkMail runs in us-east-1, us-west-2 and eu-west-1)";

/// What a failed call means for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// No Region: the endpoint cannot be named.
    MissingRegion,
    /// No provider in the chain had credentials.
    NoCredentials,
    /// A provider failed while loading credentials (a broken profile, an unreachable instance role); the causes.
    Credentials(String),
    /// The service did not accept the credentials (unknown key, bad signature, expired token).
    CredentialsRejected,
    /// The identity lacks the IAM action for the operation.
    AccessDenied,
    /// The endpoint could not be reached (DNS, connection refused or timed out, TLS); the causes.
    Unreachable(String),
    /// `--timeout` passed before the call finished, retries included.
    TimedOut,
    /// Throttled on every attempt.
    Throttled,
    /// `OrganizationNotFoundException`.
    OrganizationNotFound,
    /// `OrganizationStateException`: the organization exists but is not active.
    OrganizationState,
    /// A 5xx answer on every attempt.
    ServerError,
    /// Any other error the service answered with (its code and message are in the [`ServiceError`]).
    Service,
    /// Anything else (a response that could not be read, a request that could not be built); the causes.
    Other(String),
}

impl Problem {
    pub fn exit_code(&self) -> u8 {
        match self {
            Problem::MissingRegion | Problem::NoCredentials | Problem::Credentials(_) => exit::SETUP,
            Problem::Unreachable(_) | Problem::TimedOut => exit::NETWORK,
            _ => exit::SERVICE,
        }
    }
}

/// Error codes of throttling, as the SDK's retry classifier lists them (`aws_smithy_runtime`'s
/// `THROTTLING_ERRORS`), less those other services use.
const THROTTLING_CODES: [&str; 6] = [
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestThrottled",
    "RequestLimitExceeded",
];

/// Codes by which the service (its front door, before WorkMail proper) refuses the credentials themselves.
const CREDENTIALS_REFUSED_CODES: [&str; 7] = [
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "ExpiredTokenException",
    "ExpiredToken",
    "IncompleteSignature",
];

/// Sorts an SDK error into a [`Problem`].
pub fn classify<E>(error: &SdkError<E, HttpResponse>) -> Problem
where
    E: ProvideErrorMetadata + StdError + 'static,
{
    // Credential and endpoint failures happen before anything is sent; the orchestrator wraps them as a dispatch
    // failure ("other"), so they are found by walking the source chain.
    let mut next: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(cause) = next {
        if let Some(credentials) = cause.downcast_ref::<CredentialsError>() {
            return match credentials {
                CredentialsError::CredentialsNotLoaded(_) => Problem::NoCredentials,
                // The variant's own words are generic ("an error occurred while loading credentials"); the source
                // says which provider failed and how.
                other => Problem::Credentials(other.source().map_or_else(|| other.to_string(), causes)),
            };
        }
        // The endpoint rules' own words (the SDK's `ResolveEndpointError` is a type of a crate the bridge does not
        // otherwise need); `wmpolicy-aws` checks the Region before any call, so this is the fallback.
        if cause.to_string().contains("Missing Region") {
            return Problem::MissingRegion;
        }
        next = cause.source();
    }
    match error {
        SdkError::TimeoutError(_) => Problem::TimedOut,
        SdkError::DispatchFailure(failure) if failure.is_io() || failure.is_timeout() => {
            Problem::Unreachable(failure.as_connector_error().map(|e| causes(e)).unwrap_or_default())
        }
        SdkError::DispatchFailure(failure) => {
            Problem::Other(failure.as_connector_error().map(|e| causes(e)).unwrap_or_default())
        }
        SdkError::ServiceError(_) | SdkError::ResponseError(_) => {
            let status = error.raw_response().map(|r| r.status().as_u16()).unwrap_or(0);
            match error.code() {
                Some("AccessDeniedException" | "AccessDenied") => Problem::AccessDenied,
                Some(code) if CREDENTIALS_REFUSED_CODES.contains(&code) => Problem::CredentialsRejected,
                Some(code) if THROTTLING_CODES.contains(&code) => Problem::Throttled,
                Some("OrganizationNotFoundException") => Problem::OrganizationNotFound,
                Some("OrganizationStateException") => Problem::OrganizationState,
                _ if status >= 500 => Problem::ServerError,
                Some(_) => Problem::Service,
                None => Problem::Other(causes(error)),
            }
        }
        _ => Problem::Other(causes(error)),
    }
}

/// An error and its causes in one line: each `Display` once (an error often repeats its source's text), without
/// the SDK's generic outer words, newlines folded.
pub fn causes(error: &(dyn StdError + 'static)) -> String {
    const GENERIC: [&str; 6] = ["dispatch failure", "io error", "other", "timeout", "service error", "response error"];
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(error);
    while let Some(cause) = next {
        let text =
            cause.to_string().split('\n').map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("; ");
        if !text.is_empty() && !GENERIC.contains(&text.as_str()) && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = cause.source();
    }
    parts.join(": ")
}

/// What the messages say besides the error: taken from the client and the command line when the error is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    pub organization_id: String,
    pub region: Option<String>,
    /// The attempts the retry configuration allows.
    pub max_attempts: u32,
    /// `--timeout`, as the client's operation timeout.
    pub timeout: Option<Duration>,
    /// The profile the shared files were read for (`AWS_PROFILE`, or `default`).
    pub profile: String,
}

impl Context {
    pub fn of(client: &Client, organization_id: &str) -> Context {
        let config = client.config();
        Context {
            organization_id: organization_id.to_string(),
            region: config.region().map(|r| r.to_string()),
            max_attempts: config.retry_config().map_or(1, |r| r.max_attempts()),
            timeout: config.timeout_config().and_then(|t| t.operation_timeout()),
            profile: std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()).unwrap_or_else(|| "default".into()),
        }
    }
}

/// A call that failed as a whole (as opposed to a request error, which answers a simulate call).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    /// The WorkMail operation (and IAM action) that failed.
    pub operation: &'static str,
    pub problem: Problem,
    /// The service's error code, when it answered with one.
    pub code: Option<String>,
    /// The service's message, when it answered with one.
    pub message: Option<String>,
    /// Boxed: an error travels up every `?` of a verify, and the context would make each `Result` large.
    pub context: Box<Context>,
}

impl ServiceError {
    pub fn new<E>(operation: &'static str, context: &Context, error: SdkError<E, HttpResponse>) -> ServiceError
    where
        E: ProvideErrorMetadata + StdError + 'static,
    {
        ServiceError {
            operation,
            problem: classify(&error),
            code: error.code().map(str::to_string),
            message: error.message().map(str::to_string),
            context: Box::new(context.clone()),
        }
    }

    pub fn exit_code(&self) -> u8 {
        self.problem.exit_code()
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = self.operation;
        let org = &self.context.organization_id;
        let region = self.context.region.as_deref().unwrap_or("the default Region");
        // "CODE: message", or whichever of them the service gave.
        let said = match (&self.code, &self.message) {
            (Some(code), Some(message)) if !message.is_empty() => format!("{code}: {message}"),
            (Some(code), _) => code.clone(),
            (None, Some(message)) => message.clone(),
            (None, None) => String::new(),
        };
        let attempts = self.context.max_attempts;
        match &self.problem {
            Problem::MissingRegion => write!(f, "no AWS Region is set for {op}: {REGION_HINT}"),
            Problem::NoCredentials => write!(
                f,
                "no AWS credentials found (tried: environment variables, shared config and credentials files \
                 (profile {}), web identity token, ECS container and EC2 instance (IMDS) roles; SSO and \
                 credential_process profiles are not built in, export their credentials first); run `aws configure` \
                 or set AWS_PROFILE",
                self.context.profile
            ),
            Problem::Credentials(causes) => write!(
                f,
                "cannot load AWS credentials (profile {}): {causes}; run `aws configure` or set AWS_PROFILE",
                self.context.profile
            ),
            Problem::CredentialsRejected => write!(
                f,
                "the service refused the AWS credentials for {op} ({said}): they are wrong or expired; renew them \
                 (`aws configure`, or export fresh ones) or set AWS_PROFILE"
            ),
            Problem::AccessDenied => write!(
                f,
                "access denied for workmail:{op} on organization {org} in {region}: the identity needs the IAM \
                 action workmail:{op} (the README's bridge section has a policy with every action wmpolicy-aws \
                 calls); the service said: {said}"
            ),
            Problem::Unreachable(causes) => write!(
                f,
                "cannot reach the WorkMail endpoint in {region} for {op} ({causes}): check the network or proxy, and \
                 that --region names a Region where WorkMail runs"
            ),
            Problem::TimedOut => match self.context.timeout {
                Some(timeout) => write!(
                    f,
                    "{op} did not finish within --timeout {} s (retries included): check the network or proxy, or \
                     give a longer --timeout",
                    timeout.as_secs_f64()
                ),
                None => write!(f, "{op} timed out: check the network or proxy"),
            },
            Problem::Throttled => {
                write!(f, "{op} was throttled on all {attempts} attempts ({said}): lower --rate, or run again later")
            }
            Problem::OrganizationNotFound => write!(
                f,
                "organization {org} was not found in {region} ({op}: {said}): check --organization-id, and \
                 --region (an organization lives in one Region)"
            ),
            Problem::OrganizationState => write!(
                f,
                "organization {org} is not active ({op}: {said}): wait until its state is Active (`aws workmail \
                 describe-organization --organization-id {org}`), then run again"
            ),
            Problem::ServerError => {
                write!(f, "{op} failed on the service's side on all {attempts} attempts ({said}): run again later")
            }
            Problem::Service => write!(f, "{op} failed: {said}"),
            Problem::Other(causes) => write!(f, "{op} failed: {causes}"),
        }
    }
}

impl StdError for ServiceError {}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_workmail::error::ErrorMetadata;
    use aws_sdk_workmail::operation::list_access_control_rules::ListAccessControlRulesError;
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;

    type Error = SdkError<ListAccessControlRulesError, HttpResponse>;

    fn context() -> Context {
        Context {
            organization_id: "m-0123456789abcdef0123456789abcdef".into(),
            region: Some("eu-west-1".into()),
            max_attempts: 8,
            timeout: Some(Duration::from_secs(60)),
            profile: "default".into(),
        }
    }

    /// The service answering `status` with `code` and `message`, as the SDK's deserializer makes it.
    fn answered(status: u16, code: &str, message: &str) -> Error {
        let meta = ErrorMetadata::builder().code(code).message(message).build();
        let response = HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::empty());
        SdkError::service_error(ListAccessControlRulesError::generic(meta), response)
    }

    /// A failure before anything was sent: the orchestrator wraps it as a dispatch failure of kind "other".
    fn before_sending(source: impl StdError + Send + Sync + 'static) -> Error {
        SdkError::dispatch_failure(ConnectorError::other(Box::new(source), None))
    }

    fn line(error: Error) -> (Problem, String, u8) {
        let e = ServiceError::new("ListAccessControlRules", &context(), error);
        let text = e.to_string();
        assert!(!text.contains('\n'), "one line: {text}");
        assert!(!text.contains(" {") && !text.contains("DispatchFailure"), "no Debug text: {text}");
        (e.problem.clone(), text, e.exit_code())
    }

    #[derive(Debug)]
    struct Endpoint;
    impl fmt::Display for Endpoint {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("Invalid Configuration: Missing Region")
        }
    }
    impl StdError for Endpoint {}

    #[test]
    fn a_missing_region_says_how_to_set_one() {
        let (problem, text, code) = line(before_sending(Endpoint));
        assert_eq!(problem, Problem::MissingRegion);
        assert!(text.contains("set a region with --region or AWS_REGION"), "{text}");
        assert_eq!(code, exit::SETUP);
    }

    #[test]
    fn no_credentials_lists_what_was_tried_and_what_to_do() {
        let (problem, text, code) = line(before_sending(CredentialsError::not_loaded("no providers in chain")));
        assert_eq!(problem, Problem::NoCredentials);
        assert!(text.starts_with("no AWS credentials found (tried: environment variables, shared config"), "{text}");
        assert!(text.contains("(profile default)") && text.ends_with("run `aws configure` or set AWS_PROFILE"));
        assert_eq!(code, exit::SETUP);

        let broken = CredentialsError::provider_error("could not communicate with IMDS");
        let (problem, text, _) = line(before_sending(broken));
        assert_eq!(problem, Problem::Credentials("could not communicate with IMDS".into()), "{text}");
        assert!(text.starts_with("cannot load AWS credentials (profile default): could not communicate with IMDS"));
    }

    #[test]
    fn access_denied_names_the_iam_action() {
        let message = "User: arn:aws:iam::111122223333:user/ops is not authorized to perform: \
                       workmail:ListAccessControlRules on resource: arn:aws:workmail:eu-west-1:111122223333:organization/m-…";
        let (problem, text, code) = line(answered(400, "AccessDeniedException", message));
        assert_eq!(problem, Problem::AccessDenied);
        assert!(
            text.starts_with(
                "access denied for workmail:ListAccessControlRules on organization m-0123456789abcdef0123456789abcdef \
                 in eu-west-1: the identity needs the IAM action workmail:ListAccessControlRules"
            ),
            "{text}"
        );
        assert!(text.ends_with(message));
        assert_eq!(code, exit::SERVICE);

        let (problem, text, _) = line(answered(400, "UnrecognizedClientException", "The security token is invalid."));
        assert_eq!(problem, Problem::CredentialsRejected);
        assert!(text.contains("they are wrong or expired"), "{text}");
    }

    #[test]
    fn an_unreachable_endpoint_or_a_timeout_says_check_the_network() {
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "Connection refused");
        let (problem, text, code) = line(SdkError::dispatch_failure(ConnectorError::io(Box::new(refused))));
        assert_eq!(problem, Problem::Unreachable("Connection refused".into()));
        assert_eq!(
            text,
            "cannot reach the WorkMail endpoint in eu-west-1 for ListAccessControlRules (Connection refused): check \
             the network or proxy, and that --region names a Region where WorkMail runs"
        );
        assert_eq!(code, exit::NETWORK);

        let dns = std::io::Error::other("failed to lookup address information: Name or service not known");
        let (problem, _, _) = line(SdkError::dispatch_failure(ConnectorError::timeout(Box::new(dns))));
        assert!(matches!(problem, Problem::Unreachable(c) if c.contains("failed to lookup address")));

        let (problem, text, code) = line(SdkError::timeout_error("operation timed out"));
        assert_eq!(problem, Problem::TimedOut);
        assert!(text.starts_with("ListAccessControlRules did not finish within --timeout 60 s (retries included)"));
        assert_eq!(code, exit::NETWORK);
    }

    #[test]
    fn throttling_organization_and_server_errors() {
        let (problem, text, code) = line(answered(400, "ThrottlingException", "Rate exceeded"));
        assert_eq!(problem, Problem::Throttled);
        assert_eq!(
            text,
            "ListAccessControlRules was throttled on all 8 attempts (ThrottlingException: Rate exceeded): lower \
             --rate, or run again later"
        );
        assert_eq!(code, exit::SERVICE);

        let message = "An operation received an invalid organization identifier.";
        let (problem, text, _) = line(answered(400, "OrganizationNotFoundException", message));
        assert_eq!(problem, Problem::OrganizationNotFound);
        assert!(text.starts_with("organization m-0123456789abcdef0123456789abcdef was not found in eu-west-1"));
        assert!(text.contains("check --organization-id, and --region"), "{text}");

        let (problem, text, _) = line(answered(400, "OrganizationStateException", "The organization is not active."));
        assert_eq!(problem, Problem::OrganizationState);
        assert!(text.contains("is not active") && text.contains("describe-organization"), "{text}");

        let (problem, _, _) = line(answered(500, "InternalFailure", "oops"));
        assert_eq!(problem, Problem::ServerError);
        let (problem, text, _) = line(answered(400, "ValidationException", "bad"));
        assert_eq!(
            (problem, text.as_str()),
            (Problem::Service, "ListAccessControlRules failed: ValidationException: bad")
        );
    }

    #[test]
    fn causes_are_one_line_each_said_once() {
        let chain = CredentialsError::not_loaded("no credentials found in chain. Attempted:\n  Environment: not set");
        assert_eq!(
            causes(&chain),
            "the credential provider was not enabled: no credentials found in chain. Attempted:; Environment: not set"
        );
    }
}
