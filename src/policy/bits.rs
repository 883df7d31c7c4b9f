//! Sets of rules as bit masks, and iteration over them in rule order.

/// The rules a query matched, as the AND of up to three rows of a mask table and a filter row, computed word by
/// word while iterating, so that an answer over any number of rules needs no allocation.
#[derive(Debug, Clone)]
pub(crate) struct RuleBits<'p> {
    rows: [&'p [u64]; 4],
    /// The index of the word `current` came from.
    word: usize,
    current: u64,
}

impl<'p> RuleBits<'p> {
    /// The rules set in one 64-bit word (rule `i` is bit `i`).
    pub(crate) fn word(mask: u64) -> Self {
        RuleBits { rows: [&[]; 4], word: 0, current: mask }
    }

    /// The rules set in every one of `rows`, all of the same length.
    pub(crate) fn rows(rows: [&'p [u64]; 4]) -> Self {
        let current = rows[0].first().map_or(0, |_| rows.iter().fold(u64::MAX, |acc, row| acc & row[0]));
        RuleBits { rows, word: 0, current }
    }

    pub(crate) fn empty() -> Self {
        RuleBits::word(0)
    }
}

impl Iterator for RuleBits<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.current == 0 {
            self.word += 1;
            if self.word >= self.rows[0].len() {
                return None;
            }
            let w = self.word;
            self.current = self.rows[0][w] & self.rows[1][w] & self.rows[2][w] & self.rows[3][w];
        }
        let bit = self.current.trailing_zeros() as usize;
        self.current &= self.current - 1;
        Some(self.word * 64 + bit)
    }
}

/// A table of equal-length masks (`words` 64-bit words each), deduplicated: equal masks share one row.
#[derive(Debug, Clone, Default)]
pub(crate) struct MaskTable {
    words: usize,
    data: Vec<u64>,
    rows: crate::hash::FxHashMap<Box<[u64]>, u32>,
}

impl MaskTable {
    pub(crate) fn new(rules: usize) -> Self {
        MaskTable { words: rules.div_ceil(64).max(1), data: Vec::new(), rows: Default::default() }
    }

    pub(crate) fn words(&self) -> usize {
        self.words
    }

    /// An all-zero mask of the table's width, to fill and then [`Self::intern`].
    pub(crate) fn blank(&self) -> Vec<u64> {
        vec![0; self.words]
    }

    /// The row holding `mask`, added when new.
    pub(crate) fn intern(&mut self, mask: &[u64]) -> u32 {
        debug_assert_eq!(mask.len(), self.words);
        if let Some(&row) = self.rows.get(mask) {
            return row;
        }
        let row = (self.data.len() / self.words) as u32;
        self.data.extend_from_slice(mask);
        self.rows.insert(mask.into(), row);
        row
    }

    #[inline]
    pub(crate) fn row(&self, row: u32) -> &[u64] {
        let start = row as usize * self.words;
        &self.data[start..start + self.words]
    }

    /// Drops the deduplication map once building is done.
    pub(crate) fn freeze(&mut self) {
        self.rows = Default::default();
        self.data.shrink_to_fit();
    }
}

pub(crate) fn set(mask: &mut [u64], rule: usize) {
    mask[rule / 64] |= 1 << (rule % 64);
}

pub(crate) fn clear(mask: &mut [u64], rule: usize) {
    mask[rule / 64] &= !(1 << (rule % 64));
}
