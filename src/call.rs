//! One simulate call, owned: the request of a `wmpolicy batch` line, as verify asks it and fixtures keep it.
//!
//! [`Call`] serializes to exactly a batch line (`{"Operation": "GetAccessControlEffect", "IpAddress": …}`), so a
//! request recorded against the service can be fed to `wmpolicy batch` unchanged, and [`Call::answer`] gives the
//! local engine's answer in the shape the service responds with: the response object, or
//! `{"Error": {"Code": …, "Message": …}}` for a request the service would refuse.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::batch::ErrorResponse;
use crate::policy::Policy;
use crate::request::{AccessRequest, ImpersonationRequest, MobileRequest};

/// A request of one of the three simulate calls, without `OrganizationId`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "Operation", deny_unknown_fields)]
pub enum Call {
    /// `GetAccessControlEffect`.
    #[serde(rename = "GetAccessControlEffect", rename_all = "PascalCase")]
    Access {
        ip_address: String,
        action: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        impersonation_role_id: Option<String>,
    },
    /// `GetMobileDeviceAccessEffect`, plus this engine's override extension (`UserId` with `DeviceId`).
    #[serde(rename = "GetMobileDeviceAccessEffect", rename_all = "PascalCase")]
    Mobile {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        device_type: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        device_model: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        device_operating_system: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        device_user_agent: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        device_id: Option<String>,
    },
    /// `GetImpersonationRoleEffect`.
    #[serde(rename = "GetImpersonationRoleEffect", rename_all = "PascalCase")]
    Impersonation { impersonation_role_id: String, target_user: String },
}

impl Call {
    /// The API operation's name.
    pub fn operation(&self) -> &'static str {
        match self {
            Call::Access { .. } => "GetAccessControlEffect",
            Call::Mobile { .. } => "GetMobileDeviceAccessEffect",
            Call::Impersonation { .. } => "GetImpersonationRoleEffect",
        }
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

    /// The local engine's answer, as the service's response JSON or its `{"Error": …}` shape.
    ///
    /// ```
    /// use workmail_policy::{call::Call, Organization, Policy};
    ///
    /// let policy = Policy::compile(&Organization::default()).unwrap();
    /// let call = Call::Impersonation { impersonation_role_id: "r-1".into(), target_user: "bob".into() };
    /// assert_eq!(call.answer(&policy)["Error"]["Code"], "ResourceNotFoundException");
    /// ```
    pub fn answer(&self, policy: &Policy) -> Value {
        let answer = match self {
            Call::Access { ip_address, action, user_id, impersonation_role_id } => {
                let request = AccessRequest {
                    ip_address,
                    action,
                    user_id: user_id.as_deref(),
                    impersonation_role_id: impersonation_role_id.as_deref(),
                };
                policy.access(&request).map(|a| serde_json::to_value(a.to_response()))
            }
            Call::Mobile {
                device_type,
                device_model,
                device_operating_system,
                device_user_agent,
                user_id,
                device_id,
            } => {
                let request = MobileRequest {
                    device_type: device_type.as_deref(),
                    device_model: device_model.as_deref(),
                    device_operating_system: device_operating_system.as_deref(),
                    device_user_agent: device_user_agent.as_deref(),
                    user_id: user_id.as_deref(),
                    device_id: device_id.as_deref(),
                };
                policy.mobile(&request).map(|a| serde_json::to_value(a.to_response()))
            }
            Call::Impersonation { impersonation_role_id, target_user } => {
                let request = ImpersonationRequest { impersonation_role_id, target_user };
                policy.impersonation(&request).map(|a| serde_json::to_value(a.to_response()))
            }
        };
        match answer {
            // Responses are plain structures of strings: serializing them cannot fail.
            Ok(response) => response.unwrap_or(Value::Null),
            Err(error) => serde_json::to_value(ErrorResponse::from(&error)).unwrap_or(Value::Null),
        }
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
            crate::batch::answer_line(&policy, line.as_bytes(), &mut out);
            let batch: Value = serde_json::from_slice(&out).unwrap();
            assert_eq!(serde_json::from_str::<Call>(line).unwrap().answer(&policy), batch, "{line}");
        }
    }
}
