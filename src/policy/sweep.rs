//! The address sweep: every access-control rule's `IpRanges` and `NotIpRanges`, walked along the IPv4 address
//! line once, so that the address space falls into intervals on which the same rules' address conditions hold.
//!
//! Each range is two events, where it starts and one past where it ends; a rule's address conditions hold where it
//! has no `IpRanges` or is inside one of them, and is inside none of its `NotIpRanges` (SEMANTICS 1.3). The engine
//! builds its address index from the sweep ([`super::access`]) and the analyses their address dimension
//! (`analyse::space`), so both cut the address line at the same places by the same reading of 1.3. Up to 64
//! rules, the engine takes [`sweep_narrow`], the same walk with the rules as one word, which a property test holds
//! to [`sweep`].
//!
//! Costs: 8 bytes per event, sorted by a three-pass radix sort (linear in the ranges); the walk is linear in the
//! events. [`sweep`] calls back once per event and once per interval, which is where its callers spend their time;
//! [`sweep_narrow`] calls back once per position.

use crate::organization::AccessRule;

/// The sweep's events, sorted by position. An event is a position and what happens there, packed in 8 bytes so
/// that sorting tens of thousands of them is cheap: the rule's index, whether it concerns its NotIpRanges, and
/// whether a range starts or ends. A range reaching 255.255.255.255 ends past the address space, so its end needs
/// no event.
pub(crate) fn address_events(rules: &[AccessRule]) -> Vec<(u32, u32)> {
    let ranges: usize = rules.iter().map(|rule| rule.ip_ranges.len() + rule.not_ip_ranges.len()).sum();
    // Written in place rather than pushed: a push checks the capacity, and this loop is a tenth of compiling.
    let mut events = vec![(0u32, 0u32); 2 * ranges];
    let mut written = 0;
    for (i, rule) in rules.iter().enumerate() {
        let who = (i as u32) << 2;
        for (ranges, kind) in [(&rule.ip_ranges, 0), (&rule.not_ip_ranges, EVENT_NEGATIVE)] {
            for net in ranges {
                // The range's first address and one past its last; a CIDR may keep host bits (a warning, not an
                // error), which the range ignores.
                let host_bits = u32::MAX.checked_shr(u32::from(net.prefix_len())).unwrap_or(0);
                let address = u32::from(net.addr());
                events[written] = (address & !host_bits, who | kind | EVENT_START);
                written += 1;
                if let Some(end) = (address | host_bits).checked_add(1) {
                    events[written] = (end, who | kind);
                    written += 1;
                }
            }
        }
    }
    events.truncate(written);
    // Only the position orders events: all events at one position apply before its interval is read.
    radix_sort_by_position(&mut events);
    events
}

/// An event's flag: it concerns the rule's `NotIpRanges`.
const EVENT_NEGATIVE: u32 = 0b10;
/// An event's flag: a range starts here (else one ends just before).
const EVENT_START: u32 = 0b01;

/// Sorts events by position, least significant digit first: three linear passes of 11, 11 and 10 bits instead of
/// a comparison sort's n log n, which dominated compiling a service-maximum organization. The three digits' counts
/// are taken in one read of the events (24 KB of counters, within the first-level cache), and a digit that every
/// event shares (all ranges in one /10, say) leaves the order as it is and is skipped.
fn radix_sort_by_position(events: &mut Vec<(u32, u32)>) {
    const DIGITS: [(u32, u32); 3] = [(0, 0x7FF), (11, 0x7FF), (22, 0x3FF)];
    // Counts fit `u32`: events are at most twice `MAX_ADDRESS_RANGES`.
    let mut counts = [[0u32; 2048]; 3];
    for &(position, _) in events.iter() {
        for (digit, &(shift, mask)) in DIGITS.iter().enumerate() {
            counts[digit][(position >> shift & mask) as usize] += 1;
        }
    }
    let mut buffer = vec![(0u32, 0u32); events.len()];
    for (digit, &(shift, mask)) in DIGITS.iter().enumerate() {
        let offsets = &mut counts[digit];
        if offsets.iter().any(|&count| count as usize == events.len()) {
            continue;
        }
        let mut sum = 0;
        for offset in offsets.iter_mut() {
            (*offset, sum) = (sum, sum + *offset);
        }
        for &event in events.iter() {
            let bucket = (event.0 >> shift & mask) as usize;
            buffer[offsets[bucket] as usize] = event;
            offsets[bucket] += 1;
        }
        std::mem::swap(events, &mut buffer);
    }
}

/// Walks the address space over `events`: `rule_holds(state, rule, holds)` whenever a rule's address conditions
/// may have changed, and `interval(state, start)` at the start of each interval (first at 0), once that
/// interval's rules are set; it returns false to stop.
pub(crate) fn sweep<S>(
    rules: &[AccessRule],
    events: &[(u32, u32)],
    state: &mut S,
    rule_holds: impl Fn(&mut S, usize, bool),
    mut interval: impl FnMut(&mut S, u64) -> bool,
) {
    // A rule's address conditions hold when it has no IpRanges or the address is in one, and it is in none of its
    // NotIpRanges.
    let holds = |rule: &AccessRule, (positive, negative): (i32, i32)| {
        (rule.ip_ranges.is_empty() || positive > 0) && negative == 0
    };
    for (i, rule) in rules.iter().enumerate() {
        rule_holds(state, i, holds(rule, (0, 0)));
    }
    if !interval(state, 0) {
        return;
    }
    let mut inside = vec![(0i32, 0i32); rules.len()];
    let mut k = 0;
    while k < events.len() {
        let position = events[k].0;
        while k < events.len() && events[k].0 == position {
            let what = events[k].1;
            let rule = (what >> 2) as usize;
            let delta = if what & EVENT_START != 0 { 1 } else { -1 };
            let counts = &mut inside[rule];
            if what & EVENT_NEGATIVE != 0 {
                counts.1 += delta;
            } else {
                counts.0 += delta;
            }
            rule_holds(state, rule, holds(&rules[rule], *counts));
            k += 1;
        }
        if !interval(state, u64::from(position)) {
            return;
        }
    }
}

/// [`sweep`] for at most 64 rules, whose address conditions fit one word: `interval(start, holding)` at the start
/// of each interval (first at 0), with bit `i` of `holding` set when rule `i`'s address conditions hold there; it
/// returns false to stop. Rules past the 64th are not seen.
///
/// The same reading of SEMANTICS 1.3 as [`sweep`], written for the engine's index, which compiling a
/// service-maximum organization spent a third of its time building through [`sweep`]: a callback and a mask
/// update per event, where at the service maximum the events outnumber the intervals six to one. Here an event
/// is a count and a few register operations. (Two versions with no branch on the data, storing an entry per
/// position or per interval, measured no faster.) The tests hold it to [`sweep`].
pub(crate) fn sweep_narrow(rules: &[AccessRule], events: &[(u32, u32)], mut interval: impl FnMut(u32, u64) -> bool) {
    let unrestricted = rules
        .iter()
        .take(64)
        .enumerate()
        .filter(|(_, rule)| rule.ip_ranges.is_empty())
        .fold(0u64, |m, (i, _)| m | 1 << i);
    // How many of each rule's IpRanges (entries 0 to 63) and NotIpRanges (64 to 127) hold the position, and in
    // `inside` which of those counts are not zero. (Two words, not a `u128`: a variable shift of a `u128` is a
    // dozen instructions.)
    let mut counts = [0u32; 128];
    let mut inside = [0u64; 2];
    let holding = |inside: &[u64; 2]| (unrestricted | inside[0]) & !inside[1];
    if !interval(0, unrestricted) {
        return;
    }
    // The position being applied; `u64::MAX` before the first, as no position is.
    let mut at = u64::MAX;
    for &(position, what) in events {
        if u64::from(position) != at {
            if at != u64::MAX && !interval(at as u32, holding(&inside)) {
                return;
            }
            at = u64::from(position);
        }
        let side = (what & EVENT_NEGATIVE) as usize >> 1;
        let rule = (what >> 2) & 63;
        let count = &mut counts[side << 6 | rule as usize];
        // A start adds one and an end takes one away (an end always follows its start): 2 × 1 − 1 or 2 × 0 − 1.
        *count = count.wrapping_add((what & EVENT_START) * 2).wrapping_sub(1);
        let bit = 1u64 << rule;
        inside[side] = inside[side] & !bit | if *count != 0 { bit } else { 0 };
    }
    if at != u64::MAX {
        interval(at as u32, holding(&inside));
    }
}

#[cfg(test)]
mod tests {
    use super::{address_events, radix_sort_by_position, sweep, sweep_narrow};
    use crate::organization::AccessRule;
    use ipnet::Ipv4Net;
    use proptest::prelude::*;

    fn rule(ip_ranges: Vec<Ipv4Net>, not_ip_ranges: Vec<Ipv4Net>) -> AccessRule {
        AccessRule { ip_ranges, not_ip_ranges, ..AccessRule::default_rule() }
    }

    /// Ranges that overlap, nest, repeat, start at 0.0.0.0 and reach 255.255.255.255: addresses from a few /8s and
    /// short prefixes make all of these common.
    fn range() -> impl Strategy<Value = Ipv4Net> {
        (
            prop::sample::select(vec![0u32, 10, 127, 192, 255]),
            any::<u32>(),
            prop::sample::select(vec![0u8, 1, 8, 9, 16, 24, 31, 32]),
        )
            .prop_map(|(top, low, prefix)| Ipv4Net::new((top << 24 | low >> 8).into(), prefix).expect("prefix <= 32"))
    }

    /// Intervals as their starts and the rules (one bit each) that hold on them.
    type Intervals = Vec<(u32, u64)>;

    fn intervals(reports: &[(u32, u64)]) -> Intervals {
        let mut out: Intervals = Vec::new();
        for &(start, holding) in reports {
            if out.last().is_some_and(|&(last, _)| last == start) {
                out.pop();
            }
            if out.last().is_none_or(|&(_, held)| held != holding) {
                out.push((start, holding));
            }
        }
        out
    }

    /// The generic sweep's reports and the narrow sweep's, as intervals.
    fn both(rules: &[AccessRule]) -> (Intervals, Intervals) {
        let events = address_events(rules);
        let mut generic = Vec::new();
        sweep(
            rules,
            &events,
            &mut 0u64,
            |mask, i, holds| *mask = *mask & !(1 << i) | u64::from(holds) << i,
            |mask, start| {
                generic.push((start as u32, *mask));
                true
            },
        );
        let mut narrow = Vec::new();
        sweep_narrow(rules, &events, |start, holding| {
            narrow.push((start, holding));
            true
        });
        // Both report position 0 before its events (and the generic one again after them): compared as the
        // intervals a reader of either builds, the later report at a position winning and neighbours holding the
        // same rules being one interval.
        (intervals(&narrow), intervals(&generic))
    }

    /// A rule without IpRanges holds from 0.0.0.0 (SEMANTICS 1.3), and a range may start there too.
    #[test]
    fn the_narrow_sweep_starts_at_zero_with_the_unrestricted_rules() {
        let net = |s: &str| s.parse::<Ipv4Net>().expect("a CIDR");
        let rules = [rule(vec![], vec![net("10.0.0.0/8")]), rule(vec![net("0.0.0.0/1")], vec![])];
        let (narrow, generic) = both(&rules);
        assert_eq!(narrow, [(0, 0b11), (0x0A00_0000, 0b10), (0x0B00_0000, 0b11), (0x8000_0000, 0b01)]);
        assert_eq!(narrow, generic);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1_000, failure_persistence: None, ..ProptestConfig::default() })]

        /// SEMANTICS 1.3 read once: the one-word sweep the engine takes cuts the address line where the generic
        /// sweep does, with the same rules holding on each interval.
        #[test]
        fn the_narrow_sweep_agrees_with_the_generic_one(
            lists in prop::collection::vec((prop::collection::vec(range(), 0..6), prop::collection::vec(range(), 0..6)), 1..=64),
        ) {
            let rules: Vec<AccessRule> = lists.into_iter().map(|(ip, not_ip)| rule(ip, not_ip)).collect();
            let (narrow, generic) = both(&rules);
            prop_assert!(narrow.first().is_some_and(|&(start, _)| start == 0));
            prop_assert_eq!(narrow, generic);
        }
    }

    /// The radix sort against the standard library's stable sort, on positions that differ in every digit, in
    /// none, and in some: a skipped digit must not change the order.
    #[test]
    fn the_radix_sort_orders_by_position_as_a_stable_sort_does() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for (keep, count) in [(u32::MAX, 5_000), (0, 300), (0x0000_07FF, 2_000), (0xFFC0_0000, 2_000), (0x003F_F800, 1)]
        {
            let base = next() as u32;
            let events: Vec<(u32, u32)> = (0..count).map(|i| ((base & !keep) | (next() as u32 & keep), i)).collect();
            let mut sorted = events.clone();
            radix_sort_by_position(&mut sorted);
            let mut expected = events;
            expected.sort_by_key(|&(position, _)| position);
            assert_eq!(sorted, expected, "positions varying in {keep:#010x}");
        }
    }
}
