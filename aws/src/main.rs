//! `wmpolicy-aws`: builds the SDK client from the environment (credentials, Region, retries, timeouts) and runs a
//! command.
//!
//! Order matters for a user who has not set anything up: the arguments are checked while parsing (exit 2, before
//! any AWS code runs), then the Region (exit 7, before any call: with neither, the SDK would fail on credentials
//! first and hide the missing Region), then the command runs.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_sdk_workmail::primitives::{DateTime, DateTimeFormat};
use clap::Parser;
use workmail_policy_aws::cli::{exit, Command, Target};
use workmail_policy_aws::errors::REGION_HINT;
use workmail_policy_aws::{retry_config, run, timeout_config, Cli, Io, RetryReporter};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // One thread is plenty: the calls go one at a time, paced.
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let code = runtime.block_on(async {
        let target: &Target = match &cli.command {
            Command::Snapshot { target, .. } | Command::Verify { target, .. } => target,
        };
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .retry_config(retry_config(Duration::from_secs(1)))
            .timeout_config(timeout_config(target.timeout));
        if let Some(region) = &target.region {
            loader = loader.region(aws_config::Region::new(region.clone()));
        }
        let shared = loader.load().await;
        if shared.region().is_none() {
            eprintln!("error: no AWS Region is set: {REGION_HINT}");
            return exit::SETUP;
        }
        // Retries are said on stderr as they happen (they used to be silent for half a minute).
        let say = Arc::new(|line: String| eprintln!("{line}"));
        let config = aws_sdk_workmail::config::Builder::from(&shared).interceptor(RetryReporter::new(say)).build();
        let client = aws_sdk_workmail::Client::from_conf(config);
        let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
        let mut io = Io {
            out: &mut out,
            err: &mut err,
            recorded_at: DateTime::from(SystemTime::now()).fmt(DateTimeFormat::DateTime).ok(),
            recorded_by: format!("wmpolicy-aws {}", env!("CARGO_PKG_VERSION")),
        };
        run(cli, &client, &mut io).await
    });
    ExitCode::from(code)
}
