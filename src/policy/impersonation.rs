//! The impersonation index: per role, a sorted table from target user slot to the mask of rules that hold.
//!
//! A role's rules only ever distinguish the users they name, so every other user gets one shared mask (the rules
//! without `TargetUsers`). A query is a hash lookup of the role, one of the target, and a binary search in a
//! table of at most a few dozen entries.

use crate::answer::{ImpersonationMatchedRule, ImpersonationRoleEffect};
use crate::organization::{Effect, Organization, RoleType};

use super::bits::{self, RuleBits};
use super::identity::{Lookup, Users};
use super::string_table::StringTable;
use super::CompileError;

#[derive(Debug, Clone)]
struct RoleIndex {
    role_type: RoleType,
    rules: Vec<(Box<str>, Option<Box<str>>)>,
    deny: u64,
    /// (slot, mask of rules that hold for that user), sorted by slot.
    targets: Vec<(u32, u64)>,
    /// The rules that hold for a user no rule of this role names.
    unlisted: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct ImpersonationIndex {
    roles: Vec<RoleIndex>,
    by_id: StringTable<u32>,
    /// Whether the organization file listed roles at all (SEMANTICS 1.6: unknown role ids are then errors).
    loaded: bool,
}

impl ImpersonationIndex {
    /// Fails for a role over [`super::MAX_ROLE_RULES`].
    pub(crate) fn new(org: &Organization, users: &Users) -> Result<ImpersonationIndex, CompileError> {
        let (mut roles, mut ids) = (Vec::new(), Vec::new());
        // Per user slot, the rules of the role at hand whose TargetUsers name them and those whose NotTargetUsers
        // do, and the slots touched: a table by slot, reused from role to role and cleared where touched, costs
        // less than hashing every mention (the roles of a service-maximum organization mention thousands of users
        // between them).
        let mut by_slot = vec![(0u64, 0u64); users.slots()];
        let mut touched: Vec<u32> = Vec::new();
        for role in org.impersonation_roles.iter().flatten() {
            if role.rules.len() > super::MAX_ROLE_RULES {
                return Err(CompileError::TooManyRoleRules { role: role.id.clone(), count: role.rules.len() });
            }
            // Built in one pass over the lists, so the cost is the lists' length, not users × rules.
            let (mut has_targets, mut has_not_targets, all) = (0u64, 0u64, bits::first(role.rules.len()));
            for (i, rule) in role.rules.iter().enumerate() {
                for (list, negative) in [(&rule.target_users, false), (&rule.not_target_users, true)] {
                    if list.is_empty() {
                        continue;
                    }
                    *(if negative { &mut has_not_targets } else { &mut has_targets }) |= 1 << i;
                    for user in list {
                        if let Lookup::Slot(slot) = users.lookup(user) {
                            let Some(entry) = by_slot.get_mut(slot as usize) else { continue };
                            if *entry == (0, 0) {
                                touched.push(slot);
                            }
                            *(if negative { &mut entry.1 } else { &mut entry.0 }) |= 1 << i;
                        }
                    }
                }
            }
            // 3.1: TargetUsers absent or naming the user, and NotTargetUsers absent or not naming them.
            touched.sort_unstable();
            let targets: Vec<(u32, u64)> = touched
                .drain(..)
                .map(|slot| {
                    let (listed, not_listed) = std::mem::take(&mut by_slot[slot as usize]);
                    (slot, all & (!has_targets | listed) & !not_listed)
                })
                .collect();
            let unlisted = all & !has_targets;
            ids.push((role.id.as_str(), roles.len() as u32));
            roles.push(RoleIndex {
                role_type: role.role_type,
                rules: role.rules.iter().map(|r| (r.id.as_str().into(), r.name.as_deref().map(Into::into))).collect(),
                deny: role
                    .rules
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.effect == Effect::Deny)
                    .fold(0, |m, (i, _)| m | 1 << i),
                targets,
                unlisted,
            });
        }
        // The first role with an id wins, as in a scan of the list.
        let by_id = StringTable::new(ids).ok_or(CompileError::TooLarge)?;
        Ok(ImpersonationIndex { roles, by_id, loaded: org.impersonation_roles.is_some() })
    }

    #[inline]
    pub(crate) fn role(&self, id: &str) -> Option<u32> {
        self.by_id.get(id)
    }

    /// The heap memory the index takes, in bytes (rule names and ids included).
    pub(crate) fn heap_bytes(&self) -> usize {
        let role = |r: &RoleIndex| {
            std::mem::size_of::<RoleIndex>()
                + r.rules.iter().map(|(id, name)| 32 + id.len() + name.as_ref().map_or(0, |n| n.len())).sum::<usize>()
                + r.targets.len() * std::mem::size_of::<(u32, u64)>()
        };
        self.by_id.heap_bytes() + self.roles.iter().map(role).sum::<usize>()
    }

    pub(crate) fn loaded(&self) -> bool {
        self.loaded
    }

    /// The rules of `role` that hold for `target` (SEMANTICS 3.1): what a prepared query keeps.
    #[inline]
    pub(crate) fn matched(&self, role: u32, target: Lookup) -> u64 {
        let Some(role) = self.roles.get(role as usize) else { return 0 };
        match target {
            Lookup::Slot(slot) => match role.targets.binary_search_by_key(&slot, |&(s, _)| s) {
                Ok(i) => role.targets[i].1,
                Err(_) => role.unlisted,
            },
            Lookup::Unlisted | Lookup::Unknown => role.unlisted,
        }
    }

    /// The decision of SEMANTICS 3.2, given the role's rules that hold.
    #[inline]
    pub(crate) fn answer(&self, role: u32, matched: u64) -> ImpersonationAnswer<'_> {
        let role = &self.roles[role as usize];
        let (effect, rules) = bits::decide(matched & role.deny, matched & !role.deny);
        ImpersonationAnswer { role_type: role.role_type, effect, rules: RuleBits::word(rules), names: &role.rules }
    }
}

/// A compiled policy's answer to `GetImpersonationRoleEffect`.
#[derive(Debug, Clone)]
pub struct ImpersonationAnswer<'p> {
    role_type: RoleType,
    effect: Effect,
    rules: RuleBits<'p>,
    names: &'p [(Box<str>, Option<Box<str>>)],
}

impl<'p> ImpersonationAnswer<'p> {
    /// The decision.
    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// The role's `Type`.
    pub fn role_type(&self) -> RoleType {
        self.role_type
    }

    /// `(ImpersonationRuleId, Name)` of the rules that decided, in rule order.
    pub fn matched_rules(&self) -> impl Iterator<Item = (&'p str, Option<&'p str>)> + '_ {
        let names = self.names;
        self.rules.clone().map(move |i| (&*names[i].0, names[i].1.as_deref()))
    }

    /// The service's response shape.
    pub fn to_response(&self) -> ImpersonationRoleEffect<'p> {
        ImpersonationRoleEffect {
            role_type: self.role_type,
            effect: self.effect,
            matched_rules: self
                .matched_rules()
                .map(|(id, name)| ImpersonationMatchedRule { impersonation_rule_id: id, name })
                .collect(),
        }
    }
}
