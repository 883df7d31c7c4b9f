//! The access-control index: a query is three table lookups and a word-wise AND.
//!
//! Rules are numbered in input order and a set of rules is a bit mask (one `u64` per 64 rules), so the order of
//! `MatchedRules` (SEMANTICS 1.5) is the order of set bits. Each dimension of a request maps to the mask of rules
//! whose conditions on that dimension hold:
//!
//! - **address**: both `IpRanges` and `NotIpRanges` of every rule are swept into one sorted list of disjoint
//!   intervals, each carrying the mask of rules whose two address conditions hold there. A table on the address's
//!   top bits (about as many buckets as intervals, at most 2^16) narrows the search to the intervals starting in
//!   that bucket; where many start in one bucket (a company's ranges cluster), a second table on the next 8 bits
//!   narrows it again, and `partition_point` finishes it.
//! - **action**: one mask per action spelling any rule names, and one for every other spelling.
//! - **principal**: one mask per user slot and per role a rule names, one for any other user and one for any other
//!   role; a user's mask already holds the role conditions' answer for "no role", and the other way round.
//!
//! Masks are interned in one [`MaskTable`], so the many intervals that share a mask share its storage.

use crate::answer::AccessControlEffect;
use crate::hash::IdHashMap;
use crate::organization::{AccessRule, DecidingRules, Effect, Organization};
use crate::uncertain;

use super::bits::{self, MaskTable, RuleBits};
use super::identity::{Lookup, Users};
use super::string_table::{ShortTable, StringTable};
use super::sweep::{address_events, sweep, sweep_narrow};

#[derive(Debug, Clone)]
pub(crate) struct AccessIndex {
    names: Vec<Box<str>>,
    masks: MaskTable,
    /// The address search's first level: for bucket `h` (the addresses whose top `32 - shift` bits are `h`), the
    /// low [`INTERVAL_BITS`] bits are the first interval whose start is at or above `h << shift` (the last entry is
    /// the interval count), and the bits above are 0, or 1 + the bucket's block in `fine`.
    top: Box<[u32]>,
    /// Addresses are bucketed by their top `32 - shift` bits, about as many buckets as intervals, so that the table
    /// stays as small as the intervals themselves (a 64K-entry table would miss the cache for small policies).
    shift: u32,
    /// The second level, for buckets where many intervals start (rules' ranges cluster in a company's few
    /// networks): blocks of 257 entries, entry `k` the first interval at or above the bucket's `k`-th 256th.
    fine: Box<[u32]>,
    starts: Vec<u32>,
    address_rows: Vec<u32>,
    actions: ShortTable<u32>,
    other_action_row: u32,
    /// Per identity slot.
    user_rows: Vec<u32>,
    other_user_row: u32,
    roles: StringTable<u32>,
    other_role_row: u32,
    deny_row: u32,
    allow_row: u32,
    /// The DENY and ALLOW rows' first words, which are all of them up to 64 rules.
    deny_word: u64,
    allow_word: u64,
}

/// Which principal a mask is built for.
#[derive(Clone, Copy)]
enum Who<'a> {
    /// A user: their slot, or `None` for a user no rule names.
    User(Option<u32>),
    /// A role: its id, or `None` for a role no rule names.
    Role(Option<&'a str>),
}

impl AccessIndex {
    /// Fails when the mask table would need more than `budget_bytes`.
    pub(crate) fn new(org: &Organization, users: &Users, budget_bytes: usize) -> Result<AccessIndex, ()> {
        let rules = &org.access_control_rules;
        let mut masks = MaskTable::new(rules.len(), budget_bytes);
        let by_effect = |masks: &mut MaskTable, effect: Effect| {
            let mut mask = masks.blank();
            for (i, rule) in rules.iter().enumerate() {
                if rule.effect == effect {
                    bits::set(&mut mask, i);
                }
            }
            masks.intern(&mask)
        };
        let deny_row = by_effect(&mut masks, Effect::Deny);
        let allow_row = by_effect(&mut masks, Effect::Allow);

        // Refuse before building when the masks cannot fit: every distinct interval mask, plus at most one row per
        // action, user and role that rules name, and the few fixed rows. Up to 64 rules a mask is one word, and
        // the intervals are at most twice the ranges (bounded by `MAX_ADDRESS_RANGES`), so only wider masks need
        // the count, which costs a sweep of its own.
        let events = address_events(rules);
        if masks.words() > 1 {
            let distinct = |lists: fn(&AccessRule) -> [&Vec<String>; 2]| -> usize {
                let names = rules.iter().flat_map(lists).flatten().map(String::as_str);
                names.collect::<crate::hash::IdHashSet<&str>>().len()
            };
            let named = distinct(|r| [&r.actions, &r.not_actions])
                + distinct(|r| [&r.user_ids, &r.not_user_ids])
                + distinct(|r| [&r.impersonation_role_ids, &r.not_impersonation_role_ids]);
            let rows_needed = distinct_address_masks(rules, &events) + named + uncertain::DOCUMENTED_ACTIONS.len() + 8;
            if rows_needed.saturating_mul(masks.words() * 8) > budget_bytes {
                return Err(());
            }
        }
        let (starts, address_rows) = address_intervals(rules, &events, &mut masks);
        drop(events);
        if masks.exhausted() {
            return Err(());
        }
        let (top, shift, fine) = address_tables(&starts);

        // Every spelling a rule lists gets its own row; so do the documented ones, so that the fast path knows them.
        // Only the rules that list a spelling can differ on it from a spelling no rule lists (actions compare
        // exactly, `uncertain::action_matches`), so each row starts from that one and recomputes those rules alone:
        // the cost is the mentions, not spellings × rules.
        let other_action_row = rule_mask(rules, &mut masks, |i| action_holds(&rules[i], None));
        let mut mentions: IdHashMap<&str, Vec<usize>> = IdHashMap::default();
        for action in uncertain::DOCUMENTED_ACTIONS {
            mentions.entry(action).or_default();
        }
        for (i, rule) in rules.iter().enumerate() {
            for action in rule.actions.iter().chain(&rule.not_actions) {
                mentions.entry(action.as_str()).or_default().push(i);
            }
        }
        let mut actions = Vec::with_capacity(mentions.len());
        for (action, named_by) in mentions {
            let row = recompute(&mut masks, other_action_row, &named_by, |i| action_holds(&rules[i], Some(action)));
            actions.push((action, row));
        }
        let actions = ShortTable::new(actions).ok_or(())?;

        // Each rule's user lists as slots; an identifier the directory lacks names no one.
        let slots = |list: &[String]| -> Vec<u32> {
            list.iter()
                .filter_map(|id| match users.lookup(id) {
                    Lookup::Slot(slot) => Some(slot),
                    _ => None,
                })
                .collect()
        };
        let user_slots: Vec<(Vec<u32>, Vec<u32>)> =
            rules.iter().map(|r| (slots(&r.user_ids), slots(&r.not_user_ids))).collect();
        let principal_holds = |i: usize, who: Who| {
            let rule = &rules[i];
            let (users, not_users) = &user_slots[i];
            let absent = uncertain::ABSENT_PRINCIPAL_SATISFIES;
            let (user_ok, role_ok) = match who {
                Who::User(slot) => {
                    let named = |list: &Vec<u32>| slot.is_some_and(|s| list.contains(&s));
                    let user_ok = (rule.user_ids.is_empty() || named(users))
                        && (rule.not_user_ids.is_empty() || !named(not_users));
                    let role_ok = (rule.impersonation_role_ids.is_empty() || absent.positive)
                        && (rule.not_impersonation_role_ids.is_empty() || absent.negative);
                    (user_ok, role_ok)
                }
                Who::Role(role) => {
                    let named = |list: &Vec<String>| role.is_some_and(|r| list.iter().any(|l| l == r));
                    let user_ok = (rule.user_ids.is_empty() || absent.positive)
                        && (rule.not_user_ids.is_empty() || absent.negative);
                    let role_ok = (rule.impersonation_role_ids.is_empty() || named(&rule.impersonation_role_ids))
                        && (rule.not_impersonation_role_ids.is_empty() || !named(&rule.not_impersonation_role_ids));
                    (user_ok, role_ok)
                }
            };
            user_ok && role_ok
        };
        // As for actions: a user or role no rule names has the "other" row, and one that some rules name differs
        // from it in those rules only.
        let other_user_row = rule_mask(rules, &mut masks, |i| principal_holds(i, Who::User(None)));
        let mut named_slots: IdHashMap<u32, Vec<usize>> = IdHashMap::default();
        for (i, (users, not_users)) in user_slots.iter().enumerate() {
            for &slot in users.iter().chain(not_users) {
                named_slots.entry(slot).or_default().push(i);
            }
        }
        let mut user_rows = vec![other_user_row; users.slots()];
        for (slot, named_by) in named_slots {
            let row = recompute(&mut masks, other_user_row, &named_by, |i| principal_holds(i, Who::User(Some(slot))));
            if let Some(entry) = user_rows.get_mut(slot as usize) {
                *entry = row;
            }
        }
        let other_role_row = rule_mask(rules, &mut masks, |i| principal_holds(i, Who::Role(None)));
        let mut named_roles: IdHashMap<&str, Vec<usize>> = IdHashMap::default();
        for (i, rule) in rules.iter().enumerate() {
            for role in rule.impersonation_role_ids.iter().chain(&rule.not_impersonation_role_ids) {
                named_roles.entry(role.as_str()).or_default().push(i);
            }
        }
        let mut roles = Vec::with_capacity(named_roles.len());
        for (role, named_by) in named_roles {
            let row = recompute(&mut masks, other_role_row, &named_by, |i| principal_holds(i, Who::Role(Some(role))));
            roles.push((role, row));
        }
        let roles = StringTable::new(roles).ok_or(())?;
        if masks.exhausted() {
            return Err(());
        }
        masks.freeze();
        let (deny_word, allow_word) = (masks.word(deny_row), masks.word(allow_row));

        Ok(AccessIndex {
            names: rules.iter().map(|r| r.name.as_str().into()).collect(),
            masks,
            top,
            shift,
            fine,
            starts,
            address_rows,
            actions,
            other_action_row,
            user_rows,
            other_user_row,
            roles,
            other_role_row,
            deny_row,
            allow_row,
            deny_word,
            allow_word,
        })
    }

    /// The row of rules whose address conditions hold for `address`.
    #[inline]
    pub(crate) fn address_row(&self, address: u32) -> u32 {
        // `checked_shr`: a shift of 32 (one bucket) is a shift out of range for `u32`.
        let high = address.checked_shr(self.shift).unwrap_or(0) as usize;
        let entry = self.top.get(high).copied().unwrap_or(0);
        let (lo, hi) = match entry >> INTERVAL_BITS {
            0 => (entry & INTERVAL_MASK, self.top.get(high + 1).map_or(0, |next| next & INTERVAL_MASK)),
            block => {
                let at = (block as usize - 1) * FINE_BLOCK + (address >> (self.shift - 8) & 0xFF) as usize;
                (self.fine.get(at).copied().unwrap_or(0), self.fine.get(at + 1).copied().unwrap_or(0))
            }
        };
        let (lo, hi) = (lo as usize, hi as usize);
        // The interval holding `address` is the last one starting at or below it: either one starting in this
        // bucket, or the one before them (`lo - 1`), which exists whenever `lo > 0` because the first interval
        // starts at 0. (`starts[lo..hi]` is a handful of entries, and `partition_point` searches it without
        // branches.)
        let below = self.starts.get(lo..hi).map_or(0, |starts| starts.partition_point(|&start| start <= address));
        self.address_rows.get((lo + below).saturating_sub(1)).copied().unwrap_or(0)
    }

    #[inline]
    pub(crate) fn action_row(&self, action: &str) -> u32 {
        self.known_action_row(action).unwrap_or(self.other_action_row)
    }

    /// The row of an action spelling that is documented or named by a rule (all valid `AccessControlRuleAction`s).
    #[inline]
    pub(crate) fn known_action_row(&self, action: &str) -> Option<u32> {
        self.actions.get(action)
    }

    #[inline]
    pub(crate) fn other_user_row(&self) -> u32 {
        self.other_user_row
    }

    /// The row of a role id some rule names (all valid `ImpersonationRoleId`s).
    #[inline]
    pub(crate) fn named_role_row(&self, role: &str) -> Option<u32> {
        self.roles.get(role)
    }

    #[inline]
    pub(crate) fn other_role_row(&self) -> u32 {
        self.other_role_row
    }

    #[inline]
    pub(crate) fn user_row(&self, lookup: Lookup) -> u32 {
        match lookup {
            Lookup::Slot(slot) => self.user_rows.get(slot as usize).copied().unwrap_or(self.other_user_row),
            Lookup::Unlisted | Lookup::Unknown => self.other_user_row,
        }
    }

    #[inline]
    pub(crate) fn role_row(&self, role: &str) -> u32 {
        self.roles.get(role).unwrap_or(self.other_role_row)
    }

    /// The decision of SEMANTICS 1.4, given the rows of a checked request's address, action and principal.
    #[inline(always)]
    pub(crate) fn answer(&self, rows: [u32; 3]) -> AccessAnswer<'_> {
        let masks = &self.masks;
        if masks.words() > 1 {
            return self.answer_wide(rows);
        }
        // Up to 64 rules, the common case: three loads and two ANDs.
        let matched = masks.word(rows[0]) & masks.word(rows[1]) & masks.word(rows[2]);
        let (effect, rules) = bits::decide(matched & self.deny_word, matched & self.allow_word);
        AccessAnswer { effect, rules: RuleBits::word(rules), names: &self.names }
    }

    /// [`Self::answer`] for more than 64 rules: the rule sets are ANDed word by word, and the matched rules are
    /// computed again while the answer is iterated, so that nothing is allocated.
    #[inline(never)]
    fn answer_wide(&self, rows: [u32; 3]) -> AccessAnswer<'_> {
        let masks = &self.masks;
        let (mut any_deny, mut any_allow) = (false, false);
        let (a, b, c) = (masks.row(rows[0]), masks.row(rows[1]), masks.row(rows[2]));
        let (deny, allow) = (masks.row(self.deny_row), masks.row(self.allow_row));
        for w in 0..masks.words() {
            let matched = a[w] & b[w] & c[w];
            any_deny |= matched & deny[w] != 0;
            any_allow |= matched & allow[w] != 0;
        }
        let deciding = DecidingRules::of(any_deny, any_allow);
        let rules = match deciding {
            DecidingRules::Deny => RuleBits::rows(masks, [rows[0], rows[1], rows[2], self.deny_row]),
            DecidingRules::Allow => RuleBits::rows(masks, [rows[0], rows[1], rows[2], self.allow_row]),
            DecidingRules::NoRule => RuleBits::empty(),
        };
        AccessAnswer { effect: deciding.effect(), rules, names: &self.names }
    }
}

impl AccessIndex {
    /// The heap memory the index takes, in bytes (rule names included).
    pub(crate) fn heap_bytes(&self) -> usize {
        let names: usize = self.names.iter().map(|n| 16 + n.len()).sum();
        names
            + self.masks.heap_bytes()
            + (self.top.len() + self.fine.len() + self.starts.len() + self.address_rows.len() + self.user_rows.len())
                * 4
            + self.actions.heap_bytes()
            + self.roles.heap_bytes()
    }
}

/// 1.3: a rule's two action conditions, for a named action or (`None`) one no rule names.
fn action_holds(rule: &AccessRule, action: Option<&str>) -> bool {
    let listed = |list: &[String]| action.is_some_and(|a| list.iter().any(|l| uncertain::action_matches(l, a)));
    (rule.actions.is_empty() || listed(&rule.actions)) && (rule.not_actions.is_empty() || !listed(&rule.not_actions))
}

/// The row of the rules `holds` picks, by rule index.
fn rule_mask(rules: &[AccessRule], masks: &mut MaskTable, holds: impl Fn(usize) -> bool) -> u32 {
    let mut mask = masks.blank();
    for i in 0..rules.len() {
        if holds(i) {
            bits::set(&mut mask, i);
        }
    }
    masks.intern(&mask)
}

/// The row that is `base` with the bits of `rules` recomputed by `holds`.
fn recompute(masks: &mut MaskTable, base: u32, rules: &[usize], holds: impl Fn(usize) -> bool) -> u32 {
    if masks.exhausted() {
        return 0;
    }
    let mut mask = masks.row_vec(base);
    for &i in rules {
        bits::assign(&mut mask, i, holds(i));
    }
    masks.intern(&mask)
}

/// How many distinct masks the sweep will need, counted without building one: each rule gets a random 64-bit
/// key and a mask is known by the XOR of its rules' keys (Zobrist hashing), which each event updates in O(1).
/// A collision can only make the count low, never high, so this never refuses an organization that fits.
fn distinct_address_masks(rules: &[AccessRule], events: &[(u32, u32)]) -> usize {
    let mut rng = crate::hash::SplitMix(0x00C0_FFEE);
    let keys: Vec<u64> = (0..rules.len()).map(|_| rng.next()).collect();
    // (which rules hold, their hash)
    let mut state = (vec![false; rules.len()], 0u64);
    let mut seen = crate::hash::IdHashSet::default();
    sweep(
        rules,
        events,
        &mut state,
        |(holding, hash), rule, holds| {
            if holding[rule] != holds {
                holding[rule] = holds;
                *hash ^= keys[rule];
            }
        },
        |(_, hash), _| {
            seen.insert(*hash);
            true
        },
    );
    seen.len()
}

/// Sweeps every rule's ranges into disjoint intervals, each with the row of rules whose address conditions hold
/// there. The first interval starts at 0, and neighbours have different rows. Stops early when the table's budget
/// runs out.
fn address_intervals(rules: &[AccessRule], events: &[(u32, u32)], masks: &mut MaskTable) -> (Vec<u32>, Vec<u32>) {
    let (mut starts, mut rows) = (Vec::new(), Vec::new());
    if masks.words() == 1 {
        // Neighbouring positions often hold the same rules (five in six at the service maximum: an event that does
        // not change whether its rule's address conditions hold), so the last mask is kept to skip those cheaply.
        let mut last = None;
        sweep_narrow(rules, events, |start, holding| {
            if last != Some(holding) {
                last = Some(holding);
                starts.push(start);
                rows.push(masks.intern(&[holding]));
            }
            !masks.exhausted()
        });
        return (starts, rows);
    }
    let mut mask = masks.blank();
    sweep(
        rules,
        events,
        &mut mask,
        |mask, rule, holds| bits::assign(mask, rule, holds),
        |mask, start| {
            // Most positions leave the mask as the last interval had it (five in six at the service maximum: an
            // event that does not change whether its rule's address conditions hold), and comparing with that row
            // is cheaper than a lookup.
            let unchanged = match (rows.last(), mask.as_slice()) {
                // One word compared as a word: a slice comparison is a call to `memcmp`.
                (Some(&last), [word]) => masks.word(last) == *word,
                (Some(&last), wide) => masks.row(last) == wide,
                (None, _) => false,
            };
            if unchanged {
                return true;
            }
            let row = masks.intern(mask);
            if rows.last() != Some(&row) {
                starts.push(start as u32);
                rows.push(row);
            }
            !masks.exhausted()
        },
    );
    (starts, rows)
}

/// The interval indexes in `top` take the low bits; intervals are at most twice the address ranges, plus one.
const INTERVAL_BITS: u32 = 23;
const INTERVAL_MASK: u32 = (1 << INTERVAL_BITS) - 1;
const _: () = assert!(2 * super::MAX_ADDRESS_RANGES < 1 << INTERVAL_BITS);
/// A `fine` block: 256 parts of a bucket and the end.
const FINE_BLOCK: usize = 257;
/// A bucket gets a `fine` block when more intervals than this start in it, as long as block numbers fit the bits
/// above [`INTERVAL_BITS`]; a search of this many intervals is a few steps.
const DENSE_BUCKET: u32 = 8;
const MAX_FINE_BLOCKS: u32 = (1 << (32 - INTERVAL_BITS)) - 1;

/// The address search's two levels (see [`AccessIndex`]'s `top`, `shift` and `fine`).
fn address_tables(starts: &[u32]) -> (Box<[u32]>, u32, Box<[u32]>) {
    let bits = (usize::BITS - starts.len().leading_zeros()).min(16);
    let shift = 32 - bits;
    // The first interval at or above each boundary, in one merge pass: `first` only moves forward.
    let firsts = |boundaries: &mut dyn Iterator<Item = u64>, first: &mut usize| -> Vec<u32> {
        boundaries
            .map(|boundary| {
                while *first < starts.len() && u64::from(starts[*first]) < boundary {
                    *first += 1;
                }
                *first as u32
            })
            .collect()
    };
    let mut top = firsts(&mut (0..=1u64 << bits).map(|high| high << shift), &mut 0);
    let mut fine = Vec::new();
    let mut blocks = 0;
    for high in 0..(1usize << bits) {
        if top[high + 1] - top[high] > DENSE_BUCKET && blocks < MAX_FINE_BLOCKS {
            let base = (high as u64) << shift;
            let step = 1u64 << (shift - 8);
            let mut first = top[high] as usize;
            fine.extend(firsts(&mut (0..=256u64).map(|k| base + k * step), &mut first));
            blocks += 1;
            top[high] |= blocks << INTERVAL_BITS;
        }
    }
    (top.into_boxed_slice(), shift, fine.into_boxed_slice())
}

/// A compiled policy's answer to `GetAccessControlEffect`, borrowing rule names from the policy.
#[derive(Debug, Clone)]
pub struct AccessAnswer<'p> {
    effect: Effect,
    rules: RuleBits<'p>,
    names: &'p [Box<str>],
}

impl<'p> AccessAnswer<'p> {
    /// The decision.
    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// The names of the rules that decided, in rule order (SEMANTICS 1.4, 1.5).
    pub fn matched_rules(&self) -> impl Iterator<Item = &'p str> + '_ {
        let names = self.names;
        self.rules.clone().map(move |i| &*names[i])
    }

    /// The service's response shape.
    pub fn to_response(&self) -> AccessControlEffect<'p> {
        let names = self.names;
        AccessControlEffect { effect: self.effect, matched_rules: self.rules.clone().map(|i| &*names[i]).collect() }
    }
}
