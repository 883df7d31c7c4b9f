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
use crate::request::{OwnedAccessRequest, OwnedImpersonationRequest, OwnedMobileRequest};

/// A request of one of the three simulate calls, without `OrganizationId`: an owned request and its
/// `Operation`. The members are the request's own; serialized, the `Operation` comes first.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "Operation")]
pub enum Call {
    /// `GetAccessControlEffect`.
    #[serde(rename = "GetAccessControlEffect")]
    Access(OwnedAccessRequest),
    /// `GetMobileDeviceAccessEffect`, plus this engine's override extension (`UserId` with `DeviceId`).
    #[serde(rename = "GetMobileDeviceAccessEffect")]
    Mobile(OwnedMobileRequest),
    /// `GetImpersonationRoleEffect`.
    #[serde(rename = "GetImpersonationRoleEffect")]
    Impersonation(OwnedImpersonationRequest),
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
        match request {
            Request::Access(r) => Call::Access(r.into()),
            Request::Mobile(r) => Call::Mobile(r.into()),
            Request::Impersonation(r) => Call::Impersonation(r.into()),
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
            Call::Access(r) => Request::Access(r.as_request()),
            Call::Mobile(r) => Request::Mobile(r.as_request()),
            Call::Impersonation(r) => Request::Impersonation(r.as_request()),
        }
    }

    /// The API operation's name.
    pub fn operation(&self) -> &'static str {
        self.request().operation().name()
    }

    /// Whether this is a mobile request through the override extension (SEMANTICS 2.7), which the service's
    /// `GetMobileDeviceAccessEffect` cannot be asked: it takes neither `UserId` nor `DeviceId`.
    pub fn uses_override_extension(&self) -> bool {
        matches!(self, Call::Mobile(r) if r.user_id.is_some() || r.device_id.is_some())
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
    /// use workmail_policy::{batch::Call, Organization, OwnedImpersonationRequest, Policy};
    ///
    /// let policy = Policy::compile(&Organization::default()).unwrap();
    /// let request = OwnedImpersonationRequest { impersonation_role_id: "r-1".into(), target_user: "bob".into() };
    /// let call = Call::Impersonation(request);
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
            Call::Access(OwnedAccessRequest {
                ip_address: "192.0.2.1".into(),
                action: "EWS".into(),
                user_id: None,
                impersonation_role_id: Some("r".into())
            })
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
