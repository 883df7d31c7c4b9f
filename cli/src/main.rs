//! `wmpolicy`: WorkMail's simulate calls, offline. A thin shell over the `workmail_policy` crate: it reads files,
//! calls the core, prints what the core returns.

use std::io::{self, BufWriter, Read, Write};
use std::num::NonZeroUsize;
use std::path::Path;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Instant;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use serde::Serialize;
use workmail_policy::analyse::{self, explain, Kind};
use workmail_policy::batch::{self, ErrorResponse};
use workmail_policy::hints;
use workmail_policy::replay::RuleSet;
use workmail_policy::validate::{self, Options, Validation};
use workmail_policy::{
    format, load, AccessRequest, Finding, ImpersonationRequest, MobileRequest, Organization, Policy, RequestError,
};
use workmail_policy_fixture as fixture;

mod bench;
mod diff_sarif;
mod replay;
mod sarif;

/// Exit codes, documented in the README.
mod exit {
    pub const OK: u8 = 0;
    /// The service would reject the request; the error is on stdout.
    pub const REQUEST_REJECTED: u8 = 1;
    /// `fmt --check`: some file is not in canonical form; their names are on stdout.
    pub const WOULD_CHANGE: u8 = 1;
    /// A usage error: clap's, or an argument that names nothing (`effective-access --user`).
    pub const USAGE: u8 = 2;
    /// An input file could not be read (or, by `fmt`, written).
    pub const UNREADABLE: u8 = 3;
    /// The organization has validation errors; findings are on stderr.
    pub const INVALID: u8 = 4;
    /// `diff`: the organizations answer some request differently; `lint`: there are findings.
    pub const FOUND: u8 = 5;
    /// `test`: a fixture's recorded answer differs from the engine's.
    pub const FAILED: u8 = 5;
}

#[derive(Parser)]
#[command(
    name = "wmpolicy",
    version,
    about = "Amazon WorkMail access rules, evaluated offline exactly as the service's simulate calls answer"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Inputs {
    /// Organization files, or aws CLI output (list-access-control-rules, list-mobile-device-access-rules,
    /// list-mobile-device-access-overrides, get-impersonation-role, list-users), merged in order.
    #[arg(required_unless_present = "read_as", value_name = "FILE")]
    files: Vec<String>,
    /// Read FILE as KIND (access-control-rules or mobile-device-access-rules): for `{"Rules": []}`, which both
    /// list commands print for an organization with none. Read after the FILEs, in the order given; repeatable.
    #[arg(long = "as", num_args = 2, value_names = ["KIND", "FILE"], action = clap::ArgAction::Append)]
    read_as: Vec<String>,
    /// Report rule counts over the service's per-organization quotas as warnings, not errors (for analysing
    /// larger, synthetic rule sets).
    #[arg(long)]
    relax_quotas: bool,
    #[command(flatten)]
    size: InputSize,
}

#[derive(Args)]
struct InputSize {
    /// The largest input read, in MiB; a larger one is refused before it is parsed.
    #[arg(long, value_name = "MIB", default_value_t = load::Limits::DEFAULT.max_input_bytes >> 20)]
    max_input_mib: usize,
}

impl InputSize {
    fn limits(&self) -> load::Limits {
        load::Limits { max_input_bytes: self.max_input_mib.saturating_mul(1 << 20), ..load::Limits::DEFAULT }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Check files against everything the service's Put/Create/Update calls would reject.
    Validate {
        #[command(flatten)]
        inputs: Inputs,
        #[command(flatten)]
        output: Output,
    },
    /// GetAccessControlEffect: the effect of the access-control rules on one request.
    Access {
        #[command(flatten)]
        inputs: Inputs,
        #[command(flatten)]
        request: AccessFlags,
    },
    /// GetMobileDeviceAccessEffect: the effect of the mobile-device rules (and, with --user-id and --device-id,
    /// the overrides) on one device.
    Mobile {
        #[command(flatten)]
        inputs: Inputs,
        #[command(flatten)]
        request: MobileFlags,
    },
    /// GetImpersonationRoleEffect: the effect of one impersonation role on one target user.
    Impersonation {
        #[command(flatten)]
        inputs: Inputs,
        #[command(flatten)]
        request: ImpersonationFlags,
    },
    /// Answer JSON request lines from stdin, one answer line per request line, in input order.
    Batch {
        #[command(flatten)]
        inputs: Inputs,
        /// Threads answering lines (default: one per core). Blocks of lines are answered side by side and their
        /// answers written in input order, whatever the count.
        #[arg(long, value_name = "N")]
        threads: Option<NonZeroUsize>,
    },
    /// Replay fixtures recorded from the service (`wmpolicy-aws verify --record`) against the engine; ends with
    /// `N passed, M failed`.
    Test {
        /// Fixture files (format `workmail-policy-fixture/1`, see the README).
        #[arg(required = true, value_name = "FIXTURE")]
        fixtures: Vec<String>,
        /// Report rule counts over the service's quotas as warnings, not errors.
        #[arg(long)]
        relax_quotas: bool,
        /// The largest fixture read, in MiB, as for organization files; its organization is held to the same
        /// limits.
        #[command(flatten)]
        size: InputSize,
    },
    /// Time the compiled engine and the reference evaluator on random requests for this organization.
    Bench {
        #[command(flatten)]
        inputs: Inputs,
        /// Engine queries per call (the reference evaluator answers as many as fit in two seconds).
        #[arg(long, default_value_t = 1_000_000)]
        queries: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// One request, rule by rule: which rules matched, the first condition that failed for the others, and how
    /// the verdict followed.
    Explain {
        #[command(subcommand)]
        call: ExplainCall,
    },
    /// Compare two organizations over every request; exit 5 when some request is answered differently.
    Diff {
        /// The organization as it is (one organization file or aws CLI output).
        #[arg(value_name = "OLD")]
        old: String,
        /// The organization as proposed.
        #[arg(value_name = "NEW")]
        new: String,
        /// Compare one simulate call only (default: all three).
        #[arg(long, value_enum)]
        kind: Option<KindArg>,
        #[command(flatten)]
        output: Output,
        /// As for the other commands.
        #[arg(long)]
        relax_quotas: bool,
        #[command(flatten)]
        size: InputSize,
    },
    /// Dead rules, lockouts and likely mistakes; exit 5 when there are findings.
    Lint {
        #[command(flatten)]
        inputs: Inputs,
        /// An account that must keep access (repeatable): a finding when USER (an ID, email or name) cannot reach
        /// mail by PROTOCOL (one of the seven: ActiveSync, AutoDiscover, EWS, IMAP, SMTP, WindowsOutlook,
        /// WebMail), or without one by any protocol, from any address.
        #[arg(long, value_name = "USER[:PROTOCOL]")]
        must_reach: Vec<analyse::lint::MustReach>,
        #[command(flatten)]
        output: Output,
    },
    /// Who can reach mail, with which protocol, from which addresses: a row per directory user (or per user the
    /// rules name, and any other user) and per impersonation role, a column per protocol, computed over every
    /// address. With --against, the cells that change; exit 5 when some do.
    EffectiveAccess {
        #[command(flatten)]
        inputs: Inputs,
        /// Show one row in full (a user's ID, email or name, or a role's ID): each answer, the rules that decide
        /// it and its addresses.
        #[arg(long, value_name = "USER")]
        user: Option<String>,
        /// Proposed rules (files merged in order, like FILE): print the cells that change.
        #[arg(long, num_args = 1.., value_name = "NEW")]
        against: Vec<String>,
        /// Print JSON (the shape is in the README).
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) on stdout; the README says where to
    /// put it.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) on stdout, or with --out-dir write one page per command there (wmpolicy.1,
    /// wmpolicy-lint.1, …).
    Man {
        /// Write wmpolicy.1 and a page per subcommand into this directory instead.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<std::path::PathBuf>,
    },
    /// Replay audit logs (ACCESS_CONTROL_LOGS) against the rules: list every event whose logged verdict the engine
    /// does not give; with --against, every event whose verdict would change. Exit 5 when any event disagrees or
    /// changes.
    Replay {
        /// The rules the logs are judged against (a snapshot of the organization when the events happened).
        #[command(flatten)]
        inputs: Inputs,
        /// Audit-log files (`-` reads stdin): event lines (S3, Firehose), `aws logs filter-log-events` output or
        /// `aws logs get-query-results` output, told apart by content; gzip-compressed files are read directly.
        #[arg(long, required = true, num_args = 1.., value_name = "LOG")]
        logs: Vec<String>,
        /// Proposed rules (files merged in order, like ORG): replay the same events against them too and report
        /// the events whose verdict or MatchedRules change.
        #[arg(long, num_args = 1.., value_name = "NEW")]
        against: Vec<String>,
        /// Print one JSON object (its shape is in the README).
        #[arg(long)]
        json: bool,
        /// Threads replaying (default: one per core). Output is the same whatever the count.
        #[arg(long, value_name = "N")]
        threads: Option<NonZeroUsize>,
    },
    /// Print a synthetic organization file of a given shape, from a seed: for `bench`, load tests and experiments.
    Generate {
        /// `service-maximum` (10 rules of 1,024 `IpRanges` and 1,024 `NotIpRanges`, 1,000 users, 20 roles),
        /// `typical` (10 rules of 16 CIDRs) or `stress` (1,000 rules of 16 CIDRs).
        #[arg(long, value_enum, default_value_t = GeneratedShape::ServiceMaximum)]
        shape: GeneratedShape,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Print a synthetic audit log for an organization, from a seed: a working company's sign-ins, impersonated
    /// sessions, device checks and mail flow, with the verdicts the reference evaluator gives (for `replay`).
    GenerateLog {
        #[command(flatten)]
        inputs: Inputs,
        /// The log's shape: one event per line (S3, Firehose), `aws logs filter-log-events` output or
        /// `aws logs get-query-results` output.
        #[arg(long, value_enum, default_value_t = LogShapeArg::EventLines)]
        shape: LogShapeArg,
        /// How many events.
        #[arg(long, default_value_t = 1000)]
        events: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Invert the logged verdict of every N-th judged event, as a disagreement to find.
        #[arg(long, value_name = "N", default_value_t = 0)]
        flip_every: usize,
    },
    /// Rewrite files in canonical form: the same documents and meaning, the service's member order, 2-space
    /// pretty JSON, a trailing newline. `-` formats stdin to stdout.
    Fmt {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<String>,
        /// Change nothing; list the files that are not canonical and exit 1 if there are any.
        #[arg(long)]
        check: bool,
        #[command(flatten)]
        size: InputSize,
    },
}

/// How `validate`, `lint` and `diff` print what they found.
#[derive(Args)]
struct Output {
    /// Print JSON (the same as --format json).
    #[arg(long, conflicts_with = "format")]
    json: bool,
    /// text (the default: one line per finding, `file:line:column: severity: …`), json, or sarif (SARIF 2.1.0,
    /// for GitHub code scanning and other CI dashboards).
    #[arg(long, value_enum, value_name = "FORMAT")]
    format: Option<Format>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
    Sarif,
}

impl Output {
    fn format(&self) -> Format {
        match (self.json, self.format) {
            (true, _) => Format::Json,
            (false, format) => format.unwrap_or(Format::Text),
        }
    }
}

/// The shapes `wmpolicy generate` writes (`workmail_policy::testing::Shape`).
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum GeneratedShape {
    ServiceMaximum,
    Typical,
    Stress,
}

/// The log shapes `wmpolicy generate-log` writes (`workmail_policy::replay::LogShape`).
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogShapeArg {
    EventLines,
    FilterLogEvents,
    QueryResults,
}

#[derive(Subcommand)]
enum ExplainCall {
    /// GetAccessControlEffect, explained.
    Access {
        #[command(flatten)]
        inputs: Inputs,
        #[command(flatten)]
        request: AccessFlags,
        /// Print the explanation as JSON.
        #[arg(long)]
        json: bool,
    },
    /// GetMobileDeviceAccessEffect, explained.
    Mobile {
        #[command(flatten)]
        inputs: Inputs,
        #[command(flatten)]
        request: MobileFlags,
        /// Print the explanation as JSON.
        #[arg(long)]
        json: bool,
    },
    /// GetImpersonationRoleEffect, explained.
    Impersonation {
        #[command(flatten)]
        inputs: Inputs,
        #[command(flatten)]
        request: ImpersonationFlags,
        /// Print the explanation as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum KindArg {
    Access,
    Mobile,
    Impersonation,
}

impl From<KindArg> for Kind {
    fn from(kind: KindArg) -> Kind {
        match kind {
            KindArg::Access => Kind::Access,
            KindArg::Mobile => Kind::Mobile,
            KindArg::Impersonation => Kind::Impersonation,
        }
    }
}

/// GetAccessControlEffect's request members.
#[derive(Args)]
struct AccessFlags {
    #[arg(long, value_name = "IP")]
    ip_address: String,
    #[arg(long, value_name = "ACTION")]
    action: String,
    #[arg(long, value_name = "USER")]
    user_id: Option<String>,
    #[arg(long, value_name = "ROLE")]
    impersonation_role_id: Option<String>,
}

impl AccessFlags {
    fn request(&self) -> AccessRequest<'_> {
        AccessRequest {
            ip_address: &self.ip_address,
            action: &self.action,
            user_id: self.user_id.as_deref(),
            impersonation_role_id: self.impersonation_role_id.as_deref(),
        }
    }
}

/// GetMobileDeviceAccessEffect's request members, and the override extension's.
#[derive(Args)]
struct MobileFlags {
    #[arg(long)]
    device_type: Option<String>,
    #[arg(long)]
    device_model: Option<String>,
    #[arg(long)]
    device_operating_system: Option<String>,
    #[arg(long)]
    device_user_agent: Option<String>,
    #[arg(long, value_name = "USER")]
    user_id: Option<String>,
    #[arg(long, value_name = "DEVICE")]
    device_id: Option<String>,
}

impl MobileFlags {
    fn request(&self) -> MobileRequest<'_> {
        MobileRequest {
            device_type: self.device_type.as_deref(),
            device_model: self.device_model.as_deref(),
            device_operating_system: self.device_operating_system.as_deref(),
            device_user_agent: self.device_user_agent.as_deref(),
            user_id: self.user_id.as_deref(),
            device_id: self.device_id.as_deref(),
        }
    }
}

/// GetImpersonationRoleEffect's request members.
#[derive(Args)]
struct ImpersonationFlags {
    #[arg(long, value_name = "ROLE")]
    impersonation_role_id: String,
    #[arg(long, value_name = "USER")]
    target_user: String,
}

impl ImpersonationFlags {
    fn request(&self) -> ImpersonationRequest<'_> {
        ImpersonationRequest { impersonation_role_id: &self.impersonation_role_id, target_user: &self.target_user }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    ExitCode::from(match run(cli) {
        Ok(code) | Err(code) => code,
    })
}

fn run(cli: Cli) -> Result<u8, u8> {
    match cli.command {
        Command::Validate { inputs, output } => {
            let validation = read_and_validate(&inputs)?;
            let findings = &validation.findings;
            let format = output.format();
            if format == Format::Sarif {
                print_sarif(&sarif::validation_rules(), findings.iter().map(sarif::from_finding).collect(), &inputs);
            } else if format == Format::Json {
                println!("{}", serde_json::to_string_pretty(findings).unwrap_or_default());
            } else {
                for finding in findings {
                    println!("{finding}");
                }
                let errors = findings.iter().filter(|f| f.is_error()).count();
                println!("{errors} error(s), {} warning(s)", findings.len() - errors);
            }
            Ok(if validation.has_errors() { exit::INVALID } else { exit::OK })
        }
        Command::Access { inputs, request } => {
            let org = organization(&inputs)?;
            print_hints(&hints::access(&org, &request.request()));
            let policy = compile_organization(&org)?;
            respond(policy.access(&request.request()).map(|answer| serde_json::to_string_pretty(&answer.to_response())))
        }
        Command::Mobile { inputs, request } => {
            let org = organization(&inputs)?;
            print_hints(&hints::mobile(&org, &request.request()));
            let policy = compile_organization(&org)?;
            respond(policy.mobile(&request.request()).map(|answer| serde_json::to_string_pretty(&answer.to_response())))
        }
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "wmpolicy", &mut io::stdout());
            Ok(exit::OK)
        }
        Command::Man { out_dir } => man_pages(out_dir.as_deref()),
        Command::Impersonation { inputs, request } => {
            let policy = compile(&inputs)?;
            let answer = policy.impersonation(&request.request());
            respond(answer.map(|answer| serde_json::to_string_pretty(&answer.to_response())))
        }
        Command::Bench { inputs, queries, seed, json } => {
            let validation = read_and_validate(&inputs)?;
            print_findings(&validation.findings);
            let organization = validation.organization.ok_or(exit::INVALID)?;
            let options = bench::Options { queries, seed, ..bench::Options::default() };
            let origin = Instant::now();
            let mut clock = || origin.elapsed().as_nanos() as u64;
            let report = bench::run(&organization, &options, &mut clock).map_err(|e| {
                eprintln!("error: {e}");
                exit::INVALID
            })?;
            if json {
                println!("{}", serde_json::to_string(&report).unwrap_or_default());
            } else {
                print_bench(&report);
            }
            Ok(exit::OK)
        }
        Command::Generate { shape, seed } => {
            use workmail_policy::testing::{self, Shape};
            let shape = match shape {
                GeneratedShape::ServiceMaximum => Shape::service_maximum(),
                GeneratedShape::Typical => Shape::typical(),
                GeneratedShape::Stress => Shape::scaled(1000, 16),
            };
            let file = testing::organization(seed, &shape).file;
            println!("{}", serde_json::to_string_pretty(&file).unwrap_or_default());
            Ok(exit::OK)
        }
        Command::GenerateLog { inputs, shape, events, seed, flip_every } => {
            use workmail_policy::replay::LogShape;
            use workmail_policy::testing::logs;
            let org = organization(&inputs)?;
            let shape = match shape {
                LogShapeArg::EventLines => LogShape::EventLines,
                LogShapeArg::FilterLogEvents => LogShape::FilterLogEvents,
                LogShapeArg::QueryResults => LogShape::QueryResults,
            };
            let options = logs::LogOptions { events, flip_every, ..logs::LogOptions::default() };
            let log = logs::log(&org, seed, &options);
            let _ = io::stdout().lock().write_all(&logs::write(&log.events, shape, seed));
            Ok(exit::OK)
        }
        Command::Fmt { files, check, size } => Ok(fmt(&files, check, &size.limits())),
        Command::EffectiveAccess { inputs, user, against, json } => {
            let org = organization(&inputs)?;
            if !against.is_empty() {
                let inputs =
                    Inputs { files: against, read_as: vec![], relax_quotas: inputs.relax_quotas, size: inputs.size };
                let new = organization(&inputs)?;
                let changes = analyse::effective_access_changes(&org, &new);
                print_value(&changes, json);
                return Ok(if changes.changes.is_empty() { exit::OK } else { exit::FOUND });
            }
            let matrix = analyse::effective_access(&org);
            match user {
                None => print_value(&matrix, json),
                Some(user) => {
                    let Some(row) = matrix.row(&user) else {
                        eprintln!("error: --user {user}: the directory lists no such user, and no role has that ID");
                        return Err(exit::USAGE);
                    };
                    print_value(row, json);
                }
            }
            Ok(exit::OK)
        }
        Command::Replay { inputs, logs, against, json, threads } => {
            let org = organization(&inputs)?;
            let policy = compile_organization(&org)?;
            let new = if against.is_empty() {
                None
            } else {
                let inputs =
                    Inputs { files: against, read_as: vec![], relax_quotas: inputs.relax_quotas, size: inputs.size };
                let org = organization(&inputs)?;
                let policy = compile_organization(&org)?;
                Some((org, policy))
            };
            let rules = RuleSet { organization: &org, policy: &policy };
            let against = new.as_ref().map(|(organization, policy)| RuleSet { organization, policy });
            let threads = threads.or_else(|| std::thread::available_parallelism().ok()).map_or(1, NonZeroUsize::get);
            let summary = replay::run(rules, against, &logs, threads).map_err(|failed| {
                eprintln!("error: cannot read {}: {}", failed.path, failed.error);
                exit::UNREADABLE
            })?;
            let report = {
                // Stdin is named as compilers name it in their `file:line`.
                let names: Vec<String> =
                    logs.iter().map(|log| if log == "-" { "<stdin>".to_owned() } else { log.clone() }).collect();
                workmail_policy::replay::report(&summary, &names, Some(&org)).explain(&org)
            };
            print_value(&report, json);
            Ok(if summary.disagreed > 0 || summary.changed > 0 { exit::FOUND } else { exit::OK })
        }
        Command::Test { fixtures, relax_quotas, size } => {
            test_fixtures(&fixtures, &Options { enforce_quotas: !relax_quotas }, &size.limits())
        }
        Command::Batch { inputs, threads } => {
            let policy = compile(&inputs)?;
            let threads = threads.or_else(|| std::thread::available_parallelism().ok()).map_or(1, NonZeroUsize::get);
            batch_lines(&policy, threads).map_err(|e| {
                eprintln!("error: {e}");
                exit::UNREADABLE
            })?;
            Ok(exit::OK)
        }
        Command::Explain { call } => match call {
            ExplainCall::Access { inputs, request, json } => {
                let org = organization(&inputs)?;
                explained(&explain::access(&org, &request.request()), json)
            }
            ExplainCall::Mobile { inputs, request, json } => {
                let org = organization(&inputs)?;
                explained(&explain::mobile(&org, &request.request()), json)
            }
            ExplainCall::Impersonation { inputs, request, json } => {
                let org = organization(&inputs)?;
                explained(&explain::impersonation(&org, &request.request()), json)
            }
        },
        Command::Diff { old, new, kind, output, relax_quotas, size } => {
            let read = |path: &str| {
                let size = InputSize { max_input_mib: size.max_input_mib };
                let inputs = Inputs { files: vec![path.to_string()], read_as: vec![], relax_quotas, size };
                let mut read = read_inputs(&inputs)?;
                for finding in &read.validation.findings {
                    eprintln!("{finding}");
                }
                match read.validation.organization.take() {
                    Some(organization) => Ok((organization, read)),
                    None => Err(exit::INVALID),
                }
            };
            let ((old_org, old_read), (new_org, new_read)) = (read(&old)?, read(&new)?);
            let kinds = kind.map_or(Kind::ALL.to_vec(), |k| vec![k.into()]);
            let diff = analyse::diff(&old_org, &new_org, &kinds);
            if output.format() == Format::Sarif {
                let sides = diff_sarif::Sides { old: (&old_org, &old_read, &old), new: (&new_org, &new_read, &new) };
                let places = diff_sarif::places(&diff, &sides);
                let results = diff_sarif::results(&diff, &places);
                let log = sarif::log(&diff_sarif::rules(), &results, &new);
                println!("{}", serde_json::to_string_pretty(&log).unwrap_or_default());
            } else {
                print_value(&diff, output.format() == Format::Json);
            }
            Ok(if diff.equivalent { exit::OK } else { exit::FOUND })
        }
        Command::Lint { inputs, must_reach, output } => {
            let read = read_inputs(&inputs)?;
            let validation = &read.validation;
            let format = output.format();
            let Some(org) = &validation.organization else {
                // Code scanning shows why there was nothing to lint.
                if format == Format::Sarif {
                    let results = validation.findings.iter().map(sarif::from_finding).collect();
                    print_sarif(&sarif::validation_rules(), results, &inputs);
                }
                print_findings(&validation.findings);
                return Err(exit::INVALID);
            };
            // Validation's warnings are part of the report (located already), not printed twice.
            let options = analyse::lint::Options { must_reach };
            let mut report = analyse::lint::lint_with(org, &validation.findings, &options);
            read.locate(&mut report.findings);
            if format == Format::Sarif {
                print_sarif(&sarif::lint_rules(), report.findings.iter().map(sarif::from_lint).collect(), &inputs);
            } else {
                print_value(&report, format == Format::Json);
            }
            Ok(if report.is_clean() { exit::OK } else { exit::FOUND })
        }
    }
}

/// Hints about the request's values (what the service accepts but that probably means something else), on
/// stderr: the answer on stdout stays the service's.
fn print_hints(hints: &[hints::Hint]) {
    for hint in hints {
        eprintln!("warning: {hint}");
    }
}

/// `wmpolicy man`: the main page on stdout, or every page into a directory.
fn man_pages(out_dir: Option<&Path>) -> Result<u8, u8> {
    let command = Cli::command();
    let Some(dir) = out_dir else {
        let _ = clap_mangen::Man::new(command).render(&mut io::stdout());
        return Ok(exit::OK);
    };
    let write = |name: &str, page: clap::Command| -> io::Result<()> {
        let mut file = std::fs::File::create(dir.join(format!("{name}.1")))?;
        clap_mangen::Man::new(page).render(&mut file)
    };
    let mut pages = vec![("wmpolicy".to_string(), command.clone())];
    for sub in command.get_subcommands() {
        let name = format!("wmpolicy-{}", sub.get_name());
        pages.push((name.clone(), sub.clone().name(name)));
    }
    for (name, page) in pages {
        write(&name, page).map_err(|e| {
            eprintln!("error: cannot write {}: {e}", dir.join(format!("{name}.1")).display());
            exit::UNREADABLE
        })?;
    }
    Ok(exit::OK)
}

/// Prints a SARIF log; a result about no single input is placed at the first input.
fn print_sarif(rules: &[sarif::Rule], results: Vec<sarif::Result>, inputs: &Inputs) {
    let first = inputs.files.first().or(inputs.read_as.get(1)).map_or("-", String::as_str);
    let log = sarif::log(rules, &results, first);
    let _ = writeln!(io::stdout().lock(), "{}", serde_json::to_string_pretty(&log).unwrap_or_default());
}

/// Prints a value of the core: `Display` for people, JSON for tools. A closed stdout (`| head`) ends the output
/// quietly rather than with a panic.
fn print_value(value: &(impl std::fmt::Display + Serialize), json: bool) {
    let mut out = io::stdout().lock();
    let _ = if json {
        writeln!(out, "{}", serde_json::to_string_pretty(value).unwrap_or_default())
    } else {
        write!(out, "{value}")
    };
}

/// Prints an explanation; exits as the query commands do (0 answered, 1 refused).
fn explained<R: Serialize + analyse::Summary>(explanation: &explain::Explanation<R>, json: bool) -> Result<u8, u8> {
    print_value(explanation, json);
    Ok(match explanation.verdict {
        explain::Verdict::Answer(_) => exit::OK,
        explain::Verdict::Rejected { .. } => exit::REQUEST_REJECTED,
    })
}

/// Prints a response, or the service's error shape for a rejected request.
fn respond(result: Result<serde_json::Result<String>, RequestError>) -> Result<u8, u8> {
    match result {
        Ok(json) => {
            println!("{}", json.unwrap_or_default());
            Ok(exit::OK)
        }
        Err(error) => {
            println!("{}", serde_json::to_string_pretty(&ErrorResponse::from(&error)).unwrap_or_default());
            Ok(exit::REQUEST_REJECTED)
        }
    }
}

/// Reads a file (`-`: stdin), but never more than one byte past `limit`: that is enough for the core to refuse
/// it, and a huge file, a FIFO or `/dev/zero` cannot fill memory.
fn read_bounded(path: &str, limit: usize) -> io::Result<Vec<u8>> {
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let mut bytes = Vec::new();
    if path == "-" {
        io::stdin().lock().take(cap).read_to_end(&mut bytes)?;
    } else {
        std::fs::File::open(path)?.take(cap).read_to_end(&mut bytes)?;
    }
    Ok(bytes)
}

/// A library finding in the command's terms: the library names its own knobs (`load::Limits::max_input_bytes`),
/// and the one a user of this command can turn is the flag.
fn in_command_terms(finding: Finding) -> Finding {
    let message = finding.message.replace("load::Limits::max_input_bytes", "--max-input-mib").replace(
        "say which kind the input is",
        "say which with `--as access-control-rules FILE` or `--as mobile-device-access-rules FILE`",
    );
    Finding { message, ..finding }
}

/// The inputs in reading order: the FILEs, then each `--as KIND FILE`.
fn input_files(inputs: &Inputs) -> Result<Vec<(&str, Option<load::RulesAs>)>, u8> {
    let mut files: Vec<(&str, Option<load::RulesAs>)> = inputs.files.iter().map(|f| (f.as_str(), None)).collect();
    for pair in inputs.read_as.chunks(2) {
        let [kind, file] = pair else { return Err(exit::USAGE) };
        let kind = match kind.as_str() {
            "access-control-rules" => load::RulesAs::AccessControlRules,
            "mobile-device-access-rules" => load::RulesAs::MobileDeviceAccessRules,
            other => {
                eprintln!(
                    "error: --as {other} {file}: KIND is access-control-rules or mobile-device-access-rules (what \
                     aws workmail list-access-control-rules or list-mobile-device-access-rules printed)"
                );
                return Err(exit::USAGE);
            }
        };
        files.push((file.as_str(), Some(kind)));
    }
    Ok(files)
}

fn read_and_validate(inputs: &Inputs) -> Result<Validation, u8> {
    read_inputs(inputs).map(|read| read.validation)
}

/// Inputs read and validated, with what places later findings (lint's) in them.
struct ReadInputs {
    validation: Validation,
    sources: load::Sources,
    contents: Vec<Vec<u8>>,
}

impl ReadInputs {
    /// Gives each finding its input, path there, line and column.
    fn locate<T: load::Locate>(&self, findings: &mut [T]) {
        self.sources.locate_all(findings, &self.inputs());
    }

    /// Where the entry at the merged path `merged` is.
    fn place(&self, merged: &str) -> Option<load::Place> {
        self.sources.place(merged, &self.inputs())
    }

    fn inputs(&self) -> Vec<&[u8]> {
        self.contents.iter().map(Vec::as_slice).collect()
    }
}

/// Reads the inputs and validates them; every finding is located in its input (`acme.json:14:9`), with its path
/// there.
fn read_inputs(inputs: &Inputs) -> Result<ReadInputs, u8> {
    let limits = inputs.size.limits();
    let files = input_files(inputs)?;
    let mut contents = Vec::with_capacity(files.len());
    for &(path, rules_as) in &files {
        match read_bounded(path, limits.max_input_bytes) {
            Ok(bytes) => contents.push((path, bytes, rules_as)),
            Err(e) => {
                eprintln!("error: cannot read {path}: {e}");
                return Err(exit::UNREADABLE);
            }
        }
    }
    let inputs_read = contents.iter().map(|(name, bytes, rules_as)| load::Input { name, bytes, rules_as: *rules_as });
    let (file, sources) = match load::parse_inputs(inputs_read, &limits) {
        Ok(read) => read,
        // Reported like validation findings: on stdout (as JSON with --json) by `validate`, on stderr by queries.
        Err(findings) => {
            let findings = findings.into_iter().map(in_command_terms).collect();
            let validation = Validation { findings, organization: None };
            return Ok(ReadInputs { validation, sources: load::Sources::default(), contents: vec![] });
        }
    };
    let options = Options { enforce_quotas: !inputs.relax_quotas };
    let validation = validate::validate(&file, &options);
    let contents = contents.into_iter().map(|(_, bytes, _)| bytes).collect();
    let mut read = ReadInputs { validation, sources, contents };
    let mut findings = std::mem::take(&mut read.validation.findings);
    read.locate(&mut findings);
    read.validation.findings = findings;
    Ok(read)
}

/// `wmpolicy fmt`: formats every file it can, reports the others, and returns the exit code for all of them.
fn fmt(files: &[String], check: bool, limits: &load::Limits) -> u8 {
    let (mut unreadable, mut invalid, mut would_change) = (false, false, false);
    for path in files {
        let bytes = match read_bounded(path, limits.max_input_bytes) {
            Ok(bytes) => bytes,
            Err(e) => {
                eprintln!("error: cannot read {path}: {e}");
                unreadable = true;
                continue;
            }
        };
        let canonical = match format::canonical_with(&bytes, limits) {
            Ok(text) => text,
            Err(findings) => {
                for finding in findings {
                    eprintln!("{}", in_command_terms(Finding { file: Some(path.clone()), ..finding }));
                }
                invalid = true;
                continue;
            }
        };
        let changes = canonical.as_bytes() != bytes.as_slice();
        if check {
            if changes {
                println!("{path}");
                would_change = true;
            }
        } else if path == "-" {
            print!("{canonical}");
        } else if changes {
            if let Err(e) = replace(Path::new(path), canonical.as_bytes()) {
                eprintln!("error: cannot write {path}: {e}");
                unreadable = true;
            }
        }
    }
    if unreadable {
        exit::UNREADABLE
    } else if invalid {
        exit::INVALID
    } else if would_change {
        exit::WOULD_CHANGE
    } else {
        exit::OK
    }
}

/// Replaces a file's contents all at once: written beside it, then renamed over it, so that an interrupted `fmt`
/// leaves the old file or the new one, never half of one. The file keeps its permissions.
fn replace(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".wmpolicy-fmt.tmp");
    let temporary = std::path::PathBuf::from(temporary);
    let permissions = std::fs::metadata(path)?.permissions();
    let written = std::fs::write(&temporary, contents)
        .and_then(|()| std::fs::set_permissions(&temporary, permissions))
        .and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// Reads and validates; findings go to stderr (warnings too, so that nothing is hidden).
fn organization(inputs: &Inputs) -> Result<Organization, u8> {
    let validation = read_and_validate(inputs)?;
    print_findings(&validation.findings);
    validation.organization.ok_or(exit::INVALID)
}

/// Reads, validates and compiles.
fn compile(inputs: &Inputs) -> Result<Policy, u8> {
    compile_organization(&organization(inputs)?)
}

fn compile_organization(organization: &Organization) -> Result<Policy, u8> {
    Policy::compile(organization).map_err(|e| {
        eprintln!("error: {e}");
        exit::INVALID
    })
}

/// `wmpolicy test`: every fixture is read first, so that a broken file stops the run before any verdict. Each is
/// read bounded, like an organization file, and held to `limits`.
fn test_fixtures(paths: &[String], options: &Options, limits: &load::Limits) -> Result<u8, u8> {
    let mut fixtures = Vec::with_capacity(paths.len());
    for path in paths {
        let bytes = read_bounded(path, limits.max_input_bytes).map_err(|e| {
            eprintln!("error: cannot read {path}: {e}");
            exit::UNREADABLE
        })?;
        match fixture::parse_with(&bytes, limits) {
            Ok(fixture) => fixtures.push((path, fixture)),
            Err(findings) => {
                for finding in findings {
                    eprintln!("{}", in_command_terms(Finding { file: Some(path.clone()), ..finding }));
                }
                return Err(exit::INVALID);
            }
        }
    }
    let mut total = fixture::Tally::default();
    for (path, fixture) in &fixtures {
        let tally = fixture::replay(fixture, options).map_err(|e| {
            eprintln!("error: {path}: {e}");
            exit::INVALID
        })?;
        for divergence in &tally.divergences {
            println!("FAILED {path} {divergence}");
        }
        println!("{path}: {}", tally.summary());
        total.agreed += tally.agreed;
        total.divergences.extend(tally.divergences);
    }
    println!("{}", total.summary());
    Ok(if total.all_agree() { exit::OK } else { exit::FAILED })
}

fn print_bench(report: &bench::Report) {
    println!("compile: {:.1} µs, compiled policy {} bytes", report.compile_micros, report.policy_bytes);
    let calls = [
        ("GetAccessControlEffect", report.access_control),
        ("GetMobileDeviceAccessEffect", report.mobile_device),
        ("GetImpersonationRoleEffect", report.impersonation),
    ];
    for (name, figures) in calls {
        match figures {
            None => println!("{name}: nothing to evaluate"),
            Some(f) => println!(
                "{name}: engine {:.1} ns/query, reference {:.1} ns/query, {:.0}x faster; prepared {:.1} ns/query; hot (one request repeated) {:.1} ns/query, prepared {:.1}; {:.2} matched rules on average ({} distinct requests; engine {} queries, reference {})",
                f.engine_ns_per_query, f.reference_ns_per_query, f.ratio, f.prepared_ns_per_query, f.hot_ns_per_query, f.hot_prepared_ns_per_query, f.matched_rules_average, f.distinct_queries, f.engine_queries, f.reference_queries
            ),
        }
    }
}

fn print_findings(findings: &[Finding]) {
    for finding in findings {
        eprintln!("{finding}");
    }
}

/// The most of stdin read at once: a block of about 7,000 typical lines, some milliseconds of answering.
const BATCH_CHUNK_BYTES: usize = 1 << 20;

/// Blocks waiting for a thread, and answers waiting to be written, per answering thread.
const BATCH_BLOCKS_QUEUED: usize = 2;

/// Answers stdin, block by block: each read of stdin is cut at its last newline by [`batch::LineBlocks`] (which
/// keeps no more than [`batch::MAX_LINE_BYTES`] of an unfinished line, dropping the rest of a longer one as it
/// comes) and the block's lines answered by [`batch::answer_lines`]. With one thread that is all; with more, see
/// [`batch_in_parallel`]. Memory stays bounded whatever a pipe delivers: a read, the carried line, and a few
/// blocks and their answers per thread.
fn batch_lines(policy: &Policy, threads: usize) -> io::Result<()> {
    let mut output = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    if threads > 1 {
        batch_in_parallel(policy, threads, &mut output)?;
        return output.flush();
    }
    let mut input = io::stdin().lock();
    let mut lines = batch::LineBlocks::for_request_lines();
    let (mut chunk, mut block, mut answers) = (vec![0; BATCH_CHUNK_BYTES], Vec::new(), Vec::new());
    loop {
        let read = read_some(&mut input, &mut chunk)?;
        block.clear();
        match chunk.get(..read) {
            Some(bytes) if read > 0 => lines.push(bytes, &mut block),
            _ => lines.finish(&mut block),
        }
        answers.clear();
        batch::answer_lines(policy, &block, &mut answers);
        output.write_all(&answers)?;
        if read == 0 {
            return output.flush();
        }
    }
}

/// One thread reads stdin into blocks and deals them round-robin to `threads` answering threads; this thread
/// takes their answers back in the same round and writes them, so the output is in input order without a
/// reordering buffer. Every queue is bounded ([`BATCH_BLOCKS_QUEUED`]), so a slow stdout stops the reading, and
/// the memory held is a few blocks per thread. A failed write drops the answer queues, which stops the answering
/// threads and then the reader; a failed read ends the blocks, and is reported after the answers before it.
fn batch_in_parallel(policy: &Policy, threads: usize, output: &mut impl Write) -> io::Result<()> {
    std::thread::scope(|scope| {
        let mut to_answer = Vec::with_capacity(threads);
        let mut answered = Vec::with_capacity(threads);
        for _ in 0..threads {
            let (send_block, blocks) = mpsc::sync_channel::<Vec<u8>>(BATCH_BLOCKS_QUEUED);
            let (send_answers, answers) = mpsc::sync_channel::<Vec<u8>>(BATCH_BLOCKS_QUEUED);
            scope.spawn(move || {
                for block in blocks {
                    let mut out = Vec::with_capacity(block.len());
                    batch::answer_lines(policy, &block, &mut out);
                    if send_answers.send(out).is_err() {
                        return;
                    }
                }
            });
            to_answer.push(send_block);
            answered.push(answers);
        }
        let reader = scope.spawn(move || -> io::Result<()> {
            let mut input = io::stdin().lock();
            let mut lines = batch::LineBlocks::for_request_lines();
            let mut chunk = vec![0; BATCH_CHUNK_BYTES];
            let mut sent = 0usize;
            loop {
                let read = read_some(&mut input, &mut chunk)?;
                let mut block = Vec::with_capacity(read + 512);
                match chunk.get(..read) {
                    Some(bytes) if read > 0 => lines.push(bytes, &mut block),
                    _ => lines.finish(&mut block),
                }
                if !block.is_empty() {
                    // A closed queue: the writer has stopped, and said why.
                    let Some(Ok(())) = to_answer.get(sent % threads).map(|worker| worker.send(block)) else {
                        return Ok(());
                    };
                    sent += 1;
                }
                if read == 0 {
                    return Ok(());
                }
            }
        });
        let written =
            (0..).try_for_each(|block: usize| match answered.get(block % threads).map(|worker| worker.recv()) {
                Some(Ok(answers)) => output.write_all(&answers).map_err(Some),
                // The reader has finished (or failed), and every block it sent is written.
                _ => Err(None),
            });
        drop(answered);
        let read = reader.join().unwrap_or_else(|_| Err(io::Error::other("the reading thread panicked")));
        match written {
            Err(Some(error)) => Err(error),
            _ => read,
        }
    })
}

/// Reads what stdin has, up to the buffer's length; 0 only at the end of input.
fn read_some(input: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    loop {
        match input.read(buffer) {
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            result => return result,
        }
    }
}
