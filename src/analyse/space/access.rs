//! The request space of `GetAccessControlEffect`: principal × action × address, for users and for roles.

use crate::answer::AccessControlEffect;
use crate::conditions;
use crate::constraints as c;
use crate::diagnostic::ErrorCode;
use crate::organization::{AccessRule, Effect, Organization};
use crate::uncertain::{self, AccessCheck};

use super::identity::{group_users, user_label, Directory, Identity, UserList};
use super::sets::{distinct, unused, Answers, Cond, Dimension, Pair, Respond, Value};
use crate::analyse::Outcome;
use crate::policy::bits::RuleSet;
use crate::policy::sweep;

/// The request space of `GetAccessControlEffect` for two organizations.
///
/// Users and roles are two sub-spaces, each a product of principal × action × address: a role can only be used
/// with `EWS` (SEMANTICS 1.6), which is not a product with the principal, so the role sub-space has its own action
/// dimension in which every other action settles as the service's error.
pub(crate) struct AccessSpace<'o> {
    pub(crate) answers: Answers<'o, Outcome<AccessControlEffect<'o>>>,
    pub(crate) users: Dimension,
    pub(crate) user_values: Vec<Value>,
    pub(crate) roles: Dimension,
    pub(crate) role_values: Vec<Value>,
    /// Actions as users request them, and as roles do.
    pub(crate) user_actions: Dimension,
    pub(crate) role_actions: Dimension,
    pub(crate) action_values: Vec<Value>,
    pub(crate) addresses: Dimension,
    /// The first address of each elementary interval; interval `i` ends where `i + 1` starts.
    pub(crate) interval_starts: Vec<u32>,
}

impl<'o> AccessSpace<'o> {
    /// Builds the space of `old` and `new` (lint passes one organization twice).
    pub(crate) fn new(old: &'o Organization, new: &'o Organization) -> Self {
        let orgs = [old, new];
        let dirs = [Directory::new(old), Directory::new(new)];
        let rules = orgs.map(|org| &org.access_control_rules);
        let deny = rules.map(|rules| RuleSet::from_fn(rules.len(), |i| rules[i].effect == Effect::Deny));
        let respond = rules.map(|rules| -> Respond<'o, _> {
            Box::new(move |effect, decided: &RuleSet| {
                let matched_rules = decided.iter().map(|i| rules[i].name.as_str()).collect();
                Outcome::Answer(AccessControlEffect { effect, matched_rules })
            })
        });
        let mut answers = Answers::new(deny, respond);
        let unknown_principal = access_rank(AccessCheck::KnownPrincipal);
        let absent = uncertain::ABSENT_PRINCIPAL_SATISFIES;

        // Users: SEMANTICS 1.3 with no role.
        let user_lists: Vec<Vec<(UserList, UserList)>> = (0..2)
            .map(|o| {
                rules[o]
                    .iter()
                    .map(|r| (dirs[o].resolve_list(&r.user_ids), dirs[o].resolve_list(&r.not_user_ids)))
                    .collect()
            })
            .collect();
        let named = rules.iter().flat_map(|rules| rules.iter()).flat_map(|r| r.user_ids.iter().chain(&r.not_user_ids));
        let identifiers =
            distinct(dirs.iter().flat_map(Directory::directory_keys).chain(named.map(String::as_str)), |s| {
                c::WORKMAIL_IDENTIFIER.check(s).is_ok()
            });
        let other_user = unused(
            "any-other-user-",
            |s| identifiers.contains(&s) || dirs.iter().any(|d| matches!(d.identity(s), Identity::User(_))),
            |s| c::WORKMAIL_IDENTIFIER.check(s).is_ok(),
        );
        let user_cond = |o: usize, identity: Identity, answers: &mut Answers<_>| match identity {
            Identity::Unknown => answers.error(ErrorCode::EntityNotFoundException, unknown_principal),
            identity => Cond::Holds(RuleSet::from_fn(rules[o].len(), |i| {
                let rule = &rules[o][i];
                let (listed, not_listed) = &user_lists[o][i];
                listed.holds(identity)
                    && not_listed.not_holds(identity)
                    && (rule.impersonation_role_ids.is_empty() || absent.positive)
                    && (rule.not_impersonation_role_ids.is_empty() || absent.negative)
            })),
        };
        let mut users = Dimension::default();
        let mut user_values = Vec::new();
        for (identities, strings) in group_users(&identifiers, &dirs) {
            users.push([user_cond(0, identities[0], &mut answers), user_cond(1, identities[1], &mut answers)]);
            // The label is one of the user's identifiers, so it serves as the example too.
            let label = user_label(&identities, &strings, &dirs);
            user_values.push(Value::new(label.clone(), Some(label)));
        }
        let identities = [dirs[0].identity(&other_user), dirs[1].identity(&other_user)];
        users.push([user_cond(0, identities[0], &mut answers), user_cond(1, identities[1], &mut answers)]);
        user_values.push(Value::other("any other user", other_user.clone()));

        // Roles: SEMANTICS 1.3 with no user.
        let roles_named = rules
            .iter()
            .flat_map(|rules| rules.iter())
            .flat_map(|r| r.impersonation_role_ids.iter().chain(&r.not_impersonation_role_ids))
            .map(String::as_str);
        let roles_loaded = orgs.iter().flat_map(|org| org.impersonation_roles.iter().flatten()).map(|r| r.id.as_str());
        let role_ids = distinct(roles_named.chain(roles_loaded), |s| c::IMPERSONATION_ROLE_ID.check(s).is_ok());
        let other_role =
            unused("any-other-role-", |s| role_ids.contains(&s), |s| c::IMPERSONATION_ROLE_ID.check(s).is_ok());
        let role_cond = |o: usize, role: &str, answers: &mut Answers<_>| {
            let org = orgs[o];
            if org.impersonation_roles.is_some() && org.role(role).is_none() {
                return answers.error(ErrorCode::ResourceNotFoundException, unknown_principal);
            }
            Cond::Holds(RuleSet::from_fn(rules[o].len(), |i| {
                let rule = &rules[o][i];
                let named = |list: &[String]| list.iter().any(|l| l == role);
                (rule.user_ids.is_empty() || absent.positive)
                    && (rule.not_user_ids.is_empty() || absent.negative)
                    && (rule.impersonation_role_ids.is_empty() || named(&rule.impersonation_role_ids))
                    && (rule.not_impersonation_role_ids.is_empty() || !named(&rule.not_impersonation_role_ids))
            }))
        };
        let mut roles = Dimension::default();
        let mut role_values = Vec::new();
        for role in role_ids.iter().copied().chain([other_role.as_str()]) {
            roles.push([role_cond(0, role, &mut answers), role_cond(1, role, &mut answers)]);
            role_values.push(if role == other_role {
                Value::other("any other role", other_role.clone())
            } else {
                Value::new(role, Some(role.to_string()))
            });
        }

        // Actions, compared by `uncertain::action_matches`.
        let named_actions = rules
            .iter()
            .flat_map(|rules| rules.iter())
            .flat_map(|r| r.actions.iter().chain(&r.not_actions))
            .map(String::as_str);
        let actions = distinct(uncertain::DOCUMENTED_ACTIONS.into_iter().chain(named_actions), |s| {
            c::ACCESS_CONTROL_RULE_ACTION.check(s).is_ok()
        });
        let other_action = unused_action(|s| actions.iter().any(|a| uncertain::action_matches(a, s)));
        let action_mask = |o: usize, action: &str| {
            RuleSet::from_fn(rules[o].len(), |i| {
                let rule = &rules[o][i];
                conditions::list_holds(&rule.actions, |a| uncertain::action_matches(a, action))
                    && conditions::not_list_holds(&rule.not_actions, |a| uncertain::action_matches(a, action))
            })
        };
        let ews_only = answers.error(ErrorCode::InvalidParameterException, access_rank(AccessCheck::RoleOnlyWithEws));
        let (mut user_actions, mut role_actions) = (Dimension::default(), Dimension::default());
        let mut action_values = Vec::new();
        for action in actions.iter().copied().chain([other_action.as_str()]) {
            let masks = [action_mask(0, action), action_mask(1, action)];
            user_actions.push(masks.clone().map(Cond::Holds));
            role_actions.push(if action == "EWS" {
                masks.map(Cond::Holds)
            } else {
                [ews_only.clone(), ews_only.clone()]
            });
            action_values.push(if action == other_action {
                Value::other("any other action", other_action.clone())
            } else {
                Value::new(action, Some(action.to_string()))
            });
        }

        // Addresses.
        let sweeps = rules.map(|rules| address_sweep(rules));
        let (interval_starts, addresses) = merge_sweeps(&sweeps);

        AccessSpace {
            answers,
            users,
            user_values,
            roles,
            role_values,
            user_actions,
            role_actions,
            action_values,
            addresses,
            interval_starts,
        }
    }

    /// The last address of interval `i`.
    pub(crate) fn interval_end(&self, i: usize) -> u32 {
        self.interval_starts.get(i + 1).map_or(u32::MAX, |next| next - 1)
    }
}

/// One organization's address conditions over the whole IPv4 space: the first address of each interval where the
/// set of rules whose `IpRanges` and `NotIpRanges` both hold changes, with that set. Starts at 0.
fn address_sweep(rules: &[AccessRule]) -> Vec<(u32, RuleSet)> {
    let events = sweep::address_events(rules);
    let mut intervals: Vec<(u32, RuleSet)> = Vec::new();
    sweep::sweep(
        rules,
        &events,
        &mut RuleSet::empty(rules.len()),
        |set, rule, holds| set.set(rule, holds),
        |set, start| {
            match intervals.last_mut() {
                Some((_, last)) if last == set => {}
                // Events at address 0 change the first interval's rules before it has any extent.
                Some((first, last)) if u64::from(*first) == start => *last = set.clone(),
                _ => intervals.push((start as u32, set.clone())),
            }
            true
        },
    );
    intervals
}

/// The elementary intervals of two sweeps (every start of either), and the address dimension whose classes are
/// the intervals grouped by the pair of rule sets.
fn merge_sweeps(sweeps: &Pair<Vec<(u32, RuleSet)>>) -> (Vec<u32>, Dimension) {
    let mut starts: Vec<u32> = sweeps.iter().flat_map(|s| s.iter().map(|(start, _)| *start)).collect();
    starts.sort_unstable();
    starts.dedup();
    let mut dimension = Dimension::default();
    let mut cursor = [0usize; 2];
    for &start in &starts {
        for o in 0..2 {
            while cursor[o] + 1 < sweeps[o].len() && sweeps[o][cursor[o] + 1].0 <= start {
                cursor[o] += 1;
            }
        }
        dimension.push([0, 1].map(|o| Cond::Holds(sweeps[o][cursor[o]].1.clone())));
    }
    (starts, dimension)
}

/// Letters-only spellings for "any other action": the action shape allows letters only, so counters become
/// letters.
fn unused_action(taken: impl Fn(&str) -> bool) -> String {
    let mut n = 0u32;
    loop {
        let mut suffix = String::new();
        let mut k = n;
        while k > 0 {
            suffix.push(char::from(b'A' + (k % 26) as u8));
            k /= 26;
        }
        let candidate = format!("OtherAction{suffix}");
        if !taken(&candidate) {
            return candidate;
        }
        n += 1;
    }
}

/// The rank of a check in [`uncertain::ACCESS_CHECK_ORDER`].
fn access_rank(check: AccessCheck) -> u8 {
    uncertain::ACCESS_CHECK_ORDER.iter().position(|&c| c == check).unwrap_or(0) as u8
}
