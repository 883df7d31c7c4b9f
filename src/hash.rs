//! The hash maps of compiling and analysing: [`rustc_hash`]'s `FxHasher`, whose keys are fixed.
//!
//! The keys of these maps come from the organization's own rules and directory (a compiled policy keeps one, its
//! mobile-device overrides), so the standard library's SipHash (keyed against flooding) would cost more than it
//! protects. Fixed keys keep iteration order, and so every output, the same on every run.
//!
//! Not collision-resistant: an organization file crafted so that many of its identifiers hash alike would make
//! compiling that organization slow, quadratic in the colliding identifiers, and queries of those identifiers
//! slow, linear in them (at most
//! `load::Limits::max_list_items` per file). Validation, which every loaded file passes first, uses SipHash; the
//! README lists the trade-off. A query's string lookups go through `policy::string_table`, which hashes the same
//! way.

use std::collections::{HashMap, HashSet};

/// The build hasher of every map here. (`BuildHasherDefault` rather than the crate's `FxBuildHasher`, which has no
/// `Debug`.)
pub type IdBuildHasher = std::hash::BuildHasherDefault<rustc_hash::FxHasher>;

/// A hash map with [`IdBuildHasher`].
pub type IdHashMap<K, V> = HashMap<K, V, IdBuildHasher>;
/// A hash set with [`IdBuildHasher`].
pub type IdHashSet<K> = HashSet<K, IdBuildHasher>;

/// SplitMix64, for keys that must look random but be the same on every run (compiling is deterministic).
pub struct SplitMix(pub u64);

impl SplitMix {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn similar_ids_spread_over_buckets() {
        let build = IdBuildHasher::default();
        let mut low_bits = std::collections::HashSet::new();
        for i in 0..4096 {
            let id = format!("S-1-1-11-4012345678-{:010}-2000000001-1001", i);
            low_bits.insert(build.hash_one(id.as_str()) & 0xFFF);
        }
        // 4096 keys into 4096 buckets: a good hash fills about 63% of them.
        assert!(low_bits.len() > 2300, "{} distinct buckets", low_bits.len());
    }
}
