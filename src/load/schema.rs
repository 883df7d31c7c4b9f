//! The one description of every input shape: each member's JSON name, what it holds, whether an operation requires
//! it, and the service model's constraint on it.
//!
//! Each record shape is written once, in one `shapes!` invocation below, and everything else follows from it:
//!
//! - the model type ([`crate::model`] re-exports it), with the service's member names for serialization;
//! - the table [`Shape`] (`AccessControlRule::SHAPE`, …), which the loader's check pass walks to recognise members
//!   and their JSON types, the conversion reads to fill the model type, and validation reads to apply each
//!   member's constraint ([`crate::validate`] adds only what spans members: quotas, duplicates, unknown users);
//! - the conversion from what the check pass kept into the model type.
//!
//! Other tools (the WebAssembly package's types, the AWS bridge) can read the same tables through [`SHAPES`] and
//! [`document_shape`] instead of restating members.
//!
//! The cost of one macro is that the model types are declared inside it, so their definitions read as a table
//! rather than as plain structs; in exchange a member cannot be added to the type without its JSON name, kind and
//! constraint, nor to the table without the type, and the conversion cannot forget it.
//!
//! ```
//! use workmail_policy::load::schema::{Constraint, Kind};
//! use workmail_policy::model::AccessControlRule;
//!
//! let name = &AccessControlRule::SHAPE.members[0];
//! assert_eq!((name.name, name.required_by), ("Name", Some("PutAccessControlRule")));
//! assert!(matches!(name.kind, Kind::Text));
//! assert!(matches!(name.constraint, Constraint::Text(shape) if shape.name == "AccessControlRuleName"));
//! ```

use serde::Serialize;

use super::check::Object;
use super::DocumentKind;
use crate::constraints::{self as c, EnumShape, ListShape, StringShape};
use crate::model::Timestamp;

/// One shape: a JSON object with a fixed set of members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// The shape's name in the service model (`AccessControlRule`, `ListUsersResponse`, …), or `OrganizationFile`
    /// for this crate's own file.
    pub name: &'static str,
    /// The members, in the order the service writes them (and `wmpolicy fmt` writes them back).
    pub members: &'static [Member],
}

/// One member of a shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    /// The member's JSON name, as the service spells it.
    pub name: &'static str,
    /// What the member holds.
    pub kind: Kind,
    /// The operation that rejects a record without this member, if one does (`PutAccessControlRule`, …).
    pub required_by: Option<&'static str>,
    /// What the service model allows the member to hold.
    pub constraint: Constraint,
}

/// What a member holds, as JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A string.
    Text,
    /// A list of strings.
    TextList,
    /// A timestamp: epoch seconds (a number, as aws CLI v1 writes it) or ISO-8601 text (aws CLI v2).
    Timestamp,
    /// An object of the given shape.
    Record(&'static Shape),
    /// A list of objects of the given shape.
    RecordList(&'static Shape),
}

/// The service model's constraint on one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Constraint {
    /// No constraint beyond the member's JSON kind (a paging token, a list of records whose size is a quota that
    /// [`crate::validate`] applies per organization).
    Unconstrained,
    /// A string's length and pattern.
    Text(StringShape),
    /// One of a fixed set of strings.
    OneOf(EnumShape),
    /// A list's length, and each string's length and pattern.
    List(ListShape, StringShape),
    /// A point in time: epoch seconds, or an ISO-8601 instant such as `2021-03-02T17:08:52Z`
    /// ([`crate::constraints::is_instant`]).
    Instant,
}

/// Every record shape, the ones documents hold lists of and the organization file itself.
pub const SHAPES: &[&Shape] = &[
    AccessControlRule::SHAPE,
    MobileDeviceAccessRule::SHAPE,
    MobileDeviceAccessOverride::SHAPE,
    ImpersonationRole::SHAPE,
    ImpersonationRule::SHAPE,
    User::SHAPE,
    OrganizationFile::SHAPE,
];

/// The top-level shape of each kind of document an input may hold.
pub fn document_shape(kind: DocumentKind) -> &'static Shape {
    match kind {
        DocumentKind::OrganizationFile => OrganizationFile::SHAPE,
        DocumentKind::AccessControlRules => LIST_ACCESS_CONTROL_RULES,
        DocumentKind::MobileDeviceAccessRules => LIST_MOBILE_DEVICE_ACCESS_RULES,
        DocumentKind::MobileDeviceAccessOverrides => LIST_MOBILE_DEVICE_ACCESS_OVERRIDES,
        DocumentKind::ImpersonationRole => ImpersonationRole::SHAPE,
        DocumentKind::Users => LIST_USERS,
    }
}

// What the `shapes!` invocation below writes in each member's "required" and "constraint" places.

const fn required_by(operation: &'static str) -> Option<&'static str> {
    Some(operation)
}
const OPTIONAL: Option<&str> = None;
const fn text(shape: StringShape) -> Constraint {
    Constraint::Text(shape)
}
const fn one_of(shape: EnumShape) -> Constraint {
    Constraint::OneOf(shape)
}
const fn list(list: ListShape, item: StringShape) -> Constraint {
    Constraint::List(list, item)
}
const INSTANT: Constraint = Constraint::Instant;
const UNCONSTRAINED: Constraint = Constraint::Unconstrained;

/// A model type's member, borrowed, as validation reads it.
#[derive(Clone, Copy)]
pub(crate) enum MemberValue<'a> {
    Text(Option<&'a str>),
    TextList(Option<&'a [String]>),
    Timestamp(Option<&'a Timestamp>),
    /// A list of records, by its length: the records are walked by their own shape.
    Records(Option<usize>),
}

/// What every model type of a record shape offers the loader and validation.
pub(crate) trait Record: Sized {
    /// The shape's table.
    const SHAPE: &'static Shape;
    /// The members' values, in the table's order.
    fn values(&self) -> Vec<MemberValue<'_>>;
    /// Builds the model type from what the check pass kept of one object of this shape.
    fn from_object(object: &mut Object) -> Self;
}

macro_rules! member_type {
    (Text) => { Option<String> };
    (TextList) => { Option<Vec<String>> };
    (Timestamp) => { Option<Timestamp> };
    (RecordList<$record:ident>) => { Option<Vec<$record>> };
}

macro_rules! member_kind {
    (Text) => {
        Kind::Text
    };
    (TextList) => {
        Kind::TextList
    };
    (Timestamp) => {
        Kind::Timestamp
    };
    (RecordList<$record:ident>) => {
        Kind::RecordList($record::SHAPE)
    };
}

macro_rules! member_value {
    (Text, $value:expr) => {
        MemberValue::Text($value.as_deref())
    };
    (TextList, $value:expr) => {
        MemberValue::TextList($value.as_deref())
    };
    (Timestamp, $value:expr) => {
        MemberValue::Timestamp($value.as_ref())
    };
    (RecordList<$record:ident>, $value:expr) => {
        MemberValue::Records($value.as_ref().map(Vec::len))
    };
}

macro_rules! member_from {
    (Text, $object:ident, $name:literal) => {
        $object.text($name)
    };
    (TextList, $object:ident, $name:literal) => {
        $object.list($name)
    };
    (Timestamp, $object:ident, $name:literal) => {
        $object.timestamp($name)
    };
    (RecordList<$record:ident>, $object:ident, $name:literal) => {
        $object.records($name, $record::from_object)
    };
}

/// Declares each record shape once: its model type (every member optional, so that what the user wrote is kept
/// and validation can say what is missing), its table, and its conversion from what the check pass kept.
///
/// A member is written `field: "JsonName", Kind, required, constraint;`.
macro_rules! shapes {
    ($(
        $(#[doc = $doc:literal])*
        pub struct $type:ident = $model_name:literal {
            $(
                $(#[doc = $member_doc:literal])*
                $field:ident: $json:literal, $kind:ident $(<$record:ident>)?, $required:expr, $constraint:expr;
            )*
        }
    )*) => {$(
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Default, PartialEq, Serialize)]
        pub struct $type {
            $(
                $(#[doc = $member_doc])*
                #[serde(rename = $json, skip_serializing_if = "Option::is_none")]
                pub $field: member_type!($kind $(<$record>)?),
            )*
        }

        impl $type {
            /// This shape's members, as data.
            pub const SHAPE: &'static Shape = &Shape {
                name: $model_name,
                members: &[$(Member {
                    name: $json,
                    kind: member_kind!($kind $(<$record>)?),
                    required_by: $required,
                    constraint: $constraint,
                }),*],
            };
        }

        impl Record for $type {
            const SHAPE: &'static Shape = <$type>::SHAPE;

            fn values(&self) -> Vec<MemberValue<'_>> {
                vec![$(member_value!($kind $(<$record>)?, self.$field)),*]
            }

            fn from_object(object: &mut Object) -> Self {
                $type { $($field: member_from!($kind $(<$record>)?, object, $json)),* }
            }
        }
    )*};
}

shapes! {
    /// An access-control rule, as `ListAccessControlRules` returns it and `PutAccessControlRule` takes it.
    pub struct AccessControlRule = "AccessControlRule" {
        /// The rule's name, unique in the organization.
        name: "Name", Text, required_by("PutAccessControlRule"), text(c::ACCESS_CONTROL_RULE_NAME);
        /// `ALLOW` or `DENY`.
        effect: "Effect", Text, required_by("PutAccessControlRule"), one_of(c::ACCESS_CONTROL_RULE_EFFECT);
        /// Free text (may be empty).
        description: "Description", Text, required_by("PutAccessControlRule"),
            text(c::ACCESS_CONTROL_RULE_DESCRIPTION);
        /// IPv4 ranges in CIDR form that the rule applies to.
        ip_ranges: "IpRanges", TextList, OPTIONAL, list(c::IP_RANGE_LIST, c::IP_RANGE);
        /// IPv4 ranges in CIDR form that the rule does not apply to.
        not_ip_ranges: "NotIpRanges", TextList, OPTIONAL, list(c::IP_RANGE_LIST, c::IP_RANGE);
        /// Protocols the rule applies to (`IMAP`, `EWS`, …).
        actions: "Actions", TextList, OPTIONAL, list(c::ACTIONS_LIST, c::ACCESS_CONTROL_RULE_ACTION);
        /// Protocols the rule does not apply to.
        not_actions: "NotActions", TextList, OPTIONAL, list(c::ACTIONS_LIST, c::ACCESS_CONTROL_RULE_ACTION);
        /// Users the rule applies to.
        user_ids: "UserIds", TextList, OPTIONAL, list(c::USER_ID_LIST, c::WORKMAIL_IDENTIFIER);
        /// Users the rule does not apply to.
        not_user_ids: "NotUserIds", TextList, OPTIONAL, list(c::USER_ID_LIST, c::WORKMAIL_IDENTIFIER);
        /// When the rule was created.
        date_created: "DateCreated", Timestamp, OPTIONAL, INSTANT;
        /// When the rule was last changed.
        date_modified: "DateModified", Timestamp, OPTIONAL, INSTANT;
        /// Impersonation roles the rule applies to.
        impersonation_role_ids: "ImpersonationRoleIds", TextList, OPTIONAL,
            list(c::IMPERSONATION_ROLE_ID_LIST, c::IMPERSONATION_ROLE_ID);
        /// Impersonation roles the rule does not apply to.
        not_impersonation_role_ids: "NotImpersonationRoleIds", TextList, OPTIONAL,
            list(c::IMPERSONATION_ROLE_ID_LIST, c::IMPERSONATION_ROLE_ID);
    }

    /// A mobile-device access rule, as `ListMobileDeviceAccessRules` returns it.
    pub struct MobileDeviceAccessRule = "MobileDeviceAccessRule" {
        /// The id the service assigned on `CreateMobileDeviceAccessRule`.
        mobile_device_access_rule_id: "MobileDeviceAccessRuleId", Text, OPTIONAL,
            text(c::MOBILE_DEVICE_ACCESS_RULE_ID);
        /// The rule's name.
        name: "Name", Text, required_by("CreateMobileDeviceAccessRule"), text(c::MOBILE_DEVICE_ACCESS_RULE_NAME);
        /// Free text.
        description: "Description", Text, OPTIONAL, text(c::MOBILE_DEVICE_ACCESS_RULE_DESCRIPTION);
        /// `ALLOW` or `DENY`.
        effect: "Effect", Text, required_by("CreateMobileDeviceAccessRule"),
            one_of(c::MOBILE_DEVICE_ACCESS_RULE_EFFECT);
        /// Device types the rule applies to (prefixes, without case).
        device_types: "DeviceTypes", TextList, OPTIONAL, list(c::DEVICE_TYPE_LIST, c::DEVICE_TYPE);
        /// Device types the rule does not apply to.
        not_device_types: "NotDeviceTypes", TextList, OPTIONAL, list(c::DEVICE_TYPE_LIST, c::DEVICE_TYPE);
        /// Device models the rule applies to.
        device_models: "DeviceModels", TextList, OPTIONAL, list(c::DEVICE_MODEL_LIST, c::DEVICE_MODEL);
        /// Device models the rule does not apply to.
        not_device_models: "NotDeviceModels", TextList, OPTIONAL, list(c::DEVICE_MODEL_LIST, c::DEVICE_MODEL);
        /// Operating systems the rule applies to.
        device_operating_systems: "DeviceOperatingSystems", TextList, OPTIONAL,
            list(c::DEVICE_OPERATING_SYSTEM_LIST, c::DEVICE_OPERATING_SYSTEM);
        /// Operating systems the rule does not apply to.
        not_device_operating_systems: "NotDeviceOperatingSystems", TextList, OPTIONAL,
            list(c::DEVICE_OPERATING_SYSTEM_LIST, c::DEVICE_OPERATING_SYSTEM);
        /// User agents the rule applies to.
        device_user_agents: "DeviceUserAgents", TextList, OPTIONAL,
            list(c::DEVICE_USER_AGENT_LIST, c::DEVICE_USER_AGENT);
        /// User agents the rule does not apply to.
        not_device_user_agents: "NotDeviceUserAgents", TextList, OPTIONAL,
            list(c::DEVICE_USER_AGENT_LIST, c::DEVICE_USER_AGENT);
        /// When the rule was created.
        date_created: "DateCreated", Timestamp, OPTIONAL, INSTANT;
        /// When the rule was last changed.
        date_modified: "DateModified", Timestamp, OPTIONAL, INSTANT;
    }

    /// A per-user, per-device decision, as `ListMobileDeviceAccessOverrides` returns it.
    pub struct MobileDeviceAccessOverride = "MobileDeviceAccessOverride" {
        /// The user: an ID, email address or user name.
        user_id: "UserId", Text, required_by("PutMobileDeviceAccessOverride"), text(c::ENTITY_IDENTIFIER);
        /// The device's id (compared without case).
        device_id: "DeviceId", Text, required_by("PutMobileDeviceAccessOverride"), text(c::DEVICE_ID);
        /// `ALLOW` or `DENY`.
        effect: "Effect", Text, required_by("PutMobileDeviceAccessOverride"),
            one_of(c::MOBILE_DEVICE_ACCESS_RULE_EFFECT);
        /// Free text.
        description: "Description", Text, OPTIONAL, text(c::MOBILE_DEVICE_ACCESS_RULE_DESCRIPTION);
        /// When the override was created.
        date_created: "DateCreated", Timestamp, OPTIONAL, INSTANT;
        /// When the override was last changed.
        date_modified: "DateModified", Timestamp, OPTIONAL, INSTANT;
    }

    /// An impersonation role with its rules, as `GetImpersonationRole` returns it.
    pub struct ImpersonationRole = "GetImpersonationRoleResponse" {
        /// The role's id, which access-control rules name.
        impersonation_role_id: "ImpersonationRoleId", Text, required_by("GetImpersonationRole"),
            text(c::IMPERSONATION_ROLE_ID);
        /// The role's name.
        name: "Name", Text, required_by("CreateImpersonationRole"), text(c::IMPERSONATION_ROLE_NAME);
        /// `FULL_ACCESS` or `READ_ONLY`.
        role_type: "Type", Text, required_by("CreateImpersonationRole"), one_of(c::IMPERSONATION_ROLE_TYPE);
        /// Free text.
        description: "Description", Text, OPTIONAL, text(c::IMPERSONATION_ROLE_DESCRIPTION);
        /// The role's rules, in order.
        rules: "Rules", RecordList<ImpersonationRule>, required_by("CreateImpersonationRole"), UNCONSTRAINED;
        /// When the role was created.
        date_created: "DateCreated", Timestamp, OPTIONAL, INSTANT;
        /// When the role was last changed.
        date_modified: "DateModified", Timestamp, OPTIONAL, INSTANT;
    }

    /// One rule of an impersonation role.
    pub struct ImpersonationRule = "ImpersonationRule" {
        /// The rule's id, unique in its role.
        impersonation_rule_id: "ImpersonationRuleId", Text, required_by("CreateImpersonationRole"),
            text(c::IMPERSONATION_RULE_ID);
        /// The rule's name.
        name: "Name", Text, OPTIONAL, text(c::IMPERSONATION_RULE_NAME);
        /// Free text.
        description: "Description", Text, OPTIONAL, text(c::IMPERSONATION_RULE_DESCRIPTION);
        /// `ALLOW` or `DENY`.
        effect: "Effect", Text, required_by("CreateImpersonationRole"), one_of(c::ACCESS_EFFECT);
        /// The users the role may impersonate under this rule.
        target_users: "TargetUsers", TextList, OPTIONAL, list(c::TARGET_USERS, c::ENTITY_IDENTIFIER);
        /// The users this rule does not apply to.
        not_target_users: "NotTargetUsers", TextList, OPTIONAL, list(c::TARGET_USERS, c::ENTITY_IDENTIFIER);
    }

    /// A user of the directory, as `ListUsers` returns it.
    pub struct User = "User" {
        /// The user's WorkMail ID.
        id: "Id", Text, required_by("ListUsers"), text(c::WORKMAIL_IDENTIFIER);
        /// The primary email address.
        email: "Email", Text, OPTIONAL, text(c::EMAIL_ADDRESS);
        /// The user name.
        name: "Name", Text, OPTIONAL, text(c::USER_NAME);
        /// The display name.
        display_name: "DisplayName", Text, OPTIONAL, text(c::STRING);
        /// `ENABLED`, `DISABLED` or `DELETED`.
        state: "State", Text, OPTIONAL, one_of(c::ENTITY_STATE);
        /// `USER`, `RESOURCE`, `SYSTEM_USER` or `REMOTE_USER`.
        user_role: "UserRole", Text, OPTIONAL, one_of(c::USER_ROLE);
        /// When the user was enabled.
        enabled_date: "EnabledDate", Timestamp, OPTIONAL, INSTANT;
        /// When the user was disabled.
        disabled_date: "DisabledDate", Timestamp, OPTIONAL, INSTANT;
        /// The user's id at the identity provider (IAM Identity Center).
        identity_provider_user_id: "IdentityProviderUserId", Text, OPTIONAL, UNCONSTRAINED;
        /// The identity store the user comes from.
        identity_provider_identity_store_id: "IdentityProviderIdentityStoreId", Text, OPTIONAL, UNCONSTRAINED;
    }

    /// One organization: everything the three simulate calls depend on.
    ///
    /// A missing list means what a new organization has: the default allow-all access-control rule (SEMANTICS 1.1),
    /// the default allow-all mobile rule (2.1), and no overrides, roles or user directory. An empty list means none
    /// (1.2, 2.2: every request denied).
    pub struct OrganizationFile = "OrganizationFile" {
        /// `PutAccessControlRule`'s rules, in order.
        access_control_rules: "AccessControlRules", RecordList<AccessControlRule>, OPTIONAL, UNCONSTRAINED;
        /// The mobile-device access rules, in order.
        mobile_device_access_rules: "MobileDeviceAccessRules", RecordList<MobileDeviceAccessRule>, OPTIONAL,
            UNCONSTRAINED;
        /// The per-user, per-device overrides.
        mobile_device_access_overrides: "MobileDeviceAccessOverrides", RecordList<MobileDeviceAccessOverride>,
            OPTIONAL, UNCONSTRAINED;
        /// The impersonation roles with their rules.
        impersonation_roles: "ImpersonationRoles", RecordList<ImpersonationRole>, OPTIONAL, UNCONSTRAINED;
        /// The user directory, which resolves the ids, emails and names that rules name.
        users: "Users", RecordList<User>, OPTIONAL, UNCONSTRAINED;
    }
}

/// A page of a list output: its list, and the token for the next page (not in every response, but accepted so
/// that pages can be pasted).
macro_rules! page {
    ($name:literal, $list:literal, $kind:ident($shape:expr)) => {
        &Shape {
            name: $name,
            members: &[
                Member { name: $list, kind: Kind::$kind($shape), required_by: OPTIONAL, constraint: UNCONSTRAINED },
                Member { name: "NextToken", kind: Kind::Text, required_by: OPTIONAL, constraint: UNCONSTRAINED },
            ],
        }
    };
}

// The aws CLI's list outputs. Their model type is one generic page (`crate::model::Page`), which holds a list that
// is always there; it is converted and serialized by these tables' member names.

/// What `aws workmail list-access-control-rules` prints (`ListAccessControlRulesResponse`).
pub const LIST_ACCESS_CONTROL_RULES: &Shape =
    page!("ListAccessControlRulesResponse", "Rules", RecordList(AccessControlRule::SHAPE));
/// What `aws workmail list-mobile-device-access-rules` prints (`ListMobileDeviceAccessRulesResponse`).
pub const LIST_MOBILE_DEVICE_ACCESS_RULES: &Shape =
    page!("ListMobileDeviceAccessRulesResponse", "Rules", RecordList(MobileDeviceAccessRule::SHAPE));
/// One page of `aws workmail list-mobile-device-access-overrides` (`ListMobileDeviceAccessOverridesResponse`).
pub const LIST_MOBILE_DEVICE_ACCESS_OVERRIDES: &Shape =
    page!("ListMobileDeviceAccessOverridesResponse", "Overrides", RecordList(MobileDeviceAccessOverride::SHAPE));
/// One page of `aws workmail list-users` (`ListUsersResponse`).
pub const LIST_USERS: &Shape = page!("ListUsersResponse", "Users", RecordList(User::SHAPE));
