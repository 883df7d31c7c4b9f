//! `wmpolicy-aws` as a user runs it: the built binary, in an environment with no AWS set-up at all (variables
//! cleared, the shared files pointed at an empty file, instance metadata off) and no network beyond this machine.
//! What it checks: usage errors exit 2 before any AWS code runs, a missing Region or credentials is one line that
//! says what to do, quickly, and `--timeout` bounds a call whose endpoint never answers.

use std::net::TcpListener;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use workmail_policy_aws::service::{SIMULATE_ACTIONS, SNAPSHOT_ACTIONS};

const ORGANIZATION_ID: &str = "m-0123456789abcdef0123456789abcdef";

/// An empty file for `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE`, so no profile of this machine's is read.
fn empty_file() -> String {
    let path = format!("{}/empty-aws-config", env!("CARGO_TARGET_TMPDIR"));
    std::fs::write(&path, "").unwrap();
    path
}

/// The command with nothing of the caller's AWS set-up: no variables, no profiles, no instance metadata (which
/// would otherwise be asked for a Region and credentials, and which a CI machine may answer or black-hole).
fn bare() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wmpolicy-aws"));
    let empty = empty_file();
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", env!("CARGO_TARGET_TMPDIR"))
        .env("AWS_CONFIG_FILE", &empty)
        .env("AWS_SHARED_CREDENTIALS_FILE", &empty)
        .env("AWS_EC2_METADATA_DISABLED", "true");
    command
}

/// [`bare`] with made-up static credentials and a Region, pointed at `endpoint` instead of AWS.
fn against(endpoint: &str) -> Command {
    let mut command = bare();
    command
        .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        .env("AWS_REGION", "eu-west-1")
        .env("AWS_ENDPOINT_URL", endpoint);
    command
}

struct Run {
    code: Option<i32>,
    stderr: String,
    stdout: String,
    took: Duration,
}

fn run(command: &mut Command, args: &[&str]) -> Run {
    let start = Instant::now();
    let Output { status, stdout, stderr } = command.args(args).output().expect("the binary runs");
    let run = Run {
        code: status.code(),
        stderr: String::from_utf8_lossy(&stderr).into(),
        stdout: String::from_utf8_lossy(&stdout).into(),
        took: start.elapsed(),
    };
    // Whatever happened, no Debug dump of an SDK error reaches the user.
    for debug in ["DispatchFailure {", "ConnectorError {", "CredentialsNotLoaded(", " { source: "] {
        assert!(!run.stderr.contains(debug), "Debug text in stderr: {}", run.stderr);
    }
    run
}

/// A usage error: exit 2, and clap's line naming the flag, with the check's words.
fn usage_error(args: &[&str], flag: &str, words: &str) {
    let run = run(&mut bare(), args);
    assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
    let first = run.stderr.lines().next().unwrap_or_default();
    assert!(first.starts_with("error: invalid value '"), "{args:?}: {first}");
    assert!(first.contains(&format!("for '{flag}")), "{args:?} names {flag}: {first}");
    assert!(first.contains(words), "{args:?}: {first}");
    assert_eq!(run.stdout, "");
}

#[test]
fn arguments_are_checked_before_any_aws_call_and_exit_2() {
    let id = ["--organization-id", ORGANIZATION_ID];
    usage_error(
        &["snapshot", "--organization-id", "acme"],
        "--organization-id <ID>",
        "an organization ID is `m-` followed by 32 hex digits, like m-0123456789abcdef0123456789abcdef",
    );
    usage_error(&["verify", "--organization-id", "m-0123"], "--organization-id <ID>", "this one has 6");
    usage_error(&[&["snapshot"][..], &id, &["--rate", "-1"]].concat(), "--rate <PER_SECOND>", "0 or more");
    usage_error(&[&["verify"][..], &id, &["--max-calls", "0"]].concat(), "--max-calls <N>", "1 or more");
    usage_error(&[&["snapshot"][..], &id, &["--timeout", "0"]].concat(), "--timeout <SECONDS>", "more than 0");
    usage_error(&[&["snapshot"][..], &id, &["--region", "Ireland"]].concat(), "--region <REGION>", "like eu-west-1");
    usage_error(
        &[&["verify"][..], &id, &["--snapshot", "/nonexistent/org.json"]].concat(),
        "--snapshot <FILE>",
        "cannot read /nonexistent/org.json: no such file",
    );
    usage_error(
        &[&["verify"][..], &id, &["--record", "/nonexistent/fixture.json"]].concat(),
        "--record <FIXTURE>",
        "the directory /nonexistent does not exist",
    );
    usage_error(
        &[&["snapshot"][..], &id, &["--output", env!("CARGO_TARGET_TMPDIR")]].concat(),
        "--output <FILE>",
        "is a directory",
    );
}

#[test]
fn no_region_is_one_line_at_once() {
    let run = run(&mut bare(), &["snapshot", "--organization-id", ORGANIZATION_ID]);
    assert_eq!(run.code, Some(7), "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "error: no AWS Region is set: set a region with --region or AWS_REGION (WorkMail runs in us-east-1, \
         us-west-2 and eu-west-1)\n"
    );
    // No call is made, so nothing is retried: well under a second in practice, the bound allows a loaded machine.
    assert!(run.took < Duration::from_secs(20), "{:?}", run.took);
}

#[test]
fn no_credentials_is_one_line_that_says_what_was_tried() {
    let run = run(&mut bare(), &["snapshot", "--organization-id", ORGANIZATION_ID, "--region", "eu-west-1"]);
    assert_eq!(run.code, Some(7), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.starts_with(
            "error: no AWS credentials found (tried: environment variables, shared config and credentials files \
             (profile default)"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.trim_end().ends_with("run `aws configure` or set AWS_PROFILE"), "{}", run.stderr);
    assert!(run.took < Duration::from_secs(20), "{:?}", run.took);
}

#[test]
fn an_endpoint_that_never_answers_is_cut_off_by_timeout() {
    // Accepts connections (the kernel does, from the backlog) and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let run = run(&mut against(&endpoint), &["snapshot", "--organization-id", ORGANIZATION_ID, "--timeout", "1"]);
    assert_eq!(run.code, Some(8), "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "error: ListAccessControlRules did not finish within --timeout 1 s (retries included): check the network or \
         proxy, or give a longer --timeout\n"
    );
    assert!(run.took < Duration::from_secs(20), "{:?}", run.took);
    drop(listener);
}

#[test]
fn an_unreachable_endpoint_is_retried_aloud_until_the_timeout() {
    // A port nothing listens on: each attempt is refused at once, and the SDK retries it as a transient error.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let run = run(&mut against(&endpoint), &["snapshot", "--organization-id", ORGANIZATION_ID, "--timeout", "2"]);
    assert_eq!(run.code, Some(8), "{}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert!(
        lines[0].starts_with("retrying ListAccessControlRules after a network error (")
            && lines[0].ends_with("(attempt 2 of 8)…"),
        "{}",
        run.stderr
    );
    assert!(lines.last().unwrap().starts_with("error: ListAccessControlRules did not finish within --timeout 2 s"));
}

#[test]
fn help_gives_the_workflow_and_each_commands_iam_actions() {
    let help = run(&mut bare(), &["--help"]).stdout;
    for step in ["wmpolicy-aws snapshot", "wmpolicy validate", "wmpolicy-aws verify", "--record", "wmpolicy test"] {
        assert!(help.contains(step), "{step}: {help}");
    }
    let snapshot = run(&mut bare(), &["snapshot", "--help"]).stdout;
    let verify = run(&mut bare(), &["verify", "--help"]).stdout;
    for action in SNAPSHOT_ACTIONS {
        assert!(snapshot.contains(&format!("workmail:{action}")), "snapshot --help: {action}");
        assert!(verify.contains(&format!("workmail:{action}")), "verify --help: {action}");
    }
    for action in SIMULATE_ACTIONS {
        assert!(!snapshot.contains(action), "snapshot --help: {action}");
        assert!(verify.contains(&format!("workmail:{action}")), "verify --help: {action}");
    }
    assert!(snapshot.contains("--timeout <SECONDS>") && snapshot.contains("[default: 60]"), "{snapshot}");
}

#[test]
fn the_readme_iam_policy_has_exactly_the_actions_called() {
    let readme = include_str!("../../README.md");
    let section = &readme[readme.find("## The live bridge: `wmpolicy-aws`").expect("the bridge section")..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let start = section.find("```json\n").expect("an IAM policy in a json block") + "```json\n".len();
    let policy: serde_json::Value =
        serde_json::from_str(&section[start..][..section[start..].find("```").unwrap()]).expect("the policy is JSON");
    let mut listed: Vec<&str> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["Action"].as_array().unwrap())
        .map(|a| a.as_str().unwrap())
        .collect();
    listed.sort_unstable();
    let mut called: Vec<String> =
        SNAPSHOT_ACTIONS.iter().chain(&SIMULATE_ACTIONS).map(|a| format!("workmail:{a}")).collect();
    called.sort_unstable();
    assert_eq!(listed, called);
}
