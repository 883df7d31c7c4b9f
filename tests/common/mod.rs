//! What the SEMANTICS tests share: an organization read from the JSON a user would write, through the public path
//! (`load::parse`, then `validate::validate`, which must report no errors), and each simulate call asked of both
//! evaluators, the compiled [`Policy`] and the [`reference`] evaluator, which must agree before a test looks at
//! the answer.

// Each test file uses some of these helpers, not all.
#![allow(dead_code)]

use workmail_policy::validate::{self, Options};
use workmail_policy::{
    load, reference, AccessRequest, ImpersonationRequest, MobileRequest, Organization, Policy, RequestError,
};
use workmail_policy::{AccessControlEffect, ImpersonationRoleEffect, MobileDeviceAccessEffect};

/// An organization read from JSON text, and its compiled policy.
pub struct Org {
    pub org: Organization,
    pub policy: Policy,
}

/// Loads and validates `json` as an organization file; validation must find no errors (warnings are allowed).
pub fn org(json: &str) -> Org {
    let file = load::parse(json.as_bytes()).unwrap_or_else(|findings| panic!("load failed: {findings:#?}"));
    let validation = validate::validate(&file, &Options::default());
    let errors: Vec<String> = validation.errors().map(ToString::to_string).collect();
    assert!(errors.is_empty(), "validation errors: {errors:#?}");
    let org = validation.organization.expect("no errors, so an organization");
    let policy = Policy::compile(&org).expect("the organization compiles");
    Org { org, policy }
}

impl Org {
    /// `GetAccessControlEffect`, asked of the compiled engine and of the reference evaluator, which must agree.
    pub fn access<'r>(&self, request: AccessRequest<'r>) -> Result<AccessControlEffect<'_>, RequestError<'r>> {
        let engine = self.policy.access(&request).map(|answer| answer.to_response());
        let reference = reference::access(&self.org, &request);
        assert_eq!(engine, reference, "engine and reference evaluator disagree on {request:?}");
        engine
    }

    /// `GetMobileDeviceAccessEffect`, asked of the compiled engine and of the reference evaluator, which must agree.
    pub fn mobile<'r>(&self, request: MobileRequest<'r>) -> Result<MobileDeviceAccessEffect<'_>, RequestError<'r>> {
        let engine = self.policy.mobile(&request).map(|answer| answer.to_response());
        let reference = reference::mobile(&self.org, &request);
        assert_eq!(engine, reference, "engine and reference evaluator disagree on {request:?}");
        engine
    }

    /// `GetImpersonationRoleEffect`, asked of the compiled engine and of the reference evaluator, which must agree.
    pub fn impersonation<'r>(
        &self,
        request: ImpersonationRequest<'r>,
    ) -> Result<ImpersonationRoleEffect<'_>, RequestError<'r>> {
        let engine = self.policy.impersonation(&request).map(|answer| answer.to_response());
        let reference = reference::impersonation(&self.org, &request);
        assert_eq!(engine, reference, "engine and reference evaluator disagree on {request:?}");
        engine
    }
}
