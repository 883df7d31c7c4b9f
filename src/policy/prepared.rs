//! Prepared queries: a request resolved and decided once against a policy, then answered again and again for the
//! cost of a copy.
//!
//! Answering a request has two parts of very different cost. Resolving its strings (parsing the address, finding
//! the action, the user, the role and each device property in the policy's tables, checking every member's
//! shape) is most of a query. Deciding (ANDing a few rule masks and splitting DENY from ALLOW) is a handful of
//! loads. A caller that asks about the same request many times can pay both once: [`Policy::prepare_access`] and
//! its siblings resolve a request and decide it into a prepared query, whose `answer` method copies the answer
//! out and allocates nothing.
//!
//! A prepared query keeps its answer, errors included: the answer depends only on the request and the policy,
//! which the prepared query borrows and which cannot change, so deciding once is exact. An answer over more than
//! 64 access rules still ANDs its rule masks word by word while its matched rules are walked, as every answer
//! does. Keeping what the decision starts from instead (the rows of the request's address, action and principal,
//! the mask of the device rules that hold, the role and its rules that hold) and deciding on each `answer` cost
//! more than the decision itself: the answer was built on the stack on every call and copied with wide loads over
//! its fields just written with narrow stores, a stall on x86 that made a prepared access query several times
//! slower than copying a kept answer (BENCHMARKS.md, 2026-12-01). A prepared query takes the same 64 bytes either
//! way.
//!
//! A prepared query borrows the policy that prepared it, and, for a request the service would refuse, the
//! request's strings that its error quotes. The one-shot methods ([`Policy::access`] and the others) take the same
//! two steps, resolving then deciding, through the same functions, without keeping the answer; the property tests
//! check that they agree.
//!
//! ```
//! use workmail_policy::{AccessRequest, Effect, Organization, Policy};
//!
//! let policy = Policy::compile(&Organization::default()).unwrap();
//! let request = AccessRequest { ip_address: "192.0.2.1", action: "IMAP", user_id: Some("S-1-5-18-0001"), ..Default::default() };
//! let prepared = policy.prepare_access(&request);
//! for _ in 0..3 {
//!     assert_eq!(prepared.answer().unwrap().effect(), Effect::Allow);
//! }
//! ```

use std::fmt;

use super::mobile::MobileDecider;
use super::{AccessAnswer, ImpersonationAnswer, MobileAnswer, Policy};
use crate::request::RequestError;

/// An access-control request resolved and decided against a policy by [`Policy::prepare_access`].
#[derive(Clone)]
pub struct PreparedAccess<'p, 'r> {
    answer: Result<AccessAnswer<'p>, RequestError<'r>>,
}

impl<'p, 'r> PreparedAccess<'p, 'r> {
    pub(super) fn new(policy: &'p Policy, resolved: Result<[u32; 3], RequestError<'r>>) -> Self {
        PreparedAccess { answer: resolved.map(|rows| policy.access.answer(rows)) }
    }

    /// The answer to the request, as [`Policy::access`] gives it.
    #[inline]
    pub fn answer(&self) -> Result<AccessAnswer<'p>, RequestError<'r>> {
        self.answer.clone()
    }
}

/// A mobile-device access request resolved and decided against a policy by [`Policy::prepare_mobile`].
#[derive(Clone)]
pub struct PreparedMobile<'p, 'r> {
    answer: Result<MobileAnswer<'p>, RequestError<'r>>,
}

impl<'p, 'r> PreparedMobile<'p, 'r> {
    pub(super) fn new(policy: &'p Policy, resolved: Result<MobileDecider<'p>, RequestError<'r>>) -> Self {
        PreparedMobile { answer: resolved.map(|decider| policy.mobile.answer(decider)) }
    }

    /// The answer to the request, as [`Policy::mobile`] gives it.
    #[inline]
    pub fn answer(&self) -> Result<MobileAnswer<'p>, RequestError<'r>> {
        self.answer.clone()
    }
}

/// An impersonation request resolved and decided against a policy by [`Policy::prepare_impersonation`].
#[derive(Clone)]
pub struct PreparedImpersonation<'p, 'r> {
    answer: Result<ImpersonationAnswer<'p>, RequestError<'r>>,
}

impl<'p, 'r> PreparedImpersonation<'p, 'r> {
    pub(super) fn new(policy: &'p Policy, resolved: Result<(u32, u64), RequestError<'r>>) -> Self {
        PreparedImpersonation { answer: resolved.map(|(role, matched)| policy.impersonation.answer(role, matched)) }
    }

    /// The answer to the request, as [`Policy::impersonation`] gives it.
    #[inline]
    pub fn answer(&self) -> Result<ImpersonationAnswer<'p>, RequestError<'r>> {
        self.answer.clone()
    }
}

// `Debug` as the service's response, not the answer's own, which would print every rule name with every prepared
// query.
impl fmt::Debug for PreparedAccess<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedAccess").field("answer", &self.answer.as_ref().map(|a| a.to_response())).finish()
    }
}

impl fmt::Debug for PreparedMobile<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedMobile").field("answer", &self.answer.as_ref().map(|a| a.to_response())).finish()
    }
}

impl fmt::Debug for PreparedImpersonation<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedImpersonation").field("answer", &self.answer.as_ref().map(|a| a.to_response())).finish()
    }
}

#[cfg(test)]
mod tests {
    use crate::{load, validate, AccessRequest, Policy};

    #[test]
    fn debug_shows_the_answer_as_the_service_gives_it_and_no_other_rule() {
        let json = r#"{"AccessControlRules": [
            {"Name": "deny-imap", "Effect": "DENY", "Description": "d", "Actions": ["IMAP"]},
            {"Name": "allow-office", "Effect": "ALLOW", "Description": "d", "IpRanges": ["198.51.100.0/24"]}
        ]}"#;
        let file = load::parse(json.as_bytes()).expect("well-formed");
        let org = validate::validate(&file, &Default::default()).organization.expect("valid");
        let policy = Policy::compile(&org).expect("compiles");
        let request = AccessRequest {
            ip_address: "192.0.2.1",
            action: "IMAP",
            user_id: Some("S-1-5-18-0001"),
            ..Default::default()
        };
        let debug = format!("{:?}", policy.prepare_access(&request));
        assert_eq!(
            debug,
            r#"PreparedAccess { answer: Ok(AccessControlEffect { effect: Deny, matched_rules: ["deny-imap"] }) }"#
        );
        let refused = AccessRequest { ip_address: "192.0.2.1", action: "IMAP", ..Default::default() };
        assert!(format!("{:?}", policy.prepare_access(&refused)).starts_with("PreparedAccess { answer: Err("));
    }
}
