//! `wmpolicy`: WorkMail's simulate calls, offline. A thin shell over the `workmail_policy` crate: it reads files,
//! calls the core, prints what the core returns.

use std::io::{self, BufRead, BufWriter, Read, Write};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand, ValueEnum};
use serde::Serialize;
use workmail_policy::analyse::{self, explain, Kind};
use workmail_policy::batch::{self, ErrorResponse};
use workmail_policy::bench;
use workmail_policy::validate::{self, Options, Validation};
use workmail_policy::{
    load, AccessRequest, Finding, ImpersonationRequest, MobileRequest, Organization, Policy, RequestError,
};

/// Exit codes, documented in the README.
mod exit {
    pub const OK: u8 = 0;
    /// The service would reject the request; the error is on stdout.
    pub const REQUEST_REJECTED: u8 = 1;
    // 2 is clap's usage error.
    /// An input file could not be read.
    pub const UNREADABLE: u8 = 3;
    /// The organization has validation errors; findings are on stderr.
    pub const INVALID: u8 = 4;
    /// `diff`: the organizations answer some request differently; `lint`: there are findings.
    pub const FOUND: u8 = 5;
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
    #[arg(required = true, value_name = "FILE")]
    files: Vec<String>,
    /// Report rule counts over the service's per-organization quotas as warnings, not errors (for analysing
    /// larger, synthetic rule sets).
    #[arg(long)]
    relax_quotas: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Check files against everything the service's Put/Create/Update calls would reject.
    Validate {
        #[command(flatten)]
        inputs: Inputs,
        /// Print the findings as a JSON list.
        #[arg(long)]
        json: bool,
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
    /// Answer JSON request lines from stdin, one answer line per request line.
    Batch {
        #[command(flatten)]
        inputs: Inputs,
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
        /// Print the changed regions as JSON.
        #[arg(long)]
        json: bool,
        /// As for the other commands.
        #[arg(long)]
        relax_quotas: bool,
    },
    /// Dead rules, lockouts and likely mistakes; exit 5 when there are findings.
    Lint {
        #[command(flatten)]
        inputs: Inputs,
        /// Print the findings as JSON.
        #[arg(long)]
        json: bool,
    },
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
        Command::Validate { inputs, json } => {
            let validation = read_and_validate(&inputs)?;
            let findings = &validation.findings;
            if json {
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
            let policy = compile(&inputs)?;
            respond(policy.access(&request.request()).map(|answer| serde_json::to_string_pretty(&answer.to_response())))
        }
        Command::Mobile { inputs, request } => {
            let policy = compile(&inputs)?;
            respond(policy.mobile(&request.request()).map(|answer| serde_json::to_string_pretty(&answer.to_response())))
        }
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
        Command::Batch { inputs } => {
            let policy = compile(&inputs)?;
            batch_lines(&policy).map_err(|e| {
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
        Command::Diff { old, new, kind, json, relax_quotas } => {
            let read = |path: &str| {
                let inputs = Inputs { files: vec![path.to_string()], relax_quotas };
                let validation = read_and_validate(&inputs)?;
                for finding in &validation.findings {
                    eprintln!("{path}: {finding}");
                }
                validation.organization.ok_or(exit::INVALID)
            };
            let (old, new) = (read(&old)?, read(&new)?);
            let kinds = kind.map_or(Kind::ALL.to_vec(), |k| vec![k.into()]);
            let diff = analyse::diff(&old, &new, &kinds);
            print_value(&diff, json);
            Ok(if diff.equivalent { exit::OK } else { exit::FOUND })
        }
        Command::Lint { inputs, json } => {
            let validation = read_and_validate(&inputs)?;
            let Some(org) = &validation.organization else {
                print_findings(&validation.findings);
                return Err(exit::INVALID);
            };
            // Validation's warnings are part of the report, not printed twice.
            let report = analyse::lint(org, &validation.findings);
            print_value(&report, json);
            Ok(if report.is_clean() { exit::OK } else { exit::FOUND })
        }
    }
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

fn read_and_validate(inputs: &Inputs) -> Result<Validation, u8> {
    let mut contents = Vec::with_capacity(inputs.files.len());
    for path in &inputs.files {
        let bytes = if path == "-" {
            let mut bytes = Vec::new();
            io::stdin().read_to_end(&mut bytes).map(|_| bytes)
        } else {
            std::fs::read(path)
        };
        match bytes {
            Ok(bytes) => contents.push((path.as_str(), bytes)),
            Err(e) => {
                eprintln!("error: cannot read {path}: {e}");
                return Err(exit::UNREADABLE);
            }
        }
    }
    let file = match load::parse_all(contents.iter().map(|(name, bytes)| (*name, bytes.as_slice()))) {
        Ok(file) => file,
        // Reported like validation findings: on stdout (as JSON with --json) by `validate`, on stderr by queries.
        Err(findings) => return Ok(Validation { findings, organization: None }),
    };
    let options = Options { enforce_quotas: !inputs.relax_quotas };
    Ok(validate::validate(&file, &options))
}

/// Reads and validates; findings go to stderr (warnings too, so that nothing is hidden).
fn organization(inputs: &Inputs) -> Result<Organization, u8> {
    let validation = read_and_validate(inputs)?;
    print_findings(&validation.findings);
    validation.organization.ok_or(exit::INVALID)
}

/// Reads, validates and compiles.
fn compile(inputs: &Inputs) -> Result<Policy, u8> {
    let organization = organization(inputs)?;
    Policy::compile(&organization).map_err(|e| {
        eprintln!("error: {e}");
        exit::INVALID
    })
}

fn print_bench(report: &bench::Report) {
    println!("compile: {:.1} µs", report.compile_micros);
    let calls = [
        ("GetAccessControlEffect", report.access_control),
        ("GetMobileDeviceAccessEffect", report.mobile_device),
        ("GetImpersonationRoleEffect", report.impersonation),
    ];
    for (name, figures) in calls {
        match figures {
            None => println!("{name}: nothing to evaluate"),
            Some(f) => println!(
                "{name}: engine {:.1} ns/query, reference {:.1} ns/query, {:.0}x faster; {:.2} matched rules on average ({} distinct requests; engine {} queries, reference {})",
                f.engine_ns_per_query, f.reference_ns_per_query, f.ratio, f.matched_rules_average, f.distinct_queries, f.engine_queries, f.reference_queries
            ),
        }
    }
}

fn print_findings(findings: &[Finding]) {
    for finding in findings {
        eprintln!("{finding}");
    }
}

fn batch_lines(policy: &Policy) -> io::Result<()> {
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let mut output = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let (mut line, mut answer) = (Vec::with_capacity(512), Vec::with_capacity(512));
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        let request = line.strip_suffix(b"\n").unwrap_or(&line);
        answer.clear();
        batch::answer_line(policy, request, &mut answer);
        answer.push(b'\n');
        output.write_all(&answer)?;
    }
    output.flush()
}
