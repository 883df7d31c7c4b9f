//! The compiled engine against the reference evaluator, on organizations and requests the fuzzer steers.
//!
//! The organization comes from `workmail_policy::testing` with a seed and a shape taken from the input; the
//! requests are the generator's own (CIDR edges, case-flipped prefixes, unknown users) and requests whose members
//! the fuzzer writes: arbitrary text (non-ASCII, empty, long), identifiers from the organization, and edits of
//! them. Both evaluators must give the same answer or the same error for every request of all three calls, and a
//! prepared query (`Policy::prepare_*`) the one-shot call's.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use workmail_policy::testing::{self, Generated, OwnedAccessRequest, OwnedImpersonationRequest, OwnedMobileRequest};
use workmail_policy::testing::{Rng, Shape};
use workmail_policy::validate::{validate, Options};
use workmail_policy::{reference, Policy};

#[derive(Debug, Arbitrary)]
struct Case {
    seed: u64,
    /// Each count is taken modulo a small bound, so that organizations stay within the service's list sizes.
    counts: [u8; 11],
    /// Requests the generator makes, per call.
    generated: u8,
    access: Vec<Access>,
    mobile: Vec<Mobile>,
    impersonation: Vec<Impersonation>,
}

/// A request member as the fuzzer writes it.
#[derive(Debug, Arbitrary)]
enum Text {
    Raw(String),
    /// The `n`th identifier or value of the organization's pools.
    Pool(u16),
    /// A pool entry with its letters' case flipped where `mask` has a bit.
    Flipped(u16, u64),
    /// A pool entry with text appended.
    Extended(u16, String),
    /// A pool entry cut to `n` characters.
    Cut(u16, u8),
    /// One character many times: long members.
    Long(char, u16),
    Empty,
}

#[derive(Debug, Arbitrary)]
struct Access {
    ip_address: Text,
    action: Text,
    user_id: Option<Text>,
    impersonation_role_id: Option<Text>,
}

#[derive(Debug, Arbitrary)]
struct Mobile {
    properties: [Option<Text>; 4],
    user_id: Option<Text>,
    device_id: Option<Text>,
}

#[derive(Debug, Arbitrary)]
struct Impersonation {
    impersonation_role_id: Text,
    target_user: Text,
}

/// Everything a request could name: users in every form, roles, actions, addresses at range edges, device values.
fn pool(generated: &Generated) -> Vec<String> {
    let mut pool: Vec<String> = generated.people.iter().flat_map(|p| [p.id.clone(), p.email.clone(), p.name.clone()]).collect();
    pool.extend(generated.role_ids.iter().cloned());
    pool.extend(["ActiveSync", "AutoDiscover", "EWS", "IMAP", "SMTP", "WindowsOutlook", "WebMail", "imap"].map(String::from));
    for &(lo, hi) in &generated.ranges {
        for address in [lo, hi, lo.wrapping_sub(1), hi.wrapping_add(1)] {
            pool.push(std::net::Ipv4Addr::from(address).to_string());
        }
    }
    pool.extend(["iPhone", "Android", "Ñandú", "$NONE", "SM-G*", "ABC123", "dev42"].map(String::from));
    pool
}

impl Text {
    fn resolve(&self, pool: &[String]) -> String {
        let pick = |n: u16| pool[usize::from(n) % pool.len()].clone();
        match self {
            Text::Raw(s) => s.clone(),
            Text::Pool(n) => pick(*n),
            Text::Flipped(n, mask) => pick(*n)
                .chars()
                .enumerate()
                .map(|(i, c)| {
                    if mask >> (i % 64) & 1 == 0 {
                        return c;
                    }
                    let flipped: Vec<char> =
                        if c.is_lowercase() { c.to_uppercase().collect() } else { c.to_lowercase().collect() };
                    if flipped.len() == 1 { flipped[0] } else { c }
                })
                .collect(),
            Text::Extended(n, suffix) => pick(*n) + suffix,
            Text::Cut(n, len) => pick(*n).chars().take(usize::from(*len)).collect(),
            Text::Long(c, n) => std::iter::repeat_n(*c, usize::from(*n)).collect(),
            Text::Empty => String::new(),
        }
    }
}

fuzz_target!(|case: Case| {
    let c = |i: usize, bound: u8| usize::from(case.counts[i] % bound);
    let shape = Shape {
        exact: false,
        access_rules: c(0, 12),
        ip_ranges: c(1, 8),
        not_ip_ranges: c(2, 6),
        principals: c(3, 6),
        mobile_rules: c(4, 12),
        mobile_values: c(5, 6),
        overrides: c(6, 8),
        roles: c(7, 5),
        role_rules: c(8, 8),
        targets: c(9, 6),
        users: c(10, 16),
    };
    let generated = testing::organization(case.seed, &shape);
    let validation = validate(&generated.file, &Options { enforce_quotas: false });
    let Some(org) = validation.organization else { return };
    let policy = Policy::compile(&org).expect("small organizations compile");
    let pool = pool(&generated);
    let text = |t: &Text| t.resolve(&pool);

    let mut access: Vec<OwnedAccessRequest> = case
        .access
        .iter()
        .map(|r| OwnedAccessRequest {
            ip_address: text(&r.ip_address),
            action: text(&r.action),
            user_id: r.user_id.as_ref().map(text),
            impersonation_role_id: r.impersonation_role_id.as_ref().map(text),
        })
        .collect();
    let mut mobile: Vec<OwnedMobileRequest> = case
        .mobile
        .iter()
        .map(|r| OwnedMobileRequest {
            properties: [0, 1, 2, 3].map(|i| r.properties[i].as_ref().map(text)),
            user_id: r.user_id.as_ref().map(text),
            device_id: r.device_id.as_ref().map(text),
        })
        .collect();
    let mut impersonation: Vec<OwnedImpersonationRequest> = case
        .impersonation
        .iter()
        .map(|r| OwnedImpersonationRequest {
            impersonation_role_id: text(&r.impersonation_role_id),
            target_user: text(&r.target_user),
        })
        .collect();
    let mut rng = Rng::new(case.seed ^ 0x5EED);
    for _ in 0..case.generated % 16 {
        access.push(generated.access_request(&mut rng));
        mobile.push(generated.mobile_request(&mut rng));
        impersonation.push(generated.impersonation_request(&mut rng));
    }

    for request in &access {
        let engine = policy.access(&request.as_request()).map(|a| a.to_response());
        assert_eq!(engine, reference::access(&org, &request.as_request()), "access {request:?}");
        let prepared = policy.prepare_access(&request.as_request()).answer().map(|a| a.to_response());
        assert_eq!(prepared, engine, "prepared access {request:?}");
    }
    for request in &mobile {
        let engine = policy.mobile(&request.as_request()).map(|a| a.to_response());
        assert_eq!(engine, reference::mobile(&org, &request.as_request()), "mobile {request:?}");
        let prepared = policy.prepare_mobile(&request.as_request()).answer().map(|a| a.to_response());
        assert_eq!(prepared, engine, "prepared mobile {request:?}");
    }
    for request in &impersonation {
        let engine = policy.impersonation(&request.as_request()).map(|a| a.to_response());
        assert_eq!(engine, reference::impersonation(&org, &request.as_request()), "impersonation {request:?}");
        let prepared = policy.prepare_impersonation(&request.as_request()).answer().map(|a| a.to_response());
        assert_eq!(prepared, engine, "prepared impersonation {request:?}");
    }
});
