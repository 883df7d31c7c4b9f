//! One simulate call, owned: a request to keep, as coverage plans make them and fixtures record them.
//!
//! [`Call`] serializes to exactly a request line (`{"Operation": "GetAccessControlEffect", "IpAddress": …}`), so a
//! request recorded against the service can be fed to `wmpolicy batch` unchanged. It is made from the borrowed
//! [`Request`] that [`read`](super::read) gives, and its `Deserialize` is that reader's visitor and checks, so a
//! call is exactly what a line may say. [`Call::answer`] is [`answer`](super::answer), as a JSON value.
//!
//! A call owns its strings (a few small allocations each): it is for requests kept by the hundred, not for the
//! batch's stream of lines, which stays borrowed.

use serde::de::{Deserialize, Deserializer};
use serde::Serialize;
use serde_json::Value;

use super::read::{check, LineVisitor};
use super::{ErrorResponse, Request};
use crate::policy::Policy;
use crate::request::{AccessRequest, ImpersonationRequest, MobileRequest};

/// A request of one of the three simulate calls, without `OrganizationId`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "Operation")]
pub enum Call {
    /// `GetAccessControlEffect`.
    #[serde(rename = "GetAccessControlEffect", rename_all = "PascalCase")]
    Access {
        /// `IpAddress`.
        ip_address: String,
        /// `Action`.
        action: String,
        /// `UserId`.
        #[serde(skip_serializing_if = "Option::is_none")]
        user_id: Option<String>,
        /// `ImpersonationRoleId`.
        #[serde(skip_serializing_if = "Option::is_none")]
        impersonation_role_id: Option<String>,
    },
    /// `GetMobileDeviceAccessEffect`, plus this engine's override extension (`UserId` with `DeviceId`).
    #[serde(rename = "GetMobileDeviceAccessEffect", rename_all = "PascalCase")]
    Mobile {
        /// `DeviceType`.
        #[serde(skip_serializing_if = "Option::is_none")]
        device_type: Option<String>,
        /// `DeviceModel`.
        #[serde(skip_serializing_if = "Option::is_none")]
        device_model: Option<String>,
        /// `DeviceOperatingSystem`.
        #[serde(skip_serializing_if = "Option::is_none")]
        device_operating_system: Option<String>,
        /// `DeviceUserAgent`.
        #[serde(skip_serializing_if = "Option::is_none")]
        device_user_agent: Option<String>,
        /// `UserId` (the override extension).
        #[serde(skip_serializing_if = "Option::is_none")]
        user_id: Option<String>,
        /// `DeviceId` (the override extension).
        #[serde(skip_serializing_if = "Option::is_none")]
        device_id: Option<String>,
    },
    /// `GetImpersonationRoleEffect`.
    #[serde(rename = "GetImpersonationRoleEffect", rename_all = "PascalCase")]
    Impersonation {
        /// `ImpersonationRoleId`.
        impersonation_role_id: String,
        /// `TargetUser`.
        target_user: String,
    },
}

/// Read by the request-line reader's own visitor and checks: a member the line format refuses is refused here,
/// with the same message.
impl<'de> Deserialize<'de> for Call {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let read = deserializer.deserialize_any(LineVisitor)?;
        match check(read) {
            Ok(line) => Ok(Call::from(line.request())),
            Err(error) => Err(serde::de::Error::custom(error.error.message)),
        }
    }
}

impl From<Request<'_>> for Call {
    fn from(request: Request<'_>) -> Call {
        let owned = |text: Option<&str>| text.map(str::to_string);
        match request {
            Request::Access(r) => Call::Access {
                ip_address: r.ip_address.to_string(),
                action: r.action.to_string(),
                user_id: owned(r.user_id),
                impersonation_role_id: owned(r.impersonation_role_id),
            },
            Request::Mobile(r) => Call::Mobile {
                device_type: owned(r.device_type),
                device_model: owned(r.device_model),
                device_operating_system: owned(r.device_operating_system),
                device_user_agent: owned(r.device_user_agent),
                user_id: owned(r.user_id),
                device_id: owned(r.device_id),
            },
            Request::Impersonation(r) => Call::Impersonation {
                impersonation_role_id: r.impersonation_role_id.to_string(),
                target_user: r.target_user.to_string(),
            },
        }
    }
}

impl Call {
    /// Reads one request line into a call: [`read`](super::read), kept.
    pub fn read(line: &[u8]) -> Result<Call, ErrorResponse<'static>> {
        super::read(line).map(|line| Call::from(line.request()))
    }

    /// The request, borrowing the call's strings.
    pub fn request(&self) -> Request<'_> {
        match self {
            Call::Access { ip_address, action, user_id, impersonation_role_id } => Request::Access(AccessRequest {
                ip_address,
                action,
                user_id: user_id.as_deref(),
                impersonation_role_id: impersonation_role_id.as_deref(),
            }),
            Call::Mobile {
                device_type,
                device_model,
                device_operating_system,
                device_user_agent,
                user_id,
                device_id,
            } => Request::Mobile(MobileRequest {
                device_type: device_type.as_deref(),
                device_model: device_model.as_deref(),
                device_operating_system: device_operating_system.as_deref(),
                device_user_agent: device_user_agent.as_deref(),
                user_id: user_id.as_deref(),
                device_id: device_id.as_deref(),
            }),
            Call::Impersonation { impersonation_role_id, target_user } => {
                Request::Impersonation(ImpersonationRequest { impersonation_role_id, target_user })
            }
        }
    }

    /// The API operation's name.
    pub fn operation(&self) -> &'static str {
        self.request().operation().name()
    }

    /// Whether this is a mobile request through the override extension (SEMANTICS 2.7), which the service's
    /// `GetMobileDeviceAccessEffect` cannot be asked: it takes neither `UserId` nor `DeviceId`.
    pub fn uses_override_extension(&self) -> bool {
        matches!(self, Call::Mobile { user_id, device_id, .. } if user_id.is_some() || device_id.is_some())
    }

    /// The request as one batch line, without a line end.
    pub fn to_line(&self) -> String {
        // A map of strings always serializes.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The local engine's answer, as the service's response JSON or its `{"Error": …}` shape: [`answer`](super::answer),
    /// read back as a value.
    ///
    /// ```
    /// use workmail_policy::{batch::Call, Organization, Policy};
    ///
    /// let policy = Policy::compile(&Organization::default()).unwrap();
    /// let call = Call::Impersonation { impersonation_role_id: "r-1".into(), target_user: "bob".into() };
    /// assert_eq!(call.answer(&policy)["Error"]["Code"], "ResourceNotFoundException");
    /// ```
    pub fn answer(&self, policy: &Policy) -> Value {
        let mut out = Vec::with_capacity(128);
        super::answer(policy, &self.request(), &mut out);
        // The answer is JSON this crate wrote.
        serde_json::from_slice(&out).unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_is_a_batch_line_both_ways() {
        let line = r#"{"Operation":"GetAccessControlEffect","IpAddress":"192.0.2.1","Action":"EWS","ImpersonationRoleId":"r"}"#;
        let call: Call = serde_json::from_str(line).unwrap();
        assert_eq!(
            call,
            Call::Access {
                ip_address: "192.0.2.1".into(),
                action: "EWS".into(),
                user_id: None,
                impersonation_role_id: Some("r".into())
            }
        );
        assert_eq!(call.to_line(), line);
        let mobile = r#"{"Operation":"GetMobileDeviceAccessEffect"}"#;
        assert_eq!(serde_json::from_str::<Call>(mobile).unwrap().to_line(), mobile);
    }

    #[test]
    fn unknown_members_and_operations_are_refused() {
        let typo = r#"{"Operation":"GetImpersonationRoleEffect","ImpersonationRoleId":"r","TargetUsers":"u"}"#;
        assert!(serde_json::from_str::<Call>(typo).is_err());
        assert!(serde_json::from_str::<Call>(r#"{"Operation":"GetEffect"}"#).is_err());
    }

    #[test]
    fn answers_match_the_batch_command() {
        let policy = Policy::compile(&crate::Organization::default()).unwrap();
        let lines = [
            r#"{"Operation":"GetAccessControlEffect","IpAddress":"192.0.2.1","Action":"IMAP","UserId":"S-1-5-18-0001"}"#,
            r#"{"Operation":"GetAccessControlEffect","IpAddress":"192.0.2","Action":"IMAP","UserId":"S-1-5-18-0001"}"#,
            r#"{"Operation":"GetMobileDeviceAccessEffect","DeviceType":"iPhone"}"#,
            r#"{"Operation":"GetImpersonationRoleEffect","ImpersonationRoleId":"r","TargetUser":"u"}"#,
        ];
        for line in lines {
            let mut out = Vec::new();
            super::super::answer_line(&policy, line.as_bytes(), &mut out);
            let batch: Value = serde_json::from_slice(&out).unwrap();
            assert_eq!(serde_json::from_str::<Call>(line).unwrap().answer(&policy), batch, "{line}");
        }
    }
}
