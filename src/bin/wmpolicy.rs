//! `wmpolicy`: WorkMail's simulate calls, offline. A thin shell over the `workmail_policy` crate: it reads files,
//! calls the core, prints what the core returns.

use std::io::{self, BufRead, BufWriter, Read, Write};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};
use workmail_policy::batch::{self, ErrorResponse};
use workmail_policy::bench;
use workmail_policy::fixture;
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
        #[arg(long, value_name = "IP")]
        ip_address: String,
        #[arg(long, value_name = "ACTION")]
        action: String,
        #[arg(long, value_name = "USER")]
        user_id: Option<String>,
        #[arg(long, value_name = "ROLE")]
        impersonation_role_id: Option<String>,
    },
    /// GetMobileDeviceAccessEffect: the effect of the mobile-device rules (and, with --user-id and --device-id,
    /// the overrides) on one device.
    Mobile {
        #[command(flatten)]
        inputs: Inputs,
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
    },
    /// GetImpersonationRoleEffect: the effect of one impersonation role on one target user.
    Impersonation {
        #[command(flatten)]
        inputs: Inputs,
        #[arg(long, value_name = "ROLE")]
        impersonation_role_id: String,
        #[arg(long, value_name = "USER")]
        target_user: String,
    },
    /// Answer JSON request lines from stdin, one answer line per request line.
    Batch {
        #[command(flatten)]
        inputs: Inputs,
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
        Command::Access { inputs, ip_address, action, user_id, impersonation_role_id } => {
            let policy = compile(&inputs)?;
            let request = AccessRequest {
                ip_address: &ip_address,
                action: &action,
                user_id: user_id.as_deref(),
                impersonation_role_id: impersonation_role_id.as_deref(),
            };
            respond(policy.access(&request).map(|answer| serde_json::to_string_pretty(&answer.to_response())))
        }
        Command::Mobile {
            inputs,
            device_type,
            device_model,
            device_operating_system,
            device_user_agent,
            user_id,
            device_id,
        } => {
            let policy = compile(&inputs)?;
            let request = MobileRequest {
                device_type: device_type.as_deref(),
                device_model: device_model.as_deref(),
                device_operating_system: device_operating_system.as_deref(),
                device_user_agent: device_user_agent.as_deref(),
                user_id: user_id.as_deref(),
                device_id: device_id.as_deref(),
            };
            respond(policy.mobile(&request).map(|answer| serde_json::to_string_pretty(&answer.to_response())))
        }
        Command::Impersonation { inputs, impersonation_role_id, target_user } => {
            let policy = compile(&inputs)?;
            let request =
                ImpersonationRequest { impersonation_role_id: &impersonation_role_id, target_user: &target_user };
            respond(policy.impersonation(&request).map(|answer| serde_json::to_string_pretty(&answer.to_response())))
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
        Command::Test { fixtures, relax_quotas } => {
            test_fixtures(&fixtures, &Options { enforce_quotas: !relax_quotas })
        }
        Command::Batch { inputs } => {
            let policy = compile(&inputs)?;
            batch_lines(&policy).map_err(|e| {
                eprintln!("error: {e}");
                exit::UNREADABLE
            })?;
            Ok(exit::OK)
        }
    }
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

/// Reads, validates and compiles; findings go to stderr (warnings too, so that nothing is hidden).
fn compile(inputs: &Inputs) -> Result<Policy, u8> {
    let validation = read_and_validate(inputs)?;
    print_findings(&validation.findings);
    let organization: Organization = validation.organization.ok_or(exit::INVALID)?;
    Policy::compile(&organization).map_err(|e| {
        eprintln!("error: {e}");
        exit::INVALID
    })
}

/// `wmpolicy test`: every fixture is read first, so that a broken file stops the run before any verdict.
fn test_fixtures(paths: &[String], options: &Options) -> Result<u8, u8> {
    let mut fixtures = Vec::with_capacity(paths.len());
    for path in paths {
        let bytes = std::fs::read(path).map_err(|e| {
            eprintln!("error: cannot read {path}: {e}");
            exit::UNREADABLE
        })?;
        match fixture::parse(&bytes) {
            Ok(fixture) => fixtures.push((path, fixture)),
            Err(findings) => {
                for finding in findings {
                    let path = if finding.path.is_empty() { path.clone() } else { format!("{path}: {}", finding.path) };
                    eprintln!("{}", Finding { path, ..finding });
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
