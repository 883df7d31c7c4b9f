//! The core's what-if analyses ([`workmail_policy::analyse`]) for JavaScript: `policy.explain(request)`,
//! `policy.lint()` and `diff(old, new)`.
//!
//! They read the checked organization, which [`crate::Policy`] keeps beside its compiled form. Requests come as
//! `policy.batch` takes them, `{Operation, ...members}`, and are read with the member rules of `wmpolicy batch`:
//! unknown members, members of another operation and missing required members are refused with the service's
//! error rather than explained.

use std::borrow::Cow;

use serde::Deserialize;
use wasm_bindgen::JsValue;
use workmail_policy::analyse::{self, explain, Kind};
use workmail_policy::diagnostic::{ErrorCode, Finding};
use workmail_policy::{validate as core_validate, AccessRequest, ImpersonationRequest, MobileRequest, Organization};

use crate::{error_value, to_js};

/// A request as `policy.batch` takes it: every member of every operation optional; which belong is checked per
/// operation.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct Request<'a> {
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

impl Request<'_> {
    /// The members present, by their API names.
    fn present(&self) -> impl Iterator<Item = &'static str> + '_ {
        [
            ("IpAddress", self.ip_address.is_some()),
            ("Action", self.action.is_some()),
            ("UserId", self.user_id.is_some()),
            ("ImpersonationRoleId", self.impersonation_role_id.is_some()),
            ("DeviceType", self.device_type.is_some()),
            ("DeviceModel", self.device_model.is_some()),
            ("DeviceOperatingSystem", self.device_operating_system.is_some()),
            ("DeviceUserAgent", self.device_user_agent.is_some()),
            ("DeviceId", self.device_id.is_some()),
            ("TargetUser", self.target_user.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, present)| present.then_some(name))
    }
}

fn invalid(message: &str) -> JsValue {
    error_value(ErrorCode::InvalidParameterException, message)
}

/// Explains one request against `org`: every rule, whether it matched, the first condition that did not, and how
/// the verdict followed.
pub fn explain(org: &Organization, request: &JsValue) -> JsValue {
    let text = match crate::request_text(request) {
        Ok(text) => text,
        Err(error) => return error,
    };
    let request: Request = match serde_json::from_str(&text) {
        Ok(request) => request,
        Err(e) if e.is_data() => return invalid(&e.to_string()),
        Err(e) => return error_value(ErrorCode::SerializationException, &format!("not a JSON request object: {e}")),
    };
    let text = |value: &Option<Cow<str>>| value.as_deref().map(str::to_owned);
    let only = |operation: &str, allowed: &[&str]| match request.present().find(|name| !allowed.contains(name)) {
        Some(name) => Err(invalid(&format!("{name} is not a member of {operation}'s request"))),
        None => Ok(()),
    };
    let required = |operation: &str, name: &str, value: &Option<Cow<str>>| match value {
        Some(value) => Ok(value.to_string()),
        None => Err(invalid(&format!("{operation} requires {name}"))),
    };
    let explained = match request.operation.as_deref() {
        Some(op @ "GetAccessControlEffect") => (|| {
            only(op, &["IpAddress", "Action", "UserId", "ImpersonationRoleId"])?;
            let (ip, action) =
                (required(op, "IpAddress", &request.ip_address)?, required(op, "Action", &request.action)?);
            let (user, role) = (text(&request.user_id), text(&request.impersonation_role_id));
            let request = AccessRequest {
                ip_address: &ip,
                action: &action,
                user_id: user.as_deref(),
                impersonation_role_id: role.as_deref(),
            };
            Ok(to_js(&explain::access(org, &request)))
        })(),
        Some(op @ "GetMobileDeviceAccessEffect") => (|| {
            only(op, &["DeviceType", "DeviceModel", "DeviceOperatingSystem", "DeviceUserAgent", "UserId", "DeviceId"])?;
            let members = [
                &request.device_type,
                &request.device_model,
                &request.device_operating_system,
                &request.device_user_agent,
                &request.user_id,
                &request.device_id,
            ];
            let [device_type, device_model, device_operating_system, device_user_agent, user_id, device_id] =
                members.map(|member| member.as_deref());
            let request = MobileRequest {
                device_type,
                device_model,
                device_operating_system,
                device_user_agent,
                user_id,
                device_id,
            };
            Ok(to_js(&explain::mobile(org, &request)))
        })(),
        Some(op @ "GetImpersonationRoleEffect") => (|| {
            only(op, &["ImpersonationRoleId", "TargetUser"])?;
            let role = required(op, "ImpersonationRoleId", &request.impersonation_role_id)?;
            let target = required(op, "TargetUser", &request.target_user)?;
            let request = ImpersonationRequest { impersonation_role_id: &role, target_user: &target };
            Ok(to_js(&explain::impersonation(org, &request)))
        })(),
        Some(other) => Err(invalid(&format!(
            "unknown Operation {other:?}; expected GetAccessControlEffect, GetMobileDeviceAccessEffect or \
             GetImpersonationRoleEffect"
        ))),
        None => Err(invalid("the request has no Operation member")),
    };
    explained.unwrap_or_else(|error| error)
}

/// Lints `org`: dead rules, lockouts, likely mistakes; `warnings` are validation's findings for it.
pub fn lint(org: &Organization, warnings: &[Finding]) -> JsValue {
    to_js(&analyse::lint(org, warnings))
}

/// Compares two organization inputs over every request of the calls in `kinds` (all three when absent).
pub fn diff(old: &JsValue, new: &JsValue, options: Option<JsValue>, kinds: Option<JsValue>) -> JsValue {
    let kinds = match kinds_of(kinds) {
        Ok(kinds) => kinds,
        Err(error) => return error,
    };
    let options = crate::options(options);
    let mut findings = Vec::new();
    let mut read = |input: &JsValue, side: &str| -> Option<Organization> {
        let validation = match crate::read(input) {
            Ok(file) => core_validate::validate(&file, &options),
            Err(problems) => core_validate::Validation { findings: problems, organization: None },
        };
        let prefixed = validation.findings.into_iter().filter(Finding::is_error);
        findings.extend(prefixed.map(|f| Finding { path: format!("{side}: {}", f.path), ..f }));
        validation.organization
    };
    let (old, new) = (read(old, "old"), read(new, "new"));
    match (old, new) {
        (Some(old), Some(new)) => to_js(&analyse::diff(&old, &new, &kinds)),
        _ => {
            let code = findings.first().map_or(ErrorCode::InvalidParameterException, |f| f.code);
            crate::failed(&findings, code, format!("an organization to compare has {} error(s)", findings.len()))
        }
    }
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
