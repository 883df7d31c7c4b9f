//! Effective access and lint's lockouts (`analyse::effective`, `analyse::lint`), against the reference evaluator.
//!
//! For random organizations (`Shape::varied`: with and without a directory, disabled users, roles):
//!
//! - every cell of the matrix agrees with `reference::access` at addresses inside and outside each of its
//!   regions (every range's ends, the addresses just past them, random ones), for every row and protocol; rows
//!   are exactly the directory's users (or, without one, a fresh identifier is answered as "any other user");
//! - every lockout finding is confirmed by the reference evaluator for every user it names, over the seven
//!   protocols (SEMANTICS 1.3) and over every address at which any rule's answer can change (each CIDR's network
//!   address, broadcast address and their neighbours, which makes the check exhaustive over addresses);
//! - a user that can sign in is in a `UserLockedOut` finding exactly when the reference evaluator allows it no
//!   protocol from any address: no lockout where one allowed path exists, a lockout where none does;
//! - `--must-reach` reports exactly the accounts the reference evaluator allows nothing by the protocol named.
//!
//! Each failure names the seed, which reproduces the organization through `workmail_policy::testing`.

use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use workmail_policy::analyse::diff::PrincipalKind;
use workmail_policy::analyse::effective::{self, PROTOCOLS};
use workmail_policy::analyse::lint::{self, Check, Extent, MustReach, Who};
use workmail_policy::analyse::{self, Outcome};
use workmail_policy::organization::Effect;
use workmail_policy::testing::{self, Rng, Shape};
use workmail_policy::validate::{validate, Options};
use workmail_policy::{load, reference, AccessRequest, Organization};

/// Organizations per property.
const ORGANIZATIONS: u32 = 1_000;

fn run(cases: u32, check: impl Fn(u64) -> Result<(), TestCaseError>) {
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new(config);
    if let Err(e) = runner.run(&any::<u64>(), check) {
        panic!("{e}");
    }
}

fn generated(seed: u64) -> Organization {
    let file = testing::organization(seed, &Shape::varied()).file;
    validate(&file, &Options { enforce_quotas: false }).organization.expect("generated organizations validate")
}

fn organization(json: &str) -> Organization {
    let file = load::parse(json.as_bytes()).expect("well-formed");
    validate(&file, &Options { enforce_quotas: false }).organization.expect("valid")
}

/// The reference evaluator's answer for a user (or role) asking `protocol` from `address`.
fn reference_answer<'o>(
    org: &'o Organization,
    kind: PrincipalKind,
    id: &str,
    protocol: &str,
    address: u32,
) -> Outcome<workmail_policy::AccessControlEffect<'o>> {
    let ip = Ipv4Addr::from(address).to_string();
    let request = match kind {
        PrincipalKind::User => {
            AccessRequest { ip_address: &ip, action: protocol, user_id: Some(id), ..Default::default() }
        }
        PrincipalKind::ImpersonationRole => {
            AccessRequest { ip_address: &ip, action: protocol, impersonation_role_id: Some(id), ..Default::default() }
        }
    };
    Outcome::of(reference::access(org, &request))
}

/// Every address at which some access rule's answer can change, with its neighbours: between two of these, every
/// rule's `IpRanges` and `NotIpRanges` hold alike, so checking them all checks every address.
fn boundary_addresses(org: &Organization) -> Vec<u32> {
    let mut points = vec![0, u32::MAX];
    for rule in &org.access_control_rules {
        for net in rule.ip_ranges.iter().chain(&rule.not_ip_ranges) {
            let (first, last) = (u32::from(net.network()), u32::from(net.broadcast()));
            points.extend([first, last, first.wrapping_sub(1), last.wrapping_add(1)]);
        }
    }
    points.sort_unstable();
    points.dedup();
    points
}

/// Whether the reference evaluator allows `user` some protocol in `protocols` from some address.
fn reference_allows_any(org: &Organization, user: &str, protocols: &[&str], addresses: &[u32]) -> bool {
    protocols.iter().any(|protocol| {
        addresses.iter().any(|&address| {
            matches!(
                reference_answer(org, PrincipalKind::User, user, protocol, address),
                Outcome::Answer(ref a) if a.effect == Effect::Allow
            )
        })
    })
}

/// Users that can sign in, as `(label, UserId)`: the directory's enabled users, or without a directory every
/// identifier the rules name and one no rule names.
fn active_users(org: &Organization, fresh: &str) -> Vec<(String, String)> {
    match &org.users {
        Some(users) => users
            .iter()
            .filter(|u| u.state.as_deref().is_none_or(|s| s == "ENABLED"))
            .map(|u| (u.email.clone().or(u.name.clone()).unwrap_or(u.id.clone()), u.id.clone()))
            .collect(),
        None => {
            let mut named: Vec<String> = org
                .access_control_rules
                .iter()
                .flat_map(|r| r.user_ids.iter().chain(&r.not_user_ids))
                .cloned()
                .collect();
            named.sort();
            named.dedup();
            let mut users: Vec<(String, String)> = named.into_iter().map(|u| (u.clone(), u)).collect();
            users.push(("every user no rule names".into(), fresh.into()));
            users
        }
    }
}

/// An identifier no rule names and no directory lists.
const FRESH_USER: &str = "S-1-1-11-9999999999-fresh";

#[test]
fn every_cell_agrees_with_the_reference_inside_and_outside_its_ranges() {
    let checked = AtomicUsize::new(0);
    run(ORGANIZATIONS, |seed| {
        let org = generated(seed);
        let matrix = analyse::effective_access(&org);
        let mut rng = Rng::new(seed);
        if let Some(users) = &org.users {
            let rows: Vec<&str> = matrix.users().map(|r| r.principal.id.as_str()).collect();
            let ids: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
            prop_assert_eq!(rows, ids, "seed {}: a row per directory user, in directory order", seed);
        } else {
            // A user no rule names is answered as "any other user" is.
            let other = matrix.row(FRESH_USER).expect("the other-user row");
            prop_assert!(other.principal.any_other, "seed {}", seed);
        }
        for row in &matrix.rows {
            for reach in row.protocols.iter() {
                let mut covered = 0u64;
                for region in &reach.regions {
                    for range in &region.ranges {
                        covered += u64::from(u32::from(range.last)) - u64::from(u32::from(range.first)) + 1;
                        let (first, last) = (u32::from(range.first), u32::from(range.last));
                        let inside = first + (rng.next_u64() as u32) % (last - first).saturating_add(1).max(1);
                        for address in [first, last, inside, first.wrapping_sub(1), last.wrapping_add(1)] {
                            let expected =
                                reference_answer(&org, row.principal.kind, &row.principal.id, reach.protocol, address);
                            let answer = reach.answer_at(Ipv4Addr::from(address));
                            prop_assert_eq!(
                                answer,
                                Some(&expected),
                                "seed {}: {} {} from {}",
                                seed,
                                row.principal.label,
                                reach.protocol,
                                Ipv4Addr::from(address)
                            );
                            checked.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                prop_assert_eq!(covered, 1u64 << 32, "seed {}: the regions cover every address once", seed);
                // Allowed is exactly the ALLOW regions.
                let allowed = reach.allowed();
                for _ in 0..8 {
                    let address = rng.next_u64() as u32;
                    let inside = allowed.iter().any(|r| r.contains(Ipv4Addr::from(address)));
                    let expected =
                        reference_answer(&org, row.principal.kind, &row.principal.id, reach.protocol, address);
                    let allow = matches!(expected, Outcome::Answer(ref a) if a.effect == Effect::Allow);
                    prop_assert_eq!(
                        inside,
                        allow,
                        "seed {}: {} {} from {}",
                        seed,
                        row.principal.label,
                        reach.protocol,
                        Ipv4Addr::from(address)
                    );
                }
            }
        }
        Ok(())
    });
    assert!(checked.load(Ordering::Relaxed) > 100_000, "the run checks many cells");
}

/// The users a lockout finding is about, as `UserId`s.
fn users_of(who: &Who, active: &[(String, String)]) -> Vec<String> {
    match who {
        Who::EveryUser => active.iter().map(|(_, id)| id.clone()).collect(),
        Who::EveryUserBut(but) => active.iter().filter(|(l, _)| !but.contains(l)).map(|(_, id)| id.clone()).collect(),
        Who::Users(users) => active.iter().filter(|(l, _)| users.contains(l)).map(|(_, id)| id.clone()).collect(),
    }
}

#[test]
fn every_lockout_is_confirmed_by_the_reference_and_every_full_lockout_is_found() {
    let (confirmed, locked, free) = (AtomicUsize::new(0), AtomicUsize::new(0), AtomicUsize::new(0));
    run(ORGANIZATIONS, |seed| {
        let org = generated(seed);
        let report = analyse::lint(&org, &[]);
        let addresses = boundary_addresses(&org);
        let active = active_users(&org, FRESH_USER);
        let mut fully_locked: Vec<String> = Vec::new();
        for finding in &report.findings {
            let Some(lockout) = &finding.lockout else { continue };
            let users = users_of(&lockout.who, &active);
            prop_assert!(!users.is_empty(), "seed {}: {} names users that can sign in", seed, finding);
            for user in &users {
                match &lockout.extent {
                    Extent::EveryProtocolEverywhere => {
                        prop_assert!(
                            !reference_allows_any(&org, user, &PROTOCOLS, &addresses),
                            "seed {}: {}: {} is allowed somewhere",
                            seed,
                            finding,
                            user
                        );
                        fully_locked.push(user.clone());
                    }
                    Extent::EveryProtocolOutside(ranges) => {
                        let outside: Vec<u32> = addresses
                            .iter()
                            .copied()
                            .filter(|&a| !ranges.iter().any(|r| r.contains(Ipv4Addr::from(a))))
                            .collect();
                        prop_assert!(!outside.is_empty(), "seed {}: {}", seed, finding);
                        prop_assert!(
                            !reference_allows_any(&org, user, &PROTOCOLS, &outside),
                            "seed {}: {}: {} is allowed outside",
                            seed,
                            finding,
                            user
                        );
                        let inside: Vec<u32> =
                            ranges.iter().flat_map(|r| [u32::from(r.first), u32::from(r.last)]).collect();
                        prop_assert!(
                            reference_allows_any(&org, user, &PROTOCOLS, &inside),
                            "seed {}: {}: {} is allowed nowhere inside",
                            seed,
                            finding,
                            user
                        );
                    }
                    Extent::ProtocolsEverywhere(protocols) => {
                        prop_assert!(
                            !reference_allows_any(&org, user, protocols, &addresses),
                            "seed {}: {}: {} is allowed",
                            seed,
                            finding,
                            user
                        );
                    }
                }
                confirmed.fetch_add(1, Ordering::Relaxed);
            }
            let (rules, _) = (&lockout.rules, lockout.no_rule_matches);
            for rule in rules {
                prop_assert!(
                    org.access_control_rules.iter().any(|r| r.name == *rule && r.effect == Effect::Deny),
                    "seed {}: {} names a DENY rule",
                    seed,
                    finding
                );
            }
        }
        // Exactly the users with no way in are reported as locked out everywhere.
        for (label, user) in &active {
            let reachable = reference_allows_any(&org, user, &PROTOCOLS, &addresses);
            let reported = fully_locked.contains(user);
            prop_assert_eq!(
                reported,
                !reachable,
                "seed {}: {} reachable: {}, reported locked out: {}",
                seed,
                label,
                reachable,
                reported
            );
            if reachable {
                free.fetch_add(1, Ordering::Relaxed)
            } else {
                locked.fetch_add(1, Ordering::Relaxed)
            };
        }
        Ok(())
    });
    let (confirmed, locked, free) = (confirmed.into_inner(), locked.into_inner(), free.into_inner());
    assert!(locked > 50 && free > 50, "the generator makes both: {locked} locked out, {free} not");
    assert!(confirmed > locked, "findings were confirmed: {confirmed}");
}

#[test]
fn must_reach_reports_exactly_the_accounts_without_a_way_in() {
    let (found, fine) = (AtomicUsize::new(0), AtomicUsize::new(0));
    run(ORGANIZATIONS, |seed| {
        let org = generated(seed);
        let mut rng = Rng::new(seed ^ 0x5eed);
        let addresses = boundary_addresses(&org);
        let active = active_users(&org, FRESH_USER);
        let checks: Vec<MustReach> = (0..4)
            .map(|_| {
                let (_, user) = rng.pick(&active).clone();
                let protocol = if rng.one_in(3) { None } else { Some(*rng.pick(&PROTOCOLS)) };
                MustReach { user, protocol }
            })
            .collect();
        let report = lint::lint_with(&org, &[], &lint::Options { must_reach: checks.clone() });
        let findings: Vec<String> =
            report.findings.iter().filter(|f| f.check == Check::MustReach).map(|f| f.message.clone()).collect();
        for must in &checks {
            let protocols: Vec<&str> = must.protocol.map_or(PROTOCOLS.to_vec(), |p| vec![p]);
            let reachable = reference_allows_any(&org, &must.user, &protocols, &addresses);
            let prefix = format!("--must-reach {must}: ");
            let reported = findings.iter().any(|m| m.starts_with(&prefix));
            prop_assert_eq!(reported, !reachable, "seed {}: {} reachable: {}", seed, must, reachable);
            if reported {
                found.fetch_add(1, Ordering::Relaxed)
            } else {
                fine.fetch_add(1, Ordering::Relaxed)
            };
        }
        Ok(())
    });
    let (found, fine) = (found.into_inner(), fine.into_inner());
    assert!(found > 50 && fine > 50, "both outcomes are checked: {found} found, {fine} fine");
}

const ALL_SEVEN: &str = r#"["WebMail", "EWS", "IMAP", "ActiveSync", "AutoDiscover", "SMTP", "WindowsOutlook"]"#;

/// The issue's organization: every documented protocol denied to everyone, an undocumented spelling still allowed
/// by `default`. Clients connect with the seven only, so every user is locked out.
#[test]
fn every_protocol_denied_is_a_lockout_whatever_other_spellings_get() {
    let org = organization(&format!(
        r#"{{"AccessControlRules": [
            {{"Name": "deny-all-protocols", "Effect": "DENY", "Description": "d", "Actions": {ALL_SEVEN}}},
            {{"Name": "default", "Effect": "ALLOW", "Description": "Default WorkMail Rule"}}]}}"#
    ));
    let report = analyse::lint(&org, &[]);
    assert_eq!(report.findings.len(), 1, "{report}");
    let finding = &report.findings[0];
    assert_eq!(finding.check, Check::UserLockedOut);
    let lockout = finding.lockout.as_ref().unwrap();
    assert_eq!(lockout.who, Who::EveryUser);
    assert_eq!(lockout.extent, Extent::EveryProtocolEverywhere);
    assert_eq!(lockout.rules, ["deny-all-protocols"]);
    assert!(finding.message.contains("every user is denied every protocol"), "{}", finding.message);
    // The undocumented spelling really is allowed: the finding is about the seven only.
    let other = AccessRequest {
        ip_address: "192.0.2.1",
        action: "Foo",
        user_id: Some("S-1-1-11-0000000001"),
        ..Default::default()
    };
    assert_eq!(reference::access(&org, &other).unwrap().effect, Effect::Allow);
}

const USERS: &str = r#""Users": [
    {"Id": "S-1-1-11-0000000001", "Email": "alice@example.com", "Name": "alice", "State": "ENABLED"},
    {"Id": "S-1-1-11-0000000002", "Email": "bob@example.com", "Name": "bob", "State": "ENABLED"},
    {"Id": "S-1-1-11-0000000003", "Email": "carol@example.com", "Name": "carol", "State": "ENABLED"}]"#;

/// Two rules, each denying some protocols, together deny one user all seven; one address left open for one
/// protocol is a way in, and then there is no full lockout.
#[test]
fn rules_that_together_deny_one_user_everything_lock_that_user_out_and_one_path_undoes_it() {
    let rules = |extra: &str| {
        format!(
            r#"{{"AccessControlRules": [{extra}
            {{"Name": "no-web", "Effect": "DENY", "Description": "", "Actions": ["WebMail", "EWS", "ActiveSync", "AutoDiscover"], "UserIds": ["alice@example.com"]}},
            {{"Name": "no-legacy", "Effect": "DENY", "Description": "", "Actions": ["IMAP", "SMTP", "WindowsOutlook"]}},
            {{"Name": "default", "Effect": "ALLOW", "Description": "Default WorkMail Rule"}}], {USERS}}}"#
        )
    };
    let report = analyse::lint(&organization(&rules("")), &[]);
    let locked: Vec<_> = report.findings.iter().filter(|f| f.check == Check::UserLockedOut).collect();
    assert_eq!(locked.len(), 1, "{report}");
    assert_eq!(locked[0].path, "Users[0]");
    let lockout = locked[0].lockout.as_ref().unwrap();
    assert_eq!(lockout.who, Who::Users(vec!["alice@example.com".into()]));
    assert_eq!(lockout.rules, ["no-web", "no-legacy"]);

    // An ALLOW rule ahead of the denials does not help (DENY wins, SEMANTICS 1.4); taking a protocol out of a
    // DENY rule for one /32 does.
    let allow = r#"{"Name": "imap-from-home", "Effect": "ALLOW", "Description": "", "Actions": ["IMAP"], "UserIds": ["alice@example.com"], "IpRanges": ["203.0.113.7/32"]},"#;
    let report = analyse::lint(&organization(&rules(allow)), &[]);
    assert!(report.findings.iter().any(|f| f.check == Check::UserLockedOut), "{report}");
    let carve_out = r#"{"Name": "no-legacy", "Effect": "DENY", "Description": "", "Actions": ["IMAP", "SMTP", "WindowsOutlook"], "NotIpRanges": ["203.0.113.7/32"]},"#;
    let open = rules("").replace(
        r#"{"Name": "no-legacy", "Effect": "DENY", "Description": "", "Actions": ["IMAP", "SMTP", "WindowsOutlook"]},"#,
        carve_out,
    );
    let open = organization(&open);
    let report = analyse::lint(&open, &[]);
    assert!(!report.findings.iter().any(|f| f.check == Check::UserLockedOut), "{report}");
    let alice = analyse::effective_access(&open);
    let imap = alice.row("alice").unwrap().protocols.get("IMAP").unwrap().allowed();
    assert_eq!(imap.iter().map(ToString::to_string).collect::<Vec<_>>(), ["203.0.113.7"]);
}

/// Every user kept to the office ranges is a finding of its own extent; a rule that keeps one named user there is
/// not (the rule says it is meant), and `--must-reach` still checks named accounts.
#[test]
fn everyone_kept_to_some_ranges_is_reported_with_the_ranges() {
    let org = organization(&format!(
        r#"{{"AccessControlRules": [
            {{"Name": "office-only", "Effect": "DENY", "Description": "", "NotIpRanges": ["198.51.100.0/24", "203.0.113.0/25"]}},
            {{"Name": "default", "Effect": "ALLOW", "Description": "Default WorkMail Rule"}}], {USERS}}}"#
    ));
    let report = analyse::lint(&org, &[]);
    assert_eq!(report.findings.len(), 1, "{report}");
    let finding = &report.findings[0];
    assert_eq!(finding.check, Check::ReachableOnlyFrom);
    let lockout = finding.lockout.as_ref().unwrap();
    let Extent::EveryProtocolOutside(ranges) = &lockout.extent else { panic!("{finding}") };
    assert_eq!(ranges.iter().map(ToString::to_string).collect::<Vec<_>>(), ["198.51.100.0/24", "203.0.113.0/25"]);
    assert!(finding.message.contains("outside 198.51.100.0/24, 203.0.113.0/25"), "{}", finding.message);

    let one_user = organization(&format!(
        r#"{{"AccessControlRules": [
            {{"Name": "carol-office-only", "Effect": "DENY", "Description": "", "NotIpRanges": ["198.51.100.0/24"], "UserIds": ["carol@example.com"]}},
            {{"Name": "default", "Effect": "ALLOW", "Description": "Default WorkMail Rule"}}], {USERS}}}"#
    ));
    assert!(analyse::lint(&one_user, &[]).is_clean());
    let options = lint::Options { must_reach: vec!["carol:WebMail".parse().unwrap(), "bob".parse().unwrap()] };
    assert!(lint::lint_with(&one_user, &[], &options).is_clean(), "carol reaches WebMail from the office");
}

#[test]
fn every_user_but_the_ones_excepted() {
    let org = organization(&format!(
        r#"{{"AccessControlRules": [
            {{"Name": "no-sync", "Effect": "DENY", "Description": "", "Actions": ["ActiveSync"], "NotUserIds": ["bob@example.com"]}},
            {{"Name": "default", "Effect": "ALLOW", "Description": "Default WorkMail Rule"}}], {USERS}}}"#
    ));
    let report = analyse::lint(&org, &[]);
    assert_eq!(report.findings.len(), 1, "{report}");
    assert_eq!(report.findings[0].check, Check::ActiveSyncDenied);
    let lockout = report.findings[0].lockout.as_ref().unwrap();
    assert_eq!(lockout.who, Who::EveryUserBut(vec!["bob@example.com".into()]));
    assert_eq!(lockout.extent, Extent::ProtocolsEverywhere(vec!["ActiveSync"]));
    assert!(report.findings[0].message.starts_with("every user but bob@example.com is denied ActiveSync"));
}

#[test]
fn must_reach_names_unknown_and_disabled_accounts_and_refuses_unknown_protocols() {
    let org = organization(
        r#"{"AccessControlRules": [{"Name": "default", "Effect": "ALLOW", "Description": "Default WorkMail Rule"}],
             "Users": [{"Id": "S-1-1-11-0000000001", "Email": "alice@example.com", "Name": "alice", "State": "DISABLED"}]}"#,
    );
    let options =
        lint::Options { must_reach: vec!["alice".parse().unwrap(), "mallory@example.com:imap".parse().unwrap()] };
    let report = lint::lint_with(&org, &[], &options);
    let messages: Vec<&str> = report.findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(messages.len(), 2, "{report}");
    assert!(messages[0].contains("DISABLED"), "{}", messages[0]);
    assert!(
        messages[1].starts_with("--must-reach mallory@example.com:IMAP: the directory holds no user"),
        "{}",
        messages[1]
    );
    assert!("alice:Imap4".parse::<MustReach>().unwrap_err().contains("not a protocol"));
    assert!(":IMAP".parse::<MustReach>().is_err());
}

/// `--against`: a cell changes when its allowed addresses or its deciding rules change, and only then.
#[test]
fn changes_between_two_organizations_are_the_cells_that_differ() {
    let base = |extra: &str| {
        organization(&format!(
            r#"{{"AccessControlRules": [{extra}{{"Name": "default", "Effect": "ALLOW", "Description": "Default WorkMail Rule"}}], {USERS}}}"#
        ))
    };
    let old = base("");
    let new = base(
        r#"{"Name": "no-imap-carol", "Effect": "DENY", "Description": "", "Actions": ["IMAP"], "UserIds": ["carol@example.com"], "IpRanges": ["10.0.0.0/8"]},"#,
    );
    let changes = analyse::effective_access_changes(&old, &new);
    assert_eq!(changes.changes.len(), 1, "{changes}");
    let change = &changes.changes[0];
    assert_eq!((change.principal.label.as_str(), change.protocol), ("carol@example.com", "IMAP"));
    assert_eq!(effective::describe_addresses(&change.old.allowed()), "anywhere");
    assert_eq!(effective::describe_addresses(&change.new.allowed()), "anywhere but 10.0.0.0/8");
    assert!(analyse::effective_access_changes(&old, &old).changes.is_empty());
}
