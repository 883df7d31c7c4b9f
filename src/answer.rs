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
    /// The decision (SEMANTICS 1.4).
    pub effect: Effect,
    /// Rule names, in rule order (SEMANTICS 1.4, 1.5).
    pub matched_rules: Vec<&'a str>,
}

/// `GetMobileDeviceAccessEffect`'s response, plus the override that decided, when one did (SEMANTICS 2.7).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MobileDeviceAccessEffect<'a> {
    /// The decision (SEMANTICS 2.6, 2.7).
    pub effect: Effect,
    /// The rules that matched, in rule order (SEMANTICS 2.6); empty when an override decided.
    pub matched_rules: Vec<MobileDeviceAccessMatchedRule<'a>>,
    /// This engine's extension: the override that decided, as the organization lists it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched_override: Option<MatchedOverride<'a>>,
}

/// One of `GetMobileDeviceAccessEffect`'s `MatchedRules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MobileDeviceAccessMatchedRule<'a> {
    /// Absent only for a rule drafted without an id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile_device_access_rule_id: Option<&'a str>,
    /// The rule's name.
    pub name: &'a str,
}

/// The override that decided a mobile request (this engine's extension, SEMANTICS 2.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MatchedOverride<'a> {
    /// The override's `UserId`, as the organization lists it.
    pub user_id: &'a str,
    /// The override's `DeviceId`, as the organization lists it.
    pub device_id: &'a str,
}

/// `GetImpersonationRoleEffect`'s response.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImpersonationRoleEffect<'a> {
    /// The role's `Type`.
    #[serde(rename = "Type")]
    pub role_type: RoleType,
    /// The decision (SEMANTICS 3.2).
    pub effect: Effect,
    /// The role's rules that matched, in rule order (SEMANTICS 3.2).
    pub matched_rules: Vec<ImpersonationMatchedRule<'a>>,
}

/// One of `GetImpersonationRoleEffect`'s `MatchedRules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImpersonationMatchedRule<'a> {
    /// The rule's `ImpersonationRuleId`.
    pub impersonation_rule_id: &'a str,
    /// The rule's name, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
}
