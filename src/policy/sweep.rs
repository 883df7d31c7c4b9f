//! The address sweep: every access-control rule's `IpRanges` and `NotIpRanges`, walked along the IPv4 address
//! line once, so that the address space falls into intervals on which the same rules' address conditions hold.
//!
//! Each range is two events, where it starts and one past where it ends; a rule's address conditions hold where it
//! has no `IpRanges` or is inside one of them, and is inside none of its `NotIpRanges` (SEMANTICS 1.3). The engine
//! builds its address index from the sweep ([`super::access`]) and the analyses their address dimension
//! (`analyse::space`), so both cut the address line at the same places by the same reading of 1.3.
//!
//! Costs: 8 bytes per event, sorted by a three-pass radix sort (linear in the ranges); the walk is linear in the
//! events and calls back once per event and once per interval, which is where the callers spend their time.

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

#[cfg(test)]
mod tests {
    use super::radix_sort_by_position;

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
