//! The three simulate calls' responses, with the service's member names and shapes.
//!
//! Both evaluators produce these; the compiled engine's allocation-free answers convert into them with
//! `to_response`, and they serialize to exactly the JSON the service returns.

use serde::Serialize;

use crate::organization::{Effect, RoleType};

/// `GetAccessControlEffect`'s response.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessControlEffect<'a> {
    pub effect: Effect,
    /// Rule names, in rule order (SEMANTICS 1.4, 1.5).
    pub matched_rules: Vec<&'a str>,
}

/// `GetMobileDeviceAccessEffect`'s response, plus the override that decided, when one did (SEMANTICS 2.7).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MobileDeviceAccessEffect<'a> {
    pub effect: Effect,
    pub matched_rules: Vec<MobileDeviceAccessMatchedRule<'a>>,
    /// This engine's extension: the override that decided, as the organization lists it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched_override: Option<MatchedOverride<'a>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MobileDeviceAccessMatchedRule<'a> {
    /// Absent only for a rule drafted without an id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile_device_access_rule_id: Option<&'a str>,
    pub name: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MatchedOverride<'a> {
    pub user_id: &'a str,
    pub device_id: &'a str,
}

/// `GetImpersonationRoleEffect`'s response.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImpersonationRoleEffect<'a> {
    #[serde(rename = "Type")]
    pub role_type: RoleType,
    pub effect: Effect,
    pub matched_rules: Vec<ImpersonationMatchedRule<'a>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImpersonationMatchedRule<'a> {
    pub impersonation_rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
}
