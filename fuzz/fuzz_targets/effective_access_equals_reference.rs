//! Effective access and lint's lockouts against the reference evaluator, on organizations the fuzzer steers, and
//! `--must-reach` values the fuzzer writes.
//!
//! The organization comes from `workmail_policy::testing` with a seed and a shape taken from the input. Every
//! cell of the matrix must cover each address once and give, at the fuzzer's addresses and at each range's ends,
//! the reference evaluator's answer; every user lint reports locked out of every protocol must get no `ALLOW` from
//! the reference evaluator at those addresses. Arbitrary `USER[:PROTOCOL]` text is parsed: a value either parses,
//! prints back to text that parses to itself and lints without a panic, or is refused with a message.

#![no_main]

use std::net::Ipv4Addr;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use workmail_policy::analyse::diff::PrincipalKind;
use workmail_policy::analyse::effective::PROTOCOLS;
use workmail_policy::analyse::lint::{self, Check, Extent, MustReach};
use workmail_policy::analyse::{self, Outcome};
use workmail_policy::testing::{self, Shape};
use workmail_policy::validate::{validate, Options};
use workmail_policy::{reference, AccessRequest};

#[derive(Debug, Arbitrary)]
struct Case {
    seed: u64,
    /// Each count is taken modulo a small bound, so that organizations stay small.
    counts: [u8; 6],
    addresses: Vec<u32>,
    must_reach: Vec<String>,
}

fuzz_target!(|case: Case| {
    let c = |i: usize, bound: u8| usize::from(case.counts[i] % bound);
    let shape = Shape {
        exact: false,
        access_rules: c(0, 12),
        ip_ranges: c(1, 8),
        not_ip_ranges: c(2, 6),
        principals: c(3, 6),
        roles: c(4, 5),
        users: c(5, 16),
        ..Shape::varied()
    };
    let generated = testing::organization(case.seed, &shape);
    let Some(org) = validate(&generated.file, &Options { enforce_quotas: false }).organization else { return };
    let matrix = analyse::effective_access(&org);
    let ask = |kind: PrincipalKind, id: &str, protocol: &str, address: u32| {
        let ip = Ipv4Addr::from(address).to_string();
        let request = match kind {
            PrincipalKind::User => {
                AccessRequest { ip_address: &ip, action: protocol, user_id: Some(id), ..Default::default() }
            }
            PrincipalKind::ImpersonationRole => AccessRequest {
                ip_address: &ip,
                action: protocol,
                impersonation_role_id: Some(id),
                ..Default::default()
            },
        };
        Outcome::of(reference::access(&org, &request))
    };
    let addresses: Vec<u32> = case.addresses.iter().copied().take(16).collect();
    for row in &matrix.rows {
        for reach in row.protocols.iter() {
            let mut covered = 0u64;
            let mut points = addresses.clone();
            for region in &reach.regions {
                for range in &region.ranges {
                    covered += u64::from(u32::from(range.last)) - u64::from(u32::from(range.first)) + 1;
                    points.extend([u32::from(range.first), u32::from(range.last)]);
                }
            }
            assert_eq!(covered, 1 << 32, "{}: {} covers every address once", row.principal.label, reach.protocol);
            for address in points {
                let expected = ask(row.principal.kind, &row.principal.id, reach.protocol, address);
                assert_eq!(
                    reach.answer_at(Ipv4Addr::from(address)),
                    Some(&expected),
                    "{} {} from {address}",
                    row.principal.label,
                    reach.protocol
                );
            }
        }
    }

    let must_reach: Vec<MustReach> = case
        .must_reach
        .iter()
        .take(8)
        .filter_map(|text| match text.parse::<MustReach>() {
            Ok(must) => {
                assert_eq!(must.to_string().parse::<MustReach>().as_ref(), Ok(&must), "{text:?} prints back");
                Some(must)
            }
            Err(message) => {
                assert!(!message.is_empty());
                None
            }
        })
        .collect();
    let report = lint::lint_with(&org, &[], &lint::Options { must_reach });
    for finding in report.findings.iter().filter(|f| f.check == Check::UserLockedOut) {
        let lockout = finding.lockout.as_ref().expect("a user lockout has its details");
        assert_eq!(lockout.extent, Extent::EveryProtocolEverywhere);
        let Some(row) = matrix.users().find(|r| finding.path == r.principal.path.clone().unwrap_or_default()) else {
            continue;
        };
        for protocol in PROTOCOLS {
            for &address in &addresses {
                let answer = ask(PrincipalKind::User, &row.principal.id, protocol, address);
                assert!(
                    !matches!(answer, Outcome::Answer(ref a) if a.effect == workmail_policy::Effect::Allow),
                    "{finding}: {protocol} from {address}"
                );
            }
        }
    }
});
