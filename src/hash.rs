//! A small, fast, non-cryptographic hasher for the engine's id maps.
//!
//! The keys of every map in a compiled policy come from the organization's own rules and directory, and queries
//! only look keys up, so there is nothing for an attacker to flood; the standard library's SipHash would cost more
//! than the rest of a query. User ids are 40-odd bytes, so the hasher takes 16 bytes per step and mixes them with
//! one 64×64→128-bit multiply folded to 64 bits (the scheme of wyhash and foldhash): three dependent multiplies
//! for a typical id, where a word-at-a-time hasher needs six.
//!
//! It is not collision-resistant: an organization file crafted so that many of its identifiers hash alike would
//! make compiling that organization slow, quadratic in the colliding identifiers (at most
//! `load::Limits::max_list_items` per file). Validation, which every loaded file passes first, uses SipHash; the
//! engine keeps this hasher for query speed, a trade-off the README lists.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

#[derive(Default, Clone, Copy)]
pub struct IdHasher {
    hash: u64,
}

const K0: u64 = 0x243F_6A88_85A3_08D3;
const K1: u64 = 0x1319_8A2E_0370_7344;
const K2: u64 = 0xA409_3822_299F_31D0;

#[inline]
fn folded_multiply(a: u64, b: u64) -> u64 {
    let full = u128::from(a) * u128::from(b);
    (full as u64) ^ ((full >> 64) as u64)
}

#[inline]
fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

#[inline]
fn u32_at(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    u64::from(u32::from_le_bytes(word))
}

/// The last 1 to 16 bytes as two words, read with overlapping fixed-size loads rather than a copy of variable
/// length (which would be a call to `memcpy`); the length, already mixed in, keeps overlaps apart.
#[inline]
fn tail(rest: &[u8]) -> (u64, u64) {
    let n = rest.len();
    match n {
        0 => (0, 0),
        1..=3 => (u64::from(rest[0]) << 16 | u64::from(rest[n / 2]) << 8 | u64::from(rest[n - 1]), 0),
        4..=8 => (u32_at(rest, 0), u32_at(rest, n - 4)),
        _ => (u64_at(rest, 0), u64_at(rest, n - 8)),
    }
}

impl IdHasher {
    #[inline]
    fn mix(&mut self, a: u64, b: u64) {
        self.hash = folded_multiply(a ^ self.hash ^ K1, b ^ K2);
    }
}

impl Hasher for IdHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        self.hash ^= (bytes.len() as u64).wrapping_mul(K0);
        let mut chunks = bytes.chunks_exact(16);
        for chunk in &mut chunks {
            self.mix(u64_at(chunk, 0), u64_at(chunk, 8));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let (a, b) = tail(rest);
            self.mix(a, b);
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.mix(u64::from(i), 0);
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.mix(u64::from(i), 0);
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.mix(i, 0);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.mix(i as u64, 0);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

pub type IdHashMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;
pub type IdHashSet<K> = std::collections::HashSet<K, BuildHasherDefault<IdHasher>>;

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
        let build = BuildHasherDefault::<IdHasher>::default();
        let mut low_bits = std::collections::HashSet::new();
        for i in 0..4096 {
            let id = format!("S-1-1-11-4012345678-{:010}-2000000001-1001", i);
            low_bits.insert(build.hash_one(id.as_str()) & 0xFFF);
        }
        // 4096 keys into 4096 buckets: a good hash fills about 63% of them.
        assert!(low_bits.len() > 2300, "{} distinct buckets", low_bits.len());
    }
}
