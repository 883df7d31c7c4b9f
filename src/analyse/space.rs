//! The request space of each simulate call, cut into finitely many classes of requests that the organizations
//! under analysis cannot tell apart.
//!
//! A request is a point in a few **dimensions** (address, action, principal; the four device properties and the
//! override key; the impersonation target). Every rule condition looks at one dimension only, so for one
//! organization a dimension's values fall into classes by the set of rules whose conditions on that dimension hold
//! there, and a request's matching rules are the intersection of its dimensions' sets (SEMANTICS 1.3, 2.5, 3.1:
//! a rule matches when every present condition holds). Analysing two organizations at once, a class is a set of
//! values on which *both* give the same pair of rule sets; that pair is all either evaluator can see of the value.
//!
//! Each dimension is finite once values that no rule can tell apart are collapsed:
//!
//! - **address**: the elementary intervals between every CIDR boundary (network address, broadcast + 1) of both
//!   organizations, covering `0.0.0.0` to `255.255.255.255`;
//! - **action**: the seven documented actions, every other spelling either organization names, and one spelling
//!   neither names, standing for all the others;
//! - **principal**: every user (through the directory when loaded, by [`uncertain::USER_NAMED_BY`]; else every
//!   identifier a rule names) plus one identifier no one names; every role id either names or loads plus one more;
//! - **device property**: absent, one class per value either organization lists (the strings whose longest
//!   listed prefix is that value; SEMANTICS 2.4), and the strings no listed value is a prefix of;
//! - **override key**: no `UserId`/`DeviceId`, each (user, device) either organization overrides, and users that
//!   one directory knows and the other does not;
//! - **impersonation target**: every user a role's rules name, every directory user, and one user no one names.
//!
//! Every value keeps a concrete example string (a directory user's ID, the listed device value itself, an
//! invented identifier checked to be named by nothing), so that any class, and any region built from classes, has
//! a concrete request that the evaluators can be asked.
//!
//! Besides rule sets, a value can **settle** the answer on its own: an unknown user is an error whatever the
//! address, an override decides whatever the device reports. [`Cond::Settled`] carries that answer and the rank of
//! the service check that produced it, so that when two dimensions both settle, the check made first wins, in the
//! order [`uncertain`] gives.
//!
//! Costs: building is linear in the values (hash lookups per identifier and list entry, one sort of the CIDR
//! boundaries); the number of classes is what the later steps pay for, and it is bounded by the distinct rule-set
//! pairs, not by the values (a thousand directory users that no rule names form one class).

use std::hash::Hash;

use smallvec::{smallvec, SmallVec};

use crate::answer::*;
use crate::constraints as c;
use crate::diagnostic::ErrorCode;
use crate::hash::IdHashMap;
use crate::organization::*;
use crate::reference;
use crate::uncertain::{self, AccessCheck};

use super::Outcome;

/// The two organizations of an analysis, old (0) and new (1). Lint analyses one organization as both.
pub(crate) type Pair<T> = [T; 2];

/// A set of rules of one organization, rule `i` as bit `i`. One word covers the service's quota of 10; larger
/// synthetic rule sets spill into more words.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub(crate) struct RuleSet(SmallVec<[u64; 1]>);

impl RuleSet {
    pub(crate) fn empty(rules: usize) -> RuleSet {
        RuleSet(smallvec![0; rules.div_ceil(64).max(1)])
    }

    pub(crate) fn full(rules: usize) -> RuleSet {
        RuleSet::from_fn(rules, |_| true)
    }

    /// The rules `0..rules` for which `holds` is true.
    pub(crate) fn from_fn(rules: usize, mut holds: impl FnMut(usize) -> bool) -> RuleSet {
        let mut set = RuleSet::empty(rules);
        for i in (0..rules).filter(|&i| holds(i)) {
            set.0[i / 64] |= 1 << (i % 64);
        }
        set
    }

    /// Puts `rule` in the set or takes it out.
    pub(crate) fn set(&mut self, rule: usize, member: bool) {
        if let Some(word) = self.0.get_mut(rule / 64) {
            if member {
                *word |= 1 << (rule % 64);
            } else {
                *word &= !(1 << (rule % 64));
            }
        }
    }

    pub(crate) fn contains(&self, rule: usize) -> bool {
        self.0.get(rule / 64).is_some_and(|word| word & (1 << (rule % 64)) != 0)
    }

    pub(crate) fn and(&self, other: &RuleSet) -> RuleSet {
        RuleSet(self.0.iter().zip(&other.0).map(|(a, b)| a & b).collect())
    }

    pub(crate) fn or(&self, other: &RuleSet) -> RuleSet {
        RuleSet(self.0.iter().zip(&other.0).map(|(a, b)| a | b).collect())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.iter().all(|&word| word == 0)
    }

    /// The rules in the set, in rule order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(w, &word)| {
            let mut rest = word;
            std::iter::from_fn(move || {
                (rest != 0).then(|| {
                    let bit = rest.trailing_zeros() as usize;
                    rest &= rest - 1;
                    w * 64 + bit
                })
            })
        })
    }
}

/// SEMANTICS 1.4, 2.6, 3.2 on rule sets: the matching DENY rules when there are any, else the matching ALLOW
/// rules, else `DENY` with none.
pub(crate) fn decide(matching: &RuleSet, deny: &RuleSet) -> (Effect, RuleSet) {
    let denying = matching.and(deny);
    if !denying.is_empty() {
        (Effect::Deny, denying)
    } else if !matching.is_empty() {
        (Effect::Allow, matching.clone())
    } else {
        (Effect::Deny, denying)
    }
}

/// What one value of a dimension does to one organization's request.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub(crate) enum Cond {
    /// The rules whose conditions on this dimension hold.
    Holds(RuleSet),
    /// The answer is settled whatever the other dimensions are (an error, an override): `outcome` is an id of the
    /// analysis' [`Outcomes`]. Of two settlements, the lower `rank` (the check the service makes first) wins.
    Settled { outcome: u32, rank: u8 },
}

impl Cond {
    /// This condition, then `next` on a further dimension.
    pub(crate) fn then(&self, next: &Cond) -> Cond {
        match (self, next) {
            (Cond::Holds(a), Cond::Holds(b)) => Cond::Holds(a.and(b)),
            (Cond::Holds(_), settled) => settled.clone(),
            (Cond::Settled { rank: first, .. }, Cond::Settled { rank: second, .. }) if second < first => next.clone(),
            (settled, _) => settled.clone(),
        }
    }
}

/// Interned answers: equal answers share an id, so two organizations' answers compare as two integers.
#[derive(Debug)]
pub(crate) struct Outcomes<O> {
    list: Vec<O>,
    ids: IdHashMap<O, u32>,
}

impl<O: Clone + Eq + Hash> Outcomes<O> {
    pub(crate) fn new() -> Self {
        Outcomes { list: Vec::new(), ids: IdHashMap::default() }
    }

    pub(crate) fn intern(&mut self, outcome: O) -> u32 {
        let next = self.list.len() as u32;
        *self.ids.entry(outcome).or_insert_with_key(|outcome| {
            self.list.push(outcome.clone());
            next
        })
    }

    pub(crate) fn get(&self, id: u32) -> &O {
        &self.list[id as usize]
    }
}

/// Turns an effect and the rules that decided into one organization's response.
pub(crate) type Respond<'o, O> = Box<dyn Fn(Effect, &RuleSet) -> O + 'o>;

/// The answers of both organizations for sets of matching rules, interned: each organization's decision
/// (SEMANTICS 1.4, 2.6, 3.2) turned into the service's response by `respond`, computed once per distinct set.
pub(crate) struct Answers<'o, O> {
    pub(crate) outcomes: Outcomes<O>,
    pub(crate) deny: Pair<RuleSet>,
    respond: Pair<Respond<'o, O>>,
    memo: Pair<IdHashMap<RuleSet, u32>>,
}

impl<O: std::fmt::Debug> std::fmt::Debug for Answers<'_, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Answers").field("outcomes", &self.outcomes).field("deny", &self.deny).finish_non_exhaustive()
    }
}

impl<'o, O: Clone + Eq + Hash> Answers<'o, O> {
    pub(crate) fn new(deny: Pair<RuleSet>, respond: Pair<Respond<'o, O>>) -> Self {
        Answers { outcomes: Outcomes::new(), deny, respond, memo: Default::default() }
    }

    /// Organization `o`'s answer when exactly `matching` rules match.
    pub(crate) fn answer(&mut self, o: usize, matching: &RuleSet) -> u32 {
        if let Some(&id) = self.memo[o].get(matching) {
            return id;
        }
        let (effect, decided) = decide(matching, &self.deny[o]);
        let id = self.outcomes.intern((self.respond[o])(effect, &decided));
        self.memo[o].insert(matching.clone(), id);
        id
    }

    /// The answer a condition comes to once every dimension is fixed.
    pub(crate) fn resolve(&mut self, o: usize, cond: &Cond) -> u32 {
        match cond {
            Cond::Holds(matching) => self.answer(o, matching),
            Cond::Settled { outcome, .. } => *outcome,
        }
    }

    pub(crate) fn error(&mut self, code: ErrorCode, rank: u8) -> Cond
    where
        O: From<ErrorCode>,
    {
        Cond::Settled { outcome: self.outcomes.intern(O::from(code)), rank }
    }
}

/// One dimension of a request space: its values grouped into classes, each class with one condition per
/// organization. Conditions are stored once per distinct condition, so that a step over all classes costs one
/// rule-set operation per distinct condition, not per class.
#[derive(Debug, Default)]
pub(crate) struct Dimension {
    /// Per organization, the distinct conditions.
    pub(crate) conds: Pair<Vec<Cond>>,
    /// Per class, its condition in each organization (indexes into `conds`).
    pub(crate) classes: Vec<Pair<u32>>,
    /// Per class, its values in ascending order (indexes into the owner's list of values, or intervals).
    pub(crate) members: Vec<Vec<u32>>,
    /// The number of values.
    pub(crate) values: u32,
    cond_ids: Pair<IdHashMap<Cond, u32>>,
    class_ids: IdHashMap<Pair<u32>, u32>,
}

impl Dimension {
    /// Adds the next value, with its condition in each organization; returns the value's class.
    pub(crate) fn push(&mut self, conds: Pair<Cond>) -> u32 {
        let [old, new] = conds;
        let ids = [Self::intern(&mut self.conds[0], &mut self.cond_ids[0], old), {
            Self::intern(&mut self.conds[1], &mut self.cond_ids[1], new)
        }];
        let next = self.classes.len() as u32;
        let class = *self.class_ids.entry(ids).or_insert(next);
        if class == next {
            self.classes.push(ids);
            self.members.push(Vec::new());
        }
        self.members[class as usize].push(self.values);
        self.values += 1;
        class
    }

    /// Adds the next value to an existing class (a value known to behave as that class's values do).
    pub(crate) fn push_to(&mut self, class: u32) {
        self.members[class as usize].push(self.values);
        self.values += 1;
    }

    fn intern(conds: &mut Vec<Cond>, ids: &mut IdHashMap<Cond, u32>, cond: Cond) -> u32 {
        let next = conds.len() as u32;
        *ids.entry(cond).or_insert_with_key(|cond| {
            conds.push(cond.clone());
            next
        })
    }

    /// The values of a set of classes, ascending.
    pub(crate) fn values_of(&self, classes: &[u32]) -> Vec<u32> {
        let mut values: Vec<u32> = classes.iter().flat_map(|&c| self.members[c as usize].iter().copied()).collect();
        values.sort_unstable();
        values
    }
}

/// A value of a dimension that is not an address: how to show it, and the request string that stands for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Value {
    pub(crate) label: String,
    /// The value that stands for everything no organization names ("any other user").
    pub(crate) other: bool,
    /// The request member's value; `None` for an absent device property or a request without `UserId`.
    pub(crate) example: Option<String>,
    /// For the override dimension, the `DeviceId` that goes with `example` as `UserId`.
    pub(crate) device: Option<String>,
}

impl Value {
    fn new(label: impl Into<String>, example: Option<String>) -> Value {
        Value { label: label.into(), other: false, example, device: None }
    }

    fn other(label: impl Into<String>, example: String) -> Value {
        Value { label: label.into(), other: true, example: Some(example), device: None }
    }
}

/// A string that is not in `taken`, made from `stem` and a counter, and accepted by `valid`.
fn unused(stem: &str, taken: impl Fn(&str) -> bool, valid: impl Fn(&str) -> bool) -> String {
    (0u32..)
        .map(|n| if n == 0 { stem.to_string() } else { format!("{stem}{n}") })
        .find(|s| !taken(s) && valid(s))
        .unwrap_or_default()
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

// --- identities -----------------------------------------------------------------------------------------------

/// How one organization sees a user identifier: SEMANTICS 3.3, with the directory as a hash map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Identity<'s> {
    /// A directory is loaded and holds no such user.
    Unknown,
    /// The directory user at this index.
    User(usize),
    /// No directory: the identifier itself, compared exactly.
    Plain(&'s str),
}

/// One organization's lookups for an analysis.
#[derive(Debug)]
pub(crate) struct Directory<'o> {
    pub(crate) org: &'o Organization,
    index: Option<IdHashMap<&'o str, usize>>,
}

impl<'o> Directory<'o> {
    pub(crate) fn new(org: &'o Organization) -> Self {
        let index = org.users.as_ref().map(|users| {
            let mut index = IdHashMap::default();
            for (i, user) in users.iter().enumerate() {
                for key in uncertain::USER_NAMED_BY {
                    // The first user an identifier names wins, as `Organization::resolve_user` scans.
                    if let Some(identifier) = user.key(key) {
                        index.entry(identifier).or_insert(i);
                    }
                }
            }
            index
        });
        Directory { org, index }
    }

    pub(crate) fn identity<'s>(&self, identifier: &'s str) -> Identity<'s> {
        match &self.index {
            None => Identity::Plain(identifier),
            Some(index) => index.get(identifier).map_or(Identity::Unknown, |&i| Identity::User(i)),
        }
    }

    pub(crate) fn user(&self, i: usize) -> Option<&'o DirectoryUser> {
        self.org.users.as_ref()?.get(i)
    }

    /// A rule's user list, resolved once.
    pub(crate) fn resolve_list(&self, list: &'o [String]) -> UserList<'o> {
        let mut resolved = UserList { present: !list.is_empty(), users: Vec::new(), plain: Vec::new() };
        for identifier in list {
            match self.identity(identifier) {
                Identity::User(i) => resolved.users.push(i),
                Identity::Plain(s) => resolved.plain.push(s),
                // Validation rejects such an entry; it names no one.
                Identity::Unknown => {}
            }
        }
        resolved
    }

    /// Every identifier of every directory user, in directory order.
    fn directory_keys(&self) -> impl Iterator<Item = &'o str> + 'o {
        let org: &'o Organization = self.org;
        org.users.iter().flatten().flat_map(|u| uncertain::USER_NAMED_BY.iter().filter_map(move |&key| u.key(key)))
    }
}

/// A resolved `UserIds`-style list.
#[derive(Debug, Clone)]
pub(crate) struct UserList<'o> {
    /// Whether the condition is present (a non-empty list).
    pub(crate) present: bool,
    users: Vec<usize>,
    plain: Vec<&'o str>,
}

impl UserList<'_> {
    /// Whether the list names the user `identity` is (SEMANTICS 3.3's `same_user`).
    pub(crate) fn names(&self, identity: Identity) -> bool {
        match identity {
            Identity::User(i) => self.users.contains(&i),
            Identity::Plain(s) => self.plain.contains(&s),
            Identity::Unknown => false,
        }
    }

    /// A positive list condition (`UserIds`, `TargetUsers`).
    pub(crate) fn holds(&self, identity: Identity) -> bool {
        !self.present || self.names(identity)
    }

    /// A negative list condition (`NotUserIds`, `NotTargetUsers`).
    pub(crate) fn not_holds(&self, identity: Identity) -> bool {
        !self.present || !self.names(identity)
    }
}

/// Groups user identifiers into users: identifiers that both organizations resolve alike are one user. Returns,
/// per user, its identifiers in first-seen order.
fn group_users<'s>(identifiers: &[&'s str], dirs: &Pair<Directory>) -> Vec<(Pair<Identity<'s>>, Vec<&'s str>)> {
    let mut users: Vec<(Pair<Identity<'s>>, Vec<&'s str>)> = Vec::new();
    let mut index: IdHashMap<Pair<Identity<'s>>, usize> = IdHashMap::default();
    for &identifier in identifiers {
        let key = [dirs[0].identity(identifier), dirs[1].identity(identifier)];
        match index.get(&key) {
            Some(&i) => users[i].1.push(identifier),
            None => {
                index.insert(key, users.len());
                users.push((key, vec![identifier]));
            }
        }
    }
    users
}

/// How to show a user made of `identifiers`: the email, else the user name, else the ID of the directory user
/// they name, else the identifier itself.
fn user_label(identities: &Pair<Identity>, identifiers: &[&str], dirs: &Pair<Directory>) -> String {
    for (identity, dir) in identities.iter().zip(dirs) {
        if let Identity::User(i) = identity {
            if let Some(user) = dir.user(*i) {
                let keys = [user.email.as_deref(), user.name.as_deref(), Some(user.id.as_str())];
                if let Some(key) = keys.into_iter().flatten().find(|key| identifiers.contains(key)) {
                    return key.to_string();
                }
            }
        }
    }
    identifiers.first().map(|s| s.to_string()).unwrap_or_default()
}

/// Distinct strings in first-seen order, keeping those `valid` accepts.
fn distinct<'s>(strings: impl IntoIterator<Item = &'s str>, valid: impl Fn(&str) -> bool) -> Vec<&'s str> {
    let mut seen = crate::hash::IdHashMap::default();
    strings.into_iter().filter(|s| valid(s) && seen.insert(*s, ()).is_none()).collect()
}

/// The rank of a check in [`uncertain::ACCESS_CHECK_ORDER`].
fn access_rank(check: AccessCheck) -> u8 {
    uncertain::ACCESS_CHECK_ORDER.iter().position(|&c| c == check).unwrap_or(0) as u8
}

// --- access ---------------------------------------------------------------------------------------------------

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
                reference::list_holds(&rule.actions, |a| uncertain::action_matches(a, action))
                    && reference::not_list_holds(&rule.not_actions, |a| uncertain::action_matches(a, action))
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
pub(crate) fn address_sweep(rules: &[AccessRule]) -> Vec<(u32, RuleSet)> {
    // (position, rule, +1/-1, whether NotIpRanges). Positions are u64 so that a range ending at 255.255.255.255
    // needs no special case.
    let mut events: Vec<(u64, u32, i32, bool)> = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        for (ranges, negative) in [(&rule.ip_ranges, false), (&rule.not_ip_ranges, true)] {
            for net in ranges {
                events.push((u64::from(u32::from(net.network())), i as u32, 1, negative));
                events.push((u64::from(u32::from(net.broadcast())) + 1, i as u32, -1, negative));
            }
        }
    }
    events.sort_unstable();
    let holds = |rule: &AccessRule, (inside, inside_not): (i32, i32)| {
        reference::list_holds(&rule.ip_ranges, |_| inside > 0) && inside_not == 0
    };
    let mut counts = vec![(0i32, 0i32); rules.len()];
    let mut current = RuleSet::from_fn(rules.len(), |i| holds(&rules[i], (0, 0)));
    let mut sweep = vec![(0u32, current.clone())];
    let mut k = 0;
    while k < events.len() {
        let position = events[k].0;
        while k < events.len() && events[k].0 == position {
            let (_, rule, delta, negative) = events[k];
            let count = &mut counts[rule as usize];
            if negative {
                count.1 += delta;
            } else {
                count.0 += delta;
            }
            current.set(rule as usize, holds(&rules[rule as usize], *count));
            k += 1;
        }
        if position <= u64::from(u32::MAX) {
            if sweep.last().is_some_and(|(_, set)| *set == current) {
                continue;
            }
            if sweep.last().is_some_and(|(start, _)| u64::from(*start) == position) {
                sweep.pop();
            }
            sweep.push((position as u32, current.clone()));
        }
    }
    sweep
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

// --- mobile ---------------------------------------------------------------------------------------------------

/// The request space of `GetMobileDeviceAccessEffect` for two organizations: override key × the four device
/// properties.
pub(crate) struct MobileSpace<'o> {
    pub(crate) answers: Answers<'o, Outcome<MobileDeviceAccessEffect<'o>>>,
    /// The override key: `UserId` and `DeviceId`, or neither.
    pub(crate) who: Dimension,
    pub(crate) who_values: Vec<Value>,
    /// Indexed by [`DeviceProperty::index`].
    pub(crate) properties: [Dimension; 4],
    pub(crate) property_values: [Vec<Value>; 4],
}

impl<'o> MobileSpace<'o> {
    pub(crate) fn new(old: &'o Organization, new: &'o Organization) -> Self {
        let orgs = [old, new];
        let dirs = [Directory::new(old), Directory::new(new)];
        let rules = orgs.map(|org| &org.mobile_device_access_rules);
        let deny = rules.map(|rules| RuleSet::from_fn(rules.len(), |i| rules[i].effect == Effect::Deny));
        let respond = rules.map(|rules| -> Respond<'o, _> {
            Box::new(move |effect, decided: &RuleSet| {
                let matched_rules = decided
                    .iter()
                    .map(|i| MobileDeviceAccessMatchedRule {
                        mobile_device_access_rule_id: rules[i].id.as_deref(),
                        name: &rules[i].name,
                    })
                    .collect();
                Outcome::Answer(MobileDeviceAccessEffect { effect, matched_rules, matched_override: None })
            })
        });
        let mut answers = Answers::new(deny, respond);

        let mut properties: [Dimension; 4] = Default::default();
        let mut property_values: [Vec<Value>; 4] = Default::default();
        for property in DeviceProperty::ALL {
            let (dimension, values) = property_dimension(property, &rules);
            properties[property.index()] = dimension;
            property_values[property.index()] = values;
        }

        // The override key. Without UserId and DeviceId, or with a pair no override names, the rules decide.
        let everyone = rules.map(|rules| Cond::Holds(RuleSet::full(rules.len())));
        let mut who = Dimension::default();
        let mut who_values = Vec::new();
        who.push(everyone.clone());
        who_values.push(Value::new("devices without an override", None));
        let other_device = unused(
            "OTHERDEVICE",
            |d| {
                orgs.iter()
                    .flat_map(|org| &org.mobile_device_access_overrides)
                    .any(|o| o.device_id.eq_ignore_ascii_case(d))
            },
            |d| c::DEVICE_ID.check(d).is_ok(),
        );
        // SEMANTICS 2.7: the first override for a user and device decides; device ids compare without case. An
        // override whose user the directory lacks can match no request (validation rejects it anyway).
        let overrides: Pair<IdHashMap<(Identity, String), &MobileOverride>> = [0, 1].map(|o| {
            let mut index = IdHashMap::default();
            for ov in &orgs[o].mobile_device_access_overrides {
                let identity = dirs[o].identity(&ov.user_id);
                if identity != Identity::Unknown {
                    index.entry((identity, ov.device_id.to_ascii_lowercase())).or_insert(ov);
                }
            }
            index
        });
        let key_cond = |o: usize, user: &str, device: &str, answers: &mut Answers<_>| {
            let identity = dirs[o].identity(user);
            if identity == Identity::Unknown {
                return answers.error(ErrorCode::EntityNotFoundException, 0);
            }
            match overrides[o].get(&(identity, device.to_ascii_lowercase())) {
                Some(ov) => Cond::Settled {
                    outcome: answers.outcomes.intern(Outcome::Answer(MobileDeviceAccessEffect {
                        effect: ov.effect,
                        matched_rules: vec![],
                        matched_override: Some(MatchedOverride { user_id: &ov.user_id, device_id: &ov.device_id }),
                    })),
                    rank: 0,
                },
                None => everyone[o].clone(),
            }
        };
        // Users: every identifier either directory or override names, grouped into users both organizations
        // resolve alike, and one identifier no one names.
        let override_users =
            orgs.iter().flat_map(|org| &org.mobile_device_access_overrides).map(|o| o.user_id.as_str());
        let identifiers = distinct(dirs.iter().flat_map(Directory::directory_keys).chain(override_users), |s| {
            c::ENTITY_IDENTIFIER.check(s).is_ok()
        });
        let other_user = unused(
            "any-other-user-",
            |s| identifiers.contains(&s) || dirs.iter().any(|d| matches!(d.identity(s), Identity::User(_))),
            |s| c::ENTITY_IDENTIFIER.check(s).is_ok(),
        );
        let mut users = group_users(&identifiers, &dirs);
        let other_identities = [dirs[0].identity(&other_user), dirs[1].identity(&other_user)];
        users.push((other_identities, vec![other_user.as_str()]));
        let mut by_identity: Pair<IdHashMap<Identity, Vec<usize>>> = Default::default();
        for (u, (identities, _)) in users.iter().enumerate() {
            for o in 0..2 {
                by_identity[o].entry(identities[o]).or_default().push(u);
            }
        }
        // Each user an override of either organization names, with that override's device.
        let mut keys: Vec<(usize, &str)> = Vec::new();
        let mut seen: IdHashMap<(usize, String), ()> = IdHashMap::default();
        for o in 0..2 {
            for ov in &orgs[o].mobile_device_access_overrides {
                let identity = dirs[o].identity(&ov.user_id);
                for &u in by_identity[o].get(&identity).into_iter().flatten() {
                    if seen.insert((u, ov.device_id.to_ascii_lowercase()), ()).is_none() {
                        keys.push((u, &ov.device_id));
                    }
                }
            }
        }
        for (u, device) in keys {
            let (identities, strings) = &users[u];
            let user = strings[0];
            let conds = [key_cond(0, user, device, &mut answers), key_cond(1, user, device, &mut answers)];
            if conds == everyone {
                continue;
            }
            let (label, user) = if user == other_user {
                ("any other UserId".to_string(), user.to_string())
            } else {
                let label = user_label(identities, strings, &dirs);
                (label.clone(), label)
            };
            who.push(conds);
            who_values.push(Value {
                label: format!("UserId {label} with DeviceId {device}"),
                other: false,
                example: Some(user),
                device: Some(device.to_string()),
            });
        }
        // Users one directory knows and the other does not: with a device no override names, an error on one side.
        for (identities, strings) in &users {
            let user = strings[0];
            let conds =
                [key_cond(0, user, &other_device, &mut answers), key_cond(1, user, &other_device, &mut answers)];
            if conds == everyone {
                continue;
            }
            let other = user == other_user;
            let (label, user) = if other {
                ("any other UserId".to_string(), user.to_string())
            } else {
                let label = user_label(identities, strings, &dirs);
                (label.clone(), label)
            };
            who.push(conds);
            who_values.push(Value {
                label: format!("UserId {label} with a DeviceId no override names"),
                other,
                example: Some(user),
                device: Some(other_device.clone()),
            });
        }
        MobileSpace { answers, who, who_values, properties, property_values }
    }
}

/// Case-folds a device value (SEMANTICS 2.4).
pub(crate) fn folded(value: &str) -> String {
    value.chars().map(uncertain::fold).collect()
}

/// One device property's classes: absent, one per listed value (the strings whose longest listed prefix it is),
/// and the strings no listed value is a prefix of.
fn property_dimension(property: DeviceProperty, rules: &Pair<&Vec<MobileRule>>) -> (Dimension, Vec<Value>) {
    // Values that take part in prefix matching; `$NONE` only matches an absent property unless uncertain says so.
    let listed = rules
        .iter()
        .flat_map(|rules| rules.iter())
        .flat_map(|rule| {
            let condition = rule.condition(property);
            condition.values.iter().chain(&condition.not_values)
        })
        .map(String::as_str)
        .filter(|v| *v != uncertain::NONE_VALUE || uncertain::NONE_MATCHES_PRESENT);
    let mut values: Vec<(String, &str)> = Vec::new();
    for value in listed {
        let key = folded(value);
        if !values.iter().any(|(k, _)| *k == key) {
            values.push((key, value));
        }
    }
    let keys: Vec<&str> = values.iter().map(|(k, _)| k.as_str()).collect();
    let mut dimension = Dimension::default();
    let mut out = Vec::new();
    let cond = |reported: Option<&str>| {
        [0, 1].map(|o| {
            Cond::Holds(RuleSet::from_fn(rules[o].len(), |i| {
                let condition = rules[o][i].condition(property);
                reference::list_holds(&condition.values, |v| reference::value_matches(v, reported))
                    && (condition.not_values.is_empty()
                        || (reported.is_some()
                            && !condition.not_values.iter().any(|v| reference::value_matches(v, reported))))
            }))
        })
    };
    dimension.push(cond(None));
    out.push(Value::new("absent", None));
    for (key, value) in &values {
        dimension.push(cond(Some(value)));
        // The strings of this class start with `value` but with no longer listed value.
        let longer: Vec<&str> = values
            .iter()
            .filter(|(k, _)| k.len() > key.len() && k.starts_with(key.as_str()))
            .filter(|(k, _)| !keys.iter().any(|m| m.len() > key.len() && m.len() < k.len() && k.starts_with(m)))
            .map(|(_, v)| *v)
            .collect();
        let mut label = format!("\"{value}…\"");
        if !longer.is_empty() {
            let except: Vec<String> = longer.iter().map(|v| format!("\"{v}…\"")).collect();
            label.push_str(&format!(" but not {}", except.join(", ")));
        }
        out.push(Value::new(label, Some(value.to_string())));
    }
    if let Some(unmatched) = unmatched_string(&keys) {
        dimension.push(cond(Some(&unmatched)));
        out.push(Value::other("any other value", unmatched));
    }
    (dimension, out)
}

/// A device value that no listed value (given folded) is a prefix of, when there is one: tries a readable word
/// first, then walks the listed values' prefix tree for a character no value continues with.
fn unmatched_string(keys: &[&str]) -> Option<String> {
    let matches_any = |s: &str| {
        let f = folded(s);
        keys.iter().any(|k| f.starts_with(k))
    };
    if !matches_any("Unlisted") {
        return Some("Unlisted".into());
    }
    // Depth-first: extend `prefix` (which no key is a prefix of, but some keys extend) by one character at a time.
    let alphabet: Vec<char> =
        ('a'..='z').chain('0'..='9').chain((' '..='\u{ff}').filter(|c| uncertain::fold(*c) == *c)).collect();
    fn search(prefix: &mut String, keys: &[&str], alphabet: &[char], depth: usize) -> bool {
        if depth > 256 {
            return false;
        }
        for &ch in alphabet {
            prefix.push(ch);
            let is_key = keys.contains(&prefix.as_str());
            let extended = keys.iter().any(|k| k.starts_with(prefix.as_str()));
            if !is_key && !extended && prefix.chars().count() <= 256 {
                return true;
            }
            if !is_key && extended && search(prefix, keys, alphabet, depth + 1) {
                return true;
            }
            prefix.pop();
        }
        false
    }
    let mut prefix = String::new();
    search(&mut prefix, keys, &alphabet, 1).then_some(prefix)
}

// --- impersonation ----------------------------------------------------------------------------------------------

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
