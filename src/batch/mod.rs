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
//!   [`answer_line`] is the two together, as `wmpolicy batch` uses them; [`Call::answer`] is the same for a kept
//!   request.
//! - [`Call`] is a request that owns its strings, to keep: a coverage plan's, a fixture's. It serializes to
//!   exactly a line.
//! - [`ErrorResponse`] is the service's `{"Error": {"Code": …, "Message": …}}`, the one spelling of that shape
//!   that the library and the shells write.
//!
//! `OrganizationId` is accepted, held to its shape in the service model, and otherwise ignored. Every line gets
//! exactly one answer. A line's strings are borrowed where JSON escapes allow, so answering a line allocates
//! nothing beyond the output (the reader's costs are in `batch/read.rs`).
//!
//! A line may be at most [`MAX_LINE_BYTES`] long (a real request is a few hundred bytes); a longer one is answered
//! with a `LimitExceededException` error, and a reader of a stream need not keep more than that of any line.

use std::borrow::Cow;

use serde::Serialize;

use crate::diagnostic::ErrorCode;
use crate::policy::Policy;
use crate::request::RequestError;

mod call;
mod read;

pub use call::Call;
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

/// Appends the answer to a line longer than [`MAX_LINE_BYTES`], for a reader that stopped keeping it.
pub fn answer_overlong_line(out: &mut Vec<u8>) {
    let message = format!("the line is longer than {MAX_LINE_BYTES} bytes, the most a request line may be");
    write_json(out, &ErrorResponse::new(ErrorCode::LimitExceededException, message));
}

/// Answers one line (its `\r\n` or `\n` end may be left on), appending the JSON answer (without a newline) to
/// `out`: [`read`], then [`answer`].
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
    match read(line) {
        Ok(line) => answer(policy, &line.request(), out),
        Err(error) => write_json(out, &error),
    }
}

/// Answers one request, appending the service's response JSON, or its error response for a request it would
/// refuse, to `out`.
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
        Request::Access(request) => policy.access(request).map(|answer| write_json(out, &answer.to_response())),
        Request::Mobile(request) => policy.mobile(request).map(|answer| write_json(out, &answer.to_response())),
        Request::Impersonation(request) => {
            policy.impersonation(request).map(|answer| write_json(out, &answer.to_response()))
        }
    };
    if let Err(error) = answered {
        write_json(out, &ErrorResponse::from(&error));
    }
}

fn write_json(out: &mut Vec<u8>, value: &impl Serialize) {
    // Serializing these plain structures into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, value);
}
