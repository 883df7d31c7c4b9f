//! The service's shapes, as an organization file holds them.
//!
//! These types mirror the WorkMail API's members one for one, with the service's member names (PascalCase), and
//! keep what the user wrote: every member is optional here, enums are the strings as written, lists keep the
//! difference between missing and empty, and timestamps stay in whichever form they came (epoch seconds from aws
//! CLI v1, ISO-8601 text from v2). Checking them against the service's constraints is [`crate::validate`]'s job,
//! which turns an [`OrganizationFile`] into a checked [`crate::Organization`].

use serde::Serialize;

use crate::load::schema;

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

/// One page of an aws CLI list output (`list-access-control-rules`, `list-mobile-device-access-rules`,
/// `list-mobile-device-access-overrides`, `list-users`): its records, and the token for the next page. The
/// members' JSON names are the page shapes' in [`crate::load::schema`], which this type serializes with.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The records of this page, in order (`Rules`, `Overrides` or `Users`).
    pub items: Vec<T>,
    /// `NextToken`, when there is a next page. `list-access-control-rules` does not paginate, but a token is
    /// accepted there too, so that pages can be pasted.
    pub next_token: Option<String>,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page { items: Vec::new(), next_token: None }
    }
}

/// What `aws workmail list-access-control-rules` prints (`ListAccessControlRulesResponse`).
pub type AccessControlRulesPage = Page<AccessControlRule>;
/// What `aws workmail list-mobile-device-access-rules` prints (`ListMobileDeviceAccessRulesResponse`).
pub type MobileDeviceAccessRulesPage = Page<MobileDeviceAccessRule>;
/// One page of `aws workmail list-mobile-device-access-overrides` (`ListMobileDeviceAccessOverridesResponse`).
pub type MobileDeviceAccessOverridesPage = Page<MobileDeviceAccessOverride>;
/// One page of `aws workmail list-users` (`ListUsersResponse`).
pub type UsersPage = Page<User>;

/// Each page type serializes with its shape's member names: the list, then `NextToken` when there is one.
macro_rules! page_serialize {
    ($($record:ty => $shape:expr;)*) => {$(
        impl Serialize for Page<$record> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let [list, next_token] = [$shape.members[0].name, $shape.members[1].name];
                let mut map = serializer.serialize_map(None)?;
                map.serialize_entry(list, &self.items)?;
                if let Some(token) = &self.next_token {
                    map.serialize_entry(next_token, token)?;
                }
                map.end()
            }
        }
    )*};
}

page_serialize! {
    AccessControlRule => schema::LIST_ACCESS_CONTROL_RULES;
    MobileDeviceAccessRule => schema::LIST_MOBILE_DEVICE_ACCESS_RULES;
    MobileDeviceAccessOverride => schema::LIST_MOBILE_DEVICE_ACCESS_OVERRIDES;
    User => schema::LIST_USERS;
}
