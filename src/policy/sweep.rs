//! The address sweep: every access-control rule's `IpRanges` and `NotIpRanges`, walked along the IPv4 address
//! line once, so that the address space falls into intervals on which the same rules' address conditions hold.
//!
//! Each range is two events, where it starts and one past where it ends; a rule's address conditions hold where it
//! has no `IpRanges` or is inside one of them, and is inside none of its `NotIpRanges` (SEMANTICS 1.3). The engine
//! builds its address index from the sweep ([`super::access`]) and the analyses their address dimension
//! (`analyse::space`), so both cut the address line at the same places by the same reading of 1.3.
//!
//! Costs: 8 bytes per event, sorted by a four-pass radix sort (linear in the ranges); the walk is linear in the
//! events and calls back once per event and once per interval, which is where the callers spend their time.

use crate::organization::AccessRule;

/// The sweep's events, sorted by position. An event is a position and what happens there, packed in 8 bytes so
/// that sorting tens of thousands of them is cheap: the rule's index, whether it concerns its NotIpRanges, and
/// whether a range starts or ends. A range reaching 255.255.255.255 ends past the address space, so its end needs
/// no event.
pub(crate) fn address_events(rules: &[AccessRule]) -> Vec<(u32, u32)> {
    let mut events: Vec<(u32, u32)> = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        let who = (i as u32) << 2;
        for (ranges, kind) in [(&rule.ip_ranges, 0), (&rule.not_ip_ranges, EVENT_NEGATIVE)] {
            for net in ranges {
                events.push((u32::from(net.network()), who | kind | EVENT_START));
                if let Some(end) = u32::from(net.broadcast()).checked_add(1) {
                    events.push((end, who | kind));
                }
            }
        }
    }
    // Only the position orders events: all events at one position apply before its interval is read.
    radix_sort_by_position(&mut events);
    events
}

/// An event's flag: it concerns the rule's `NotIpRanges`.
const EVENT_NEGATIVE: u32 = 0b10;
/// An event's flag: a range starts here (else one ends just before).
const EVENT_START: u32 = 0b01;

/// Sorts events by position, a byte at a time (least significant first): four linear passes instead of a
/// comparison sort's n log n, which dominated compiling a service-maximum organization.
fn radix_sort_by_position(events: &mut Vec<(u32, u32)>) {
    let mut buffer = vec![(0u32, 0u32); events.len()];
    for shift in [0, 8, 16, 24] {
        let mut offsets = [0usize; 257];
        for &(position, _) in events.iter() {
            offsets[((position >> shift) & 0xFF) as usize + 1] += 1;
        }
        for b in 0..256 {
            offsets[b + 1] += offsets[b];
        }
        for &event in events.iter() {
            let bucket = ((event.0 >> shift) & 0xFF) as usize;
            buffer[offsets[bucket]] = event;
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
