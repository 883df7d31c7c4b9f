//! What the request-space analyses share: conditions on rule sets ([`RuleSet`], the engine's bit layout in an
//! owned form), interned answers, dimensions and their values.

use std::hash::Hash;

use crate::diagnostic::ErrorCode;
use crate::hash::IdHashMap;
use crate::organization::Effect;
use crate::policy::bits::RuleSet;

/// The two organizations of an analysis, old (0) and new (1). Lint analyses one organization as both.
pub(crate) type Pair<T> = [T; 2];

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
    /// No answers yet.
    pub(crate) fn new() -> Self {
        Outcomes { list: Vec::new(), ids: IdHashMap::default() }
    }

    /// The id of `outcome`, new when no equal answer was interned before.
    pub(crate) fn intern(&mut self, outcome: O) -> u32 {
        let next = self.list.len() as u32;
        *self.ids.entry(outcome).or_insert_with_key(|outcome| {
            self.list.push(outcome.clone());
            next
        })
    }

    /// The answer with id `id`.
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
    /// Answers for organizations whose DENY rules are `deny`, responding through `respond`.
    pub(crate) fn new(deny: Pair<RuleSet>, respond: Pair<Respond<'o, O>>) -> Self {
        Answers { outcomes: Outcomes::new(), deny, respond, memo: Default::default() }
    }

    /// Organization `o`'s answer when exactly `matching` rules match.
    pub(crate) fn answer(&mut self, o: usize, matching: &RuleSet) -> u32 {
        if let Some(&id) = self.memo[o].get(matching) {
            return id;
        }
        let (effect, decided) = matching.decide(&self.deny[o]);
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

    /// A condition that settles the answer as the error `code`, from the check of rank `rank`.
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
    /// A value some organization names, shown as `label` and asked for as `example`.
    pub(super) fn new(label: impl Into<String>, example: Option<String>) -> Value {
        Value { label: label.into(), other: false, example, device: None }
    }

    /// The value that stands for every value no organization names, asked for as `example`.
    pub(super) fn other(label: impl Into<String>, example: String) -> Value {
        Value { label: label.into(), other: true, example: Some(example), device: None }
    }
}

/// A string that is not in `taken`, made from `stem` and a counter, and accepted by `valid`.
pub(super) fn unused(stem: &str, taken: impl Fn(&str) -> bool, valid: impl Fn(&str) -> bool) -> String {
    (0u32..)
        .map(|n| if n == 0 { stem.to_string() } else { format!("{stem}{n}") })
        .find(|s| !taken(s) && valid(s))
        .unwrap_or_default()
}

/// Distinct strings in first-seen order, keeping those `valid` accepts.
pub(super) fn distinct<'s>(strings: impl IntoIterator<Item = &'s str>, valid: impl Fn(&str) -> bool) -> Vec<&'s str> {
    let mut seen = crate::hash::IdHashMap::default();
    strings.into_iter().filter(|s| valid(s) && seen.insert(*s, ()).is_none()).collect()
}
