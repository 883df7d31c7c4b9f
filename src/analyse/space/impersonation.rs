//! The request space of `GetImpersonationRoleEffect`: per role id, the role (present or not) × the target user.

use crate::answer::{ImpersonationMatchedRule, ImpersonationRoleEffect};
use crate::constraints as c;
use crate::diagnostic::ErrorCode;
use crate::hash::IdHashMap;
use crate::organization::{Effect, ImpersonationRole, ImpersonationRule};
use crate::uncertain;

use super::identity::{group_users, user_label, Directory, Identity, UserList};
use super::sets::{distinct, unused, Answers, Cond, Dimension, Pair, Respond, Value};
use crate::analyse::Outcome;
use crate::policy::bits::RuleSet;

/// The target users every role shares: every directory user of either organization, grouped into users both
/// resolve alike, and one identifier no one names. Built once per analysis, not per role.
pub(crate) struct TargetPool<'o> {
    users: Vec<Pair<Identity<'o>>>,
    /// Per user, how it is shown and asked for (the label is one of its identifiers).
    pub(crate) values: Vec<Value>,
    known: IdHashMap<&'o str, ()>,
    other: String,
}

impl<'o> TargetPool<'o> {
    /// Gathers the targets of both organizations' directories.
    pub(crate) fn new(dirs: &Pair<Directory<'o>>) -> Self {
        let identifiers =
            distinct(dirs.iter().flat_map(Directory::directory_keys), |s| c::ENTITY_IDENTIFIER.check(s).is_ok());
        let named = dirs
            .iter()
            .flat_map(|d| d.org.impersonation_roles.iter().flatten())
            .flat_map(|role| &role.rules)
            .flat_map(|r| r.target_users.iter().chain(&r.not_target_users))
            .map(String::as_str);
        let known: IdHashMap<&'o str, ()> = identifiers.iter().copied().chain(named).map(|s| (s, ())).collect();
        let other = unused(
            "any-other-user-",
            |s| known.contains_key(s) || dirs.iter().any(|d| matches!(d.identity(s), Identity::User(_))),
            |s| c::ENTITY_IDENTIFIER.check(s).is_ok(),
        );
        let grouped = group_users(&identifiers, dirs);
        let values = grouped
            .iter()
            .map(|(identities, strings)| {
                let label = user_label(identities, strings, dirs);
                Value::new(label.clone(), Some(label))
            })
            .collect();
        let users = grouped.into_iter().map(|(identities, _)| identities).collect();
        let known = identifiers.iter().map(|s| (*s, ())).collect();
        TargetPool { users, values, known, other }
    }
}

/// The request space of `GetImpersonationRoleEffect` for one role id in two organizations: the role (present or
/// not) × the target user.
pub(crate) struct RoleSpace<'o> {
    pub(crate) roles: Pair<Option<&'o ImpersonationRole>>,
    pub(crate) answers: Answers<'o, Outcome<ImpersonationRoleEffect<'o>>>,
    pub(crate) role: Dimension,
    /// Its values are the pool's, then `extra_values`.
    pub(crate) targets: Dimension,
    /// Users this role's rules name that no directory holds, and one user no one names.
    pub(crate) extra_values: Vec<Value>,
}

impl<'o> RoleSpace<'o> {
    /// Builds the space of the role `role_id` in both organizations, over the shared `pool` of targets.
    pub(crate) fn new(dirs: &Pair<Directory<'o>>, pool: &TargetPool<'o>, role_id: &str) -> Self {
        let roles = [dirs[0].org.role(role_id), dirs[1].org.role(role_id)];
        let rule_lists: Pair<&'o [ImpersonationRule]> = roles.map(|role| role.map_or(&[][..], |r| r.rules.as_slice()));
        let deny = rule_lists.map(|rules| RuleSet::from_fn(rules.len(), |i| rules[i].effect == Effect::Deny));
        let respond = roles.map(|role| -> Respond<'o, _> {
            Box::new(move |effect, decided: &RuleSet| match role {
                Some(role) => {
                    let matched_rules = decided
                        .iter()
                        .map(|i| ImpersonationMatchedRule {
                            impersonation_rule_id: &role.rules[i].id,
                            name: role.rules[i].name.as_deref(),
                        })
                        .collect();
                    Outcome::Answer(ImpersonationRoleEffect { role_type: role.role_type, effect, matched_rules })
                }
                // Never asked: a missing role settles every request as an error, which is the honest stand-in.
                None => Outcome::Error(ErrorCode::ResourceNotFoundException),
            })
        });
        let mut answers = Answers::new(deny, respond);
        let (role_rank, target_rank) = if uncertain::IMPERSONATION_CHECKS_ROLE_FIRST { (0, 1) } else { (1, 0) };

        let mut role = Dimension::default();
        let role_cond = |o: usize, answers: &mut Answers<_>| match roles[o] {
            Some(role) => Cond::Holds(RuleSet::full(role.rules.len())),
            None => answers.error(ErrorCode::ResourceNotFoundException, role_rank),
        };
        role.push([role_cond(0, &mut answers), role_cond(1, &mut answers)]);

        let lists: Vec<Vec<(UserList, UserList)>> = (0..2)
            .map(|o| {
                rule_lists[o]
                    .iter()
                    .map(|r| (dirs[o].resolve_list(&r.target_users), dirs[o].resolve_list(&r.not_target_users)))
                    .collect()
            })
            .collect();
        let target_cond = |o: usize, identity: Identity, answers: &mut Answers<_>| match identity {
            Identity::Unknown => answers.error(ErrorCode::EntityNotFoundException, target_rank),
            Identity::User(i) if !uncertain::can_be_impersonated(dirs[o].user(i).and_then(|u| u.state.as_deref())) => {
                answers.error(ErrorCode::EntityStateException, target_rank)
            }
            identity => Cond::Holds(RuleSet::from_fn(rule_lists[o].len(), |i| {
                let (listed, not_listed) = &lists[o][i];
                listed.holds(identity) && not_listed.not_holds(identity)
            })),
        };
        // Most directory users are named by no rule of the role: such users (and the unknown or disabled ones)
        // behave alike per status, so their conditions are computed once per pair of statuses, not per user.
        let named: Pair<IdHashMap<Identity, ()>> = [0, 1].map(|o| {
            rule_lists[o]
                .iter()
                .flat_map(|r| r.target_users.iter().chain(&r.not_target_users))
                .map(|s| (dirs[o].identity(s), ()))
                .collect()
        });
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        enum Status {
            Unknown,
            Disabled,
            Unnamed,
        }
        let status = |o: usize, identity: Identity| match identity {
            Identity::Unknown => Some(Status::Unknown),
            Identity::User(i) if !uncertain::can_be_impersonated(dirs[o].user(i).and_then(|u| u.state.as_deref())) => {
                Some(Status::Disabled)
            }
            identity if named[o].contains_key(&identity) => None,
            _ => Some(Status::Unnamed),
        };
        let mut targets = Dimension::default();
        let mut shared: IdHashMap<Pair<Status>, u32> = IdHashMap::default();
        for identities in &pool.users {
            let statuses = [status(0, identities[0]), status(1, identities[1])];
            if let [Some(old), Some(new)] = statuses {
                if let Some(&class) = shared.get(&[old, new]) {
                    targets.push_to(class);
                    continue;
                }
            }
            let class = targets
                .push([target_cond(0, identities[0], &mut answers), target_cond(1, identities[1], &mut answers)]);
            if let [Some(old), Some(new)] = statuses {
                shared.insert([old, new], class);
            }
        }
        let mut extra_values = Vec::new();
        // Identifiers this role's rules name that no directory does (all of them, without directories).
        let extra = rule_lists
            .iter()
            .flat_map(|rules| rules.iter())
            .flat_map(|r| r.target_users.iter().chain(&r.not_target_users))
            .map(String::as_str)
            .filter(|s| !pool.known.contains_key(s));
        let extra = distinct(extra, |s| c::ENTITY_IDENTIFIER.check(s).is_ok());
        for (identities, strings) in group_users(&extra, dirs) {
            targets.push([target_cond(0, identities[0], &mut answers), target_cond(1, identities[1], &mut answers)]);
            let label = user_label(&identities, &strings, dirs);
            extra_values.push(Value::new(label.clone(), Some(label)));
        }
        let other = pool.other.as_str();
        let identities = [dirs[0].identity(other), dirs[1].identity(other)];
        targets.push([target_cond(0, identities[0], &mut answers), target_cond(1, identities[1], &mut answers)]);
        extra_values.push(Value::other("any other user", other.to_string()));
        RoleSpace { roles, answers, role, targets, extra_values }
    }
}
