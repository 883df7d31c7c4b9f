//! The compiled policy: an organization turned once into indexes, then queried without allocating.
//!
//! [`Policy::compile`] builds one index per simulate call (`access`, `mobile`, `impersonation`) over a
//! shared table of user identities; [`Policy::access`], [`Policy::mobile`] and [`Policy::impersonation`] answer
//! the service's three calls. A `Policy` is immutable, `Send` and `Sync`: compile once, query from any thread.
//! Answers borrow rule names from the policy and convert to the service's response shape with `to_response`.
//!
//! Compiling costs time and memory proportional to the rules (tables over the address intervals, masks for every
//! distinct one); querying costs a few table lookups. A query resolves the request's strings, then decides from
//! the indexes; [`Policy::prepare_access`] and its siblings take both steps once and keep the answer, so that a
//! request asked again costs a copy (see [`PreparedAccess`]). [`Policy::heap_bytes`] says what a compiled policy
//! takes. Where the engine and the reference evaluator in [`crate::reference`] could differ, the reference is
//! right, and the test suite checks that they never do.

mod access;
pub(crate) mod bits;
pub(crate) mod identity;
mod impersonation;
mod mobile;
mod prefix_trie;
mod prepared;
mod string_table;
pub(crate) mod sweep;

use std::fmt;

pub use access::AccessAnswer;
pub use impersonation::ImpersonationAnswer;
pub use mobile::MobileAnswer;
pub use prepared::{PreparedAccess, PreparedImpersonation, PreparedMobile};

use crate::organization::Organization;
use crate::request::*;
use crate::uncertain;
use identity::{Lookup, Users};
use mobile::MobileDecider;
pub(crate) use string_table::same as same_bytes;

/// An organization compiled for fast queries.
#[derive(Debug, Clone)]
pub struct Policy {
    users: Users,
    access: access::AccessIndex,
    mobile: mobile::MobileIndex,
    impersonation: impersonation::ImpersonationIndex,
}

// The engine's limits, all far beyond the service's quotas (`constraints::ACCESS_CONTROL_RULES_LIST` and the
// other rule lists, 10 rules each): they bound what one compile may cost, and validation reports an organization
// over them as an error even with quotas relaxed.

/// The most access-control rules the engine compiles; the service allows
/// [`ACCESS_CONTROL_RULES_LIST.max`](crate::constraints::ACCESS_CONTROL_RULES_LIST).
pub const MAX_ACCESS_RULES: usize = 100_000;

/// The most address ranges (`IpRanges` and `NotIpRanges` of all access-control rules together) the engine
/// compiles; the service allows 10 rules of 1,024 of each. 2^21, so that the benchmarks' largest synthetic case
/// (1,000 rules of 1,024 ranges) fits.
pub const MAX_ADDRESS_RANGES: usize = 1 << 21;

/// The most mobile-device access rules the engine indexes: one 64-bit word of rules, so that the trie's masks and
/// a query's matched rules are plain words. The service allows
/// [`MOBILE_DEVICE_ACCESS_RULES_LIST.max`](crate::constraints::MOBILE_DEVICE_ACCESS_RULES_LIST).
pub const MAX_MOBILE_RULES: usize = u64::BITS as usize;

/// The most rules of one impersonation role the engine indexes: one 64-bit word, as for [`MAX_MOBILE_RULES`].
/// The service allows [`IMPERSONATION_RULE_LIST.max`](crate::constraints::IMPERSONATION_RULE_LIST).
pub const MAX_ROLE_RULES: usize = u64::BITS as usize;

/// The most memory the access index's rule masks may take. Each distinct address interval, action, user and role
/// that rules name may need a mask of one bit per rule, so many rules with many ranges can need more than their
/// count suggests (100,000 rules make a mask of 12.5 KB); compiling stops when the masks would pass this.
pub const MAX_MASK_BYTES: usize = 512 << 20;

/// Why an organization could not be compiled: it exceeds what the indexes hold (far beyond the service's quotas).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompileError {
    /// More access-control rules than [`MAX_ACCESS_RULES`].
    TooManyAccessRules {
        /// How many the organization has.
        count: usize,
    },
    /// More address ranges, over all rules, than [`MAX_ADDRESS_RANGES`].
    TooManyAddressRanges {
        /// How many the organization has.
        count: usize,
    },
    /// The access index's masks would take more than [`MAX_MASK_BYTES`], or the identifiers, actions or role ids
    /// to look up pass 4 GiB together.
    TooLarge,
    /// More mobile-device rules than [`MAX_MOBILE_RULES`].
    TooManyMobileRules {
        /// How many the organization has.
        count: usize,
    },
    /// More rules in one impersonation role than [`MAX_ROLE_RULES`].
    TooManyRoleRules {
        /// The role's id.
        role: String,
        /// How many rules it has.
        count: usize,
    },
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompileError::TooManyAccessRules { count } => write!(
                f,
                "{count} access-control rules; this engine compiles at most {MAX_ACCESS_RULES} (the service allows {})",
                crate::constraints::ACCESS_CONTROL_RULES_LIST.max
            ),
            CompileError::TooManyAddressRanges { count } => write!(
                f,
                "{count} address ranges in the access-control rules; this engine compiles at most {MAX_ADDRESS_RANGES}"
            ),
            CompileError::TooLarge => write!(
                f,
                "the access-control rules need more than {} MiB of rule masks (many rules with many distinct address \
                 ranges, actions, users or roles), or identifiers of more than 4 GiB; this engine builds at most that",
                MAX_MASK_BYTES >> 20
            ),
            CompileError::TooManyMobileRules { count } => write!(
                f,
                "{count} mobile-device access rules; this engine indexes at most {MAX_MOBILE_RULES} (the service allows {})",
                crate::constraints::MOBILE_DEVICE_ACCESS_RULES_LIST.max
            ),
            CompileError::TooManyRoleRules { role, count } => write!(
                f,
                "impersonation role {role:?} has {count} rules; this engine indexes at most {MAX_ROLE_RULES} (the service allows {})",
                crate::constraints::IMPERSONATION_RULE_LIST.max
            ),
        }
    }
}

impl std::error::Error for CompileError {}

impl Policy {
    /// Compiles a checked organization.
    ///
    /// ```
    /// use workmail_policy::{AccessRequest, Effect, Organization, Policy};
    ///
    /// let policy = Policy::compile(&Organization::default()).unwrap();
    /// let request = AccessRequest { ip_address: "192.0.2.1", action: "IMAP", user_id: Some("S-1-5-18-0001"), ..Default::default() };
    /// let answer = policy.access(&request).unwrap();
    /// assert_eq!(answer.effect(), Effect::Allow);
    /// assert_eq!(answer.matched_rules().collect::<Vec<_>>(), ["default"]);
    /// ```
    pub fn compile(org: &Organization) -> Result<Policy, CompileError> {
        // The limits come first, so that an organization over them costs nothing to refuse.
        let rules = &org.access_control_rules;
        if rules.len() > MAX_ACCESS_RULES {
            return Err(CompileError::TooManyAccessRules { count: rules.len() });
        }
        let ranges: usize = rules.iter().map(|r| r.ip_ranges.len() + r.not_ip_ranges.len()).sum();
        if ranges > MAX_ADDRESS_RANGES {
            return Err(CompileError::TooManyAddressRanges { count: ranges });
        }
        // Every identifier a rule or override names: without a directory, each gets a slot on first sight.
        let rule_side = org
            .access_control_rules
            .iter()
            .flat_map(|r| r.user_ids.iter().chain(&r.not_user_ids))
            .chain(
                org.impersonation_roles
                    .iter()
                    .flatten()
                    .flat_map(|role| &role.rules)
                    .flat_map(|r| r.target_users.iter().chain(&r.not_target_users)),
            )
            .chain(org.mobile_device_access_overrides.iter().map(|o| &o.user_id));
        let users = Users::new(org, rule_side).ok_or(CompileError::TooLarge)?;
        // The cheap indexes first: they refuse what is over their limits before the access index is built.
        let mobile =
            mobile::MobileIndex::new(org, &users).map_err(|count| CompileError::TooManyMobileRules { count })?;
        let impersonation = impersonation::ImpersonationIndex::new(org, &users)?;
        let access = access::AccessIndex::new(org, &users, MAX_MASK_BYTES).map_err(|()| CompileError::TooLarge)?;
        Ok(Policy { users, access, mobile, impersonation })
    }

    /// `GetAccessControlEffect` (SEMANTICS 1): what [`Policy::prepare_access`] and [`PreparedAccess::answer`] give,
    /// by the same two steps, without keeping the prepared query in between.
    #[inline]
    pub fn access<'p, 'r>(&'p self, request: &AccessRequest<'r>) -> Result<AccessAnswer<'p>, RequestError<'r>> {
        match self.access_rows_fast(request) {
            Some(rows) => Ok(self.access.answer(rows)),
            None => self.access_rows_checked(request).map(|rows| self.access.answer(rows)),
        }
    }

    /// Resolves and decides an access-control request once, for its answer again and again (see
    /// [`PreparedAccess`]).
    ///
    /// Each call first tries a fast path that handles the common request, one whose every member is already known
    /// to be valid because the compiled rules or directory name it, or (an action no rule names) is checked for its
    /// shape on the spot; anything else (an unknown spelling, a stranger,
    /// a malformed member) takes the checked path, which applies SEMANTICS 1.6 in order. Both give the same answer
    /// for every request the fast path accepts, which the differential tests check.
    #[inline]
    pub fn prepare_access<'p, 'r>(&'p self, request: &AccessRequest<'r>) -> PreparedAccess<'p, 'r> {
        let resolved = match self.access_rows_fast(request) {
            Some(rows) => Ok(rows),
            None => self.access_rows_checked(request),
        };
        PreparedAccess::new(self, resolved)
    }

    #[inline]
    fn access_rows_fast(&self, request: &AccessRequest) -> Option<[u32; 3]> {
        let address = crate::constraints::parse_ipv4(request.ip_address)?;
        let action_row = match self.access.known_action_row(request.action) {
            Some(row) => row,
            // A spelling no rule names, of the `AccessControlRuleAction` shape (1 to 64 ASCII letters).
            None if (1..=64).contains(&request.action.len())
                && request.action.bytes().all(|b| b.is_ascii_alphabetic()) =>
            {
                self.access.action_row(request.action)
            }
            None => return None,
        };
        let principal_row = match (request.user_id, request.impersonation_role_id) {
            (Some(user), None) => match self.users.entry(user) {
                Some(entry) if entry.workmail_identifier => self.access.user_row(Lookup::Slot(entry.slot)),
                // A stranger without a directory: `WorkMailIdentifier` is 12 to 256 characters, no pattern.
                None if !self.users.has_directory() && (12..=256).contains(&user.len()) && user.is_ascii() => {
                    self.access.other_user_row()
                }
                _ => return None,
            },
            (None, Some(role)) if request.action == "EWS" => {
                let loaded = self.impersonation.loaded();
                match (self.access.named_role_row(role), loaded && self.impersonation.role(role).is_none()) {
                    (_, true) => return None,
                    (Some(row), false) => row,
                    (None, false) if loaded => self.access.other_role_row(),
                    (None, false) => return None,
                }
            }
            _ => return None,
        };
        Some([self.access.address_row(address), action_row, principal_row])
    }

    fn access_rows_checked<'r>(&self, request: &AccessRequest<'r>) -> Result<[u32; 3], RequestError<'r>> {
        let mut principal_row = 0;
        let (address, _) = check_access(request, |principal| {
            principal_row = match principal {
                Principal::User(user) => match self.users.lookup(user) {
                    Lookup::Unknown => return Err(RequestError::UnknownUser { member: "UserId", value: user }),
                    lookup => self.access.user_row(lookup),
                },
                Principal::Role(role) => {
                    if self.impersonation.loaded() && self.impersonation.role(role).is_none() {
                        return Err(RequestError::UnknownRole { value: role });
                    }
                    self.access.role_row(role)
                }
            };
            Ok(())
        })?;
        Ok([self.access.address_row(address), self.access.action_row(request.action), principal_row])
    }

    /// `GetMobileDeviceAccessEffect` (SEMANTICS 2), with the override extension of 2.7: what
    /// [`Policy::prepare_mobile`] and [`PreparedMobile::answer`] give, by the same two steps.
    #[inline]
    pub fn mobile<'p, 'r>(&'p self, request: &MobileRequest<'r>) -> Result<MobileAnswer<'p>, RequestError<'r>> {
        match self.mobile_decider_fast(request) {
            Some(decider) => Ok(self.mobile.answer(decider)),
            None => self.mobile_decider_checked(request).map(|decider| self.mobile.answer(decider)),
        }
    }

    /// Resolves a mobile-device request's strings once (each device property to the rules it matches, and the
    /// override's user and device to the override, if one applies) and decides it, for its answer again and again
    /// (see [`PreparedMobile`]). A fast path and a checked path, as for [`Policy::prepare_access`].
    #[inline]
    pub fn prepare_mobile<'p, 'r>(&'p self, request: &MobileRequest<'r>) -> PreparedMobile<'p, 'r> {
        let resolved = match self.mobile_decider_fast(request) {
            Some(decider) => Ok(decider),
            None => self.mobile_decider_checked(request),
        };
        PreparedMobile::new(self, resolved)
    }

    #[inline]
    fn mobile_decider_fast(&self, request: &MobileRequest) -> Option<MobileDecider<'_>> {
        // The trie walk checks the device properties as it goes; their errors come before the override's.
        let rules = MobileDecider::Rules(self.mobile.matched(request)?);
        match (request.user_id, request.device_id) {
            (None, None) => Some(rules),
            (Some(user), Some(device)) => {
                let entry = self.users.entry(user).filter(|entry| entry.entity_identifier)?;
                if !(1..=32).contains(&device.len()) || !device.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    return None;
                }
                Some(self.mobile.find_override(entry.slot, device).map_or(rules, MobileDecider::Override))
            }
            _ => None,
        }
    }

    fn mobile_decider_checked<'r>(&self, request: &MobileRequest<'r>) -> Result<MobileDecider<'_>, RequestError<'r>> {
        check_mobile(request)?;
        if let (Some(user), Some(device)) = (request.user_id, request.device_id) {
            match self.users.lookup(user) {
                Lookup::Unknown => return Err(RequestError::UnknownUser { member: "UserId", value: user }),
                Lookup::Slot(slot) => {
                    if let Some(entry) = self.mobile.find_override(slot, device) {
                        return Ok(MobileDecider::Override(entry));
                    }
                }
                Lookup::Unlisted => {}
            }
        }
        // `check_mobile` accepted every property, so the walk does too; were it not to, no rule would match.
        Ok(MobileDecider::Rules(self.mobile.matched(request).unwrap_or(0)))
    }

    /// `GetImpersonationRoleEffect` (SEMANTICS 3): what [`Policy::prepare_impersonation`] and
    /// [`PreparedImpersonation::answer`] give, by the same two steps.
    #[inline]
    pub fn impersonation<'p, 'r>(
        &'p self,
        request: &ImpersonationRequest<'r>,
    ) -> Result<ImpersonationAnswer<'p>, RequestError<'r>> {
        let answer = |(role, matched)| self.impersonation.answer(role, matched);
        match self.impersonation_fast(request) {
            Some(resolved) => Ok(answer(resolved)),
            None => self.impersonation_checked(request).map(answer),
        }
    }

    /// Resolves an impersonation request's strings once (the role, and its rules that hold for the target) and
    /// decides it, for its answer again and again (see [`PreparedImpersonation`]). A fast path and a checked path,
    /// as for [`Policy::prepare_access`].
    #[inline]
    pub fn prepare_impersonation<'p, 'r>(
        &'p self,
        request: &ImpersonationRequest<'r>,
    ) -> PreparedImpersonation<'p, 'r> {
        let resolved = match self.impersonation_fast(request) {
            Some(resolved) => Ok(resolved),
            None => self.impersonation_checked(request),
        };
        PreparedImpersonation::new(self, resolved)
    }

    #[inline]
    fn impersonation_fast(&self, request: &ImpersonationRequest) -> Option<(u32, u64)> {
        let role = self.impersonation.role(request.impersonation_role_id)?;
        let entry = self.users.entry(request.target_user).filter(|entry| entry.entity_identifier)?;
        if !self.users.enabled(entry.slot) {
            return None;
        }
        Some((role, self.impersonation.matched(role, Lookup::Slot(entry.slot))))
    }

    fn impersonation_checked<'r>(&self, request: &ImpersonationRequest<'r>) -> Result<(u32, u64), RequestError<'r>> {
        check_impersonation(request)?;
        let role = || {
            self.impersonation
                .role(request.impersonation_role_id)
                .ok_or(RequestError::UnknownRole { value: request.impersonation_role_id })
        };
        let target = || match self.users.lookup(request.target_user) {
            Lookup::Unknown => Err(RequestError::UnknownUser { member: "TargetUser", value: request.target_user }),
            Lookup::Slot(slot) if !self.users.enabled(slot) => {
                Err(RequestError::UserNotEnabled { value: request.target_user })
            }
            lookup => Ok(lookup),
        };
        let (role, target) = if uncertain::IMPERSONATION_CHECKS_ROLE_FIRST {
            let role = role()?;
            (role, target()?)
        } else {
            let target = target()?;
            (role()?, target)
        };
        Ok((role, self.impersonation.matched(role, target)))
    }

    /// The heap memory the compiled policy takes, in bytes: its indexes, tables and the rule names it answers
    /// with (counted as laid out, without the allocator's own overhead).
    pub fn heap_bytes(&self) -> usize {
        self.users.heap_bytes() + self.access.heap_bytes() + self.mobile.heap_bytes() + self.impersonation.heap_bytes()
    }
}
