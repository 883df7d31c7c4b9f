//! The three simulate calls' requests, and the checks the service applies to them before answering (SEMANTICS
//! 1.6, 3.3, 3.4).
//!
//! Requests borrow their strings, and checking them allocates nothing: an error names its member and the broken
//! constraint with static text and borrowed values.

use std::fmt;

use serde::Serialize;

use crate::constraints::{self as c, StringShape, StringViolation};
use crate::diagnostic::ErrorCode;
use crate::message::{self, Part};
use crate::organization::DeviceProperty;
use crate::uncertain::{self, AccessCheck};

/// `GetAccessControlEffect`'s request, without `OrganizationId`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AccessRequest<'a> {
    /// `IpAddress`: the client's IPv4 address, a dotted quad.
    pub ip_address: &'a str,
    /// `Action`: the protocol, for example `IMAP` or `WebMail`.
    pub action: &'a str,
    /// `UserId`: the user asking; exactly one of this and `impersonation_role_id`.
    pub user_id: Option<&'a str>,
    /// `ImpersonationRoleId`: the role asking; only with `EWS`.
    pub impersonation_role_id: Option<&'a str>,
}

/// `GetMobileDeviceAccessEffect`'s request, without `OrganizationId`, plus this engine's override extension
/// (SEMANTICS 2.7): `user_id` and `device_id` together select a `MobileDeviceAccessOverride`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MobileRequest<'a> {
    /// `DeviceType`, when the device reports it.
    pub device_type: Option<&'a str>,
    /// `DeviceModel`, when the device reports it.
    pub device_model: Option<&'a str>,
    /// `DeviceOperatingSystem`, when the device reports it.
    pub device_operating_system: Option<&'a str>,
    /// `DeviceUserAgent`, when the device reports it.
    pub device_user_agent: Option<&'a str>,
    /// The override extension's user (with `device_id`).
    pub user_id: Option<&'a str>,
    /// The override extension's device (with `user_id`).
    pub device_id: Option<&'a str>,
}

impl<'a> MobileRequest<'a> {
    /// The reported value of `property`, `None` when the device does not report it.
    pub fn property(&self, property: DeviceProperty) -> Option<&'a str> {
        match property {
            DeviceProperty::DeviceType => self.device_type,
            DeviceProperty::DeviceModel => self.device_model,
            DeviceProperty::DeviceOperatingSystem => self.device_operating_system,
            DeviceProperty::DeviceUserAgent => self.device_user_agent,
        }
    }
}

/// `GetImpersonationRoleEffect`'s request, without `OrganizationId`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImpersonationRequest<'a> {
    /// `ImpersonationRoleId`: the role asking.
    pub impersonation_role_id: &'a str,
    /// `TargetUser`: the user whose mailbox the role would open, by id, email or user name.
    pub target_user: &'a str,
}

/// An [`AccessRequest`] that owns its strings: a request to keep (a counterexample found by analysis, a generated
/// test case). Serializes with the API's member names, so it is a `wmpolicy batch` line without the `Operation`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OwnedAccessRequest {
    /// `IpAddress`.
    pub ip_address: String,
    /// `Action`.
    pub action: String,
    /// `UserId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// `ImpersonationRoleId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impersonation_role_id: Option<String>,
}

impl OwnedAccessRequest {
    /// The request, borrowing these strings.
    pub fn as_request(&self) -> AccessRequest<'_> {
        AccessRequest {
            ip_address: &self.ip_address,
            action: &self.action,
            user_id: self.user_id.as_deref(),
            impersonation_role_id: self.impersonation_role_id.as_deref(),
        }
    }
}

/// The request, kept: the inverse of [`OwnedAccessRequest::as_request`].
impl From<AccessRequest<'_>> for OwnedAccessRequest {
    fn from(request: AccessRequest<'_>) -> OwnedAccessRequest {
        OwnedAccessRequest {
            ip_address: request.ip_address.to_string(),
            action: request.action.to_string(),
            user_id: request.user_id.map(str::to_string),
            impersonation_role_id: request.impersonation_role_id.map(str::to_string),
        }
    }
}

/// A [`MobileRequest`] that owns its strings; `properties` is indexed by [`DeviceProperty::index`]. Serializes with
/// the API's member names, leaving out absent ones.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct OwnedMobileRequest {
    /// The reported device properties, indexed by [`DeviceProperty::index`].
    pub properties: [Option<String>; 4],
    /// The override extension's user.
    pub user_id: Option<String>,
    /// The override extension's device.
    pub device_id: Option<String>,
}

impl OwnedMobileRequest {
    /// The request, borrowing these strings.
    pub fn as_request(&self) -> MobileRequest<'_> {
        MobileRequest {
            device_type: self.properties[0].as_deref(),
            device_model: self.properties[1].as_deref(),
            device_operating_system: self.properties[2].as_deref(),
            device_user_agent: self.properties[3].as_deref(),
            user_id: self.user_id.as_deref(),
            device_id: self.device_id.as_deref(),
        }
    }
}

/// The request, kept: the inverse of [`OwnedMobileRequest::as_request`].
impl From<MobileRequest<'_>> for OwnedMobileRequest {
    fn from(request: MobileRequest<'_>) -> OwnedMobileRequest {
        OwnedMobileRequest {
            properties: DeviceProperty::ALL.map(|p| request.property(p).map(str::to_string)),
            user_id: request.user_id.map(str::to_string),
            device_id: request.device_id.map(str::to_string),
        }
    }
}

impl Serialize for OwnedMobileRequest {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let members = DeviceProperty::ALL
            .into_iter()
            .map(|p| (p.as_str(), &self.properties[p.index()]))
            .chain([("UserId", &self.user_id), ("DeviceId", &self.device_id)]);
        let mut map = serializer.serialize_map(None)?;
        for (name, value) in members {
            if let Some(value) = value {
                map.serialize_entry(name, value)?;
            }
        }
        map.end()
    }
}

/// An [`ImpersonationRequest`] that owns its strings. Serializes with the API's member names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OwnedImpersonationRequest {
    /// `ImpersonationRoleId`.
    pub impersonation_role_id: String,
    /// `TargetUser`.
    pub target_user: String,
}

impl OwnedImpersonationRequest {
    /// The request, borrowing these strings.
    pub fn as_request(&self) -> ImpersonationRequest<'_> {
        ImpersonationRequest { impersonation_role_id: &self.impersonation_role_id, target_user: &self.target_user }
    }
}

/// The request, kept: the inverse of [`OwnedImpersonationRequest::as_request`].
impl From<ImpersonationRequest<'_>> for OwnedImpersonationRequest {
    fn from(request: ImpersonationRequest<'_>) -> OwnedImpersonationRequest {
        OwnedImpersonationRequest {
            impersonation_role_id: request.impersonation_role_id.to_string(),
            target_user: request.target_user.to_string(),
        }
    }
}

/// Why the service would refuse to answer a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError<'a> {
    /// A member breaks its shape in the service model.
    InvalidMember {
        /// The member's name (`IpAddress`, …).
        member: &'static str,
        /// The value as given.
        value: &'a str,
        /// The constraint it broke.
        violation: StringViolation,
    },
    /// Both or neither of `UserId` and `ImpersonationRoleId` (SEMANTICS 1.6).
    ExactlyOnePrincipal,
    /// `ImpersonationRoleId` with an action other than `EWS` (SEMANTICS 1.6).
    RoleRequiresEws {
        /// The action given instead of `EWS`.
        action: &'a str,
    },
    /// The override extension needs `UserId` and `DeviceId` together (SEMANTICS 2.7).
    OverrideNeedsUserAndDevice,
    /// No user of the directory has this ID, email or name.
    UnknownUser {
        /// The member that names the user (`UserId`, `TargetUser`).
        member: &'static str,
        /// The identifier as given.
        value: &'a str,
    },
    /// No loaded impersonation role has this id.
    UnknownRole {
        /// The role id as given.
        value: &'a str,
    },
    /// The target user is not enabled (SEMANTICS 3.4).
    UserNotEnabled {
        /// The target as given.
        value: &'a str,
    },
}

impl RequestError<'_> {
    /// The service's error name.
    pub fn code(&self) -> ErrorCode {
        match self {
            RequestError::InvalidMember { .. }
            | RequestError::ExactlyOnePrincipal
            | RequestError::RoleRequiresEws { .. }
            | RequestError::OverrideNeedsUserAndDevice => ErrorCode::InvalidParameterException,
            RequestError::UnknownUser { .. } => ErrorCode::EntityNotFoundException,
            RequestError::UnknownRole { .. } => ErrorCode::ResourceNotFoundException,
            RequestError::UserNotEnabled { .. } => ErrorCode::EntityStateException,
        }
    }
}

impl<'a> RequestError<'a> {
    /// The message, as parts: the one wording of every request error, which `Display` and the batch answer writer
    /// both write. Calls `each` with the parts in order and stops at its first error.
    pub(crate) fn parts<E>(&self, each: &mut impl FnMut(Part<'_>) -> Result<(), E>) -> Result<(), E> {
        use Part::{Plain, Quoted};
        match self {
            RequestError::InvalidMember { member, value, violation } => {
                [Plain(member), Plain(" "), Quoted(value), Plain(" ")].into_iter().try_for_each(&mut *each)?;
                violation.parts(each)
            }
            RequestError::ExactlyOnePrincipal => {
                each(Plain("You must provide either the user ID or impersonation role ID, not both and not neither"))
            }
            RequestError::RoleRequiresEws { action } => {
                each(Plain("Impersonation role ID can only be used with Action EWS, not "))?;
                each(Quoted(action))
            }
            RequestError::OverrideNeedsUserAndDevice => {
                each(Plain("UserId and DeviceId select a mobile device access override together; give both or neither"))
            }
            RequestError::UnknownUser { member, value } => {
                [Plain(member), Plain(" "), Quoted(value), Plain(" names no user of the directory")]
                    .into_iter()
                    .try_for_each(each)
            }
            RequestError::UnknownRole { value } => {
                [Plain("ImpersonationRoleId "), Quoted(value), Plain(" names no impersonation role")]
                    .into_iter()
                    .try_for_each(each)
            }
            RequestError::UserNotEnabled { value } => {
                [Plain("TargetUser "), Quoted(value), Plain(" is not enabled")].into_iter().try_for_each(each)
            }
        }
    }
}

impl fmt::Display for RequestError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.parts(&mut |part| message::write_part(f, part))
    }
}

fn member<'a>(name: &'static str, value: &'a str, shape: StringShape) -> Result<(), RequestError<'a>> {
    shape.check(value).map_err(|violation| RequestError::InvalidMember { member: name, value, violation })
}

fn optional_member<'a>(name: &'static str, value: Option<&'a str>, shape: StringShape) -> Result<(), RequestError<'a>> {
    value.map_or(Ok(()), |v| member(name, v, shape))
}

/// What an access request's principal is, once checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal<'a> {
    User(&'a str),
    Role(&'a str),
}

/// The checks of SEMANTICS 1.6 that need no organization, in [`uncertain::ACCESS_CHECK_ORDER`], up to the one that
/// looks principals up; `known` performs that last check. Returns the address and the principal.
pub fn check_access<'a>(
    request: &AccessRequest<'a>,
    mut known: impl FnMut(Principal<'a>) -> Result<(), RequestError<'a>>,
) -> Result<(u32, Principal<'a>), RequestError<'a>> {
    let mut address = 0;
    for check in uncertain::ACCESS_CHECK_ORDER {
        match check {
            AccessCheck::RequestShape => {
                // `parse_ipv4` accepts exactly the strings of the IpAddress shape; the shape check runs only to say
                // what is wrong.
                address = match c::parse_ipv4(request.ip_address) {
                    Some(address) => address,
                    None => {
                        member("IpAddress", request.ip_address, c::IP_ADDRESS)?;
                        0
                    }
                };
                member("Action", request.action, c::ACCESS_CONTROL_RULE_ACTION)?;
                optional_member("UserId", request.user_id, c::WORKMAIL_IDENTIFIER)?;
                optional_member("ImpersonationRoleId", request.impersonation_role_id, c::IMPERSONATION_ROLE_ID)?;
            }
            AccessCheck::ExactlyOnePrincipal => {
                if request.user_id.is_some() == request.impersonation_role_id.is_some() {
                    return Err(RequestError::ExactlyOnePrincipal);
                }
            }
            AccessCheck::RoleOnlyWithEws => {
                if request.impersonation_role_id.is_some() && request.action != "EWS" {
                    return Err(RequestError::RoleRequiresEws { action: request.action });
                }
            }
            AccessCheck::KnownPrincipal => known(principal(request))?,
        }
    }
    Ok((address, principal(request)))
}

fn principal<'a>(request: &AccessRequest<'a>) -> Principal<'a> {
    match (request.user_id, request.impersonation_role_id) {
        (Some(user), _) => Principal::User(user),
        (None, Some(role)) => Principal::Role(role),
        // Unreachable after the ExactlyOnePrincipal check; an empty user is a harmless stand-in.
        (None, None) => Principal::User(""),
    }
}

/// The member checks of `GetMobileDeviceAccessEffect` and of the override extension.
pub fn check_mobile<'a>(request: &MobileRequest<'a>) -> Result<(), RequestError<'a>> {
    for (property, shape) in DeviceProperty::ALL.into_iter().zip([
        c::DEVICE_TYPE,
        c::DEVICE_MODEL,
        c::DEVICE_OPERATING_SYSTEM,
        c::DEVICE_USER_AGENT,
    ]) {
        optional_member(property.as_str(), request.property(property), shape)?;
    }
    optional_member("UserId", request.user_id, c::ENTITY_IDENTIFIER)?;
    optional_member("DeviceId", request.device_id, c::DEVICE_ID)?;
    if request.user_id.is_some() != request.device_id.is_some() {
        return Err(RequestError::OverrideNeedsUserAndDevice);
    }
    Ok(())
}

/// The member checks of `GetImpersonationRoleEffect`.
pub fn check_impersonation<'a>(request: &ImpersonationRequest<'a>) -> Result<(), RequestError<'a>> {
    member("ImpersonationRoleId", request.impersonation_role_id, c::IMPERSONATION_ROLE_ID)?;
    member("TargetUser", request.target_user, c::ENTITY_IDENTIFIER)
}
