//! `wmpolicy fmt` is lossless: on random organizations, written in random documents and random spellings,
//!
//! - reading gives exactly the documents written (kind, members, values, timestamps' form);
//! - load → serialize → load is the identity, and formatting the canonical form again changes nothing;
//! - the canonical form is the same however the input was spelled (member order, whitespace, escapes);
//! - serializing keeps every member the user wrote, timestamps as epoch numbers or ISO text as they came.
//!
//! Each case is one seed: the organization comes from `workmail_policy::testing`, and the same seed drives the
//! extra members, the split into documents and the spelling, so a failing seed reproduces the case.

use proptest::prelude::*;
use serde_json::{Number, Value};
use workmail_policy::format;
use workmail_policy::load::{self, Document, Limits};
use workmail_policy::model::*;
use workmail_policy::testing::{self, Rng, Shape};

/// Text for optional members: plain, empty, quotes and backslashes, control characters, non-ASCII, astral.
const TEXTS: &[&str] = &[
    "",
    "plain text",
    "Default WorkMail Rule",
    "quote \" and backslash \\ and slash /",
    "line\nbreak\r\ttab",
    "nul \u{0} and bell \u{7}",
    "Ñandú é ü ß",
    "emoji 🙂 and U+2028 \u{2028}",
    "trailing space ",
];

fn text(rng: &mut Rng) -> Option<String> {
    (!rng.one_in(3)).then(|| rng.pick(TEXTS).to_string())
}

/// A timestamp in one of the forms the aws CLI prints, or none.
fn timestamp(rng: &mut Rng) -> Option<Timestamp> {
    let seconds = 1_500_000_000 + rng.below(200_000_000) as u64;
    Some(match rng.below(6) {
        0 => return None,
        1 => Timestamp::Epoch(Number::from(seconds)),
        2 => Timestamp::Epoch(Number::from_f64(seconds as f64 + rng.below(1000) as f64 / 1000.0).unwrap()),
        3 => Timestamp::Epoch(Number::from_f64(seconds as f64).unwrap()),
        4 => Timestamp::Text(format!("2024-0{}-1{}T09:30:0{}+01:00", 1 + rng.below(9), rng.below(10), rng.below(10))),
        _ => Timestamp::Text(format!("2021-03-02T17:08:52.{:03}Z", rng.below(1000))),
    })
}

/// Adds random optional members to everything in the file.
fn decorate(file: &mut OrganizationFile, rng: &mut Rng) {
    for rule in file.access_control_rules.iter_mut().flatten() {
        rule.description = text(rng).or(rule.description.take());
        rule.date_created = timestamp(rng);
        rule.date_modified = timestamp(rng);
    }
    for rule in file.mobile_device_access_rules.iter_mut().flatten() {
        rule.description = text(rng);
        rule.date_created = timestamp(rng);
        rule.date_modified = timestamp(rng);
    }
    for o in file.mobile_device_access_overrides.iter_mut().flatten() {
        o.description = text(rng);
        o.date_created = timestamp(rng);
        o.date_modified = timestamp(rng);
    }
    for role in file.impersonation_roles.iter_mut().flatten() {
        role.description = text(rng);
        role.date_created = timestamp(rng);
        role.date_modified = timestamp(rng);
        for rule in role.rules.iter_mut().flatten() {
            rule.description = text(rng);
        }
    }
    for user in file.users.iter_mut().flatten() {
        user.display_name = text(rng);
        user.user_role = rng.one_in(3).then(|| "USER".into());
        user.enabled_date = timestamp(rng);
        user.disabled_date = timestamp(rng);
        user.identity_provider_user_id = rng.one_in(5).then(|| "idp-user".into());
    }
}

/// Splits an organization into the documents a user might have: one organization file, aws CLI pages, or
/// several organization files. Reading the documents must give exactly these back.
fn split(file: &OrganizationFile, rng: &mut Rng) -> Vec<Document> {
    let organization = |f: OrganizationFile| Document::OrganizationFile(f);
    let mut documents = Vec::new();
    match rng.below(3) {
        0 => documents.push(organization(file.clone())),
        1 => {
            // `{"Rules": []}` cannot say which rules it holds, so an empty list goes in an organization file.
            match &file.access_control_rules {
                Some(rules) if !rules.is_empty() => {
                    let next_token = rng.one_in(4).then(|| "token".into());
                    documents.push(Document::AccessControlRules(AccessControlRulesPage {
                        items: rules.clone(),
                        next_token,
                    }));
                }
                rules => documents
                    .push(organization(OrganizationFile { access_control_rules: rules.clone(), ..Default::default() })),
            }
            match &file.mobile_device_access_rules {
                Some(rules) if !rules.is_empty() => {
                    let page = MobileDeviceAccessRulesPage { items: rules.clone(), next_token: None };
                    documents.push(Document::MobileDeviceAccessRules(page));
                }
                rules => documents.push(organization(OrganizationFile {
                    mobile_device_access_rules: rules.clone(),
                    ..Default::default()
                })),
            }
            if let Some(overrides) = file.mobile_device_access_overrides.as_ref().filter(|o| o.is_empty()) {
                let overrides = Some(overrides.clone());
                documents.push(organization(OrganizationFile {
                    mobile_device_access_overrides: overrides,
                    ..Default::default()
                }));
            }
            if let Some(overrides) = &file.mobile_device_access_overrides {
                // Pages of up to three overrides, the last without a NextToken.
                let pages: Vec<_> = overrides.chunks(3).collect();
                for (i, page) in pages.iter().enumerate() {
                    let next_token = (i + 1 < pages.len()).then(|| format!("page-{}", i + 1));
                    let page = MobileDeviceAccessOverridesPage { items: page.to_vec(), next_token };
                    documents.push(Document::MobileDeviceAccessOverrides(page));
                }
            }
            match &file.impersonation_roles {
                Some(roles) if !roles.is_empty() => {
                    documents.extend(roles.iter().cloned().map(Document::ImpersonationRole))
                }
                roles => documents
                    .push(organization(OrganizationFile { impersonation_roles: roles.clone(), ..Default::default() })),
            }
            if let Some(users) = &file.users {
                // Only a NextToken tells a `list-users` page from an organization file with users.
                documents.push(Document::Users(UsersPage { items: users.clone(), next_token: Some("more".into()) }));
            }
        }
        _ => {
            let parts = [
                OrganizationFile { access_control_rules: file.access_control_rules.clone(), ..Default::default() },
                OrganizationFile {
                    mobile_device_access_rules: file.mobile_device_access_rules.clone(),
                    ..Default::default()
                },
                OrganizationFile {
                    mobile_device_access_overrides: file.mobile_device_access_overrides.clone(),
                    ..Default::default()
                },
                OrganizationFile {
                    impersonation_roles: file.impersonation_roles.clone(),
                    users: file.users.clone(),
                    ..Default::default()
                },
            ];
            documents.extend(parts.into_iter().map(organization));
        }
    }
    documents
}

fn check_seed(seed: u64) -> Result<(), TestCaseError> {
    let mut rng = Rng::new(seed ^ 0xF0F0);
    let mut file = testing::organization(seed, &Shape::varied()).file;
    decorate(&mut file, &mut rng);
    let written = split(&file, &mut rng);
    let mut input = String::new();
    if rng.one_in(10) {
        input.push('\u{FEFF}');
    }
    for document in &written {
        testing::write_messy_json(&serde_json::to_value(document).unwrap(), &mut rng, &mut input);
        input.push_str(rng.pick::<&str>(&["", "\n", " \n\n"]));
    }

    // Reading gives what was written: the documents, and merged, the organization.
    let read = load::documents(input.as_bytes(), &Limits::default());
    prop_assert!(read.is_ok(), "seed {}: {:?}\n{}", seed, read.err(), input);
    let read = read.unwrap();
    prop_assert_eq!(&read, &written, "seed {}: read other documents than written", seed);
    let mut merged = OrganizationFile::default();
    read.iter().cloned().for_each(|document| merged.merge(document.into_organization()));
    prop_assert_eq!(&merged, &file, "seed {}: merged, the documents are another organization", seed);

    // load → serialize → load is the identity, and formatting again changes nothing (`format::canonical` is
    // `render` of what `load::documents` reads, so reading the canonical text back covers both).
    let canonical = format::render(&read).unwrap();
    let again = load::documents(canonical.as_bytes(), &Limits::default()).unwrap();
    prop_assert_eq!(&again, &written, "seed {}", seed);
    prop_assert_eq!(&format::render(&again).unwrap(), &canonical, "seed {}: fmt(fmt(x)) != fmt(x)", seed);
    let two_space = canonical.lines().all(|line| (line.len() - line.trim_start_matches(' ').len()) % 2 == 0);
    prop_assert!(canonical.ends_with("}\n") && two_space && !canonical.contains('\t'), "seed {}: 2-space JSON", seed);

    // Serializing keeps every member as the user wrote it: the same JSON values, timestamps included (a JSON
    // value compares an epoch integer, an epoch float and a string as different things).
    let values = |text: &str| -> Vec<Value> {
        serde_json::Deserializer::from_str(text.trim_start_matches('\u{FEFF}'))
            .into_iter()
            .map(Result::unwrap)
            .collect()
    };
    prop_assert_eq!(values(&canonical), values(&input), "seed {}: a member changed", seed);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, failure_persistence: None, ..ProptestConfig::default() })]

    /// Lossless round trip: read, formatted and read again, every organization is what the user wrote.
    #[test]
    fn formatting_keeps_every_document_and_member(seed in any::<u64>()) {
        check_seed(seed)?;
    }
}

/// The generator really exercises what the property is about: every document kind, both timestamp forms, and
/// escapes in the input.
#[test]
fn cases_cover_every_document_kind_and_timestamp_form() {
    let mut kinds = std::collections::HashSet::new();
    let (mut epoch_integers, mut epoch_floats, mut texts) = (0, 0, 0);
    for seed in 0..300 {
        let mut rng = Rng::new(seed ^ 0xF0F0);
        let mut file = testing::organization(seed, &Shape::varied()).file;
        decorate(&mut file, &mut rng);
        for document in split(&file, &mut rng) {
            kinds.insert(document.kind());
            let json = serde_json::to_string(&document).unwrap();
            epoch_integers += json.matches("\"DateCreated\":1").count();
            epoch_floats += json.matches(".0,\"DateModified\"").count();
            texts += json.matches("\"DateCreated\":\"20").count();
        }
    }
    assert_eq!(kinds.len(), 6, "{kinds:?}");
    assert!(epoch_integers > 100 && epoch_floats > 10 && texts > 100, "{epoch_integers} {epoch_floats} {texts}");
}

/// The bundled examples are canonical, so `wmpolicy fmt --check examples/*.json` passes.
#[test]
fn the_examples_are_canonical() {
    let examples = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/examples")).unwrap();
    let mut checked = 0;
    for entry in examples {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let bytes = std::fs::read(&path).unwrap();
            let canonical = format::canonical(&bytes).unwrap();
            assert_eq!(canonical.as_bytes(), bytes.as_slice(), "{} is not canonical", path.display());
            checked += 1;
        }
    }
    assert!(checked > 0);
}

/// Found by the `canonical_round_trip` fuzz target: an integer too large for 64 bits is read as a float, and
/// serde_json's default float parsing is not always correctly rounded, so the float printed back did not read
/// back as itself and each `fmt` changed the timestamp. Parsing is now exact (serde_json's `float_roundtrip`).
#[test]
fn regression_fuzz_canonical_round_trip_large_epoch_integer() {
    let crash = b"{\n    \"Rules\": [\n      {\n           \"DateCreated\": 0.0,\n            \"DateModified\": 15816356517335083041441}\n    ]\n}\n";
    let once = format::canonical(crash).unwrap();
    assert_eq!(format::canonical(once.as_bytes()).unwrap(), once);
    assert_eq!(load::parse(once.as_bytes()).unwrap(), load::parse(crash).unwrap(), "fmt changed the timestamp");
}

/// Every finite float a timestamp can be, in both of its printed forms, reads back as itself.
#[test]
fn epoch_floats_survive_formatting_exactly() {
    let mut rng = Rng::new(0xF10A7);
    for _ in 0..20_000 {
        let value = f64::from_bits(rng.next_u64());
        if !value.is_finite() {
            continue;
        }
        for written in [format!("{value:e}"), serde_json::to_string(&value).unwrap()] {
            let input = format!(r#"{{"Users": [{{"Id": "S-1-5-18-0001", "EnabledDate": {written}}}]}}"#);
            let once = format::canonical(input.as_bytes()).unwrap();
            assert_eq!(format::canonical(once.as_bytes()).unwrap(), once, "{written}");
            let read = load::parse(once.as_bytes()).unwrap().users.unwrap().remove(0).enabled_date;
            let Some(Timestamp::Epoch(number)) = read else { panic!("{written}: {read:?}") };
            assert_eq!(number.as_f64().map(f64::to_bits), Some(value.to_bits()), "{written} read back as {number}");
        }
    }
}
