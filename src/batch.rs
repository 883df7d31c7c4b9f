//! Answering request lines, one JSON object per line (`wmpolicy batch`).
//!
//! Each line names its operation and carries that operation's request members exactly as the API names them:
//!
//! ```text
//! {"Operation": "GetAccessControlEffect", "IpAddress": "192.0.2.1", "Action": "IMAP", "UserId": "S-1-5-18-0001"}
//! {"Operation": "GetMobileDeviceAccessEffect", "DeviceType": "iPhone", "UserId": "alice@example.com", "DeviceId": "ABC123"}
//! {"Operation": "GetImpersonationRoleEffect", "ImpersonationRoleId": "r-1", "TargetUser": "bob@example.com"}
//! ```
//!
//! `OrganizationId` is accepted and ignored. Every line gets exactly one output line: the response object, or
//! `{"Error":{"Code":…,"Message":…}}` for a request the service would refuse or a line that is not a request. The
//! line's strings are borrowed where JSON escapes allow, so answering allocates little beyond the output.
//!
//! A line may be at most [`MAX_LINE_BYTES`] long (a real request is a few hundred bytes); a longer one is answered
//! with a `LimitExceededException` error, and a reader of a stream need not keep more than that of any line.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::diagnostic::ErrorCode;
use crate::policy::Policy;
use crate::request::*;

/// One request line, every member of every operation optional; which belong is checked per operation.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct Line<'a> {
    #[serde(borrow)]
    operation: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "OrganizationId")]
    _organization_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    ip_address: Option<Cow<'a, str>>,
    #[serde(borrow)]
    action: Option<Cow<'a, str>>,
    #[serde(borrow)]
    user_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    impersonation_role_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    device_type: Option<Cow<'a, str>>,
    #[serde(borrow)]
    device_model: Option<Cow<'a, str>>,
    #[serde(borrow)]
    device_operating_system: Option<Cow<'a, str>>,
    #[serde(borrow)]
    device_user_agent: Option<Cow<'a, str>>,
    #[serde(borrow)]
    device_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    target_user: Option<Cow<'a, str>>,
}

/// The service's error response shape.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ErrorResponse<'a> {
    pub error: ErrorBody<'a>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ErrorBody<'a> {
    pub code: ErrorCode,
    pub message: Cow<'a, str>,
}

impl<'a> ErrorResponse<'a> {
    pub fn new(code: ErrorCode, message: impl Into<Cow<'a, str>>) -> Self {
        ErrorResponse { error: ErrorBody { code, message: message.into() } }
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
/// `out`.
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
    let result = with_request(line, |request| answer(policy, request, out)).and_then(|answered| answered);
    if let Err(error) = result {
        write_json(out, &error);
    }
}

/// A request line's operation and its request, borrowing from the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request<'a> {
    Access(AccessRequest<'a>),
    Mobile(MobileRequest<'a>),
    Impersonation(ImpersonationRequest<'a>),
}

/// Reads one request line (without its line end) and hands its request to `f`. A line that is not a request of
/// one operation (malformed JSON, an unknown member, a member of another operation, a missing required member, an
/// unknown `Operation`) is the error response the batch answers with instead. Shells that take request lines
/// (the WASM package's `explain`, say) read them here, so every shell reads them alike.
pub fn with_request<R>(line: &[u8], f: impl FnOnce(Request<'_>) -> R) -> Result<R, ErrorResponse<'static>> {
    let line = match serde_json::from_slice::<Line>(line) {
        Ok(line) => line,
        Err(e) if e.is_data() => return Err(ErrorResponse::new(ErrorCode::InvalidParameterException, e.to_string())),
        Err(e) => {
            let message = format!("not a JSON request object: {e}");
            return Err(ErrorResponse::new(ErrorCode::SerializationException, message));
        }
    };
    Ok(f(line.request()?))
}

fn answer(policy: &Policy, request: Request, out: &mut Vec<u8>) -> Result<(), ErrorResponse<'static>> {
    match request {
        Request::Access(request) => {
            let answer = policy.access(&request).map_err(|e| ErrorResponse::from(&e))?;
            write_json(out, &answer.to_response());
        }
        Request::Mobile(request) => {
            let answer = policy.mobile(&request).map_err(|e| ErrorResponse::from(&e))?;
            write_json(out, &answer.to_response());
        }
        Request::Impersonation(request) => {
            let answer = policy.impersonation(&request).map_err(|e| ErrorResponse::from(&e))?;
            write_json(out, &answer.to_response());
        }
    }
    Ok(())
}

fn text<'a>(value: &'a Option<Cow<'_, str>>) -> Option<&'a str> {
    value.as_deref()
}

fn write_json(out: &mut Vec<u8>, value: &impl Serialize) {
    // Serializing these plain structures into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, value);
}

impl Line<'_> {
    /// The operation's request, once the members are checked against it.
    fn request(&self) -> Result<Request<'_>, ErrorResponse<'static>> {
        let line = self;
        let present: [(&str, bool); 11] = [
            ("IpAddress", line.ip_address.is_some()),
            ("Action", line.action.is_some()),
            ("UserId", line.user_id.is_some()),
            ("ImpersonationRoleId", line.impersonation_role_id.is_some()),
            ("DeviceType", line.device_type.is_some()),
            ("DeviceModel", line.device_model.is_some()),
            ("DeviceOperatingSystem", line.device_operating_system.is_some()),
            ("DeviceUserAgent", line.device_user_agent.is_some()),
            ("DeviceId", line.device_id.is_some()),
            ("TargetUser", line.target_user.is_some()),
            ("Operation", line.operation.is_some()),
        ];
        let only = |operation: &str, allowed: &[&str]| -> Result<(), ErrorResponse<'static>> {
            match present.iter().find(|(name, is)| *is && *name != "Operation" && !allowed.contains(name)) {
                Some((name, _)) => Err(ErrorResponse::new(
                    ErrorCode::InvalidParameterException,
                    format!("{name} is not a member of {operation}'s request"),
                )),
                None => Ok(()),
            }
        };
        let required =
            |operation: &str, name: &str, value: &'_ Option<Cow<'_, str>>| -> Result<(), ErrorResponse<'static>> {
                match value {
                    Some(_) => Ok(()),
                    None => Err(ErrorResponse::new(
                        ErrorCode::InvalidParameterException,
                        format!("{operation} requires {name}"),
                    )),
                }
            };
        match line.operation.as_deref() {
            Some(op @ "GetAccessControlEffect") => {
                only(op, &["IpAddress", "Action", "UserId", "ImpersonationRoleId"])?;
                required(op, "IpAddress", &line.ip_address)?;
                required(op, "Action", &line.action)?;
                let request = AccessRequest {
                    ip_address: text(&line.ip_address).unwrap_or_default(),
                    action: text(&line.action).unwrap_or_default(),
                    user_id: text(&line.user_id),
                    impersonation_role_id: text(&line.impersonation_role_id),
                };
                Ok(Request::Access(request))
            }
            Some(op @ "GetMobileDeviceAccessEffect") => {
                only(
                    op,
                    &["DeviceType", "DeviceModel", "DeviceOperatingSystem", "DeviceUserAgent", "UserId", "DeviceId"],
                )?;
                let request = MobileRequest {
                    device_type: text(&line.device_type),
                    device_model: text(&line.device_model),
                    device_operating_system: text(&line.device_operating_system),
                    device_user_agent: text(&line.device_user_agent),
                    user_id: text(&line.user_id),
                    device_id: text(&line.device_id),
                };
                Ok(Request::Mobile(request))
            }
            Some(op @ "GetImpersonationRoleEffect") => {
                only(op, &["ImpersonationRoleId", "TargetUser"])?;
                required(op, "ImpersonationRoleId", &line.impersonation_role_id)?;
                required(op, "TargetUser", &line.target_user)?;
                let request = ImpersonationRequest {
                    impersonation_role_id: text(&line.impersonation_role_id).unwrap_or_default(),
                    target_user: text(&line.target_user).unwrap_or_default(),
                };
                Ok(Request::Impersonation(request))
            }
            Some(other) => {
                let message = format!(
                "unknown Operation {other:?}; expected GetAccessControlEffect, GetMobileDeviceAccessEffect or GetImpersonationRoleEffect"
            );
                Err(ErrorResponse::new(ErrorCode::InvalidParameterException, message))
            }
            None => {
                Err(ErrorResponse::new(ErrorCode::InvalidParameterException, "the request has no Operation member"))
            }
        }
    }
}
