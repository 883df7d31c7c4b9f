//! `wmpolicy-aws`'s commands, given a client: the binary builds the client from the environment, the tests from
//! mocks, and both run [`run`].

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use aws_sdk_workmail::Client;
use clap::{Args, Parser, Subcommand};
use serde::Serialize;
use workmail_policy::model::OrganizationFile;
use workmail_policy::{load, validate, Finding, Policy};
use workmail_policy_fixture::coverage::{self, Plan, PlanOptions};
use workmail_policy_fixture::{self as fixture, Case, Fixture, Source, Tally};

use crate::args;
use crate::errors::ServiceError;
use crate::service::{self, Pacer};

/// Exit codes, documented in the README.
pub mod exit {
    pub const OK: u8 = 0;
    // 2 is clap's usage error.
    /// A file could not be read or written.
    pub const FILE: u8 = 3;
    /// The organization (snapshot or `--snapshot` file) has validation errors.
    pub const INVALID: u8 = 4;
    /// `verify`: at least one answer of the engine differs from the service's.
    pub const DIVERGED: u8 = 5;
    /// The service refused or failed a call: organization not found or not active, access denied, credentials
    /// refused, throttling beyond the retries, a server error.
    pub const SERVICE: u8 = crate::errors::exit::SERVICE;
    /// Nothing could be sent: no Region, or no credentials.
    pub const SETUP: u8 = crate::errors::exit::SETUP;
    /// The service could not be reached (DNS, connection, TLS), or `--timeout` passed first.
    pub const NETWORK: u8 = crate::errors::exit::NETWORK;
}

/// The workflow and the exit codes, after `wmpolicy-aws --help`.
const WORKFLOW: &str = "\
Workflow (the offline steps are the `wmpolicy` command):
  1. wmpolicy-aws snapshot --organization-id m-… --region eu-west-1 --output org.json
  2. wmpolicy validate org.json
       checks the snapshot as the service would; `wmpolicy explain`, `diff` and `lint` work on it too
  3. wmpolicy-aws verify --organization-id m-… --region eu-west-1 --snapshot org.json --record org.fixture.json
       asks the service and the engine the same requests; lists every answer on which they differ
  4. wmpolicy test org.fixture.json
       replays the service's recorded answers offline, long after the service is gone

Credentials and Region come from the usual AWS chain (environment variables, ~/.aws profiles, web identity,
container and instance roles); --region overrides the Region. Every call is read-only; `wmpolicy-aws COMMAND
--help` lists the IAM actions each command needs.

Exit codes: 0 done (verify: every answer agreed), 2 usage (a flag's value, an unreadable file), 3 a file could
not be read or written, 4 the organization has validation errors, 5 verify: answers diverged, 6 the service
refused or failed a call, 7 no Region or no credentials, 8 the service could not be reached or --timeout passed.";

const SNAPSHOT_IAM: &str = "\
IAM actions needed (read-only): workmail:ListAccessControlRules, workmail:ListMobileDeviceAccessRules,
workmail:ListMobileDeviceAccessOverrides, workmail:ListImpersonationRoles, workmail:GetImpersonationRole,
workmail:ListUsers";

const VERIFY_IAM: &str = "\
IAM actions needed (read-only): workmail:GetAccessControlEffect, workmail:GetMobileDeviceAccessEffect,
workmail:GetImpersonationRoleEffect; without --snapshot also snapshot's: workmail:ListAccessControlRules,
workmail:ListMobileDeviceAccessRules, workmail:ListMobileDeviceAccessOverrides, workmail:ListImpersonationRoles,
workmail:GetImpersonationRole, workmail:ListUsers";

#[derive(Debug, Parser)]
#[command(
    name = "wmpolicy-aws",
    version,
    about = "Snapshot an Amazon WorkMail organization and verify workmail-policy against the service's simulate calls",
    after_help = WORKFLOW
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Target {
    /// The WorkMail organization: `m-` followed by 32 hex digits, like m-0123456789abcdef0123456789abcdef.
    #[arg(long, value_name = "ID", value_parser = args::organization_id)]
    pub organization_id: String,
    /// The AWS Region of the organization (default: AWS_REGION, or the profile's, as the aws CLI finds it).
    #[arg(long, value_name = "REGION", value_parser = args::region)]
    pub region: Option<String>,
    /// At most this many calls per second (0: no limit); throttled calls are retried with backoff besides.
    #[arg(long, value_name = "PER_SECOND", allow_negative_numbers = true, default_value_t = 5.0, value_parser = args::rate)]
    pub rate: f64,
    /// Give up on a call after this many seconds, its retries and their backoff included. Retries are reported
    /// on stderr as they happen.
    #[arg(long, value_name = "SECONDS", allow_negative_numbers = true, default_value = "60", value_parser = args::timeout)]
    pub timeout: Duration,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read the organization's rules, overrides, impersonation roles and users into one organization file.
    #[command(after_help = SNAPSHOT_IAM)]
    Snapshot {
        #[command(flatten)]
        target: Target,
        /// Write the organization file here instead of stdout.
        #[arg(long, value_name = "FILE", value_parser = args::writable_path)]
        output: Option<PathBuf>,
    },
    /// Ask the service and the engine the same requests and report every answer on which they differ.
    #[command(after_help = VERIFY_IAM)]
    Verify {
        #[command(flatten)]
        target: Target,
        /// Evaluate this organization file (an earlier snapshot) instead of taking a snapshot now. It must be the
        /// organization's current state, or the differences are drift, not the engine's.
        #[arg(long, value_name = "FILE", value_parser = args::readable_file)]
        snapshot: Option<PathBuf>,
        /// At most this many simulate calls in all; the covering set comes first.
        #[arg(long, value_name = "N", default_value_t = 1000, allow_negative_numbers = true, value_parser = args::max_calls)]
        max_calls: usize,
        /// Seeded random requests after the covering set (within --max-calls).
        #[arg(long, value_name = "N", default_value_t = 200)]
        random: usize,
        /// Seed of the random requests.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Write the organization, the requests and the service's answers as a fixture for `wmpolicy test`.
        #[arg(long, value_name = "FIXTURE", value_parser = args::writable_path)]
        record: Option<PathBuf>,
        /// Print the report as one JSON object.
        #[arg(long)]
        json: bool,
    },
}

/// What the shell around [`run`] provides.
pub struct Io<'a> {
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
    /// The time written into a recorded fixture's `Source.RecordedAt` (tests leave it out for stable output).
    pub recorded_at: Option<String>,
    /// Written into `Source.RecordedBy`.
    pub recorded_by: String,
}

/// Runs one command and returns its exit code. Output write failures are ignored past this point: the exit code
/// still tells the outcome.
pub async fn run(cli: Cli, client: &Client, io: &mut Io<'_>) -> u8 {
    let result = match cli.command {
        Command::Snapshot { target, output } => snapshot(client, &target, output, io).await,
        Command::Verify { target, snapshot, max_calls, random, seed, record, json } => {
            let options = PlanOptions { max_calls, random, seed };
            verify(client, &target, snapshot, &options, record, json, io).await
        }
    };
    match result {
        Ok(code) => code,
        Err(failure) => {
            let _ = writeln!(io.err, "{failure}");
            failure.exit_code()
        }
    }
}

/// Why a command stopped before its verdict.
enum Failure {
    Service(ServiceError),
    File(String),
    Invalid(String),
}

impl Failure {
    fn exit_code(&self) -> u8 {
        match self {
            Failure::Service(e) => e.exit_code(),
            Failure::File(_) => exit::FILE,
            Failure::Invalid(_) => exit::INVALID,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Service(e) => write!(f, "error: {e}"),
            Failure::File(message) | Failure::Invalid(message) => write!(f, "error: {message}"),
        }
    }
}

impl From<ServiceError> for Failure {
    fn from(error: ServiceError) -> Failure {
        Failure::Service(error)
    }
}

fn write_file(path: &PathBuf, text: &str) -> Result<(), Failure> {
    std::fs::write(path, text).map_err(|e| Failure::File(format!("cannot write {}: {e}", path.display())))
}

fn describe(file: &OrganizationFile) -> String {
    let count = |n: Option<usize>| n.unwrap_or(0);
    format!(
        "{} access-control rules, {} mobile-device rules, {} overrides, {} impersonation roles, {} users",
        count(file.access_control_rules.as_ref().map(Vec::len)),
        count(file.mobile_device_access_rules.as_ref().map(Vec::len)),
        count(file.mobile_device_access_overrides.as_ref().map(Vec::len)),
        count(file.impersonation_roles.as_ref().map(Vec::len)),
        count(file.users.as_ref().map(Vec::len)),
    )
}

async fn snapshot(client: &Client, target: &Target, output: Option<PathBuf>, io: &mut Io<'_>) -> Result<u8, Failure> {
    let mut pacer = Pacer::new(target.rate);
    let file = service::snapshot(client, &target.organization_id, &mut pacer).await?;
    let text = format!("{}\n", serde_json::to_string_pretty(&file).unwrap_or_default());
    match &output {
        Some(path) => write_file(path, &text)?,
        None => {
            let _ = io.out.write_all(text.as_bytes());
        }
    }
    let _ = writeln!(io.err, "snapshot of {}: {}", target.organization_id, describe(&file));
    Ok(exit::OK)
}

/// Findings as lines for a message.
fn findings_text(findings: &[Finding]) -> String {
    findings.iter().map(|f| format!("\n  {f}")).collect()
}

/// The verify report, as `--json` prints it.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Report<'a> {
    organization_id: &'a str,
    requests: usize,
    covering: usize,
    random: usize,
    covering_dropped: usize,
    overrides_dropped: usize,
    #[serde(flatten)]
    tally: &'a Tally,
}

async fn verify(
    client: &Client,
    target: &Target,
    snapshot: Option<PathBuf>,
    options: &PlanOptions,
    record: Option<PathBuf>,
    json: bool,
    io: &mut Io<'_>,
) -> Result<u8, Failure> {
    let mut pacer = Pacer::new(target.rate);
    let organization_id = target.organization_id.as_str();
    let file = match &snapshot {
        Some(path) => {
            let bytes =
                std::fs::read(path).map_err(|e| Failure::File(format!("cannot read {}: {e}", path.display())))?;
            load::parse(&bytes)
                .map_err(|findings| Failure::Invalid(format!("{}:{}", path.display(), findings_text(&findings))))?
        }
        None => service::snapshot(client, organization_id, &mut pacer).await?,
    };
    let validation = validate::validate(&file, &validate::Options::default());
    let organization = validation.organization.ok_or_else(|| {
        Failure::Invalid(format!("the organization has validation errors:{}", findings_text(&validation.findings)))
    })?;
    let policy = Policy::compile(&organization).map_err(|e| Failure::Invalid(e.to_string()))?;

    let Plan { calls, covering, covering_dropped, overrides_dropped } = coverage::plan(&organization, options);
    let mut tally = Tally::default();
    let mut cases = Vec::with_capacity(calls.len());
    for (i, call) in calls.iter().enumerate() {
        pacer.wait().await;
        let service = service::ask(client, organization_id, call).await?;
        tally.record(i + 1, call, call.answer(&policy), service.clone());
        cases.push(Case { request: call.clone(), answer: service });
    }

    if let Some(path) = &record {
        let source = Source {
            organization_id: Some(organization_id.to_string()),
            region: client.config().region().map(|r| r.to_string()),
            recorded_at: io.recorded_at.clone(),
            recorded_by: Some(io.recorded_by.clone()),
        };
        write_file(path, &fixture::to_text(&Fixture { source, organization: file, cases }))?;
    }

    let report = Report {
        organization_id,
        requests: calls.len(),
        covering,
        random: calls.len() - covering,
        covering_dropped,
        overrides_dropped,
        tally: &tally,
    };
    if json {
        let _ = writeln!(io.out, "{}", serde_json::to_string_pretty(&report).unwrap_or_default());
    } else {
        print_report(&report, io.out);
    }
    if let Some(path) = &record {
        let _ = writeln!(io.err, "recorded {} cases in {}", calls.len(), path.display());
    }
    Ok(if tally.all_agree() { exit::OK } else { exit::DIVERGED })
}

fn print_report(report: &Report, out: &mut dyn Write) {
    let _ = writeln!(
        out,
        "verify {}: {} requests ({} covering, {} random)",
        report.organization_id, report.requests, report.covering, report.random
    );
    if report.covering_dropped > 0 {
        let _ =
            writeln!(out, "not asked: {} requests of the covering set, beyond --max-calls", report.covering_dropped);
    }
    let _ = writeln!(
        out,
        "not asked: the mobile override extension (UserId with DeviceId): GetMobileDeviceAccessEffect takes neither; \
         {} random mobile requests that named them were asked without them",
        report.overrides_dropped
    );
    for divergence in &report.tally.divergences {
        let _ = writeln!(out, "DIVERGED {divergence}");
    }
    let _ = writeln!(out, "{} agreed, {} diverged", report.tally.agreed, report.tally.divergences.len());
}
