//! Sets of rules as bit masks (rule `i` is bit `i % 64` of word `i / 64`), the deny-wins decision on them, and
//! iteration over them in rule order, which is the order of `MatchedRules` (SEMANTICS 1.5).
//!
//! This is the one rule-set representation of the crate, in two forms for two costs:
//!
//! - the engine's, made for queries that allocate nothing: masks interned once in a [`MaskTable`] at compile
//!   time, a query's matched rules a [`RuleBits`] (one word up to 64 rules, else the AND of table rows computed
//!   while iterating), and [`decide`] on one word;
//! - the analyses' [`RuleSet`], an owned mask (inline up to 64 rules, else on the heap) that hashes and compares,
//!   so that the analyses can intern conditions and answers by rule set. They are not on a query path: each
//!   operation may allocate beyond 64 rules.
//!
//! Both use [`words_for`] and the same bit layout.

use smallvec::{smallvec, SmallVec};

use crate::organization::{DecidingRules, Effect};

/// The 64-bit words a mask of `rules` rules takes: at least one, so that no rules still make a mask.
pub(crate) fn words_for(rules: usize) -> usize {
    rules.div_ceil(64).max(1)
}

/// [`DecidingRules`] on one word, given the matching DENY rules and the matching ALLOW rules: the effect and the
/// rules that decided.
#[inline]
pub(crate) fn decide(deny: u64, allow: u64) -> (Effect, u64) {
    match DecidingRules::of(deny != 0, allow != 0) {
        DecidingRules::Deny => (Effect::Deny, deny),
        DecidingRules::Allow => (Effect::Allow, allow),
        DecidingRules::NoRule => (Effect::Deny, 0),
    }
}

/// The mask of the first `n` rules, for `n` ≤ 64.
pub(crate) fn first(n: usize) -> u64 {
    if n >= 64 {
        u64::MAX
    } else {
        (1u64 << n) - 1
    }
}

/// The rules a query matched, in rule order. For up to 64 rules the set is one word; beyond, it is the AND of four
/// rows of a [`MaskTable`], computed word by word while iterating, so an answer over any number of rules needs no
/// allocation and stays small enough to return in registers.
#[derive(Debug, Clone)]
pub(crate) struct RuleBits<'p> {
    /// `None` for a one-word set held in `current`.
    table: Option<&'p MaskTable>,
    rows: [u32; 4],
    /// The index of the word `current` came from.
    word: u32,
    current: u64,
}

impl<'p> RuleBits<'p> {
    /// The rules set in one 64-bit word (rule `i` is bit `i`).
    #[inline]
    pub(crate) fn word(mask: u64) -> Self {
        RuleBits { table: None, rows: [0; 4], word: 0, current: mask }
    }

    /// The rules set in every one of `rows` of `table`.
    #[inline]
    pub(crate) fn rows(table: &'p MaskTable, rows: [u32; 4]) -> Self {
        if table.words() == 1 {
            return RuleBits::word(rows.iter().fold(u64::MAX, |acc, &row| acc & table.row(row)[0]));
        }
        let mut bits = RuleBits { table: Some(table), rows, word: 0, current: 0 };
        bits.current = bits.and(0);
        bits
    }

    pub(crate) fn empty() -> Self {
        RuleBits::word(0)
    }

    fn and(&self, word: usize) -> u64 {
        match self.table {
            Some(table) => self.rows.iter().fold(u64::MAX, |acc, &row| acc & table.row(row)[word]),
            None => 0,
        }
    }
}

impl Iterator for RuleBits<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.current == 0 {
            let words = self.table.map_or(1, MaskTable::words);
            if self.word as usize + 1 >= words {
                return None;
            }
            self.word += 1;
            self.current = self.and(self.word as usize);
        }
        let bit = self.current.trailing_zeros() as usize;
        self.current &= self.current - 1;
        Some(self.word as usize * 64 + bit)
    }
}

/// A table of equal-length masks (`words` 64-bit words each), deduplicated: equal masks share one row.
///
/// The table holds at most a budget of words. A mask that would go over it is not stored: the table is then
/// [`exhausted`](MaskTable::exhausted), its rows are meaningless, and compiling fails, because with many rules
/// and many distinct address intervals (each of which may need its own row) the table is what grows.
#[derive(Debug, Clone, Default)]
pub(crate) struct MaskTable {
    words: usize,
    budget_words: usize,
    exhausted: bool,
    data: Vec<u64>,
    /// Deduplication while building: one-word masks by value; wider ones by a hash of their words, to the rows
    /// with that hash, compared with `data` (so that no mask is stored twice).
    narrow: crate::hash::IdHashMap<u64, u32>,
    wide: crate::hash::IdHashMap<u64, smallvec::SmallVec<[u32; 1]>>,
}

impl MaskTable {
    pub(crate) fn new(rules: usize, budget_bytes: usize) -> Self {
        MaskTable {
            words: words_for(rules),
            budget_words: budget_bytes / 8,
            exhausted: false,
            data: Vec::new(),
            narrow: Default::default(),
            wide: Default::default(),
        }
    }

    pub(crate) fn words(&self) -> usize {
        self.words
    }

    /// An all-zero mask of the table's width, to fill and then [`Self::intern`].
    pub(crate) fn blank(&self) -> Vec<u64> {
        vec![0; self.words]
    }

    /// Whether a mask was refused for want of budget.
    pub(crate) fn exhausted(&self) -> bool {
        self.exhausted
    }

    /// The row holding `mask`, added when new; row 0 once the budget is exhausted.
    pub(crate) fn intern(&mut self, mask: &[u64]) -> u32 {
        debug_assert_eq!(mask.len(), self.words);
        if self.exhausted || self.data.len() + self.words > self.budget_words {
            self.exhausted = true;
            return 0;
        }
        let next = (self.data.len() / self.words) as u32;
        let row = match mask {
            [word] => *self.narrow.entry(*word).or_insert(next),
            _ => {
                let hash = hash_words(mask);
                let words = self.words;
                let data = &self.data;
                let rows = self.wide.entry(hash).or_default();
                match rows.iter().find(|&&row| &data[row as usize * words..(row as usize + 1) * words] == mask) {
                    Some(&row) => row,
                    None => {
                        rows.push(next);
                        next
                    }
                }
            }
        };
        if row == next {
            self.data.extend_from_slice(mask);
        }
        row
    }

    /// The first word of a row: all of it, up to 64 rules.
    #[inline(always)]
    pub(crate) fn word(&self, row: u32) -> u64 {
        self.data.get(row as usize * self.words).copied().unwrap_or(0)
    }

    #[inline]
    pub(crate) fn row(&self, row: u32) -> &[u64] {
        let start = row as usize * self.words;
        &self.data[start..start + self.words]
    }

    /// A copy of a row, to change and intern as another.
    pub(crate) fn row_vec(&self, row: u32) -> Vec<u64> {
        let start = row as usize * self.words;
        self.data.get(start..start + self.words).map_or_else(|| self.blank(), <[u64]>::to_vec)
    }

    /// The heap memory the rows take, in bytes.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.data.len() * 8
    }

    /// Drops the deduplication map once building is done.
    pub(crate) fn freeze(&mut self) {
        self.narrow = Default::default();
        self.wide = Default::default();
        self.data.shrink_to_fit();
    }
}

fn hash_words(words: &[u64]) -> u64 {
    use std::hash::BuildHasher;
    crate::hash::IdBuildHasher::default().hash_one(words)
}

/// Puts `rule` in `mask`.
pub(crate) fn set(mask: &mut [u64], rule: usize) {
    mask[rule / 64] |= 1 << (rule % 64);
}

/// Takes `rule` out of `mask`.
pub(crate) fn clear(mask: &mut [u64], rule: usize) {
    mask[rule / 64] &= !(1 << (rule % 64));
}

/// Puts `rule` in `mask` or takes it out.
pub(crate) fn assign(mask: &mut [u64], rule: usize, value: bool) {
    if value {
        set(mask, rule);
    } else {
        clear(mask, rule);
    }
}

/// A set of rules owned by the analyses: hashable and comparable, so that equal sets intern to one id.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub(crate) struct RuleSet(SmallVec<[u64; 1]>);

impl RuleSet {
    /// No rule, in a set as wide as `rules` rules need.
    pub(crate) fn empty(rules: usize) -> RuleSet {
        RuleSet(smallvec![0; words_for(rules)])
    }

    /// Every one of the rules `0..rules`.
    pub(crate) fn full(rules: usize) -> RuleSet {
        RuleSet::from_fn(rules, |_| true)
    }

    /// The rules `0..rules` for which `holds` is true.
    pub(crate) fn from_fn(rules: usize, mut holds: impl FnMut(usize) -> bool) -> RuleSet {
        let mut set = RuleSet::empty(rules);
        for i in (0..rules).filter(|&i| holds(i)) {
            set.set(i, true);
        }
        set
    }

    /// Puts `rule` in the set or takes it out; a rule beyond the set's width is ignored.
    pub(crate) fn set(&mut self, rule: usize, member: bool) {
        if rule / 64 < self.0.len() {
            assign(&mut self.0, rule, member);
        }
    }

    /// Whether `rule` is in the set.
    pub(crate) fn contains(&self, rule: usize) -> bool {
        self.0.get(rule / 64).is_some_and(|word| word & (1 << (rule % 64)) != 0)
    }

    /// The rules in both sets.
    pub(crate) fn and(&self, other: &RuleSet) -> RuleSet {
        RuleSet(self.0.iter().zip(&other.0).map(|(a, b)| a & b).collect())
    }

    /// The rules in either set.
    pub(crate) fn or(&self, other: &RuleSet) -> RuleSet {
        RuleSet(self.0.iter().zip(&other.0).map(|(a, b)| a | b).collect())
    }

    /// Whether the set holds no rule.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.iter().all(|&word| word == 0)
    }

    /// [`DecidingRules`] for these matching rules, given the organization's DENY rules: the effect and the rules
    /// that decided.
    pub(crate) fn decide(&self, deny: &RuleSet) -> (Effect, RuleSet) {
        let denying = self.and(deny);
        // When no matching rule is DENY, every matching rule is ALLOW.
        let deciding = DecidingRules::of(!denying.is_empty(), !self.is_empty());
        let decided = match deciding {
            DecidingRules::Deny | DecidingRules::NoRule => denying,
            DecidingRules::Allow => self.clone(),
        };
        (deciding.effect(), decided)
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
