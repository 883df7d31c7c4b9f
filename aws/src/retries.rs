//! Retries and time limits: the SDK retries (its standard mode), this module makes them visible and bounded.
//!
//! Before, a call that could not connect was retried eight times with backoff, silently, for half a minute and
//! more. Now [`RetryReporter`], an SDK interceptor, says each retry as it is decided, and `--timeout` becomes the
//! client's operation timeout, which bounds a call with all its retries and backoff.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_workmail::config::interceptors::FinalizerInterceptorContextRef;
use aws_sdk_workmail::config::retry::{RetryAction, RetryConfig};
use aws_sdk_workmail::config::timeout::TimeoutConfig;
use aws_sdk_workmail::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_workmail::error::BoxError;
use aws_smithy_runtime::client::retries::classifiers::run_classifiers_on_ctx;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::retries::classifiers::RetryReason;
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_types::retry::ErrorKind;

use crate::errors::causes;

/// The retry policy the command uses: the SDK's standard mode (exponential backoff with jitter, a retry token
/// bucket) with more attempts than its default of 3, since a verify of hundreds of calls meets throttling.
pub fn retry_config(initial_backoff: Duration) -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(8)
        .with_initial_backoff(initial_backoff)
        .with_max_backoff(Duration::from_secs(20))
}

/// The longest wait to connect: the SDK's default (3.1 s), or the whole `--timeout` when that is shorter.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(3100);

/// `--timeout` as the client's timeouts: the operation timeout bounds one call with every retry and backoff
/// (the pacer's spacing between calls is not a call's wait, so a long verify is not cut short).
pub fn timeout_config(timeout: Duration) -> TimeoutConfig {
    TimeoutConfig::builder().operation_timeout(timeout).connect_timeout(CONNECT_TIMEOUT.min(timeout)).build()
}

/// Where the reporter's lines go: stderr in the command, a buffer in tests.
pub type Say = Arc<dyn Fn(String) + Send + Sync>;

/// An interceptor that says, as it happens, that a call is being retried and why:
/// `retrying ListUsers after a throttling error (attempt 2 of 8)…`.
///
/// It runs after each attempt, before the retry strategy's backoff, so the line comes before the wait rather than
/// after it. It asks the client's own retry classifiers (the ones the strategy asks next), so it reports exactly
/// the failures the SDK retries; the one case it cannot see is a retry the token bucket then refuses, after which
/// the call's final error follows at once.
#[derive(Clone)]
pub struct RetryReporter {
    say: Say,
}

impl RetryReporter {
    pub fn new(say: Say) -> RetryReporter {
        RetryReporter { say }
    }
}

impl fmt::Debug for RetryReporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RetryReporter")
    }
}

impl Intercept for RetryReporter {
    fn name(&self) -> &'static str {
        "RetryReporter"
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let attempt = cfg.load::<RequestAttempts>().map_or(1, |a| a.attempts());
        let max_attempts = cfg.load::<RetryConfig>().map_or(1, |c| c.max_attempts());
        if attempt >= max_attempts {
            return Ok(());
        }
        let kind = match run_classifiers_on_ctx(runtime_components.retry_classifiers(), context.inner()) {
            RetryAction::RetryIndicated(RetryReason::RetryableError { kind, .. }) => kind,
            _ => return Ok(()),
        };
        // The finalizers also run when the operation timeout (`--timeout`) cuts an attempt off, and that ends the
        // call: no retry follows. The bridge sets no per-attempt timeout, so an attempt's timeout is always that.
        let failed = context.inner().output_or_error().and_then(|r| r.err());
        if failed.is_some_and(|e| e.is_timeout_error()) {
            return Ok(());
        }
        let reason = match kind {
            ErrorKind::ThrottlingError => "a throttling error".to_string(),
            // The SDK calls a 500 or 503 "transient" as readily as a dropped connection: say which it was.
            _ => {
                let cause = failed.and_then(|e| e.as_connector_error()).map(|e| causes(e)).filter(|c| !c.is_empty());
                let status = context.inner().response().map(|r| r.status().as_u16());
                match (cause, status) {
                    (Some(cause), _) => format!("a network error ({cause})"),
                    (None, Some(status)) if status >= 500 => format!("a server error (HTTP {status})"),
                    _ if kind == ErrorKind::ServerError => "a server error".to_string(),
                    _ => "a transient error".to_string(),
                }
            }
        };
        let operation = cfg.load::<Metadata>().map_or("the call", |m| m.name());
        (self.say)(format!("retrying {operation} after {reason} (attempt {} of {max_attempts})…", attempt + 1));
        Ok(())
    }
}
