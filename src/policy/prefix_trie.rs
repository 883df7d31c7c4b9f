//! One device property's values as a case-folded prefix trie, packed into a double array so that a query walks it
//! with two loads per byte.
//!
//! A mobile-device rule's value matches a reported property when, both case-folded, the value is a prefix of the
//! report (SEMANTICS 2.4). The values of every rule for one property are inserted into one trie; the state where a
//! value ends carries the masks of the rules that list it, positively and in a `Not` list, and every state also
//! carries its ancestors' masks, so a walk needs only the masks of the state where it stops.
//!
//! The design follows from what a query costs. An earlier version walked a trie of Latin-1 characters with each
//! node's children in a sorted list: per character it decoded UTF-8, folded, and searched the children, about 27
//! instructions, four times per request. Here:
//!
//! - **The trie is over UTF-8 bytes**, so a walk never decodes. Values are Latin-1 (U+0020 to U+00FF), and folding
//!   maps a Latin-1 character to a Latin-1 character, so the folded value's UTF-8 bytes are what the trie stores, and
//!   a report is folded byte by byte: an ASCII capital gains 0x20, and so does the second byte of `À`–`Þ` (except
//!   `×`), which is the byte after `0xC3`. UTF-8 is prefix-free on character boundaries and values end on one, so
//!   a value is a prefix of a report in characters exactly when it is in bytes.
//! - **Bytes are mapped to classes** (the regex crate's trick): only the bytes some folded value holds get a class
//!   of their own, numbered from 1; every other byte is class 0, which no state has a child along. Folding and
//!   classing are one lookup in a 512-entry table indexed by the byte and whether the byte before it was `0xC3`.
//! - **States are packed into a double array** (Aoe, 1989): state `t` is the child of state `s` along class `c`
//!   exactly when `t == base[s] + c` and `check[t] == s`. A step is a load of `base[s]`, an add, a load of
//!   `check[t]` and a compare, with no search, and the arrays take about one entry per state.
//!
//! The report's shape (1 to 256 characters, each U+0020 to U+00FF) is checked first, eight bytes at a time
//! ([`is_property_value`]). The walk still stops where the report leaves the trie: a branch, mispredicted once per
//! walk, but predicted on every step before, so that each step's loads start before the last step's compare ends;
//! a walk with no branch (a step that finds no child going to a dead state) measured 10% slower on the bench's
//! requests, as every step then waited for the one before.
//!
//! Building places each state's children at the first base where they all fit, searching a bounded number of
//! bases before appending at the end, so that building stays linear in the values' bytes whatever they hold.

use crate::constraints::le_word;

/// Which rules' values a state's path spells: those listed positively, and those in a `Not` list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Listed {
    pub(crate) positive: u64,
    pub(crate) negative: u64,
}

/// The trie of one property's values; see the module documentation.
#[derive(Debug, Clone)]
pub(crate) struct PrefixTrie {
    /// The class of each byte, as folded: entry `b` for a byte `b` after anything but `0xC3`, entry `256 + b` after
    /// `0xC3`.
    classes: Box<[u8; 512]>,
    /// Per state, `(base, check)`; a free entry's check is [`FREE`]. The root is state 0.
    states: Box<[(u32, u32)]>,
    /// Per state, the rules whose values are prefixes of the state's path.
    listed: Box<[Listed]>,
}

/// The check of an entry that is no state's child (the root's included).
const FREE: u32 = u32::MAX;

/// How many bases the building searches for a state's children before appending them at the end.
const SEARCH: usize = 64;

/// Folds a byte of a UTF-8 Latin-1 string (SEMANTICS 2.4, [`crate::uncertain::fold`]): `after_c3` says whether the
/// byte before it was `0xC3`, which makes it the low bits of a character from U+00C0 to U+00FF.
const fn fold_byte(byte: u8, after_c3: bool) -> u8 {
    let c = if after_c3 { 0xC0 | (byte & 0x3F) as u32 } else { byte as u32 };
    let folded = match char::from_u32(c) {
        Some(c) => crate::uncertain::fold(c) as u32,
        None => c,
    };
    // A character is folded to one of its own UTF-8 length, so only its last byte changes.
    if after_c3 {
        0x80 | (folded & 0x3F) as u8
    } else if folded < 0x80 {
        folded as u8
    } else {
        byte
    }
}

/// [`fold_byte`] of every byte: entry `b` after anything but `0xC3`, entry `256 + b` after `0xC3`.
const FOLDED: [u8; 512] = {
    let mut table = [0u8; 512];
    let mut i = 0;
    while i < 512 {
        table[i] = fold_byte(i as u8, i >= 256);
        i += 1;
    }
    table
};

/// The UTF-8 bytes of a value folded (SEMANTICS 2.4).
pub(crate) fn folded_bytes(value: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len());
    let mut after_c3 = false;
    for &byte in value.as_bytes() {
        out.push(FOLDED[usize::from(after_c3) << 8 | byte as usize]);
        after_c3 = byte == 0xC3;
    }
    out
}

/// Whether `s` is a valid device property value: 1 to 256 characters, each from U+0020 to U+00FF (the model's
/// `[\u0020-\u00FF]+`). Eight bytes at a time: a `&str` is valid UTF-8, so its characters are in range exactly when
/// every byte is in `0x20..=0xC3`. Each such character is one or two bytes, so the count needs counting only for
/// 257 to 512 bytes.
#[inline]
pub(crate) fn is_property_value(s: &str) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = ONES * 0x80;
    const SPACES: u64 = ONES * 0x20;
    let bytes = s.as_bytes();
    let n = bytes.len();
    if !(1..=512).contains(&n) {
        return false;
    }
    let mut bad = 0u64;
    let mut add = |x: u64| {
        // Some byte below 0x20 (exact as to whether one exists, which is all that is asked).
        bad |= x.wrapping_sub(SPACES) & !x & HIGH;
        // Some byte at or above 0xC4: its high bit set and its low seven bits at least 0x44 (no carry between bytes).
        bad |= ((x & !HIGH) + ONES * (0x80 - 0x44)) & x & HIGH;
    };
    // `N` bytes from `at`, little-endian (the callers stay within `bytes`).
    let word = |at: usize| le_word::<8>(bytes, at);
    let half = |at: usize| le_word::<4>(bytes, at);
    if n >= 8 {
        let mut at = 0;
        while at + 8 <= n {
            add(word(at));
            at += 8;
        }
        // The last bytes again, overlapping: the check is the same for a byte seen twice.
        add(word(n - 8));
    } else if n >= 4 {
        add(half(0) | half(n - 4) << 32);
    } else {
        let byte = |i: usize| u64::from(bytes.get(i).copied().unwrap_or(b' '));
        add(byte(0) | byte(n / 2) << 8 | byte(n - 1) << 16 | SPACES << 24);
    }
    bad == 0 && (n <= 256 || s.chars().count() <= 256)
}

impl PrefixTrie {
    /// The trie of `values`: each a folded value's bytes ([`folded_bytes`]), the rule listing it, and whether in a
    /// `Not` list.
    pub(crate) fn build(values: &[(Vec<u8>, usize, bool)]) -> PrefixTrie {
        // The classes first: one per distinct folded byte, in byte order.
        // A value with a byte no valid report has (below 0x20 or above 0xC3) is a prefix of none, so it is left
        // out; validated values never have one.
        let values: Vec<_> =
            values.iter().filter(|(value, _, _)| value.iter().all(|b| (0x20..=0xC3).contains(b))).collect();
        let mut class_of = [0u8; 256];
        for (value, _, _) in &values {
            for &byte in value {
                class_of[byte as usize] = 1;
            }
        }
        let mut next_class = 0u8;
        for class in class_of.iter_mut() {
            if *class != 0 {
                // At most 256 distinct bytes; class 0 is kept for the bytes no value holds, and a folded value never
                // holds an ASCII capital, so 255 classes are enough.
                next_class = next_class.saturating_add(1);
                *class = next_class;
            }
        }
        let mut classes = Box::new([0u8; 512]);
        for (i, class) in classes.iter_mut().enumerate() {
            *class = class_of[FOLDED[i] as usize];
        }

        // A pointer trie first, its nodes in one array, each with its first child and its next sibling (no
        // allocation per node), and the rules whose values end there.
        #[derive(Clone, Copy)]
        struct Node {
            class: u8,
            first_child: u32,
            next_sibling: u32,
            ending: Listed,
        }
        const NONE: u32 = u32::MAX;
        let mut nodes = vec![Node { class: 0, first_child: NONE, next_sibling: NONE, ending: Listed::default() }];
        for (value, rule, negative) in &values {
            let mut node = 0usize;
            for &byte in value.iter() {
                let class = class_of[byte as usize];
                let mut child = nodes[node].first_child;
                while child != NONE && nodes[child as usize].class != class {
                    child = nodes[child as usize].next_sibling;
                }
                if child == NONE {
                    child = nodes.len() as u32;
                    let next_sibling = nodes[node].first_child;
                    nodes.push(Node { class, first_child: NONE, next_sibling, ending: Listed::default() });
                    nodes[node].first_child = child;
                }
                node = child as usize;
            }
            let bit = 1u64 << (rule % 64);
            if *negative {
                nodes[node].ending.negative |= bit;
            } else {
                nodes[node].ending.positive |= bit;
            }
        }

        // Packed in breadth-first order, each node's masks joined with its parent's on the way.
        let mut states: Vec<(u32, u32)> = vec![(0, FREE)];
        let mut listed: Vec<Listed> = vec![nodes[0].ending];
        let mut used: Vec<bool> = vec![true];
        let mut first_free = 1usize;
        // (node, its state), and a buffer for a node's children as (class, node).
        let mut queue = std::collections::VecDeque::from([(0usize, 0usize)]);
        let mut kids: Vec<(u8, usize)> = Vec::new();
        while let Some((node, state)) = queue.pop_front() {
            kids.clear();
            let mut child = nodes[node].first_child;
            while child != NONE {
                kids.push((nodes[child as usize].class, child as usize));
                child = nodes[child as usize].next_sibling;
            }
            let Some(lowest) = kids.iter().map(|&(class, _)| class as usize).min() else {
                continue;
            };
            let fits = |base: usize, used: &[bool]| {
                kids.iter().all(|&(class, _)| used.get(base + class as usize).is_none_or(|&u| !u))
            };
            let start = first_free.saturating_sub(lowest);
            let base = (start..start + SEARCH).find(|&base| fits(base, &used)).unwrap_or(used.len());
            states[state].0 = base as u32;
            for &(class, child) in &kids {
                let slot = base + class as usize;
                if slot >= used.len() {
                    used.resize(slot + 1, false);
                    states.resize(slot + 1, (0, FREE));
                    listed.resize(slot + 1, Listed::default());
                }
                used[slot] = true;
                states[slot].1 = state as u32;
                let (end, parent) = (nodes[child].ending, listed[state]);
                listed[slot] =
                    Listed { positive: end.positive | parent.positive, negative: end.negative | parent.negative };
                queue.push_back((child, slot));
            }
            while used.get(first_free).is_some_and(|&u| u) {
                first_free += 1;
            }
        }
        PrefixTrie { classes, states: states.into_boxed_slice(), listed: listed.into_boxed_slice() }
    }

    /// The rules whose values are prefixes of `reported`, once folded; `reported` is checked by the caller.
    #[inline]
    pub(crate) fn walk(&self, reported: &str) -> Listed {
        let mut state = 0usize;
        let mut after_c3 = 0usize;
        for &byte in reported.as_bytes() {
            let class = self.classes[(after_c3 | byte as usize) & 511] as usize;
            after_c3 = usize::from(byte == 0xC3) << 8;
            let next = self.states.get(state).map_or(0, |&(base, _)| base as usize) + class;
            // A branch, not a select: predicted, it lets the next step's load start before this step's check.
            match self.states.get(next) {
                Some(&(_, check)) if check as usize == state => state = next,
                _ => break,
            }
        }
        self.listed.get(state).copied().unwrap_or_default()
    }

    /// The heap memory the trie takes, in bytes.
    pub(crate) fn heap_bytes(&self) -> usize {
        512 + std::mem::size_of_val(&*self.states) + std::mem::size_of_val(&*self.listed)
    }
}

impl Default for PrefixTrie {
    fn default() -> Self {
        PrefixTrie::build(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// SEMANTICS 2.4 read literally: fold every character, then compare as strings.
    fn folded(s: &str) -> String {
        s.chars().map(crate::uncertain::fold).collect()
    }

    fn listed_by_scan(values: &[(String, usize, bool)], reported: &str) -> Listed {
        let mut listed = Listed::default();
        for (value, rule, negative) in values {
            if folded(reported).starts_with(&folded(value)) {
                if *negative {
                    listed.negative |= 1 << rule;
                } else {
                    listed.positive |= 1 << rule;
                }
            }
        }
        listed
    }

    fn trie_of(values: &[(String, usize, bool)]) -> PrefixTrie {
        let bytes: Vec<_> = values.iter().map(|(v, rule, negative)| (folded_bytes(v), *rule, *negative)).collect();
        PrefixTrie::build(&bytes)
    }

    /// Characters where folding or UTF-8 has an edge: capitals and their small letters in ASCII and Latin-1, `×`
    /// and `÷` (not folded), `ß` and `ÿ` (no Latin-1 capital), the ends of each UTF-8 length, and a few plain ones.
    const ALPHABET: &[char] = &[
        'a', 'A', 'z', 'Z', ' ', '~', '\u{7F}', '*', '$', '\u{80}', '\u{BF}', '©', 'µ', 'À', 'à', 'É', 'é', 'Ö', 'ö',
        '×', '÷', 'Ø', 'ø', 'Þ', 'þ', 'ß', 'ÿ', 'Ñ', 'ñ',
    ];

    fn text(max: usize) -> impl Strategy<Value = String> {
        proptest::collection::vec(proptest::sample::select(ALPHABET), 1..max).prop_map(|c| c.into_iter().collect())
    }

    #[test]
    fn a_value_matches_a_report_it_prefixes_in_any_case() {
        let values =
            vec![("iPhone".to_string(), 0, false), ("ÉCLAIR".to_string(), 1, true), ("i".to_string(), 2, false)];
        let trie = trie_of(&values);
        assert_eq!(trie.walk("IPHONE 15"), Listed { positive: 0b101, negative: 0 });
        assert_eq!(trie.walk("éclair-9"), Listed { positive: 0, negative: 0b10 });
        assert_eq!(trie.walk("iPad"), Listed { positive: 0b100, negative: 0 });
        assert_eq!(trie.walk("Android"), Listed::default());
        // `×` is not the capital of `÷`, though they sit 0x20 apart.
        let times = trie_of(&[("×".to_string(), 0, false)]);
        assert_eq!(times.walk("÷"), Listed::default());
        assert_eq!(times.walk("×2"), Listed { positive: 1, negative: 0 });
    }

    #[test]
    fn an_empty_trie_lists_nothing() {
        assert_eq!(PrefixTrie::default().walk("anything"), Listed::default());
    }

    /// SEMANTICS 2.4 and the model's `DeviceType` and siblings: 1 to 256 characters from U+0020 to U+00FF.
    fn is_property_value_by_characters(s: &str) -> bool {
        (1..=256).contains(&s.chars().count()) && s.chars().all(|c| ('\u{20}'..='\u{FF}').contains(&c))
    }

    #[test]
    fn a_property_value_is_1_to_256_latin1_characters() {
        assert!(is_property_value("iPhone"));
        assert!(is_property_value("ÑANDÚ é ÿ"));
        assert!(is_property_value("\u{7F}\u{80}\u{FF}"));
        assert!(!is_property_value(""));
        assert!(!is_property_value("tab\there"));
        assert!(!is_property_value("\u{1F}"));
        assert!(!is_property_value("Ā"), "U+0100 is past Latin-1");
        assert!(!is_property_value("long enough to take two words, then €"));
        // Counted in characters, not bytes: 256 two-byte characters are valid, 257 one-byte ones are not.
        assert!(is_property_value(&"é".repeat(256)));
        assert!(!is_property_value(&"é".repeat(257)));
        assert!(is_property_value(&"a".repeat(256)));
        assert!(!is_property_value(&"a".repeat(257)));
        assert!(!is_property_value(&format!("{}{}", "é".repeat(100), "a".repeat(157))));
        assert!(is_property_value(&format!("{}{}", "é".repeat(100), "a".repeat(156))));
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

        /// The walk lists exactly the values a scan of SEMANTICS 2.4 finds to be prefixes of the report.
        #[test]
        fn the_walk_agrees_with_a_scan(
            values in proptest::collection::vec((text(6), 0usize..64, any::<bool>()), 0..40),
            reports in proptest::collection::vec(text(10), 1..20),
        ) {
            let trie = trie_of(&values);
            for report in &reports {
                prop_assert_eq!(trie.walk(report), listed_by_scan(&values, report), "report {:?}", report);
            }
            // Each value, as listed and with its case flipped, reaches at least its own rule.
            for (value, rule, negative) in &values {
                let flipped: String = value.chars().flat_map(|c| {
                    if c.is_lowercase() { c.to_uppercase().collect::<Vec<_>>() } else { c.to_lowercase().collect() }
                }).collect();
                for report in [value.clone(), flipped] {
                    if is_property_value(&report) {
                        prop_assert_eq!(trie.walk(&report), listed_by_scan(&values, &report));
                    }
                }
                let listed = trie.walk(value);
                let own = if *negative { listed.negative } else { listed.positive };
                prop_assert!(own & 1 << rule != 0, "{:?} does not reach its own rule {}", value, rule);
            }
        }

        /// The eight-bytes-at-a-time check agrees with a check of each character, at every length up to 40 and
        /// around the limit of 256 characters.
        #[test]
        fn the_value_check_agrees_with_a_check_of_each_character(
            s in "\\PC{0,40}|[\\x00-\\u{1FF}]{0,40}|[a\\x1Fé\\u{100}]{250,260}|[aé]{250,260}"
        ) {
            prop_assert_eq!(is_property_value(&s), is_property_value_by_characters(&s));
        }
    }
}
