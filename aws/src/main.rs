//! `wmpolicy-aws`: builds the SDK client from the environment (credentials, Region, retries) and runs a command.

use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use aws_sdk_workmail::primitives::{DateTime, DateTimeFormat};
use clap::Parser;
use workmail_policy_aws::cli::{Command, Target};
use workmail_policy_aws::{retry_config, run, Cli, Io};

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
            .retry_config(retry_config(Duration::from_secs(1)));
        if let Some(region) = &target.region {
            loader = loader.region(aws_config::Region::new(region.clone()));
        }
        let client = aws_sdk_workmail::Client::new(&loader.load().await);
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
