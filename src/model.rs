//! The service's shapes, as an organization file holds them.
//!
//! These types mirror the WorkMail API's members one for one, with the service's member names (PascalCase), and
//! keep what the user wrote: every member is optional here, enums are the strings as written, lists keep the
//! difference between missing and empty, and timestamps stay in whichever form they came (epoch seconds from aws
//! CLI v1, ISO-8601 text from v2). Checking them against the service's constraints is [`crate::validate`]'s job,
//! which turns an [`OrganizationFile`] into a checked [`crate::Organization`].

use serde::{Deserialize, Serialize};

/// A timestamp exactly as written: epoch seconds (aws CLI v1) or ISO-8601 text (aws CLI v2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Timestamp {
    Epoch(serde_json::Number),
    Text(String),
}

/// An access-control rule, as `ListAccessControlRules` returns it and `PutAccessControlRule` takes it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AccessControlRule {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effect: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_ranges: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_ip_ranges: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actions: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_actions: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_ids: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_user_ids: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_created: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_modified: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impersonation_role_ids: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_impersonation_role_ids: Option<Vec<String>>,
}

/// A mobile-device access rule, as `ListMobileDeviceAccessRules` returns it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct MobileDeviceAccessRule {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile_device_access_rule_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effect: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_types: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_device_types: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_models: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_device_models: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_operating_systems: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_device_operating_systems: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_user_agents: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_device_user_agents: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_created: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_modified: Option<Timestamp>,
}

/// A per-user, per-device decision, as `ListMobileDeviceAccessOverrides` returns it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct MobileDeviceAccessOverride {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effect: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_created: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_modified: Option<Timestamp>,
}

/// An impersonation role with its rules, as `GetImpersonationRole` returns it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ImpersonationRole {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impersonation_role_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "Type", skip_serializing_if = "Option::is_none")]
    pub role_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules: Option<Vec<ImpersonationRule>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_created: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_modified: Option<Timestamp>,
}

/// One rule of an impersonation role.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ImpersonationRule {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impersonation_rule_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effect: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_users: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_target_users: Option<Vec<String>>,
}

/// A user of the directory, as `ListUsers` returns it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct User {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled_date: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled_date: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_provider_user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_provider_identity_store_id: Option<String>,
}

/// One organization: everything the three simulate calls depend on.
///
/// A missing list means what a new organization has: the default allow-all access-control rule (SEMANTICS 1.1),
/// the default allow-all mobile rule (2.1), and no overrides, roles or user directory. An empty list means none
/// (1.2, 2.2: every request denied).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct OrganizationFile {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_control_rules: Option<Vec<AccessControlRule>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile_device_access_rules: Option<Vec<MobileDeviceAccessRule>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile_device_access_overrides: Option<Vec<MobileDeviceAccessOverride>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impersonation_roles: Option<Vec<ImpersonationRole>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users: Option<Vec<User>>,
}

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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AccessControlRulesPage {
    pub rules: Vec<AccessControlRule>,
    /// Not in the service's response (the call does not paginate), but accepted so that pages can be pasted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// What `aws workmail list-mobile-device-access-rules` prints (`ListMobileDeviceAccessRulesResponse`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct MobileDeviceAccessRulesPage {
    pub rules: Vec<MobileDeviceAccessRule>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// One page of `aws workmail list-mobile-device-access-overrides` (`ListMobileDeviceAccessOverridesResponse`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct MobileDeviceAccessOverridesPage {
    pub overrides: Vec<MobileDeviceAccessOverride>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// One page of `aws workmail list-users` (`ListUsersResponse`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct UsersPage {
    pub users: Vec<User>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}
