//! The core's what-if analyses ([`workmail_policy::analyse`]) for JavaScript: `policy.explain(request)` and
//! `diff(old, new)`. (`policy.lint()` is the access module's, with the effective-access matrix it reads.)
//!
//! They read the checked organization, which [`crate::Policy`] keeps beside its compiled form. Requests come as
//! `policy.batch` takes them, `{Operation, ...members}`, and are read by the core's request-line reader
//! ([`batch::read`]), as `wmpolicy batch` reads a line: unknown members, members of another operation, missing
//! required members and a malformed `OrganizationId` are refused with the service's error rather than explained.

use wasm_bindgen::JsValue;
use workmail_policy::analyse::{self, explain, Kind};
use workmail_policy::{batch, ErrorCode, Organization};

use crate::{error_response, error_value, to_js};

/// Explains one request against `org`: every rule, whether it matched, the first condition that did not, and how
/// the verdict followed.
pub fn explain(org: &Organization, request: &JsValue) -> JsValue {
    let text = match crate::request_text(request) {
        Ok(text) => text,
        Err(error) => return error,
    };
    // The core reads the request exactly as a `wmpolicy batch` line, so bad requests get the same errors.
    match batch::read(text.as_bytes()) {
        Ok(line) => match line.request() {
            batch::Request::Access(request) => to_js(&explain::access(org, &request)),
            batch::Request::Mobile(request) => to_js(&explain::mobile(org, &request)),
            batch::Request::Impersonation(request) => to_js(&explain::impersonation(org, &request)),
        },
        Err(error) => error_response(&error),
    }
}

fn invalid(message: &str) -> JsValue {
    error_value(ErrorCode::InvalidParameterException, message)
}

/// Compares two organization inputs over every request of the calls in `kinds` (all three when absent).
pub fn diff(old: &JsValue, new: &JsValue, options: Option<JsValue>, kinds: Option<JsValue>) -> JsValue {
    let kinds = match kinds_of(kinds) {
        Ok(kinds) => kinds,
        Err(error) => return error,
    };
    crate::compare(old, new, options, |old, new| to_js(&analyse::diff(old, new, &kinds)))
}

/// `["Access", "Mobile", "Impersonation"]` or a part of it; every call when absent.
fn kinds_of(kinds: Option<JsValue>) -> Result<Vec<Kind>, JsValue> {
    let Some(kinds) = kinds else { return Ok(Kind::ALL.to_vec()) };
    let names: Vec<String> = js_sys::JSON::stringify(&kinds)
        .ok()
        .and_then(|text| text.as_string())
        .and_then(|text| serde_json::from_str(&text).ok())
        .ok_or_else(|| invalid("the kinds to compare are a list of \"Access\", \"Mobile\" and \"Impersonation\""))?;
    names
        .iter()
        .map(|name| match name.as_str() {
            "Access" => Ok(Kind::Access),
            "Mobile" => Ok(Kind::Mobile),
            "Impersonation" => Ok(Kind::Impersonation),
            other => Err(invalid(&format!("{other:?} is not one of Access, Mobile, Impersonation"))),
        })
        .collect()
}
