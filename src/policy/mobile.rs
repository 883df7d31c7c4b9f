//! The mobile-device index: one case-folded prefix trie per device property.
//!
//! Every value of every rule's lists for a property (except `$NONE`) is folded (SEMANTICS 2.4) and inserted into
//! that property's trie; the node where a value ends carries the masks of the rules that list it, positively and in
//! a `Not` list. A query walks each reported property down its trie once, collecting the masks of every value
//! that is a prefix of it, and then every rule's four conditions are a few mask operations (2.5). Rule sets are one
//! `u64`: the service's quota is 10 rules, and compiling more than 64 is refused with a clear error.
//!
//! Overrides (2.7) are a hash map from (user slot, folded device id) to the override.

use crate::answer::{MatchedOverride, MobileDeviceAccessEffect, MobileDeviceAccessMatchedRule};
use crate::hash::IdHashMap;
use crate::organization::{DeviceProperty, Effect, Organization};
use crate::request::MobileRequest;
use crate::uncertain;

use super::bits::{self, RuleBits};
use super::identity::{Identities, Lookup};

/// A trie node: its children's range in `edges`, and the masks of rules whose values end here or on the way here
/// (the values that are prefixes of every string reaching this node).
#[derive(Debug, Clone, Copy, Default)]
struct Node {
    first_edge: u32,
    edge_count: u32,
    positive: u64,
    negative: u64,
}

/// A prefix trie over folded Latin-1 values, built once; children are sorted by byte.
#[derive(Debug, Clone, Default)]
struct Trie {
    nodes: Vec<Node>,
    /// The root's child for each byte (0 for none).
    root: Vec<u32>,
    edges: Vec<(u8, u32)>,
    /// Rules with a positive list for this property, with a Not list, and with `$NONE` in the positive list.
    has_positive: u64,
    has_negative: u64,
    none_positive: u64,
}

impl Trie {
    fn build(values: &[(Vec<u8>, usize, bool)]) -> Trie {
        // Build with per-node child maps, then flatten into sorted edge runs.
        let mut children: Vec<Vec<(u8, u32)>> = vec![Vec::new()];
        let mut masks: Vec<(u64, u64)> = vec![(0, 0)];
        for (value, rule, negative) in values {
            let mut node = 0usize;
            for &byte in value {
                node = match children[node].iter().find(|(b, _)| *b == byte) {
                    Some(&(_, child)) => child as usize,
                    None => {
                        let child = children.len();
                        children.push(Vec::new());
                        masks.push((0, 0));
                        children[node].push((byte, child as u32));
                        child
                    }
                };
            }
            let bit = 1u64 << rule;
            if *negative {
                masks[node].1 |= bit;
            } else {
                masks[node].0 |= bit;
            }
        }
        let mut trie = Trie { root: vec![0; 256], ..Trie::default() };
        for &(byte, child) in &children[0] {
            trie.root[byte as usize] = child;
        }
        // Each node's masks become those of every value ending on the path to it, so that a walk reads the masks
        // once, where it stops. A child is always made after its parent, so one pass in order accumulates them.
        for node in 0..children.len() {
            let (positive, negative) = masks[node];
            for &(_, child) in &children[node] {
                masks[child as usize].0 |= positive;
                masks[child as usize].1 |= negative;
            }
        }
        for (kids, (positive, negative)) in children.iter_mut().zip(masks) {
            kids.sort_unstable();
            trie.nodes.push(Node {
                first_edge: trie.edges.len() as u32,
                edge_count: kids.len() as u32,
                positive,
                negative,
            });
            trie.edges.extend_from_slice(kids);
        }
        trie
    }

    /// The child of `node` along `byte`; the root's children come from a direct table.
    #[inline]
    fn child(&self, node: usize, byte: u8) -> Option<usize> {
        if node == 0 {
            // Index 0 is the root, never anyone's child, so it marks "no child".
            return Some(self.root[byte as usize] as usize).filter(|&child| child != 0);
        }
        let Node { first_edge, edge_count, .. } = self.nodes[node];
        let edges = &self.edges[first_edge as usize..(first_edge + edge_count) as usize];
        edges.iter().find(|(b, _)| *b == byte).map(|&(_, child)| child as usize)
    }

    /// The rules whose conditions on this property hold for `reported` (SEMANTICS 2.4, 2.5), or `None` when
    /// `reported` is not a valid property value (1 to 256 characters from U+0020 to U+00FF).
    ///
    /// The walk reads UTF-8 bytes directly: a valid value is ASCII or a two-byte sequence led by `0xC2`/`0xC3`, so
    /// decoding and the range check are one comparison per byte, and folding is a table lookup. Once the walk
    /// leaves the trie, the rest of the string only needs checking.
    #[inline]
    fn holds(&self, reported: Option<&str>) -> Option<u64> {
        let Some(reported) = reported else {
            // Absent: a positive list holds only through `$NONE`; a Not list never holds.
            return Some((!self.has_positive | self.none_positive) & !self.has_negative);
        };
        let bytes = reported.as_bytes();
        let (mut node, mut chars, mut i) = (0usize, 0usize, 0usize);
        while i < bytes.len() {
            let code = match bytes[i] {
                b @ 0x20..=0x7F => {
                    i += 1;
                    b
                }
                lead @ (0xC2 | 0xC3) => {
                    // `reported` is a str, so a continuation byte follows a lead byte.
                    let next = bytes.get(i + 1).copied().unwrap_or(0x80);
                    i += 2;
                    (lead & 0x1F) << 6 | (next & 0x3F)
                }
                _ => return None,
            };
            chars += 1;
            match self.child(node, FOLDED[code as usize]) {
                Some(child) => node = child,
                None => break,
            }
        }
        let rest = &reported[i..];
        let rest_chars = if rest.bytes().all(|b| (0x20..0x80).contains(&b)) {
            rest.len()
        } else if rest.chars().all(|c| ('\u{20}'..='\u{ff}').contains(&c)) {
            rest.chars().count()
        } else {
            return None;
        };
        // The node where the walk stopped holds the masks of every value that is a prefix of `reported`.
        let Node { positive, negative, .. } = self.nodes.get(node).copied().unwrap_or_default();
        (1..=256).contains(&(chars + rest_chars)).then_some((!self.has_positive | positive) & !negative)
    }
}

/// [`uncertain::fold`] for every Latin-1 code point, as a byte.
const FOLDED: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut code = 0;
    while code < 256 {
        table[code] = match char::from_u32(code as u32) {
            Some(c) => uncertain::fold(c) as u32 as u8,
            None => code as u8,
        };
        code += 1;
    }
    table
};

#[derive(Debug, Clone)]
pub(crate) struct OverrideEntry {
    effect: Effect,
    user_id: Box<str>,
    device_id: Box<str>,
}

/// Device ids are at most 32 characters ([`crate::constraints::DEVICE_ID`]); folded into a fixed buffer, they
/// hash without allocating.
type DeviceKey = (u8, [u8; 32]);

fn device_key(device_id: &str) -> Option<DeviceKey> {
    let bytes = device_id.as_bytes();
    let mut key = [0u8; 32];
    key.get_mut(..bytes.len())?.copy_from_slice(bytes);
    key.make_ascii_lowercase();
    Some((bytes.len() as u8, key))
}

#[derive(Debug, Clone)]
pub(crate) struct MobileIndex {
    rules: Vec<(Option<Box<str>>, Box<str>)>,
    all: u64,
    deny: u64,
    tries: [Trie; 4],
    overrides: IdHashMap<(u32, DeviceKey), OverrideEntry>,
    /// One bit per user slot: whether any override names the user. Most users have none, so most lookups end
    /// here, before the device id is folded and hashed.
    users_with_overrides: Box<[u64]>,
}

impl MobileIndex {
    pub(crate) fn new(org: &Organization, identities: &Identities) -> Result<MobileIndex, usize> {
        let rules = &org.mobile_device_access_rules;
        if rules.len() > super::MAX_MOBILE_RULES {
            return Err(rules.len());
        }
        let mut tries: [Trie; 4] = Default::default();
        for property in DeviceProperty::ALL {
            let mut values = Vec::new();
            let (mut has_positive, mut has_negative, mut none_positive) = (0, 0, 0);
            for (i, rule) in rules.iter().enumerate() {
                let condition = rule.condition(property);
                for (list, negative) in [(&condition.values, false), (&condition.not_values, true)] {
                    if list.is_empty() {
                        continue;
                    }
                    *(if negative { &mut has_negative } else { &mut has_positive }) |= 1u64 << i;
                    for value in list {
                        if value == uncertain::NONE_VALUE {
                            // A Not list never holds for an absent property, `$NONE` or not (2.5).
                            if !negative {
                                none_positive |= 1u64 << i;
                            }
                            if !uncertain::NONE_MATCHES_PRESENT {
                                continue;
                            }
                        }
                        // Values are Latin-1 (validated), so each folded character is one byte.
                        let folded = value.chars().map(|c| FOLDED[(c as u32 & 0xFF) as usize]).collect();
                        values.push((folded, i, negative));
                    }
                }
            }
            tries[property.index()] = Trie { has_positive, has_negative, none_positive, ..Trie::build(&values) };
        }
        let mut overrides = IdHashMap::default();
        let mut users_with_overrides = vec![0u64; identities.slots().div_ceil(64)];
        for o in &org.mobile_device_access_overrides {
            let (Lookup::Slot(slot), Some(key)) = (identities.lookup(&o.user_id), device_key(&o.device_id)) else {
                continue;
            };
            // The first override for a user and device wins, as in a scan (validation rejects a second one).
            if let Some(word) = users_with_overrides.get_mut(slot as usize / 64) {
                *word |= 1 << (slot % 64);
            }
            overrides.entry((slot, key)).or_insert_with(|| OverrideEntry {
                effect: o.effect,
                user_id: o.user_id.as_str().into(),
                device_id: o.device_id.as_str().into(),
            });
        }
        Ok(MobileIndex {
            rules: rules.iter().map(|r| (r.id.as_deref().map(Into::into), r.name.as_str().into())).collect(),
            all: bits::first(rules.len()),
            deny: rules
                .iter()
                .enumerate()
                .filter(|(_, r)| r.effect == Effect::Deny)
                .fold(0, |acc, (i, _)| acc | 1 << i),
            tries,
            overrides,
            users_with_overrides: users_with_overrides.into_boxed_slice(),
        })
    }

    /// The override for a user slot and device, if any.
    #[inline]
    pub(crate) fn find_override(&self, slot: u32, device_id: &str) -> Option<&OverrideEntry> {
        let word = self.users_with_overrides.get(slot as usize / 64)?;
        if word & (1 << (slot % 64)) == 0 {
            return None;
        }
        self.overrides.get(&(slot, device_key(device_id)?))
    }

    /// The rules whose four device conditions hold (SEMANTICS 2.3 to 2.5), or `None` when a reported property is
    /// not a valid value (which [`crate::request::check_mobile`] reports in words).
    #[inline]
    pub(crate) fn matched(&self, request: &MobileRequest) -> Option<u64> {
        let mut matched = self.all;
        for property in DeviceProperty::ALL {
            matched &= self.tries[property.index()].holds(request.property(property))?;
        }
        Some(matched)
    }

    /// The answer for what decided: an override, or the rules that matched (SEMANTICS 2.6, 2.7).
    #[inline]
    pub(crate) fn answer<'p>(&'p self, decided: MobileDecider<'p>) -> MobileAnswer<'p> {
        match decided {
            MobileDecider::Override(entry) => {
                MobileAnswer { effect: entry.effect, rules: RuleBits::empty(), index: self, decided_by: Some(entry) }
            }
            MobileDecider::Rules(matched) => {
                let (effect, rules) = bits::decide(matched & self.deny, matched & !self.deny);
                MobileAnswer { effect, rules: RuleBits::word(rules), index: self, decided_by: None }
            }
        }
    }

    /// The heap memory the index takes, in bytes (rule names and ids, and overrides, included).
    pub(crate) fn heap_bytes(&self) -> usize {
        let names: usize =
            self.rules.iter().map(|(id, name)| 48 + id.as_ref().map_or(0, |id| id.len()) + name.len()).sum();
        let tries: usize = self
            .tries
            .iter()
            .map(|t| {
                t.nodes.len() * std::mem::size_of::<Node>()
                    + t.root.len() * 4
                    + t.edges.len() * std::mem::size_of::<(u8, u32)>()
            })
            .sum();
        let overrides: usize = self
            .overrides
            .values()
            .map(|o| std::mem::size_of::<((u32, DeviceKey), OverrideEntry)>() + 1 + o.user_id.len() + o.device_id.len())
            .sum();
        names + tries + overrides + self.users_with_overrides.len() * 8
    }
}

/// What decides a mobile-device query: an override, or the mask of rules that matched. A prepared query keeps it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum MobileDecider<'p> {
    Override(&'p OverrideEntry),
    Rules(u64),
}

/// A compiled policy's answer to `GetMobileDeviceAccessEffect`.
#[derive(Debug, Clone)]
pub struct MobileAnswer<'p> {
    effect: Effect,
    rules: RuleBits<'p>,
    index: &'p MobileIndex,
    decided_by: Option<&'p OverrideEntry>,
}

impl<'p> MobileAnswer<'p> {
    /// The decision.
    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// `(MobileDeviceAccessRuleId, Name)` of the rules that decided, in rule order.
    pub fn matched_rules(&self) -> impl Iterator<Item = (Option<&'p str>, &'p str)> + '_ {
        let rules = &self.index.rules;
        self.rules.clone().map(move |i| (rules[i].0.as_deref(), &*rules[i].1))
    }

    /// Whether an override decided, and which (`UserId`, `DeviceId` as the organization lists them).
    pub fn matched_override(&self) -> Option<(&'p str, &'p str)> {
        self.decided_by.map(|o| (&*o.user_id, &*o.device_id))
    }

    /// The service's response shape.
    pub fn to_response(&self) -> MobileDeviceAccessEffect<'p> {
        MobileDeviceAccessEffect {
            effect: self.effect,
            matched_rules: self
                .matched_rules()
                .map(|(id, name)| MobileDeviceAccessMatchedRule { mobile_device_access_rule_id: id, name })
                .collect(),
            matched_override: self
                .matched_override()
                .map(|(user_id, device_id)| MatchedOverride { user_id, device_id }),
        }
    }
}
