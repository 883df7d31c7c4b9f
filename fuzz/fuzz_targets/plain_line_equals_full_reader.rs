//! One arbitrary `wmpolicy batch` line against examples/acme.json, answered by `batch::answer_line` (the plain-line
//! shortcut and the direct answer writer) and the way it was answered before them (`batch::read`, then serde_json
//! serializing the response structure or the error): the two answers are the same bytes. The line is also
//! answered as a block by `batch::answer_lines`, which must give the same answers, one a line.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use workmail_policy::batch::{self, ErrorResponse, Request};
use workmail_policy::{load, validate, ErrorCode, Policy};

static POLICY: LazyLock<Policy> = LazyLock::new(|| {
    let file = load::parse(include_bytes!("../../examples/acme.json")).expect("the example reads");
    let organization = validate::validate(&file, &validate::Options::default()).organization.expect("and is valid");
    Policy::compile(&organization).expect("and compiles")
});

/// The bytes serde_json writes for a response structure or an error response.
macro_rules! json {
    ($value:expr) => {
        serde_json::to_vec(&$value).expect("responses serialize")
    };
}

/// The answer as `answer_line` wrote it before the shortcut.
fn full_answer(policy: &Policy, line: &[u8]) -> Vec<u8> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    if line.len() > batch::MAX_LINE_BYTES {
        let message = format!("the line is longer than {} bytes, the most a request line may be", batch::MAX_LINE_BYTES);
        return json!(ErrorResponse::new(ErrorCode::LimitExceededException, message));
    }
    let read = match batch::read(line) {
        Ok(read) => read,
        Err(error) => return json!(error),
    };
    let answered = match read.request() {
        Request::Access(request) => policy.access(&request).map(|answer| json!(answer.to_response())),
        Request::Mobile(request) => policy.mobile(&request).map(|answer| json!(answer.to_response())),
        Request::Impersonation(request) => policy.impersonation(&request).map(|answer| json!(answer.to_response())),
    };
    answered.unwrap_or_else(|error| json!(ErrorResponse::from(&error)))
}

fuzz_target!(|data: &[u8]| {
    let mut out = Vec::new();
    batch::answer_line(&POLICY, data, &mut out);
    let full = full_answer(&POLICY, data);
    assert!(out == full, "{:?}\nshortcut: {}\nfull:     {}", data, String::from_utf8_lossy(&out), String::from_utf8_lossy(&full));
    // As a block, each line is answered alone, in order.
    let mut block = Vec::new();
    batch::answer_lines(&POLICY, data, &mut block);
    let mut expected = Vec::new();
    let mut lines = data.split(|&byte| byte == b'\n').peekable();
    while let Some(line) = lines.next() {
        if line.is_empty() && lines.peek().is_none() {
            break;
        }
        // A stream reader keeps a line up to the limit and a `\r`; past that, it is too long whatever it holds.
        let answer = if line.len() > batch::MAX_LINE_BYTES + 1 {
            full_answer(&POLICY, &vec![b'x'; batch::MAX_LINE_BYTES + 1])
        } else {
            full_answer(&POLICY, line)
        };
        expected.extend_from_slice(&answer);
        expected.push(b'\n');
    }
    assert!(block == expected, "answer_lines differs on {data:?}");
});
