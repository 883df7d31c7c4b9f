//! Prepared queries: a request's strings resolved once against a policy, then answered from the indexes alone.
//!
//! Answering a request has two parts of very different cost. Resolving its strings (parsing the address, finding
//! the action, the user, the role and each device property in the policy's tables, checking every member's
//! shape) is most of a query. Deciding (ANDing a few rule masks and splitting DENY from ALLOW) is a handful of
//! loads. A caller that asks about the same request many times, or builds many requests from a few distinct
//! values as log replay does, can pay the first part once: [`Policy::prepare_access`] and its siblings resolve a
//! request into a prepared query, whose `answer` method does only the second part and allocates nothing.
//!
//! What a prepared query keeps is exactly what the answer depends on, so answers stay exact, errors included:
//!
//! - access: the rows of the rules whose address, action and principal conditions hold (an action, user or role
//!   that no rule names has a row of its own, "any other"); the address is resolved to its interval's row;
//! - mobile device: the override that applies, or the mask of rules whose four device conditions hold;
//! - impersonation: the role, and the mask of its rules that hold for the target;
//! - for a request the service would refuse, the error itself, which borrows the request's strings.
//!
//! A prepared query borrows the policy that prepared it, so it cannot be answered by another. The one-shot
//! methods ([`Policy::access`] and the others) take the same two steps, resolving then answering, through the
//! same functions, without building the prepared query in between; the property tests check that they agree.
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

/// An access-control request resolved against a policy by [`Policy::prepare_access`].
#[derive(Clone)]
pub struct PreparedAccess<'p, 'r> {
    policy: &'p Policy,
    /// The address, action and principal rows, or the service's error.
    resolved: Result<[u32; 3], RequestError<'r>>,
}

impl<'p, 'r> PreparedAccess<'p, 'r> {
    pub(super) fn new(policy: &'p Policy, resolved: Result<[u32; 3], RequestError<'r>>) -> Self {
        PreparedAccess { policy, resolved }
    }

    /// The answer to the request, as [`Policy::access`] gives it.
    #[inline]
    pub fn answer(&self) -> Result<AccessAnswer<'p>, RequestError<'r>> {
        match &self.resolved {
            Ok(rows) => Ok(self.policy.access.answer(*rows)),
            Err(error) => Err(error.clone()),
        }
    }
}

/// A mobile-device access request resolved against a policy by [`Policy::prepare_mobile`].
#[derive(Clone)]
pub struct PreparedMobile<'p, 'r> {
    policy: &'p Policy,
    resolved: Result<MobileDecider<'p>, RequestError<'r>>,
}

impl<'p, 'r> PreparedMobile<'p, 'r> {
    pub(super) fn new(policy: &'p Policy, resolved: Result<MobileDecider<'p>, RequestError<'r>>) -> Self {
        PreparedMobile { policy, resolved }
    }

    /// The answer to the request, as [`Policy::mobile`] gives it.
    #[inline]
    pub fn answer(&self) -> Result<MobileAnswer<'p>, RequestError<'r>> {
        match &self.resolved {
            Ok(decider) => Ok(self.policy.mobile.answer(*decider)),
            Err(error) => Err(error.clone()),
        }
    }
}

/// An impersonation request resolved against a policy by [`Policy::prepare_impersonation`].
#[derive(Clone)]
pub struct PreparedImpersonation<'p, 'r> {
    policy: &'p Policy,
    /// The role, and the mask of its rules that hold for the target.
    resolved: Result<(u32, u64), RequestError<'r>>,
}

impl<'p, 'r> PreparedImpersonation<'p, 'r> {
    pub(super) fn new(policy: &'p Policy, resolved: Result<(u32, u64), RequestError<'r>>) -> Self {
        PreparedImpersonation { policy, resolved }
    }

    /// The answer to the request, as [`Policy::impersonation`] gives it.
    #[inline]
    pub fn answer(&self) -> Result<ImpersonationAnswer<'p>, RequestError<'r>> {
        match &self.resolved {
            Ok((role, matched)) => Ok(self.policy.impersonation.answer(*role, *matched)),
            Err(error) => Err(error.clone()),
        }
    }
}

// `Debug` without the policy, which would print the whole compiled policy with every prepared query.
impl fmt::Debug for PreparedAccess<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedAccess").field("resolved", &self.resolved).finish_non_exhaustive()
    }
}

impl fmt::Debug for PreparedMobile<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedMobile").field("resolved", &self.resolved).finish_non_exhaustive()
    }
}

impl fmt::Debug for PreparedImpersonation<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedImpersonation").field("resolved", &self.resolved).finish_non_exhaustive()
    }
}
