//! What-if analysis on service-maximum organizations (`Shape::service_maximum()`: 10 access rules of 1024
//! `IpRanges` and 1024 `NotIpRanges` each, 10 mobile rules of 10 values per list, 20 roles of 10 rules, a thousand
//! users, a hundred overrides).
//!
//! - `diff/service_maximum/independent`: two organizations from different seeds, all three calls: nearly every
//!   request changes, the worst case for region merging.
//! - `diff/service_maximum/one_rule_changed`: an organization against itself with one access rule's effect
//!   flipped, the shape of a real review.
//! - `diff/service_maximum_rules_match/independent`: the same without `NotIpRanges`. Among 1024 random
//!   `NotIpRanges` the generator nearly always draws a `/0` or `/1`, so service-maximum access rules match no
//!   request at all; without them, the rules match and the access diff has regions to find and merge.
//! - `lint/service_maximum`: every check on one organization, dead rules proved by diff (its ten access rules
//!   are dead, as above, so this includes ten access diffs).
//!
//! - `effective_access/service_maximum` and `effective_access/service_maximum_rules_match`: the whole
//!   effective-access matrix (a row per directory user, of whom there are a thousand, and per role; a cell per
//!   protocol with its regions and their address ranges), on the two service-maximum shapes above.
//!
//! - `effective_access/typical` and `effective_access/typical_reference`: the matrix of a typical organization
//!   (10 rules of 16 CIDRs, 100 users, 20 roles), and the same cells computed the obvious way, for the ratio:
//!   the reference evaluator asked at the start of every elementary address interval (each CIDR's network address
//!   and broadcast address + 1), for every user and role and protocol.
//!
//! `cargo bench --bench analysis`. Targets: diff ≤ 50 ms, lint ≤ 200 ms, effective access ≤ 200 ms.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use workmail_policy::analyse::{self, Kind};
use workmail_policy::testing::{self, Shape};
use workmail_policy::validate::{validate, Options, Validation};
use workmail_policy::{reference, AccessRequest, Effect, Organization};

fn validated(file: &workmail_policy::OrganizationFile) -> (Validation, Organization) {
    let validation = validate(file, &Options { enforce_quotas: false });
    let org = validation.organization.clone().expect("generated organizations validate");
    (validation, org)
}

fn diff(c: &mut Criterion) {
    let (_, old) = validated(&testing::organization(1, &Shape::service_maximum()).file);
    let (_, new) = validated(&testing::organization(2, &Shape::service_maximum()).file);
    let mut flipped = testing::organization(1, &Shape::service_maximum()).file;
    if let Some(rule) = flipped.access_control_rules.as_mut().and_then(|rules| rules.get_mut(3)) {
        rule.effect = Some(if rule.effect.as_deref() == Some("ALLOW") { "DENY" } else { "ALLOW" }.into());
    }
    let (_, flipped) = validated(&flipped);

    let mut group = c.benchmark_group("diff/service_maximum");
    group.sample_size(30).measurement_time(Duration::from_secs(5));
    group.bench_function("independent", |b| b.iter(|| analyse::diff(black_box(&old), black_box(&new), &Kind::ALL)));
    group.bench_function("one_rule_changed", |b| {
        b.iter(|| analyse::diff(black_box(&old), black_box(&flipped), &Kind::ALL))
    });
    group.finish();

    let matching = Shape { not_ip_ranges: 0, ..Shape::service_maximum() };
    let (_, old) = validated(&testing::organization(1, &matching).file);
    let (_, new) = validated(&testing::organization(2, &matching).file);
    let mut group = c.benchmark_group("diff/service_maximum_rules_match");
    group.sample_size(30).measurement_time(Duration::from_secs(5));
    group.bench_function("independent", |b| b.iter(|| analyse::diff(black_box(&old), black_box(&new), &Kind::ALL)));
    group.finish();
}

fn lint(c: &mut Criterion) {
    let (validation, org) = validated(&testing::organization(1, &Shape::service_maximum()).file);
    let mut group = c.benchmark_group("lint");
    group.sample_size(20).measurement_time(Duration::from_secs(5));
    group.bench_function("service_maximum", |b| b.iter(|| analyse::lint(black_box(&org), &validation.findings)));
    group.finish();
}

fn effective_access(c: &mut Criterion) {
    let (_, org) = validated(&testing::organization(1, &Shape::service_maximum()).file);
    let matching = Shape { not_ip_ranges: 0, ..Shape::service_maximum() };
    let (_, matching) = validated(&testing::organization(1, &matching).file);
    assert_eq!(org.users.as_ref().map(Vec::len), Some(1000), "the bench's organization has a thousand users");
    let mut group = c.benchmark_group("effective_access");
    group.sample_size(20).measurement_time(Duration::from_secs(5));
    group.bench_function("service_maximum", |b| b.iter(|| analyse::effective_access(black_box(&org))));
    group.bench_function("service_maximum_rules_match", |b| b.iter(|| analyse::effective_access(black_box(&matching))));
    let (_, typical) = validated(&testing::organization(1, &Shape::typical()).file);
    group.bench_function("typical", |b| b.iter(|| analyse::effective_access(black_box(&typical))));
    group.sample_size(10);
    group.bench_function("typical_reference", |b| b.iter(|| reference_matrix(black_box(&typical))));
    group.finish();
}

/// The effective-access cells the obvious way: the reference evaluator at the start of every elementary address
/// interval, for every directory user and role, for each of the seven protocols. Returns how many answers are
/// `ALLOW`, so that nothing is optimized away.
fn reference_matrix(org: &Organization) -> usize {
    let mut starts: Vec<u32> = vec![0];
    for rule in &org.access_control_rules {
        for net in rule.ip_ranges.iter().chain(&rule.not_ip_ranges) {
            starts.push(u32::from(net.network()));
            if let Some(next) = u32::from(net.broadcast()).checked_add(1) {
                starts.push(next);
            }
        }
    }
    starts.sort_unstable();
    starts.dedup();
    let addresses: Vec<String> = starts.iter().map(|&a| std::net::Ipv4Addr::from(a).to_string()).collect();
    let users = org.users.iter().flatten().map(|u| (Some(u.id.as_str()), None));
    let roles = org.impersonation_roles.iter().flatten().map(|r| (None, Some(r.id.as_str())));
    let mut allowed = 0;
    for (user_id, impersonation_role_id) in users.chain(roles) {
        for action in analyse::effective::PROTOCOLS {
            for ip_address in &addresses {
                let request = AccessRequest { ip_address, action, user_id, impersonation_role_id };
                if matches!(reference::access(org, &request), Ok(answer) if answer.effect == Effect::Allow) {
                    allowed += 1;
                }
            }
        }
    }
    allowed
}

criterion_group!(benches, diff, lint, effective_access);
criterion_main!(benches);
