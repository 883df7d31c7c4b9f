//! A checked organization: what [`crate::validate`] produces and both evaluators read.
//!
//! Unlike the file types in [`crate::model`], everything here has passed the service's constraints: effects are
//! enums, address ranges are parsed, the defaults of a new organization are filled in, and a condition list that
//! is missing or empty is simply an empty `Vec` (SEMANTICS: "absent").

use ipnet::Ipv4Net;
use serde::Serialize;

use crate::uncertain;

/// `ALLOW` or `DENY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Effect {
    /// `ALLOW`: the request is let through.
    #[serde(rename = "ALLOW")]
    Allow,
    /// `DENY`: the request is refused.
    #[serde(rename = "DENY")]
    Deny,
}

impl Effect {
    /// The service's spelling, `ALLOW` or `DENY`.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "ALLOW",
            Effect::Deny => "DENY",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Effect> {
        match s {
            "ALLOW" => Some(Effect::Allow),
            "DENY" => Some(Effect::Deny),
            _ => None,
        }
    }
}

impl std::fmt::Display for Effect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Deny wins (SEMANTICS 1.4, 2.6, 3.2): which of the matching rules decide a simulate call, and so its effect.
///
/// This is the one statement of the rule for the engine and the analyses; each applies it to its own form of a
/// rule set ([`crate::policy`]'s bit words, the analyses' rule sets, `explain`'s lists). The reference evaluator
/// states it again on purpose, as the independent reading the others are tested against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DecidingRules {
    /// Some matching rule is DENY: DENY, listing the matching DENY rules.
    Deny,
    /// No matching rule is DENY and some is ALLOW: ALLOW, listing the matching ALLOW rules.
    Allow,
    /// No rule matches: DENY by default, listing none.
    NoRule,
}

impl DecidingRules {
    /// The decision, from whether any matching rule is DENY and whether any is ALLOW.
    #[inline]
    pub(crate) fn of(any_deny: bool, any_allow: bool) -> DecidingRules {
        match (any_deny, any_allow) {
            (true, _) => DecidingRules::Deny,
            (false, true) => DecidingRules::Allow,
            (false, false) => DecidingRules::NoRule,
        }
    }

    /// The call's `Effect`.
    #[inline]
    pub(crate) fn effect(self) -> Effect {
        match self {
            DecidingRules::Allow => Effect::Allow,
            DecidingRules::Deny | DecidingRules::NoRule => Effect::Deny,
        }
    }
}

/// An access-control rule (SEMANTICS 1.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRule {
    /// Unique in the organization; what `MatchedRules` lists.
    pub name: String,
    /// What the rule decides when it matches.
    pub effect: Effect,
    /// The request's address must be in one of these (host bits cleared).
    pub ip_ranges: Vec<Ipv4Net>,
    /// The request's address must be in none of these.
    pub not_ip_ranges: Vec<Ipv4Net>,
    /// The request's action must be one of these, spelt exactly.
    pub actions: Vec<String>,
    /// The request's action must be none of these.
    pub not_actions: Vec<String>,
    /// The request's user must be one of these.
    pub user_ids: Vec<String>,
    /// The request's user must be none of these.
    pub not_user_ids: Vec<String>,
    /// The request's impersonation role must be one of these.
    pub impersonation_role_ids: Vec<String>,
    /// The request's impersonation role must be none of these.
    pub not_impersonation_role_ids: Vec<String>,
}

impl AccessRule {
    /// The rule every new organization has (SEMANTICS 1.1).
    pub fn default_rule() -> AccessRule {
        AccessRule {
            name: "default".into(),
            effect: Effect::Allow,
            ip_ranges: vec![],
            not_ip_ranges: vec![],
            actions: vec![],
            not_actions: vec![],
            user_ids: vec![],
            not_user_ids: vec![],
            impersonation_role_ids: vec![],
            not_impersonation_role_ids: vec![],
        }
    }
}

/// A device property a mobile rule can test (SEMANTICS 2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeviceProperty {
    /// `DeviceType`, for example `iPhone`.
    DeviceType,
    /// `DeviceModel`, for example `iPhone 15`.
    DeviceModel,
    /// `DeviceOperatingSystem`, for example `iOS 17.1`.
    DeviceOperatingSystem,
    /// `DeviceUserAgent`, the ActiveSync client's user agent.
    DeviceUserAgent,
}

impl DeviceProperty {
    /// The four properties, in the order of [`DeviceProperty::index`].
    pub const ALL: [DeviceProperty; 4] = [
        DeviceProperty::DeviceType,
        DeviceProperty::DeviceModel,
        DeviceProperty::DeviceOperatingSystem,
        DeviceProperty::DeviceUserAgent,
    ];

    /// The request member's name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceProperty::DeviceType => "DeviceType",
            DeviceProperty::DeviceModel => "DeviceModel",
            DeviceProperty::DeviceOperatingSystem => "DeviceOperatingSystem",
            DeviceProperty::DeviceUserAgent => "DeviceUserAgent",
        }
    }

    /// The rule's positive list member, for example `DeviceModels`.
    pub fn list_name(self) -> &'static str {
        match self {
            DeviceProperty::DeviceType => "DeviceTypes",
            DeviceProperty::DeviceModel => "DeviceModels",
            DeviceProperty::DeviceOperatingSystem => "DeviceOperatingSystems",
            DeviceProperty::DeviceUserAgent => "DeviceUserAgents",
        }
    }

    /// The rule's negative list member, for example `NotDeviceModels`.
    pub fn not_list_name(self) -> &'static str {
        match self {
            DeviceProperty::DeviceType => "NotDeviceTypes",
            DeviceProperty::DeviceModel => "NotDeviceModels",
            DeviceProperty::DeviceOperatingSystem => "NotDeviceOperatingSystems",
            DeviceProperty::DeviceUserAgent => "NotDeviceUserAgents",
        }
    }

    /// The property's position in [`DeviceProperty::ALL`] and in [`MobileRule::conditions`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A mobile rule's two lists for one property.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PropertyCondition {
    /// At least one value must match the property (SEMANTICS 2.5).
    pub values: Vec<String>,
    /// No value may match, and the property must be present (SEMANTICS 2.5).
    pub not_values: Vec<String>,
}

/// A mobile-device access rule (SEMANTICS 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MobileRule {
    /// The service assigns ids; a rule drafted by hand may not have one yet.
    pub id: Option<String>,
    /// The rule's name; `MatchedRules` lists it with the id.
    pub name: String,
    /// What the rule decides when it matches.
    pub effect: Effect,
    /// Indexed by [`DeviceProperty::index`].
    pub conditions: [PropertyCondition; 4],
}

impl MobileRule {
    /// The rule every new organization has (SEMANTICS 2.1); its name and id are in [`uncertain`].
    pub fn default_rule() -> MobileRule {
        MobileRule {
            id: Some(uncertain::DEFAULT_MOBILE_RULE_ID.into()),
            name: uncertain::DEFAULT_MOBILE_RULE_NAME.into(),
            effect: Effect::Allow,
            conditions: Default::default(),
        }
    }

    /// The rule's two lists for `property`.
    pub fn condition(&self, property: DeviceProperty) -> &PropertyCondition {
        &self.conditions[property.index()]
    }
}

/// A per-user, per-device decision (SEMANTICS 2.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MobileOverride {
    /// The user, by any identifier the directory knows them by.
    pub user_id: String,
    /// The device's id; compared without case.
    pub device_id: String,
    /// What the override decides for that user's device, whatever the rules say.
    pub effect: Effect,
}

/// `FULL_ACCESS` or `READ_ONLY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum RoleType {
    /// `FULL_ACCESS`: the role may read and change the target's mailbox.
    #[serde(rename = "FULL_ACCESS")]
    FullAccess,
    /// `READ_ONLY`: the role may only read it.
    #[serde(rename = "READ_ONLY")]
    ReadOnly,
}

impl RoleType {
    /// The service's spelling, `FULL_ACCESS` or `READ_ONLY`.
    pub fn as_str(self) -> &'static str {
        match self {
            RoleType::FullAccess => "FULL_ACCESS",
            RoleType::ReadOnly => "READ_ONLY",
        }
    }
}

/// An impersonation role and its rules (SEMANTICS 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImpersonationRole {
    /// `ImpersonationRoleId`, what requests name the role by.
    pub id: String,
    /// The role's name.
    pub name: String,
    /// `Type`, which `GetImpersonationRoleEffect` reports.
    pub role_type: RoleType,
    /// In input order, which is the order of `MatchedRules` (SEMANTICS 3.2).
    pub rules: Vec<ImpersonationRule>,
}

/// One rule of an impersonation role (SEMANTICS 3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImpersonationRule {
    /// `ImpersonationRuleId`, unique within the role.
    pub id: String,
    /// The rule's name, when it has one.
    pub name: Option<String>,
    /// What the rule decides when it matches.
    pub effect: Effect,
    /// The target must be one of these users.
    pub target_users: Vec<String>,
    /// The target must be none of these users.
    pub not_target_users: Vec<String>,
}

/// A user of the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryUser {
    /// The user's id (`S-1-1-…` or a UUID).
    pub id: String,
    /// The primary email address, when listed.
    pub email: Option<String>,
    /// The user name, when listed.
    pub name: Option<String>,
    /// `ENABLED`, `DISABLED` or `DELETED` as listed; absent counts as enabled.
    pub state: Option<String>,
}

impl DirectoryUser {
    /// Whether `identifier` names this user, in any of the forms [`uncertain::USER_NAMED_BY`] allows.
    pub fn is_named_by(&self, identifier: &str) -> bool {
        uncertain::USER_NAMED_BY.iter().any(|key| self.key(*key) == Some(identifier))
    }

    /// The identifier of kind `key`, when the user has one.
    pub fn key(&self, key: uncertain::UserKey) -> Option<&str> {
        match key {
            uncertain::UserKey::Id => Some(&self.id),
            uncertain::UserKey::Email => self.email.as_deref(),
            uncertain::UserKey::Name => self.name.as_deref(),
        }
    }
}

/// A checked organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    /// In input order, which is the order of `MatchedRules` (SEMANTICS 1.5).
    pub access_control_rules: Vec<AccessRule>,
    /// In input order, which is the order of `MatchedRules` (SEMANTICS 2.6).
    pub mobile_device_access_rules: Vec<MobileRule>,
    /// At most one per user and device (SEMANTICS 2.7).
    pub mobile_device_access_overrides: Vec<MobileOverride>,
    /// `None` when no roles were loaded: role ids in requests are then not checked (SEMANTICS 1.6).
    pub impersonation_roles: Option<Vec<ImpersonationRole>>,
    /// `None` when no user directory was loaded: user identifiers then compare as strings (SEMANTICS 3.3).
    pub users: Option<Vec<DirectoryUser>>,
}

impl Default for Organization {
    /// A new organization (SEMANTICS 1.1, 2.1).
    fn default() -> Self {
        Organization {
            access_control_rules: vec![AccessRule::default_rule()],
            mobile_device_access_rules: vec![MobileRule::default_rule()],
            mobile_device_access_overrides: vec![],
            impersonation_roles: None,
            users: None,
        }
    }
}

impl Organization {
    /// The directory user `identifier` names, when a directory is loaded: `Ok(Some(index))`, or `Err(())` when the
    /// directory holds no such user. Without a directory: `Ok(None)`.
    #[allow(clippy::result_unit_err)]
    pub fn resolve_user(&self, identifier: &str) -> Result<Option<usize>, ()> {
        match &self.users {
            None => Ok(None),
            Some(users) => users.iter().position(|u| u.is_named_by(identifier)).map(Some).ok_or(()),
        }
    }

    /// Whether two user identifiers name the same user: through the directory when loaded, else as strings.
    pub fn same_user(&self, a: &str, b: &str) -> bool {
        match (self.resolve_user(a), self.resolve_user(b)) {
            (Ok(Some(x)), Ok(Some(y))) => x == y,
            (Ok(None), Ok(None)) => a == b,
            _ => false,
        }
    }

    /// The loaded impersonation role with id `id`.
    pub fn role(&self, id: &str) -> Option<&ImpersonationRole> {
        self.impersonation_roles.as_ref()?.iter().find(|r| r.id == id)
    }
}
