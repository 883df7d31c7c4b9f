//! The service's shapes, as an organization file holds them.
//!
//! These types mirror the WorkMail API's members one for one, with the service's member names (PascalCase), and
//! keep what the user wrote: every member is optional here, enums are the strings as written, lists keep the
//! difference between missing and empty, and timestamps stay in whichever form they came (epoch seconds from aws
//! CLI v1, ISO-8601 text from v2). Checking them against the service's constraints is [`crate::validate`]'s job,
//! which turns an [`OrganizationFile`] into a checked [`crate::Organization`].

use serde::Serialize;

/// A timestamp exactly as written: epoch seconds (aws CLI v1) or ISO-8601 text (aws CLI v2).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Timestamp {
    /// Seconds since 1970-01-01T00:00:00Z, as written (integer or fraction).
    Epoch(serde_json::Number),
    /// ISO-8601 text, as written.
    Text(String),
}

// The record shapes are declared once, with their members' JSON names, kinds and constraints, in
// `load::schema`; they are the model's types.
pub use crate::load::schema::{
    AccessControlRule, ImpersonationRole, ImpersonationRule, MobileDeviceAccessOverride, MobileDeviceAccessRule,
    OrganizationFile, User,
};

impl OrganizationFile {
    /// Appends `other`'s lists to this one's, in order. A list either side holds is present in the result.
    pub fn merge(&mut self, other: OrganizationFile) {
        fn append<T>(into: &mut Option<Vec<T>>, from: Option<Vec<T>>) {
            if let Some(from) = from {
                into.get_or_insert_with(Vec::new).extend(from);
            }
        }
        append(&mut self.access_control_rules, other.access_control_rules);
        append(&mut self.mobile_device_access_rules, other.mobile_device_access_rules);
        append(&mut self.mobile_device_access_overrides, other.mobile_device_access_overrides);
        append(&mut self.impersonation_roles, other.impersonation_roles);
        append(&mut self.users, other.users);
    }
}

/// What `aws workmail list-access-control-rules` prints (`ListAccessControlRulesResponse`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessControlRulesPage {
    /// The rules, in order.
    pub rules: Vec<AccessControlRule>,
    /// Not in the service's response (the call does not paginate), but accepted so that pages can be pasted.
    /// The token for the next page, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// What `aws workmail list-mobile-device-access-rules` prints (`ListMobileDeviceAccessRulesResponse`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MobileDeviceAccessRulesPage {
    /// The rules, in order.
    pub rules: Vec<MobileDeviceAccessRule>,
    /// The token for the next page, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// One page of `aws workmail list-mobile-device-access-overrides` (`ListMobileDeviceAccessOverridesResponse`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MobileDeviceAccessOverridesPage {
    /// The overrides of this page.
    pub overrides: Vec<MobileDeviceAccessOverride>,
    /// The token for the next page, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// One page of `aws workmail list-users` (`ListUsersResponse`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UsersPage {
    /// The users of this page.
    pub users: Vec<User>,
    /// The token for the next page, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}
