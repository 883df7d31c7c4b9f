//! Soundness of the what-if analysis (`workmail_policy::analyse`), against both evaluators.
//!
//! For random pairs of organizations (a generated one and a mutation of it: a rule dropped, flipped, moved, a
//! CIDR or device value changed, a user disabled, an override or role type changed; and independent pairs):
//!
//! - every region `diff` reports has a concrete request that the compiled `Policy` and `reference` both answer
//!   as reported in each organization, and the two answers differ;
//! - when `diff` says a call is equivalent, a few hundred random requests of that call get equal answers from
//!   both organizations (and the run as a whole checks far more than 10,000);
//! - a random request answered differently falls in a reported region with those two answers;
//! - every rule `lint` reports dead really is: the diff with the rule removed is empty.
//!
//! Each failure names the seed, which reproduces the organizations through `workmail_policy::testing`.

use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use workmail_policy::analyse::{self, diff::Kind, Outcome};
use workmail_policy::model::OrganizationFile;
use workmail_policy::testing::{self, Generated, Rng, Shape};
use workmail_policy::validate::{validate, Options};
use workmail_policy::{reference, Organization, Policy};

/// Random requests per call checked on each pair that `diff` calls equivalent for that call.
const EQUIVALENT_REQUESTS: usize = 300;
/// Random requests per call checked on each pair for completeness (a differing request lies in a region).
const COMPLETENESS_REQUESTS: usize = 60;

fn checked(file: &OrganizationFile) -> Option<Organization> {
    validate(file, &Options { enforce_quotas: false }).organization
}

/// A random element of `list`, to change.
fn pick_mut<'a, T>(rng: &mut Rng, list: &'a mut [T]) -> Option<&'a mut T> {
    let i = rng.below(list.len());
    list.get_mut(i)
}

/// A change to one part of an organization file, chosen by `rng`; `None` when the file has nothing to change
/// there.
fn mutate(file: &OrganizationFile, generated: &Generated, rng: &mut Rng) -> Option<OrganizationFile> {
    let mut file = file.clone();
    let effect = |e: &Option<String>| Some(if e.as_deref() == Some("ALLOW") { "DENY" } else { "ALLOW" }.to_string());
    match rng.below(14) {
        0 => {
            let rules = file.access_control_rules.as_mut()?;
            (!rules.is_empty()).then(|| rules.remove(rng.below(rules.len())))?;
        }
        1 => {
            let rules = file.access_control_rules.as_mut()?;
            let rule = pick_mut(rng, rules)?;
            rule.effect = effect(&rule.effect);
        }
        2 => {
            let rules = file.access_control_rules.as_mut()?;
            (rules.len() >= 2).then_some(())?;
            let i = rng.below(rules.len() - 1);
            rules.swap(i, i + 1);
        }
        3 => {
            // A CIDR one bit wider or narrower, or moved.
            let rules = file.access_control_rules.as_mut()?;
            let rule = pick_mut(rng, rules)?;
            let ranges = if rng.one_in(2) { rule.ip_ranges.as_mut()? } else { rule.not_ip_ranges.as_mut()? };
            let range = pick_mut(rng, ranges)?;
            let (address, len) = range.split_once('/')?;
            let (address, len): (Ipv4Addr, u8) = (address.parse().ok()?, len.parse().ok()?);
            *range = match rng.below(3) {
                0 => format!("{address}/{}", len.saturating_sub(1)),
                1 => format!("{address}/{}", (len + 1).min(32)),
                _ => format!(
                    "{}/{len}",
                    Ipv4Addr::from(u32::from(address).wrapping_add(1 << (32 - u32::from(len.max(1)))))
                ),
            };
        }
        4 => {
            // An action list or a user list entry dropped or added.
            let rules = file.access_control_rules.as_mut()?;
            let rule = pick_mut(rng, rules)?;
            match rng.below(3) {
                0 => rule.actions = Some(vec![rng.pick(&["IMAP", "EWS", "ActiveSync", "Foo"]).to_string()]),
                1 => rule.not_user_ids = Some(vec![generated.people[rng.below(generated.people.len())].id.clone()]),
                _ => rule.not_actions = None,
            }
        }
        5 => {
            let rules = file.mobile_device_access_rules.as_mut()?;
            (!rules.is_empty()).then(|| rules.remove(rng.below(rules.len())))?;
        }
        6 => {
            let rules = file.mobile_device_access_rules.as_mut()?;
            let rule = pick_mut(rng, rules)?;
            rule.effect = effect(&rule.effect);
        }
        7 => {
            let rules = file.mobile_device_access_rules.as_mut()?;
            (rules.len() >= 2).then_some(())?;
            let i = rng.below(rules.len() - 1);
            rules.swap(i, i + 1);
        }
        8 => {
            // A device value extended, shortened, or case-flipped.
            let rules = file.mobile_device_access_rules.as_mut()?;
            let rule = pick_mut(rng, rules)?;
            let list = [
                &mut rule.device_types,
                &mut rule.not_device_types,
                &mut rule.device_models,
                &mut rule.device_operating_systems,
                &mut rule.not_device_user_agents,
            ]
            .into_iter()
            .flatten()
            .next()?;
            let value = pick_mut(rng, list)?;
            *value = match rng.below(3) {
                0 => format!("{value}x"),
                1 if value.chars().count() > 1 => value.chars().skip(1).collect(),
                _ => value.to_uppercase().chars().filter(|c| (*c as u32) <= 0xFF).collect(),
            };
            if value.is_empty() {
                *value = "Android".into();
            }
        }
        9 => {
            let overrides = file.mobile_device_access_overrides.as_mut()?;
            let o = pick_mut(rng, overrides)?;
            if rng.one_in(2) {
                o.effect = effect(&o.effect);
            } else {
                o.device_id = Some("NEWDEVICE1".into());
            }
        }
        10 => {
            let roles = file.impersonation_roles.as_mut()?;
            let role = pick_mut(rng, roles)?;
            let rules = role.rules.as_mut()?;
            match rng.below(3) {
                0 if !rules.is_empty() => {
                    rules.remove(rng.below(rules.len()));
                }
                1 if !rules.is_empty() => {
                    let rule = pick_mut(rng, rules)?;
                    rule.effect = effect(&rule.effect);
                }
                _ => {
                    role.role_type = Some(
                        if role.role_type.as_deref() == Some("READ_ONLY") { "FULL_ACCESS" } else { "READ_ONLY" }.into(),
                    )
                }
            }
        }
        11 => {
            let roles = file.impersonation_roles.as_mut()?;
            (!roles.is_empty()).then(|| roles.remove(rng.below(roles.len())))?;
        }
        12 => {
            // A user disabled or enabled: impersonation targets answer EntityStateException.
            let users = file.users.as_mut()?;
            let user = pick_mut(rng, users)?;
            user.state = Some(if user.state.as_deref() == Some("ENABLED") { "DISABLED" } else { "ENABLED" }.into());
        }
        _ => {
            // A user added to the directory: that user's requests are answered instead of refused.
            let users = file.users.as_mut()?;
            users.push(workmail_policy::model::User {
                id: Some("S-1-1-11-5555555555-0000".into()),
                email: Some("newcomer@example.com".into()),
                name: Some("newcomer".into()),
                state: Some("ENABLED".into()),
                ..Default::default()
            });
        }
    }
    Some(file)
}

/// Totals over a run, for the assertion that the run checked enough.
static EQUIVALENT_CHECKED: AtomicUsize = AtomicUsize::new(0);
static REGIONS_CHECKED: AtomicUsize = AtomicUsize::new(0);

/// All checks of the module docs on one pair. `pool` supplies request strings (users, roles, ranges).
fn check_pair(old: &Organization, new: &Organization, pool: &Generated, seed: u64) -> Result<(), TestCaseError> {
    let (old_policy, new_policy) = (Policy::compile(old).unwrap(), Policy::compile(new).unwrap());
    let diff = analyse::diff(old, new, &Kind::ALL);
    let access = diff.access.as_ref().unwrap();
    let mobile = diff.mobile.as_ref().unwrap();
    let roles = diff.impersonation.as_ref().unwrap();
    prop_assert_eq!(diff.equivalent, access.is_empty() && mobile.is_empty() && roles.is_empty());

    for change in access {
        let request = change.example.as_request();
        let answers = [(old, &old_policy, &change.old), (new, &new_policy, &change.new)];
        for (org, policy, reported) in answers {
            let engine = Outcome::of(policy.access(&request).map(|a| a.to_response()));
            let expected = Outcome::of(reference::access(org, &request));
            prop_assert_eq!(&engine, reported, "seed {}: engine, access {:?}\n{}", seed, change.example, change);
            prop_assert_eq!(&expected, reported, "seed {}: reference, access {:?}", seed, change.example);
        }
        prop_assert_ne!(&change.old, &change.new);
        let address: Ipv4Addr = change.example.ip_address.parse().unwrap();
        prop_assert!(change.addresses.iter().any(|r| r.contains(address)), "example outside its region");
        prop_assert!(change.addresses.windows(2).all(|w| u32::from(w[0].last) + 1 < u32::from(w[1].first)));
    }
    for change in mobile {
        let request = change.example.as_request();
        for (org, policy, reported) in [(old, &old_policy, &change.old), (new, &new_policy, &change.new)] {
            let engine = Outcome::of(policy.mobile(&request).map(|a| a.to_response()));
            let expected = Outcome::of(reference::mobile(org, &request));
            prop_assert_eq!(&engine, reported, "seed {}: engine, mobile {:?}\n{}", seed, change.example, change);
            prop_assert_eq!(&expected, reported, "seed {}: reference, mobile {:?}", seed, change.example);
        }
        prop_assert_ne!(&change.old, &change.new);
    }
    for role in roles {
        for change in &role.changes {
            let request = change.example.as_request();
            for (org, policy, reported) in [(old, &old_policy, &change.old), (new, &new_policy, &change.new)] {
                let engine = Outcome::of(policy.impersonation(&request).map(|a| a.to_response()));
                let expected = Outcome::of(reference::impersonation(org, &request));
                prop_assert_eq!(&engine, reported, "seed {}: engine, impersonation {:?}", seed, change.example);
                prop_assert_eq!(&expected, reported, "seed {}: reference, impersonation {:?}", seed, change.example);
            }
            prop_assert_ne!(&change.old, &change.new);
        }
    }
    REGIONS_CHECKED.fetch_add(
        access.len() + mobile.len() + roles.iter().map(|r| r.changes.len()).sum::<usize>(),
        Ordering::Relaxed,
    );

    // Random requests: equal answers where diff says equivalent; else a differing request is in a region.
    let mut rng = Rng::new(seed ^ 0xD1FF);
    let requests = |empty: bool| if empty { EQUIVALENT_REQUESTS } else { COMPLETENESS_REQUESTS };
    for _ in 0..requests(access.is_empty()) {
        let request = pool.access_request(&mut rng);
        let request = request.as_request();
        let answers = [&old_policy, &new_policy].map(|p| Outcome::of(p.access(&request).map(|a| a.to_response())));
        if answers[0] != answers[1] {
            prop_assert!(
                !access.is_empty(),
                "seed {}: diff says equivalent, but {:?} gets {:?}",
                seed,
                request,
                answers
            );
            let address = request.ip_address.parse::<Ipv4Addr>().ok();
            let covered = access.iter().any(|c| {
                c.old == answers[0]
                    && c.new == answers[1]
                    && address.is_some_and(|a| c.addresses.iter().any(|r| r.contains(a)))
            });
            prop_assert!(covered, "seed {}: {:?} answers {:?} in no reported region", seed, request, answers);
        }
    }
    if access.is_empty() {
        EQUIVALENT_CHECKED.fetch_add(EQUIVALENT_REQUESTS, Ordering::Relaxed);
    }
    for _ in 0..requests(mobile.is_empty()) {
        let request = pool.mobile_request(&mut rng);
        let request = request.as_request();
        let answers = [&old_policy, &new_policy].map(|p| Outcome::of(p.mobile(&request).map(|a| a.to_response())));
        if answers[0] != answers[1] {
            prop_assert!(
                !mobile.is_empty(),
                "seed {}: diff says equivalent, but {:?} gets {:?}",
                seed,
                request,
                answers
            );
            let covered = mobile.iter().any(|c| c.old == answers[0] && c.new == answers[1]);
            prop_assert!(covered, "seed {}: {:?} answers {:?} in no reported region", seed, request, answers);
        }
    }
    if mobile.is_empty() {
        EQUIVALENT_CHECKED.fetch_add(EQUIVALENT_REQUESTS, Ordering::Relaxed);
    }
    for _ in 0..requests(roles.is_empty()) {
        let request = pool.impersonation_request(&mut rng);
        let request = request.as_request();
        let answers =
            [&old_policy, &new_policy].map(|p| Outcome::of(p.impersonation(&request).map(|a| a.to_response())));
        if answers[0] != answers[1] {
            let role = roles.iter().find(|r| r.impersonation_role_id == request.impersonation_role_id);
            prop_assert!(
                role.is_some(),
                "seed {}: {:?} answers {:?} but its role is not reported",
                seed,
                request,
                answers
            );
            let covered = role.is_some_and(|r| r.changes.iter().any(|c| c.old == answers[0] && c.new == answers[1]));
            prop_assert!(covered, "seed {}: {:?} answers {:?} in no reported region", seed, request, answers);
        }
    }
    if roles.is_empty() {
        EQUIVALENT_CHECKED.fetch_add(EQUIVALENT_REQUESTS, Ordering::Relaxed);
    }
    Ok(())
}

/// Runs `cases` cases of `check` with proptest, seeds from proptest.
fn run(cases: u32, check: impl Fn(u64) -> Result<(), TestCaseError>) {
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new(config);
    if let Err(e) = runner.run(&any::<u64>(), check) {
        panic!("{e}");
    }
}

/// Pairs per run: a generated organization and a mutation of it.
const MUTATED_PAIRS: u32 = 1_600;
/// Pairs per run: two independent organizations.
const INDEPENDENT_PAIRS: u32 = 500;

#[test]
fn diff_of_mutated_pairs_is_sound_and_complete() {
    let pairs = AtomicUsize::new(0);
    run(MUTATED_PAIRS, |seed| {
        let generated = testing::organization(seed, &Shape::varied());
        let old = checked(&generated.file).expect("generated organizations validate");
        let mut rng = Rng::new(seed);
        // Up to three mutations, each of which must leave a valid organization.
        let mut file = generated.file.clone();
        for _ in 0..1 + rng.below(3) {
            if let Some(mutated) = mutate(&file, &generated, &mut rng).filter(|f| checked(f).is_some()) {
                file = mutated;
            }
        }
        let new = checked(&file).expect("mutations are kept only when valid");
        pairs.fetch_add(1, Ordering::Relaxed);
        check_pair(&old, &new, &generated, seed)?;
        // And the other way round.
        check_pair(&new, &old, &generated, seed)
    });
    assert!(pairs.load(Ordering::Relaxed) >= MUTATED_PAIRS as usize);
    let checked = EQUIVALENT_CHECKED.load(Ordering::Relaxed);
    assert!(checked >= 100_000, "only {checked} requests checked on equivalent pairs");
    // Shown with --nocapture.
    eprintln!(
        "{} mutated pairs, both ways: {} regions confirmed, {checked} random requests agreed on equivalent calls",
        pairs.load(Ordering::Relaxed),
        REGIONS_CHECKED.load(Ordering::Relaxed)
    );
}

#[test]
fn diff_of_independent_pairs_is_sound_and_complete() {
    run(INDEPENDENT_PAIRS, |seed| {
        let a = testing::organization(seed, &Shape::varied());
        let b = testing::organization(seed.wrapping_mul(31).wrapping_add(7), &Shape::varied());
        let (old, new) = (checked(&a.file).unwrap(), checked(&b.file).unwrap());
        check_pair(&old, &new, &a, seed)?;
        check_pair(&old, &new, &b, seed)
    });
}

/// Organizations per run for the explain property.
const EXPLAINED_ORGANIZATIONS: u32 = 400;
/// Requests of each call explained per organization.
const EXPLAINED_REQUESTS: usize = 12;

/// `explain`'s verdict is the reference evaluator's, for answers and refusals alike, and each rule's `Matched`
/// is what the reference says of that rule alone.
#[test]
fn explain_agrees_with_the_reference() {
    use workmail_policy::analyse::explain::{self, Verdict};

    /// The verdict as an outcome, and (for a refusal) the message.
    fn outcome<R: Clone>(verdict: &Verdict<R>) -> (Outcome<R>, Option<String>) {
        match verdict {
            Verdict::Answer(answer) => (Outcome::Answer(answer.clone()), None),
            Verdict::Rejected { code, message } => (Outcome::Error(*code), Some(message.clone())),
        }
    }
    run(EXPLAINED_ORGANIZATIONS, |seed| {
        let generated = testing::organization(seed, &Shape::varied());
        let org = checked(&generated.file).unwrap();
        let mut rng = Rng::new(seed ^ 0xE4);
        for _ in 0..EXPLAINED_REQUESTS {
            let request = generated.access_request(&mut rng);
            let request = request.as_request();
            let explanation = explain::access(&org, &request);
            let expected = reference::access(&org, &request);
            let message = expected.as_ref().err().map(ToString::to_string);
            prop_assert_eq!(
                outcome(&explanation.verdict),
                (Outcome::of(expected.clone()), message),
                "seed {}: {:?}",
                seed,
                request
            );
            if expected.is_ok() {
                prop_assert_eq!(explanation.rules.len(), org.access_control_rules.len());
                for (i, rule) in explanation.rules.iter().enumerate() {
                    let alone =
                        Organization { access_control_rules: vec![org.access_control_rules[i].clone()], ..org.clone() };
                    let matched = !reference::access(&alone, &request).unwrap().matched_rules.is_empty();
                    prop_assert_eq!(rule.matched, matched, "seed {}: rule {} for {:?}", seed, i, request);
                    prop_assert_eq!(rule.failed.is_none(), rule.matched);
                }
            }

            let request = generated.mobile_request(&mut rng);
            let request = request.as_request();
            let explanation = explain::mobile(&org, &request);
            let expected = reference::mobile(&org, &request);
            let message = expected.as_ref().err().map(ToString::to_string);
            prop_assert_eq!(
                outcome(&explanation.verdict),
                (Outcome::of(expected.clone()), message),
                "seed {}: {:?}",
                seed,
                request
            );
            if expected.is_ok() {
                for (i, rule) in explanation.rules.iter().enumerate() {
                    let alone = Organization {
                        mobile_device_access_rules: vec![org.mobile_device_access_rules[i].clone()],
                        mobile_device_access_overrides: vec![],
                        ..org.clone()
                    };
                    let rules_only = workmail_policy::MobileRequest { user_id: None, device_id: None, ..request };
                    let matched = !reference::mobile(&alone, &rules_only).unwrap().matched_rules.is_empty();
                    prop_assert_eq!(rule.matched, matched, "seed {}: mobile rule {} for {:?}", seed, i, request);
                }
            }

            let request = generated.impersonation_request(&mut rng);
            let request = request.as_request();
            let explanation = explain::impersonation(&org, &request);
            let expected = reference::impersonation(&org, &request);
            let message = expected.as_ref().err().map(ToString::to_string);
            prop_assert_eq!(
                outcome(&explanation.verdict),
                (Outcome::of(expected), message),
                "seed {}: {:?}",
                seed,
                request
            );
        }
        Ok(())
    });
}

/// Organizations per run for the dead-rule property.
const LINTED_ORGANIZATIONS: u32 = 400;

/// A rule is reported dead exactly when removing it changes no answer of its call: every reported rule's removal
/// diffs empty, and every other rule's removal does not.
#[test]
fn lint_reports_exactly_the_dead_rules() {
    use workmail_policy::analyse::lint::Check;

    let dead_seen = AtomicUsize::new(0);
    run(LINTED_ORGANIZATIONS, |seed| {
        let generated = testing::organization(seed, &Shape::varied());
        let validation = validate(&generated.file, &Options { enforce_quotas: false });
        let org = validation.organization.as_ref().unwrap();
        let report = analyse::lint(org, &validation.findings);
        let dead: Vec<&str> =
            report.findings.iter().filter(|f| f.check == Check::DeadRule).map(|f| f.path.as_str()).collect();
        dead_seen.fetch_add(dead.len(), Ordering::Relaxed);
        // Every rule of every kind, removed in turn.
        let mut candidates: Vec<(String, Organization, Kind)> = Vec::new();
        for i in 0..org.access_control_rules.len() {
            let mut without = org.clone();
            without.access_control_rules.remove(i);
            candidates.push((format!("AccessControlRules[{i}]"), without, Kind::Access));
        }
        for i in 0..org.mobile_device_access_rules.len() {
            let mut without = org.clone();
            without.mobile_device_access_rules.remove(i);
            candidates.push((format!("MobileDeviceAccessRules[{i}]"), without, Kind::Mobile));
        }
        for (r, role) in org.impersonation_roles.iter().flatten().enumerate() {
            for i in 0..role.rules.len() {
                let mut without = org.clone();
                if let Some(roles) = without.impersonation_roles.as_mut() {
                    roles[r].rules.remove(i);
                }
                candidates.push((format!("ImpersonationRoles[{r}].Rules[{i}]"), without, Kind::Impersonation));
            }
        }
        for (path, without, kind) in candidates {
            let unchanged = analyse::diff(org, &without, &[kind]).equivalent;
            let reported = dead.contains(&path.as_str());
            prop_assert_eq!(
                reported,
                unchanged,
                "seed {}: {} reported dead: {}, removal changes nothing: {}",
                seed,
                path,
                reported,
                unchanged
            );
        }
        for finding in report.findings.iter().filter(|f| f.check == Check::DeadRule) {
            prop_assert!(finding.message.contains("removing it changes no answer"), "{}", finding.message);
        }
        Ok(())
    });
    assert!(dead_seen.load(Ordering::Relaxed) > 100, "the generator produces dead rules to check");
}
