//! Request lines: one JSON object per simulate call, read once and answered in the service's response shapes.
//!
//! This module is the line format's one home. Each line names its operation and carries that operation's request
//! members exactly as the API names them:
//!
//! ```text
//! {"Operation": "GetAccessControlEffect", "IpAddress": "192.0.2.1", "Action": "IMAP", "UserId": "S-1-5-18-0001"}
//! {"Operation": "GetMobileDeviceAccessEffect", "DeviceType": "iPhone", "UserId": "alice@example.com", "DeviceId": "ABC123"}
//! {"Operation": "GetImpersonationRoleEffect", "ImpersonationRoleId": "r-1", "TargetUser": "bob@example.com"}
//! ```
//!
//! - [`read`] is the one reader: bytes to a [`RequestLine`] (the operation's borrowed [`Request`]), or the
//!   service's [`ErrorResponse`]. `wmpolicy batch`, fixtures, the WebAssembly package and [`Call`] all read
//!   requests through it, so none of them can accept a line another refuses.
//! - [`answer`] is the one answer function: a request to the response JSON, or the error response.
//!   [`answer_line`] is the two together; [`Call::answer`] is the same for a kept request.
//! - [`answer_lines`] answers a block of lines, and [`LineBlocks`] cuts a byte stream into such blocks in bounded
//!   memory: `wmpolicy batch` reads stdin into blocks and answers them on several threads. Neither does I/O or
//!   starts a thread; the shell owns those.
//! - [`Call`] is a request that owns its strings, to keep: a coverage plan's, a fixture's. It serializes to
//!   exactly a line.
//! - [`ErrorResponse`] is the service's `{"Error": {"Code": …, "Message": …}}`, the one spelling of that shape
//!   that the library and the shells write.
//!
//! `OrganizationId` is accepted, held to its shape in the service model, and otherwise ignored. Every line gets
//! exactly one answer. A line's strings are borrowed where JSON escapes allow, so answering a line allocates
//! nothing beyond the output (the reader's costs are in `batch/read.rs`).
//!
//! # The plain-line shortcut
//!
//! serde_json reading a line and serializing its answer were most of a line's cost. [`answer_line`] first tries
//! `batch/plain.rs`, which recognises the usual line (known members, each once, strings without escapes or `null`)
//! in one pass and hands the values to [`read`]'s own checks, and falls back to [`read`] for anything else; the
//! answer is written directly (`batch/write.rs`) with serde_json's bytes and escaping. So every answer is the one
//! `read` and serde would give, which `tests/batch_plain.rs` and the `plain_line_equals_full_reader` fuzz target
//! check; on `benches/batch.rs`'s lines a line's answer took about a third less time.
//!
//! A line may be at most [`MAX_LINE_BYTES`] long (a real request is a few hundred bytes); a longer one is answered
//! with a `LimitExceededException` error, and a reader of a stream need not keep more than that of any line.

use std::borrow::Cow;

use serde::Serialize;

use crate::diagnostic::ErrorCode;
use crate::message::Part;
use crate::policy::Policy;
use crate::request::RequestError;

mod call;
mod lines;
pub(crate) mod plain;
mod read;
mod write;

pub use call::Call;
pub use lines::LineBlocks;
pub use read::{check_organization_id, read, Operation, Request, RequestLine};

/// The service's error response: `{"Error": {"Code": …, "Message": …}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ErrorResponse<'a> {
    /// The error's code and message.
    pub error: ErrorBody<'a>,
}

/// The body of an [`ErrorResponse`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ErrorBody<'a> {
    /// The service's error name.
    pub code: ErrorCode,
    /// What is wrong, for a person. The service's own messages are prose, not a contract: answers are compared by
    /// code alone.
    pub message: Cow<'a, str>,
}

impl<'a> ErrorResponse<'a> {
    /// The error response with this code and message.
    pub fn new(code: ErrorCode, message: impl Into<Cow<'a, str>>) -> Self {
        ErrorResponse { error: ErrorBody { code, message: message.into() } }
    }

    /// The `Code` of an answer in JSON, when it is an error response (`""` when its `Code` is missing or not a
    /// string); `None` for a response. For answers read back, from a fixture or the service.
    pub fn code_of(answer: &serde_json::Value) -> Option<&str> {
        let error = answer.get("Error")?;
        Some(error.get("Code").and_then(serde_json::Value::as_str).unwrap_or_default())
    }

    /// The response as a JSON value.
    pub fn to_value(&self) -> serde_json::Value {
        // A code and a string always serialize.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

impl<'a> From<&RequestError<'a>> for ErrorResponse<'static> {
    fn from(error: &RequestError<'a>) -> Self {
        ErrorResponse::new(error.code(), error.to_string())
    }
}

/// The longest request line answered, without its line end: 64 KiB.
pub const MAX_LINE_BYTES: usize = 64 << 10;

/// The most of a line a reader of a stream keeps, without its `\n`: the limit, and room for the `\r` of a CRLF line
/// of exactly the limit. A longer line is answered [`answer_overlong_line`] without being read further.
const KEPT_LINE_BYTES: usize = MAX_LINE_BYTES + 1;

/// Appends the answer to a line longer than [`MAX_LINE_BYTES`], for a reader that stopped keeping it.
pub fn answer_overlong_line(out: &mut Vec<u8>) {
    let message = [
        Part::Plain("the line is longer than "),
        Part::Number(MAX_LINE_BYTES),
        Part::Plain(" bytes, the most a request line may be"),
    ];
    write::error_of_parts(out, ErrorCode::LimitExceededException, &message);
}

/// Answers one line (its `\r\n` or `\n` end may be left on), appending the JSON answer (without a newline) to
/// `out`: [`read`], then [`answer`].
///
/// A line of the usual shape (known members, each once, plain strings or `null`) is read by a shortcut that
/// recognises it without serde_json and hands `read`'s own checks the same values, so every answer is the one
/// `read` and `answer` give; anything else goes to `read` itself.
///
/// ```
/// use workmail_policy::{batch, Organization, Policy};
///
/// let policy = Policy::compile(&Organization::default()).unwrap();
/// let mut out = Vec::new();
/// batch::answer_line(&policy, br#"{"Operation":"GetAccessControlEffect","IpAddress":"192.0.2.1","Action":"EWS","UserId":"S-1-5-18-0001"}"#, &mut out);
/// assert_eq!(out, br#"{"Effect":"ALLOW","MatchedRules":["default"]}"#);
/// ```
pub fn answer_line(policy: &Policy, line: &[u8], out: &mut Vec<u8>) {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    // An editor's byte-order mark on a file's first line is not part of the request.
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    if line.len() > MAX_LINE_BYTES {
        return answer_overlong_line(out);
    }
    let read = match plain::scan(line) {
        Some(plain) => read::check(plain),
        None => read(line),
    };
    match read {
        Ok(line) => answer(policy, &line.request(), out),
        Err(error) => write::error(out, error.error.code, &error.error.message),
    }
}

/// Answers every line of a block of a request stream, appending each answer and a `\n` to `out`: exactly what
/// `wmpolicy batch` writes for those lines, one answer a line, in order.
///
/// A line ends at a `\n`; bytes after the block's last `\n` are one more line (the end of a stream whose last line
/// has no newline), so a reader hands over whole lines, as [`LineBlocks`] cuts them. A line longer than
/// [`MAX_LINE_BYTES`] and a `\r` is answered [`answer_overlong_line`] (however it ends: a reader may have cut it
/// short); every other line as [`answer_line`] answers it. Blocks are independent, so threads may answer
/// consecutive blocks at once and their answers be written in block order.
///
/// ```
/// use workmail_policy::{batch, Organization, Policy};
///
/// let policy = Policy::compile(&Organization::default()).unwrap();
/// let mut out = Vec::new();
/// batch::answer_lines(&policy, b"{\"Operation\":\"GetImpersonationRoleEffect\"}\r\n\nnot json", &mut out);
/// let answers: Vec<&str> = std::str::from_utf8(&out).unwrap().lines().collect();
/// assert_eq!(answers.len(), 3);
/// assert!(answers.iter().all(|answer| answer.starts_with(r#"{"Error":"#)));
/// ```
pub fn answer_lines(policy: &Policy, block: &[u8], out: &mut Vec<u8>) {
    let mut rest = block;
    while !rest.is_empty() {
        let (line, next) = match plain::first_newline(rest) {
            Some(end) => rest.split_at(end + 1),
            None => (rest, &[][..]),
        };
        let content = line.strip_suffix(b"\n").unwrap_or(line);
        if content.len() > KEPT_LINE_BYTES {
            answer_overlong_line(out);
        } else {
            answer_line(policy, content, out);
        }
        out.push(b'\n');
        rest = next;
    }
}

/// Answers one request, appending the service's response JSON, or its error response for a request it would
/// refuse, to `out`. The bytes are those serde_json writes for the response structures (`to_response`) and for
/// [`ErrorResponse`], written without building either.
///
/// ```
/// use workmail_policy::{batch, ImpersonationRequest, Organization, Policy};
///
/// let policy = Policy::compile(&Organization::default()).unwrap();
/// let mut out = Vec::new();
/// let request = ImpersonationRequest { impersonation_role_id: "r-1", target_user: "bob" };
/// batch::answer(&policy, &batch::Request::Impersonation(request), &mut out);
/// assert!(out.starts_with(br#"{"Error":{"Code":"ResourceNotFoundException""#));
/// ```
pub fn answer(policy: &Policy, request: &Request<'_>, out: &mut Vec<u8>) {
    let answered = match request {
        Request::Access(request) => policy.access(request).map(|answer| write::access(out, &answer)),
        Request::Mobile(request) => policy.mobile(request).map(|answer| write::mobile(out, &answer)),
        Request::Impersonation(request) => {
            policy.impersonation(request).map(|answer| write::impersonation(out, &answer))
        }
    };
    if let Err(error) = answered {
        write::request_error(out, &error);
    }
}
