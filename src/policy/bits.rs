//! Sets of rules as bit masks, and iteration over them in rule order.

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
            words: rules.div_ceil(64).max(1),
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

    /// Drops the deduplication map once building is done.
    pub(crate) fn freeze(&mut self) {
        self.narrow = Default::default();
        self.wide = Default::default();
        self.data.shrink_to_fit();
    }
}

fn hash_words(words: &[u64]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = crate::hash::IdHasher::default();
    words.hash(&mut hasher);
    hasher.finish()
}

pub(crate) fn set(mask: &mut [u64], rule: usize) {
    mask[rule / 64] |= 1 << (rule % 64);
}

pub(crate) fn clear(mask: &mut [u64], rule: usize) {
    mask[rule / 64] &= !(1 << (rule % 64));
}

pub(crate) fn assign(mask: &mut [u64], rule: usize, value: bool) {
    if value {
        set(mask, rule);
    } else {
        clear(mask, rule);
    }
}
