//! The access-control index: a query is three table lookups and a word-wise AND.
//!
//! Rules are numbered in input order and a set of rules is a bit mask (one `u64` per 64 rules), so the order of
//! `MatchedRules` (SEMANTICS 1.5) is the order of set bits. Each dimension of a request maps to the mask of rules
//! whose conditions on that dimension hold:
//!
//! - **address**: both `IpRanges` and `NotIpRanges` of every rule are swept into one sorted list of disjoint
//!   intervals, each carrying the mask of rules whose two address conditions hold there. A table on the top 16
//!   bits of the address narrows the search to the intervals starting in that /16; `partition_point` finishes it.
//! - **action**: one mask per action spelling any rule names, and one for every other spelling.
//! - **principal**: one mask per user slot and per role a rule names, one for any other user and one for any other
//!   role; a user's mask already holds the role conditions' answer for "no role", and the other way round.
//!
//! Masks are interned in one [`MaskTable`], so the many intervals that share a mask share its storage.

use crate::answer::AccessControlEffect;
use crate::hash::IdHashMap;
use crate::organization::{AccessRule, Effect, Organization};
use crate::uncertain;

use super::bits::{self, MaskTable, RuleBits};
use super::identity::{Identities, Lookup};

#[derive(Debug, Clone)]
pub(crate) struct AccessIndex {
    names: Vec<Box<str>>,
    masks: MaskTable,
    /// `top[h]` is the first interval whose start is at or above `h << shift`; the last entry is the interval count.
    top: Box<[u32]>,
    /// Addresses are bucketed by their top `32 - shift` bits, about as many buckets as intervals, so that the table
    /// stays as small as the intervals themselves (a 64K-entry table would miss the cache for small policies).
    shift: u32,
    starts: Vec<u32>,
    address_rows: Vec<u32>,
    actions: IdHashMap<Box<str>, u32>,
    other_action_row: u32,
    /// Per identity slot.
    user_rows: Vec<u32>,
    other_user_row: u32,
    roles: IdHashMap<Box<str>, u32>,
    other_role_row: u32,
    deny_row: u32,
    allow_row: u32,
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
    pub(crate) fn new(org: &Organization, identities: &Identities) -> AccessIndex {
        let rules = &org.access_control_rules;
        let mut masks = MaskTable::new(rules.len());
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

        let (starts, address_rows) = address_intervals(rules, &mut masks);
        let (top, shift) = top_table(&starts);

        let mut actions = IdHashMap::default();
        let mut spellings: Vec<&str> = uncertain::DOCUMENTED_ACTIONS.to_vec();
        spellings.extend(rules.iter().flat_map(|r| r.actions.iter().chain(&r.not_actions)).map(String::as_str));
        for action in spellings {
            if !actions.contains_key(action) {
                let row = rule_mask(rules, &mut masks, |rule| action_holds(rule, Some(action)));
                actions.insert(action.into(), row);
            }
        }
        let other_action_row = rule_mask(rules, &mut masks, |rule| action_holds(rule, None));

        // Each rule's user lists as slots; an identifier the directory lacks names no one.
        let slots = |list: &[String]| -> Vec<u32> {
            list.iter()
                .filter_map(|id| match identities.lookup(id) {
                    Lookup::Slot(slot) => Some(slot),
                    _ => None,
                })
                .collect()
        };
        let user_slots: Vec<(Vec<u32>, Vec<u32>)> =
            rules.iter().map(|r| (slots(&r.user_ids), slots(&r.not_user_ids))).collect();
        let principal_holds = |i: usize, rule: &AccessRule, who: Who| {
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
        let who_mask = |masks: &mut MaskTable, who: Who| {
            let mut mask = masks.blank();
            for (i, rule) in rules.iter().enumerate() {
                if principal_holds(i, rule, who) {
                    bits::set(&mut mask, i);
                }
            }
            masks.intern(&mask)
        };
        let user_rows =
            (0..identities.slots() as u32).map(|slot| who_mask(&mut masks, Who::User(Some(slot)))).collect();
        let other_user_row = who_mask(&mut masks, Who::User(None));
        let mut roles = IdHashMap::default();
        for role in rules.iter().flat_map(|r| r.impersonation_role_ids.iter().chain(&r.not_impersonation_role_ids)) {
            if !roles.contains_key(role.as_str()) {
                let row = who_mask(&mut masks, Who::Role(Some(role)));
                roles.insert(role.as_str().into(), row);
            }
        }
        let other_role_row = who_mask(&mut masks, Who::Role(None));
        masks.freeze();

        AccessIndex {
            names: rules.iter().map(|r| r.name.as_str().into()).collect(),
            masks,
            top,
            shift,
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
        }
    }

    /// The row of rules whose address conditions hold for `address`.
    #[inline]
    fn address_row(&self, address: u32) -> u32 {
        // `checked_shr`: a shift of 32 (one bucket) is a shift out of range for `u32`.
        let high = address.checked_shr(self.shift).unwrap_or(0) as usize;
        let (lo, hi) = (self.top[high] as usize, self.top[high + 1] as usize);
        // The interval holding `address` is the last one starting at or below it: either one starting in this /16,
        // or the one before them (`lo - 1`), which exists whenever `lo > 0` because the first interval starts at 0.
        // (`starts[lo..hi]` is a handful of entries, and `partition_point` searches it without branches.)
        let below = self.starts[lo..hi].partition_point(|&start| start <= address);
        self.address_rows[(lo + below).saturating_sub(1)]
    }

    #[inline]
    pub(crate) fn action_row(&self, action: &str) -> u32 {
        self.known_action_row(action).unwrap_or(self.other_action_row)
    }

    /// The row of an action spelling that is documented or named by a rule (all valid `AccessControlRuleAction`s).
    #[inline]
    pub(crate) fn known_action_row(&self, action: &str) -> Option<u32> {
        self.actions.get(action).copied()
    }

    #[inline]
    pub(crate) fn other_user_row(&self) -> u32 {
        self.other_user_row
    }

    /// The row of a role id some rule names (all valid `ImpersonationRoleId`s).
    #[inline]
    pub(crate) fn named_role_row(&self, role: &str) -> Option<u32> {
        self.roles.get(role).copied()
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
        self.roles.get(role).copied().unwrap_or(self.other_role_row)
    }

    /// The decision of SEMANTICS 1.4 for a checked request.
    #[inline]
    pub(crate) fn decide(&self, address: u32, action_row: u32, principal_row: u32) -> AccessAnswer<'_> {
        let rows = [self.address_row(address), action_row, principal_row];
        let masks = &self.masks;
        let (effect, filter) = if masks.words() == 1 {
            // Up to 64 rules, the common case: three loads and two ANDs.
            let matched = masks.row(rows[0])[0] & masks.row(rows[1])[0] & masks.row(rows[2])[0];
            let (deny, allow) = (matched & masks.row(self.deny_row)[0], matched & masks.row(self.allow_row)[0]);
            let (effect, rules) = match (deny, allow) {
                (0, 0) => (Effect::Deny, 0),
                (0, allow) => (Effect::Allow, allow),
                (deny, _) => (Effect::Deny, deny),
            };
            return AccessAnswer { effect, rules: RuleBits::word(rules), names: &self.names };
        } else {
            let (mut any_deny, mut any_allow) = (false, false);
            let (a, b, c) = (masks.row(rows[0]), masks.row(rows[1]), masks.row(rows[2]));
            let (deny, allow) = (masks.row(self.deny_row), masks.row(self.allow_row));
            for w in 0..masks.words() {
                let matched = a[w] & b[w] & c[w];
                any_deny |= matched & deny[w] != 0;
                any_allow |= matched & allow[w] != 0;
            }
            match (any_deny, any_allow) {
                (true, _) => (Effect::Deny, Some(self.deny_row)),
                (false, true) => (Effect::Allow, Some(self.allow_row)),
                (false, false) => (Effect::Deny, None),
            }
        };
        let rules = match filter {
            Some(filter) => RuleBits::rows(masks, [rows[0], rows[1], rows[2], filter]),
            None => RuleBits::empty(),
        };
        AccessAnswer { effect, rules, names: &self.names }
    }
}

/// 1.3: a rule's two action conditions, for a named action or (`None`) one no rule names.
fn action_holds(rule: &AccessRule, action: Option<&str>) -> bool {
    let listed = |list: &[String]| action.is_some_and(|a| list.iter().any(|l| uncertain::action_matches(l, a)));
    (rule.actions.is_empty() || listed(&rule.actions)) && (rule.not_actions.is_empty() || !listed(&rule.not_actions))
}

fn rule_mask(rules: &[AccessRule], masks: &mut MaskTable, holds: impl Fn(&AccessRule) -> bool) -> u32 {
    let mut mask = masks.blank();
    for (i, rule) in rules.iter().enumerate() {
        if holds(rule) {
            bits::set(&mut mask, i);
        }
    }
    masks.intern(&mask)
}

/// Sweeps every rule's ranges into disjoint intervals, each with the row of rules whose address conditions hold
/// there. The first interval starts at 0, and neighbours have different rows.
fn address_intervals(rules: &[AccessRule], masks: &mut MaskTable) -> (Vec<u32>, Vec<u32>) {
    // An event is a position and what happens there, packed in 8 bytes so that sorting tens of thousands of them
    // is cheap: the rule's index, whether it concerns its NotIpRanges, and whether a range starts or ends. A range
    // reaching 255.255.255.255 ends past the address space, so its end needs no event.
    const NEGATIVE: u32 = 0b10;
    const START: u32 = 0b01;
    let mut events: Vec<(u32, u32)> = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        let who = (i as u32) << 2;
        for (ranges, kind) in [(&rule.ip_ranges, 0), (&rule.not_ip_ranges, NEGATIVE)] {
            for net in ranges {
                events.push((u32::from(net.network()), who | kind | START));
                if let Some(end) = u32::from(net.broadcast()).checked_add(1) {
                    events.push((end, who | kind));
                }
            }
        }
    }
    // Only the position orders events: all events at one position apply before its interval is read.
    radix_sort_by_position(&mut events);
    let mut inside = vec![(0i32, 0i32); rules.len()];
    // A rule's address conditions hold when it has no IpRanges or the address is in one, and it is in none of its
    // NotIpRanges.
    let holds = |rule: &AccessRule, (positive, negative): (i32, i32)| {
        (rule.ip_ranges.is_empty() || positive > 0) && negative == 0
    };
    let mut mask = masks.blank();
    for (i, rule) in rules.iter().enumerate() {
        if holds(rule, (0, 0)) {
            bits::set(&mut mask, i);
        }
    }
    let (mut starts, mut rows) = (Vec::new(), Vec::new());
    let mut push = |start: u32, mask: &[u64], masks: &mut MaskTable| {
        let row = masks.intern(mask);
        if rows.last() != Some(&row) {
            starts.push(start);
            rows.push(row);
        }
    };
    let mut k = 0;
    push(0, &mask, masks);
    while k < events.len() {
        let position = events[k].0;
        while k < events.len() && events[k].0 == position {
            let what = events[k].1;
            let rule = (what >> 2) as usize;
            let delta = if what & START != 0 { 1 } else { -1 };
            let counts = &mut inside[rule];
            if what & NEGATIVE != 0 {
                counts.1 += delta;
            } else {
                counts.0 += delta;
            }
            if holds(&rules[rule], *counts) {
                bits::set(&mut mask, rule);
            } else {
                bits::clear(&mut mask, rule);
            }
            k += 1;
        }
        push(position, &mask, masks);
    }
    (starts, rows)
}

/// Sorts events by position, a byte at a time (least significant first): four linear passes instead of a
/// comparison sort's n log n, which dominated compiling a service-maximum organization.
fn radix_sort_by_position(events: &mut Vec<(u32, u32)>) {
    let mut buffer = vec![(0u32, 0u32); events.len()];
    for shift in [0, 8, 16, 24] {
        let mut offsets = [0usize; 257];
        for &(position, _) in events.iter() {
            offsets[((position >> shift) & 0xFF) as usize + 1] += 1;
        }
        for b in 0..256 {
            offsets[b + 1] += offsets[b];
        }
        for &event in events.iter() {
            let bucket = ((event.0 >> shift) & 0xFF) as usize;
            buffer[offsets[bucket]] = event;
            offsets[bucket] += 1;
        }
        std::mem::swap(events, &mut buffer);
    }
}

fn top_table(starts: &[u32]) -> (Box<[u32]>, u32) {
    let bits = (usize::BITS - starts.len().leading_zeros()).min(16);
    let shift = 32 - bits;
    // One merge pass: `first` only moves forward as `high` grows.
    let mut first = 0;
    let top = (0..=1u64 << bits)
        .map(|high| {
            while first < starts.len() && u64::from(starts[first]) < high << shift {
                first += 1;
            }
            first as u32
        })
        .collect();
    (top, shift)
}

/// A compiled policy's answer to `GetAccessControlEffect`, borrowing rule names from the policy.
#[derive(Debug, Clone)]
pub struct AccessAnswer<'p> {
    effect: Effect,
    rules: RuleBits<'p>,
    names: &'p [Box<str>],
}

impl<'p> AccessAnswer<'p> {
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
