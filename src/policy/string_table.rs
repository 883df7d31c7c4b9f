//! A frozen table from strings to small values: the compiled policy's one way of turning a request's identifier
//! or action into the number its indexes are keyed by.
//!
//! A general hash map costs more per query than the rest of a query: its hashing goes through the `Hash` trait
//! (which adds a terminator to every string), its probing is generic over layouts, and its key compare is a call
//! to `memcmp`. This table is built once and only read afterwards, so it can be simpler:
//!
//! - open addressing with linear probing, at most half full, so a probe sequence is short;
//! - each slot holds the key's 64-bit hash, its length and where its bytes start in one shared buffer, so a miss is
//!   decided by the slot alone, and a hit costs one compare of the bytes, a machine word at a time;
//! - the hash is [`rustc_hash`]'s `FxHasher` (a maintained crate, several bytes per multiply), fed the bytes
//!   directly rather than through `Hash for str`.
//!
//! It is not collision-resistant: the keys come from the organization being compiled, and a file crafted so that
//! many of its keys hash alike would make compiling it and querying those keys slow (linear in the colliding keys,
//! at most `load::Limits::max_list_items` of them), never wrong. Validation, which every loaded file passes first,
//! uses the standard library's keyed hash; see `policy/identity.rs`.

use std::hash::Hasher;

/// One slot; `len == EMPTY` marks a free one.
#[derive(Debug, Clone, Copy)]
struct Slot<V> {
    hash: u64,
    start: u32,
    len: u32,
    value: V,
}

const EMPTY: u32 = u32::MAX;

/// Strings to values of type `V`: built once (by [`StringTable::new`], or key by key with
/// [`StringTable::get_or_insert`]), then read.
#[derive(Debug, Clone)]
pub(crate) struct StringTable<V> {
    slots: Box<[Slot<V>]>,
    /// Every key's bytes, one after another.
    bytes: Vec<u8>,
    mask: usize,
    len: usize,
}

/// The hash of a key: the same on every run, so that a compiled policy's layout is too.
#[inline]
fn hash(key: &[u8]) -> u64 {
    let mut hasher = rustc_hash::FxHasher::default();
    hasher.write(key);
    hasher.finish()
}

/// Whether two byte strings are equal, compared eight bytes at a time (the last word overlapping the one before)
/// rather than by a call to `memcmp`: most keys are 3 to 64 bytes, where the call costs more than the compare.
#[inline(always)]
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| -> u64 {
        let mut w = [0u8; 8];
        if let Some(bytes) = s.get(at..at + 8) {
            w.copy_from_slice(bytes);
        }
        u64::from_le_bytes(w)
    };
    let half = |s: &[u8], at: usize| -> u32 {
        let mut w = [0u8; 4];
        if let Some(bytes) = s.get(at..at + 4) {
            w.copy_from_slice(bytes);
        }
        u32::from_le_bytes(w)
    };
    match n {
        0 => true,
        // Three bytes cover every byte of a string of one to three.
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => (half(a, 0) ^ half(b, 0)) | (half(a, n - 4) ^ half(b, n - 4)) == 0,
        _ => {
            let mut diff = word(a, n - 8) ^ word(b, n - 8);
            let mut at = 0;
            while at + 8 < n {
                diff |= word(a, at) ^ word(b, at);
                at += 8;
            }
            diff == 0
        }
    }
}

impl<V: Copy + Default> StringTable<V> {
    /// The table of `entries`; the first of two equal keys wins, as the first in a scan would. `None` when the keys
    /// together exceed 4 GiB (a slot records where a key starts in 32 bits), far beyond any loadable organization.
    pub(crate) fn new<'k>(entries: impl IntoIterator<Item = (&'k str, V)>) -> Option<StringTable<V>>
    where
        V: 'k,
    {
        let entries = entries.into_iter();
        let mut table = StringTable::with_capacity(entries.size_hint().0, 0);
        for (key, value) in entries {
            table.get_or_insert(key, || value)?;
        }
        table.bytes.shrink_to_fit();
        Some(table)
    }

    /// An empty table with room for `keys` keys of `bytes` bytes in all before it grows.
    pub(crate) fn with_capacity(keys: usize, bytes: usize) -> StringTable<V> {
        let capacity = (keys * 2).next_power_of_two().max(8);
        let filler = Slot { hash: 0, start: 0, len: EMPTY, value: V::default() };
        let slots = vec![filler; capacity].into_boxed_slice();
        StringTable { slots, bytes: Vec::with_capacity(bytes), mask: capacity - 1, len: 0 }
    }

    /// The value of `key`, inserting `value()` first when the table lacks it: the first of two equal keys wins.
    /// `None` when the keys together would exceed 4 GiB.
    pub(crate) fn get_or_insert(&mut self, key: &str, value: impl FnOnce() -> V) -> Option<V> {
        let h = hash(key.as_bytes());
        let mut i = h as usize & self.mask;
        loop {
            let slot = self.slots.get(i)?;
            if slot.len == EMPTY {
                break;
            }
            let start = slot.start as usize;
            if slot.hash == h && self.bytes.get(start..start + slot.len as usize) == Some(key.as_bytes()) {
                return Some(slot.value);
            }
            i = (i + 1) & self.mask;
        }
        // At most half full, so that probe sequences stay short: grow first when this key would pass that.
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
            return self.get_or_insert(key, value);
        }
        let start = u32::try_from(self.bytes.len()).ok()?;
        let len = u32::try_from(key.len()).ok().filter(|&len| len != EMPTY)?;
        self.bytes.extend_from_slice(key.as_bytes());
        let value = value();
        *self.slots.get_mut(i)? = Slot { hash: h, start, len, value };
        self.len += 1;
        Some(value)
    }

    /// Doubles the slots; the keys move by the hashes their slots keep, without hashing their bytes again.
    fn grow(&mut self) {
        let capacity = self.slots.len() * 2;
        let filler = Slot { hash: 0, start: 0, len: EMPTY, value: V::default() };
        let old = std::mem::replace(&mut self.slots, vec![filler; capacity].into_boxed_slice());
        self.mask = capacity - 1;
        for slot in old.iter().filter(|slot| slot.len != EMPTY) {
            let mut i = slot.hash as usize & self.mask;
            while self.slots.get(i).is_some_and(|s| s.len != EMPTY) {
                i = (i + 1) & self.mask;
            }
            if let Some(free) = self.slots.get_mut(i) {
                *free = *slot;
            }
        }
    }

    /// The value of `key`, if the table holds it.
    #[inline(always)]
    pub(crate) fn get(&self, key: &str) -> Option<V> {
        let key = key.as_bytes();
        let h = hash(key);
        let mut i = h as usize & self.mask;
        loop {
            let slot = self.slots.get(i)?;
            if slot.len == EMPTY {
                return None;
            }
            if slot.hash == h && slot.len as usize == key.len() {
                let start = slot.start as usize;
                if same(self.bytes.get(start..start + key.len())?, key) {
                    return Some(slot.value);
                }
            }
            i = (i + 1) & self.mask;
        }
    }

    /// How many keys the table holds.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The heap memory the table takes, in bytes.
    pub(crate) fn heap_bytes(&self) -> usize {
        std::mem::size_of_val(&*self.slots) + self.bytes.capacity()
    }
}

/// A string of at most 16 bytes as two words that, with its length, identify it: overlapping loads from its two
/// ends cover every byte.
#[inline(always)]
fn short_words(key: &[u8]) -> (u64, u64) {
    let n = key.len();
    let word = |at: usize| -> u64 {
        let mut w = [0u8; 8];
        if let Some(bytes) = key.get(at..at + 8) {
            w.copy_from_slice(bytes);
        }
        u64::from_le_bytes(w)
    };
    let half = |at: usize| -> u64 {
        let mut w = [0u8; 4];
        if let Some(bytes) = key.get(at..at + 4) {
            w.copy_from_slice(bytes);
        }
        u64::from(u32::from_le_bytes(w))
    };
    match n {
        0 => (0, 0),
        1..=3 => (u64::from(key[0]) << 16 | u64::from(key[n / 2]) << 8 | u64::from(key[n - 1]), 0),
        4..=8 => (half(0), half(n - 4)),
        _ => (word(0), word(n - 8)),
    }
}

/// A few short strings to values: protocol names (`IMAP`, `EWS`, …), which a query finds by length and two word
/// compares rather than by a hash. Lengths with more than [`ShortTable::PER_LENGTH`] keys, and keys over 16
/// bytes, are kept in a [`StringTable`] instead, so a lookup costs a few compares whatever the rules name.
#[derive(Debug, Clone)]
pub(crate) struct ShortTable<V> {
    /// For each length up to 16, the range of `short` holding its keys; `None`: look in `long`.
    by_length: [Option<(u16, u16)>; 17],
    short: Box<[(u64, u64, V)]>,
    long: StringTable<V>,
}

impl<V: Copy + Default> ShortTable<V> {
    const PER_LENGTH: usize = 4;

    /// The table of `entries`; the first of two equal keys wins. `None` as for [`StringTable::new`].
    pub(crate) fn new<'k>(entries: impl IntoIterator<Item = (&'k str, V)>) -> Option<ShortTable<V>>
    where
        V: 'k,
    {
        let mut seen = std::collections::HashSet::new();
        let entries: Vec<(&str, V)> = entries.into_iter().filter(|(key, _)| seen.insert(*key)).collect();
        let mut by_length = [None; 17];
        let (mut short, mut long) = (Vec::new(), Vec::new());
        for (length, range) in by_length.iter_mut().enumerate() {
            let keys: Vec<_> = entries.iter().filter(|(key, _)| key.len() == length).collect();
            if keys.len() > Self::PER_LENGTH {
                long.extend(keys);
                continue;
            }
            let start = short.len() as u16;
            for &&(key, value) in &keys {
                let (a, b) = short_words(key.as_bytes());
                short.push((a, b, value));
            }
            *range = Some((start, short.len() as u16));
        }
        long.extend(entries.iter().filter(|(key, _)| key.len() > 16));
        Some(ShortTable { by_length, short: short.into_boxed_slice(), long: StringTable::new(long)? })
    }

    /// The value of `key`, if the table holds it.
    #[inline(always)]
    pub(crate) fn get(&self, key: &str) -> Option<V> {
        match self.by_length.get(key.len()) {
            Some(Some((start, end))) => {
                let words = short_words(key.as_bytes());
                let keys = self.short.get(*start as usize..*end as usize)?;
                keys.iter().find(|(a, b, _)| (*a, *b) == words).map(|&(_, _, value)| value)
            }
            _ => self.long.get(key),
        }
    }

    /// The heap memory the table takes, in bytes.
    pub(crate) fn heap_bytes(&self) -> usize {
        std::mem::size_of_val(&*self.short) + self.long.heap_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_key_and_nothing_else() {
        let keys: Vec<String> =
            (0..5000).map(|i| format!("S-1-1-11-4012345678-{i:010}-2000000001-1001")).chain(["".into()]).collect();
        let table = StringTable::new(keys.iter().enumerate().map(|(i, k)| (k.as_str(), i as u32))).expect("fits");
        assert_eq!(table.len(), keys.len());
        for (i, key) in keys.iter().enumerate() {
            assert_eq!(table.get(key), Some(i as u32), "{key}");
        }
        for absent in ["S-1-1-11-4012345678-0000005000-2000000001-1001", "S-1-1", "s", "S-1-1-11-4012345678-"] {
            assert_eq!(table.get(absent), None, "{absent}");
        }
    }

    #[test]
    fn a_short_table_finds_its_keys_by_length_and_words() {
        // Six keys of four bytes: more than a length keeps as words, so they go to the hashed table.
        let keys = ["EWS", "IMAP", "SMTP", "POP3", "Imap", "IMAp", "iMAP", "WebMail", "ActiveSync", "", "A", "AB"];
        let long = "AVeryLongProtocolNameOfManyBytes";
        let table = ShortTable::new(keys.iter().chain([&long]).enumerate().map(|(i, k)| (*k, i as u32))).expect("fits");
        for (i, key) in keys.iter().chain([&long]).enumerate() {
            assert_eq!(table.get(key), Some(i as u32), "{key}");
        }
        for absent in ["EWs", "IMAQ", "WebMai", "WebMaill", "B", "ABC", "AVeryLongProtocolNameOfManyByteS", "imap"] {
            assert_eq!(table.get(absent), None, "{absent}");
        }
        let first = ShortTable::new([("EWS", 1u32), ("EWS", 2)]).expect("fits");
        assert_eq!(first.get("EWS"), Some(1));
    }

    #[test]
    fn a_table_built_key_by_key_grows_and_keeps_the_first_value() {
        let mut table = StringTable::with_capacity(0, 0);
        let keys: Vec<String> = (0..1000).map(|i| format!("user{i}@example.com")).collect();
        for (i, key) in keys.iter().enumerate() {
            assert_eq!(table.get_or_insert(key, || i as u32), Some(i as u32));
            assert_eq!(table.get_or_insert(key, || u32::MAX), Some(i as u32), "{key} again");
        }
        assert_eq!(table.len(), keys.len());
        assert!(table.slots.len() >= 2 * keys.len(), "at most half full");
        for (i, key) in keys.iter().enumerate() {
            assert_eq!(table.get(key), Some(i as u32), "{key}");
        }
        assert_eq!(table.get("user1000@example.com"), None);
    }

    #[test]
    fn the_first_of_equal_keys_wins() {
        let table = StringTable::new([("EWS", 1u32), ("IMAP", 2), ("EWS", 3)]).expect("fits");
        assert_eq!((table.get("EWS"), table.get("IMAP"), table.len()), (Some(1), Some(2), 2));
    }

    #[test]
    fn an_empty_table_holds_nothing() {
        let table = StringTable::<u32>::new([]).expect("fits");
        assert_eq!((table.get(""), table.get("EWS"), table.len()), (None, None, 0));
    }

    #[test]
    fn keys_that_differ_in_one_byte_anywhere_are_told_apart() {
        let base = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ";
        for len in 0..=base.len() {
            let key = &base[..len];
            let table = StringTable::new([(key, 7u8)]).expect("fits");
            assert_eq!(table.get(key), Some(7));
            for at in 0..len {
                let mut other = key.as_bytes().to_vec();
                other[at] ^= 1;
                let other = String::from_utf8(other).expect("ASCII");
                assert_eq!(table.get(&other), None, "{key:?} vs {other:?}");
            }
        }
    }
}
