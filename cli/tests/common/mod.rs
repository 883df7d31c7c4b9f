//! What the command's integration tests share: running the built binary, and temporary input files.

// Each test crate uses its own part of this module.
#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_wmpolicy");
pub const ACME: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/acme.json");
pub const AWS_ACCESS_RULES: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/aws-cli/list-access-control-rules.json");
pub const ACME_PROPOSED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/acme-proposed.json");

/// A finished run of the binary.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Stdout as JSON; fails the test when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:?}"))
    }

    /// Asserts the exit code, showing the whole run when it differs.
    pub fn expect_code(self, code: i32) -> Self {
        assert_eq!(self.code, code, "exit code of {self:?}");
        self
    }
}

pub fn wmpolicy(args: &[&str]) -> Run {
    wmpolicy_with_stdin(args, b"")
}

pub fn wmpolicy_with_stdin(args: &[&str], stdin: &[u8]) -> Run {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {BIN}: {e}"));
    let mut pipe = child.stdin.take().expect("stdin is piped");
    let input = stdin.to_vec();
    // Written from another thread so that a large input cannot deadlock against a full stdout pipe.
    let writer = std::thread::spawn(move || {
        // The binary may exit without reading stdin (a usage error, say); a broken pipe is then expected.
        let _ = pipe.write_all(&input);
    });
    let output = child.wait_with_output().expect("the binary runs");
    writer.join().expect("the stdin writer does not panic");
    Run {
        code: output.status.code().unwrap_or_else(|| panic!("{BIN} {args:?} was killed by a signal")),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// A file in the temporary directory under a name no other test (or test process) uses, removed on drop.
pub struct TempFile(pub PathBuf);

impl TempFile {
    pub fn new(name: &str, contents: impl AsRef<[u8]>) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let unique = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("wmpolicy-cli-{}-{unique}-{name}", std::process::id()));
        std::fs::write(&path, contents).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        TempFile(path)
    }

    pub fn path(&self) -> &str {
        self.0.to_str().expect("temporary paths are UTF-8")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
