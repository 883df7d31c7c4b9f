//! SEMANTICS.md section 2: mobile-device access rules and overrides, `GetMobileDeviceAccessEffect`, one test per
//! statement.
//!
//! Every organization is written as the JSON a user would put in an organization file and goes through the
//! public path (`load::parse`, then `validate::validate`, which must report no errors). Every request is asked of
//! both evaluators, the compiled [`Policy`] and [`reference::mobile`]; [`Org::mobile`] asserts that they give the
//! same answer (or the same error) before the test looks at it.

use workmail_policy::validate::{self, Options};
use workmail_policy::{load, Effect, ErrorCode, MobileRequest, RequestError};

const USER_A: &str = "S-1-1-11-1111111111-2222222222-3333333333-3333";
const USER_B: &str = "S-1-1-11-1111111111-2222222222-3333333333-4444";

mod common;

use common::{org, Org};

/// An organization whose one rule, `r1`, ALLOWs when its `member` list (`DeviceModels`, `NotDeviceTypes`, ...)
/// holds `values` (JSON list text); so a request is ALLOWed exactly when that condition holds.
fn one_condition(member: &str, values: &str) -> Org {
    org(&format!(
        r#"{{"MobileDeviceAccessRules": [
            {{"MobileDeviceAccessRuleId": "r1", "Name": "r1", "Effect": "ALLOW", "{member}": {values}}}
        ]}}"#
    ))
}

impl Org {
    /// The answer's `Effect` and the `Name`s of its `MatchedRules`; the request must be answered.
    fn verdict(&self, request: MobileRequest) -> (Effect, Vec<&str>) {
        match self.mobile(request) {
            Ok(answer) => (answer.effect, answer.matched_rules.iter().map(|rule| rule.name).collect()),
            Err(e) => panic!("{request:?} was refused: {e}"),
        }
    }

    /// Whether the request is ALLOWed (for the one-rule organizations of [`one_condition`]).
    fn allows(&self, request: MobileRequest) -> bool {
        let (effect, rules) = self.verdict(request);
        match effect {
            Effect::Allow => {
                assert_eq!(rules, ["r1"]);
                true
            }
            Effect::Deny => {
                assert!(rules.is_empty());
                false
            }
        }
    }

    /// The answer as JSON: the service's response, plus `MatchedOverride` when an override decided.
    fn json(&self, request: MobileRequest) -> String {
        let answer = self.mobile(request).unwrap_or_else(|e| panic!("{request:?} was refused: {e}"));
        serde_json::to_string(&answer).unwrap()
    }

    /// The service error the request is refused with; the request must be refused.
    fn error(&self, request: MobileRequest) -> ErrorCode {
        match self.mobile(request) {
            Ok(answer) => panic!("{request:?} was answered {answer:?}, expected an error"),
            Err(e) => e.code(),
        }
    }
}

fn device_type(value: &str) -> MobileRequest<'_> {
    MobileRequest { device_type: Some(value), ..Default::default() }
}

fn model(value: &str) -> MobileRequest<'_> {
    MobileRequest { device_model: Some(value), ..Default::default() }
}

/// A device reporting nothing at all.
const SILENT: MobileRequest<'static> = MobileRequest {
    device_type: None,
    device_model: None,
    device_operating_system: None,
    device_user_agent: None,
    user_id: None,
    device_id: None,
};

/// A device reporting all four properties.
const IPHONE: MobileRequest<'static> = MobileRequest {
    device_type: Some("iPhone"),
    device_model: Some("iPhone15,2"),
    device_operating_system: Some("iOS 17.4"),
    device_user_agent: Some("Apple-iPhone15C2/2104.100"),
    user_id: None,
    device_id: None,
};

// 2.1 ---------------------------------------------------------------------------------------------------------

/// 2.1: a file that does not list mobile-device rules is a new organization, whose default rule allows every
/// device. [inf] The rule's name and id are `default`/`default`: pins `uncertain::DEFAULT_MOBILE_RULE_ID` and
/// `uncertain::DEFAULT_MOBILE_RULE_NAME`.
#[test]
fn s2_1_file_without_mobile_rules_allows_every_device() {
    let new = org("{}");
    let expected = r#"{"Effect":"ALLOW","MatchedRules":[{"MobileDeviceAccessRuleId":"default","Name":"default"}]}"#;
    assert_eq!(new.json(IPHONE), expected);
    assert_eq!(new.json(SILENT), expected);
    assert_eq!(new.json(model("Pixel 8")), expected);
    // Other sections present do not change it.
    let with_access = org(r#"{"AccessControlRules": []}"#);
    assert_eq!(with_access.json(IPHONE), expected);
}

// 2.2 ---------------------------------------------------------------------------------------------------------

/// 2.2: an organization with zero mobile rules blocks every device, naming no rule.
#[test]
fn s2_2_zero_rules_deny_every_device() {
    let none = org(r#"{"MobileDeviceAccessRules": []}"#);
    let expected = r#"{"Effect":"DENY","MatchedRules":[]}"#;
    assert_eq!(none.json(IPHONE), expected);
    assert_eq!(none.json(SILENT), expected);
    assert_eq!(none.json(device_type("Android")), expected);
}

// 2.3 ---------------------------------------------------------------------------------------------------------

/// 2.3: each of the four properties is tested by its own lists against its own request member, and each may be
/// absent from the request.
#[test]
fn s2_3_each_property_is_tested_by_its_own_list_and_may_be_absent() {
    let members = ["DeviceTypes", "DeviceModels", "DeviceOperatingSystems", "DeviceUserAgents"];
    let with = |index: usize, value: &'static str| {
        let mut request = SILENT;
        match index {
            0 => request.device_type = Some(value),
            1 => request.device_model = Some(value),
            2 => request.device_operating_system = Some(value),
            _ => request.device_user_agent = Some(value),
        }
        request
    };
    for (i, member) in members.iter().enumerate() {
        let o = one_condition(member, r#"["Probe"]"#);
        for j in 0..members.len() {
            assert_eq!(o.allows(with(j, "Probe")), i == j, "{member} tested against property {j}");
        }
        assert!(!o.allows(SILENT), "{member}: an absent property fails a positive list");
    }
    // A device reporting nothing is answered, not refused.
    assert_eq!(org("{}").verdict(SILENT), (Effect::Allow, vec!["default"]));
}

// 2.4 ---------------------------------------------------------------------------------------------------------

/// 2.4: a value matches a reported property when the reported string starts with it, ignoring case.
#[test]
fn s2_4_values_match_by_case_insensitive_prefix() {
    let o = one_condition("DeviceModels", r#"["iPhone"]"#);
    for reported in ["iPhone", "iPhone15,2", "IPHONE 15", "iphone", "iPHONE SE"] {
        assert!(o.allows(model(reported)), "{reported:?}");
    }
    for reported in ["iPhon", "My iPhone", " iPhone", "i Phone", "Pixel 8"] {
        assert!(!o.allows(model(reported)), "{reported:?}");
    }
    // A value in upper case matches a reported value in lower case.
    let upper = one_condition("DeviceUserAgents", r#"["OUTLOOK-IOS"]"#);
    let ua = MobileRequest { device_user_agent: Some("Outlook-iOS/2.0"), ..Default::default() };
    assert!(upper.allows(ua));
}

/// 2.4 [inf]: `*` and `?` have no special meaning in a value; they match themselves only. Validation warns about
/// them (they look like globs).
#[test]
fn s2_4_star_and_question_mark_are_literal() {
    let json = r#"{"MobileDeviceAccessRules": [
        {"MobileDeviceAccessRuleId": "r1", "Name": "r1", "Effect": "ALLOW", "DeviceModels": ["iPhone*", "Pixel?"]}
    ]}"#;
    let o = org(json);
    for reported in ["iPhone*", "IPHONE* max", "Pixel?", "pixel? 8"] {
        assert!(o.allows(model(reported)), "{reported:?}");
    }
    for reported in ["iPhone", "iPhone 15", "iPhone15,2", "Pixel", "Pixel8", "Pixel 8"] {
        assert!(!o.allows(model(reported)), "{reported:?}");
    }
    let validation = validate::validate(&load::parse(json.as_bytes()).unwrap(), &Options::default());
    let warned: Vec<&str> = validation.findings.iter().filter(|f| !f.is_error()).map(|f| f.path.as_str()).collect();
    assert_eq!(warned, ["MobileDeviceAccessRules[0].DeviceModels[0]", "MobileDeviceAccessRules[0].DeviceModels[1]"]);
}

/// 2.4 [inf]: Latin-1 letters fold as Unicode simple lowercase does: the rule value `Ñandú` matches the reported
/// `ñANDÚ phone`. Characters without a Latin-1 case partner (`×`/`÷`, `ß`, `ÿ`) fold to themselves only. Pins
/// `uncertain::fold`.
#[test]
fn s2_4_latin1_letters_fold_like_unicode_simple_lowercase() {
    let o = one_condition("DeviceModels", r#"["Ñandú"]"#);
    for reported in ["Ñandú", "ñANDÚ phone", "ÑANDÚ", "ñandú 2"] {
        assert!(o.allows(model(reported)), "{reported:?}");
    }
    for reported in ["Nandu", "nandú", "Ñandu"] {
        assert!(!o.allows(model(reported)), "{reported:?}");
    }

    // Every Latin-1 capital matches its small letter and the other way round.
    for capital in ('\u{C0}'..='\u{DE}').filter(|c| *c != '×') {
        let small = char::from_u32(capital as u32 + 0x20).unwrap();
        let upper = one_condition("DeviceTypes", &format!(r#"["{capital}x"]"#));
        let lower = one_condition("DeviceTypes", &format!(r#"["{small}x"]"#));
        let (cap_reported, small_reported) = (format!("{capital}X"), format!("{small}X"));
        assert!(upper.allows(device_type(&small_reported)), "{capital} matches {small}");
        assert!(lower.allows(device_type(&cap_reported)), "{small} matches {capital}");
    }

    // `×` (U+D7) and `÷` (U+F7) sit 0x20 apart but are not a case pair.
    let times = one_condition("DeviceModels", r#"["×"]"#);
    assert!(times.allows(model("× 2")));
    assert!(!times.allows(model("÷ 2")));
    let divide = one_condition("DeviceModels", r#"["÷"]"#);
    assert!(!divide.allows(model("×")));
    // `ß` has no single-character capital in Latin-1; `ÿ`'s capital (U+0178) lies outside it.
    let eszett = one_condition("DeviceModels", r#"["ß"]"#);
    assert!(eszett.allows(model("ß")));
    assert!(!eszett.allows(model("SS")));
    assert!(!eszett.allows(model("ss")));
    let y = one_condition("DeviceModels", r#"["ÿ"]"#);
    assert!(y.allows(model("ÿ")));
    assert!(!y.allows(model("ß")));
}

/// 2.4: values and reported properties hold characters from U+0020 to U+00FF only: anything else in a request is
/// refused with `InvalidParameterException`, and in a rule it is a validation error.
#[test]
fn s2_4_values_are_printable_latin1() {
    let o = one_condition("DeviceModels", r#"["ÿ"]"#);
    for bad in ["Āndroid", "phone\u{7}", "tab\there", "emoji 📱"] {
        assert_eq!(o.error(model(bad)), ErrorCode::InvalidParameterException, "{bad:?}");
    }
    for (member, bad) in [("DeviceModels", "Ā"), ("DeviceTypes", "phone\\u0007"), ("NotDeviceUserAgents", "📱")] {
        let json = format!(
            r#"{{"MobileDeviceAccessRules": [
                {{"MobileDeviceAccessRuleId": "r1", "Name": "r1", "Effect": "ALLOW", "{member}": ["{bad}"]}}
            ]}}"#
        );
        let validation = validate::validate(&load::parse(json.as_bytes()).unwrap(), &Options::default());
        let errors: Vec<_> = validation.errors().map(|f| (f.path.clone(), f.code)).collect();
        assert_eq!(
            errors,
            [(format!("MobileDeviceAccessRules[0].{member}[0]"), ErrorCode::InvalidParameterException)],
            "{member} {bad:?}"
        );
    }
}

/// 2.4: the value `$NONE` matches a property the device does not report. [inf] It never prefix-matches a reported
/// string, not even a literal `$NONE`: pins `uncertain::NONE_MATCHES_PRESENT`.
#[test]
fn s2_4_none_matches_an_absent_property() {
    let o = one_condition("DeviceTypes", r#"["$NONE"]"#);
    assert!(o.allows(SILENT));
    assert!(o.allows(model("iPhone15,2")), "DeviceType is absent, whatever else is reported");
    assert!(!o.allows(device_type("iPhone")));
    assert!(!o.allows(device_type("$NONE")));
    assert!(!o.allows(device_type("$none")));
    assert!(!o.allows(device_type("$NONE phone")));

    // Beside ordinary values, `$NONE` adds the absent property to what the list accepts.
    let mixed = one_condition("DeviceTypes", r#"["$NONE", "iPad"]"#);
    assert!(mixed.allows(SILENT));
    assert!(mixed.allows(device_type("iPad")));
    assert!(!mixed.allows(device_type("iPhone")));
}

// 2.5 ---------------------------------------------------------------------------------------------------------

/// 2.5: a positive list holds when at least one of its values matches the property; an absent property fails it.
#[test]
fn s2_5_positive_list_needs_one_matching_value() {
    let o = one_condition("DeviceOperatingSystems", r#"["iOS 17", "Android 14"]"#);
    let os = |value| MobileRequest { device_operating_system: Some(value), ..Default::default() };
    assert!(o.allows(os("iOS 17.4")));
    assert!(o.allows(os("android 14 QPR2")));
    assert!(!o.allows(os("iOS 16.7")));
    assert!(!o.allows(os("Android 13")));
    assert!(!o.allows(SILENT));
    assert!(!o.allows(model("iOS 17")), "another property reporting the value does not help");
}

/// 2.5: a `Not*` list holds when none of its values matches the (present) property.
#[test]
fn s2_5_not_list_holds_when_no_value_matches() {
    let o = one_condition("NotDeviceUserAgents", r#"["BadClient", "legacy"]"#);
    let ua = |value| MobileRequest { device_user_agent: Some(value), ..Default::default() };
    assert!(o.allows(ua("Outlook-iOS/2.0")));
    assert!(o.allows(ua("GoodClient/1.0")));
    assert!(!o.allows(ua("BadClient/1.0")));
    assert!(!o.allows(ua("badclient")));
    assert!(!o.allows(ua("LEGACY-sync")));
    assert!(o.allows(ua("My BadClient")), "prefix, not substring");
}

/// 2.5: a `Not*` condition never holds for an absent property, for each of the four properties.
#[test]
fn s2_5_not_list_never_holds_for_absent_property() {
    for member in ["NotDeviceTypes", "NotDeviceModels", "NotDeviceOperatingSystems", "NotDeviceUserAgents"] {
        let o = one_condition(member, r#"["Nokia"]"#);
        assert!(!o.allows(SILENT), "{member}");
        assert!(o.allows(IPHONE), "{member}: a present property that matches no value");
    }
    // The same rule as a DENY: a device that hides its model is not denied by `NotDeviceModels`.
    let o = org(r#"{"MobileDeviceAccessRules": [
        {"MobileDeviceAccessRuleId": "not-pixel", "Name": "only Pixels", "Effect": "DENY", "NotDeviceModels": ["Pixel"]},
        {"MobileDeviceAccessRuleId": "all", "Name": "everyone", "Effect": "ALLOW"}
    ]}"#);
    assert_eq!(o.verdict(device_type("Android")), (Effect::Allow, vec!["everyone"]));
    assert_eq!(o.verdict(model("iPhone15,2")), (Effect::Deny, vec!["only Pixels"]));
    assert_eq!(o.verdict(model("Pixel 8")), (Effect::Allow, vec!["everyone"]));
}

/// 2.5 [inf]: `$NONE` inside a `Not*` list holds only for a present property (it excludes the absent one, which
/// a `Not*` list excludes anyway); beside other values it changes nothing for present ones. Pins the `$NONE`
/// handling of `uncertain::NONE_VALUE` / `uncertain::NONE_MATCHES_PRESENT` in Not lists.
#[test]
fn s2_5_none_inside_not_list_holds_only_for_present_property() {
    let o = one_condition("NotDeviceTypes", r#"["$NONE"]"#);
    assert!(!o.allows(SILENT));
    assert!(o.allows(device_type("iPhone")));
    assert!(o.allows(device_type("$NONE")), "a literal `$NONE` is a present value `$NONE` does not match");

    let mixed = one_condition("NotDeviceTypes", r#"["$NONE", "Android"]"#);
    assert!(!mixed.allows(SILENT));
    assert!(mixed.allows(device_type("iPhone")));
    assert!(!mixed.allows(device_type("android tablet")));
}

/// 2.5 (terms): a rule matches only when the conditions on every property hold together.
#[test]
fn s2_5_conditions_on_several_properties_hold_together() {
    let o = org(r#"{"MobileDeviceAccessRules": [
        {"MobileDeviceAccessRuleId": "r1", "Name": "r1", "Effect": "ALLOW",
         "DeviceTypes": ["iPhone"], "DeviceOperatingSystems": ["iOS 17"], "NotDeviceUserAgents": ["BadClient"]}
    ]}"#);
    assert!(o.allows(IPHONE));
    assert!(!o.allows(MobileRequest { device_operating_system: Some("iOS 16.1"), ..IPHONE }));
    assert!(!o.allows(MobileRequest { device_user_agent: Some("BadClient/3"), ..IPHONE }));
    assert!(!o.allows(MobileRequest { device_user_agent: None, ..IPHONE }));
    assert!(!o.allows(MobileRequest { device_type: Some("iPad"), ..IPHONE }));
}

// 2.6 ---------------------------------------------------------------------------------------------------------

/// 2.6: a matching DENY rule decides; `MatchedRules` lists the matching DENY rules only, each as
/// `{MobileDeviceAccessRuleId, Name}`, in input order [inf].
#[test]
fn s2_6_deny_lists_only_deny_rules_with_ids() {
    let o = org(r#"{"MobileDeviceAccessRules": [
        {"MobileDeviceAccessRuleId": "mdar-phones", "Name": "Allow phones", "Effect": "ALLOW", "DeviceTypes": ["iPhone", "Android"]},
        {"MobileDeviceAccessRuleId": "mdar-old-ios", "Name": "Block iOS 16", "Effect": "DENY", "DeviceOperatingSystems": ["iOS 16"]},
        {"MobileDeviceAccessRuleId": "mdar-pixel", "Name": "Block Pixels", "Effect": "DENY", "DeviceModels": ["Pixel"]},
        {"MobileDeviceAccessRuleId": "mdar-bad-ua", "Name": "Block BadClient", "Effect": "DENY", "DeviceUserAgents": ["BadClient"]}
    ]}"#);
    let old_iphone =
        MobileRequest { device_operating_system: Some("iOS 16.7"), device_user_agent: Some("BadClient/1"), ..IPHONE };
    assert_eq!(
        o.json(old_iphone),
        r#"{"Effect":"DENY","MatchedRules":[{"MobileDeviceAccessRuleId":"mdar-old-ios","Name":"Block iOS 16"},{"MobileDeviceAccessRuleId":"mdar-bad-ua","Name":"Block BadClient"}]}"#
    );
    assert_eq!(
        o.json(MobileRequest { device_type: Some("Android"), device_model: Some("Pixel 8"), ..SILENT }),
        r#"{"Effect":"DENY","MatchedRules":[{"MobileDeviceAccessRuleId":"mdar-pixel","Name":"Block Pixels"}]}"#
    );
}

/// 2.6: with no matching DENY rule, the matching ALLOW rules decide and are listed, in input order [inf]; a rule
/// drafted without an id is listed by `Name` alone.
#[test]
fn s2_6_allow_lists_the_matching_allow_rules_in_input_order() {
    let o = org(r#"{"MobileDeviceAccessRules": [
        {"MobileDeviceAccessRuleId": "z-apple", "Name": "Apple", "Effect": "ALLOW", "DeviceModels": ["iPhone"]},
        {"MobileDeviceAccessRuleId": "a-any", "Name": "Anything with a type", "Effect": "ALLOW", "NotDeviceTypes": ["$NONE"]},
        {"MobileDeviceAccessRuleId": "m-block", "Name": "Block Nokia", "Effect": "DENY", "DeviceTypes": ["Nokia"]},
        {"Name": "Drafted", "Effect": "ALLOW", "DeviceOperatingSystems": ["iOS"]}
    ]}"#);
    assert_eq!(
        o.json(IPHONE),
        r#"{"Effect":"ALLOW","MatchedRules":[{"MobileDeviceAccessRuleId":"z-apple","Name":"Apple"},{"MobileDeviceAccessRuleId":"a-any","Name":"Anything with a type"},{"Name":"Drafted"}]}"#
    );
    assert_eq!(o.verdict(device_type("Android")), (Effect::Allow, vec!["Anything with a type"]));
}

/// 2.6: when no rule matches, the answer is DENY with an empty `MatchedRules`.
#[test]
fn s2_6_no_matching_rule_denies_with_no_matched_rules() {
    let o = org(r#"{"MobileDeviceAccessRules": [
        {"MobileDeviceAccessRuleId": "phones", "Name": "phones", "Effect": "ALLOW", "DeviceTypes": ["iPhone"]},
        {"MobileDeviceAccessRuleId": "nokia", "Name": "nokia", "Effect": "DENY", "DeviceTypes": ["Nokia"]}
    ]}"#);
    assert_eq!(o.json(device_type("Android")), r#"{"Effect":"DENY","MatchedRules":[]}"#);
    assert_eq!(o.json(SILENT), r#"{"Effect":"DENY","MatchedRules":[]}"#);
}

// 2.7 ---------------------------------------------------------------------------------------------------------

const OVERRIDES: &str = r#"{
    "MobileDeviceAccessRules": [
        {"MobileDeviceAccessRuleId": "no-iphones", "Name": "Block iPhones", "Effect": "DENY", "DeviceTypes": ["iPhone"]},
        {"MobileDeviceAccessRuleId": "all", "Name": "Allow all", "Effect": "ALLOW"}
    ],
    "MobileDeviceAccessOverrides": [
        {"UserId": "S-1-1-11-1111111111-2222222222-3333333333-3333", "DeviceId": "ALICEPHONE01", "Effect": "ALLOW",
         "Description": "approved exception"},
        {"UserId": "S-1-1-11-1111111111-2222222222-3333333333-3333", "DeviceId": "LOSTTABLET02", "Effect": "DENY",
         "Description": "reported lost"}
    ]
}"#;

/// 2.7: an ALLOW override decides for its user and device even when a DENY rule matches the device; the answer
/// names the override (`MatchedOverride`) and no rule.
#[test]
fn s2_7_override_beats_a_deny_rule() {
    let o = org(OVERRIDES);
    assert_eq!(o.verdict(IPHONE), (Effect::Deny, vec!["Block iPhones"]));
    let alice = MobileRequest { user_id: Some(USER_A), device_id: Some("ALICEPHONE01"), ..IPHONE };
    assert_eq!(
        o.json(alice),
        r#"{"Effect":"ALLOW","MatchedRules":[],"MatchedOverride":{"UserId":"S-1-1-11-1111111111-2222222222-3333333333-3333","DeviceId":"ALICEPHONE01"}}"#
    );
}

/// 2.7: a DENY override decides for its user and device even when only ALLOW rules match.
#[test]
fn s2_7_deny_override_beats_an_allow_rule() {
    let o = org(OVERRIDES);
    let tablet = MobileRequest { device_type: Some("iPad"), ..SILENT };
    assert_eq!(o.verdict(tablet), (Effect::Allow, vec!["Allow all"]));
    let lost = MobileRequest { user_id: Some(USER_A), device_id: Some("LOSTTABLET02"), ..tablet };
    assert_eq!(
        o.json(lost),
        r#"{"Effect":"DENY","MatchedRules":[],"MatchedOverride":{"UserId":"S-1-1-11-1111111111-2222222222-3333333333-3333","DeviceId":"LOSTTABLET02"}}"#
    );
}

/// 2.7: `DeviceId` compares case-insensitively; `MatchedOverride` shows the override as the organization lists it.
#[test]
fn s2_7_device_id_compares_case_insensitively() {
    let o = org(OVERRIDES);
    for spelling in ["ALICEPHONE01", "alicephone01", "AlicePhone01"] {
        let alice = MobileRequest { user_id: Some(USER_A), device_id: Some(spelling), ..IPHONE };
        let answer = o.mobile(alice).unwrap();
        assert_eq!(answer.effect, Effect::Allow, "{spelling}");
        let matched = answer.matched_override.expect("the override decided");
        assert_eq!((matched.user_id, matched.device_id), (USER_A, "ALICEPHONE01"), "{spelling}");
    }
}

/// 2.7: a user and device with no override get the rules' answer, without `MatchedOverride`: another device of the
/// same user, or the same device id for another user.
#[test]
fn s2_7_without_an_override_the_rules_decide() {
    let o = org(OVERRIDES);
    let rules_answer =
        r#"{"Effect":"DENY","MatchedRules":[{"MobileDeviceAccessRuleId":"no-iphones","Name":"Block iPhones"}]}"#;
    let other_device = MobileRequest { user_id: Some(USER_A), device_id: Some("ALICEPHONE02"), ..IPHONE };
    assert_eq!(o.json(other_device), rules_answer);
    let other_user = MobileRequest { user_id: Some(USER_B), device_id: Some("ALICEPHONE01"), ..IPHONE };
    assert_eq!(o.json(other_user), rules_answer);
    assert_eq!(o.json(IPHONE), rules_answer);
}

/// 2.7: the override extension needs `UserId` and `DeviceId` together; one without the other is refused with
/// `InvalidParameterException`.
#[test]
fn s2_7_user_id_and_device_id_come_together() {
    let o = org(OVERRIDES);
    let user_only = MobileRequest { user_id: Some(USER_A), ..IPHONE };
    let device_only = MobileRequest { device_id: Some("ALICEPHONE01"), ..IPHONE };
    for request in [user_only, device_only] {
        assert_eq!(o.mobile(request), Err(RequestError::OverrideNeedsUserAndDevice));
        assert_eq!(o.error(request), ErrorCode::InvalidParameterException);
    }
    let bad_device = MobileRequest { user_id: Some(USER_A), device_id: Some("alice-phone"), ..IPHONE };
    assert_eq!(o.error(bad_device), ErrorCode::InvalidParameterException, "DeviceId is letters and digits");
}

/// 2.7: with a user directory, an override's user and the request's user resolve through it [inf: by ID, email
/// or name, `uncertain::USER_NAMED_BY`], and a user the directory does not hold is `EntityNotFoundException`.
#[test]
fn s2_7_override_users_resolve_through_the_directory() {
    let o = org(r#"{
        "MobileDeviceAccessRules": [
            {"MobileDeviceAccessRuleId": "no-iphones", "Name": "Block iPhones", "Effect": "DENY", "DeviceTypes": ["iPhone"]}
        ],
        "MobileDeviceAccessOverrides": [
            {"UserId": "alice@example.com", "DeviceId": "ALICEPHONE01", "Effect": "ALLOW"}
        ],
        "Users": [
            {"Id": "S-1-1-11-1111111111-2222222222-3333333333-3333", "Email": "alice@example.com", "Name": "alice", "State": "ENABLED"},
            {"Id": "S-1-1-11-1111111111-2222222222-3333333333-4444", "Email": "bob@example.com", "Name": "bob", "State": "ENABLED"}
        ]
    }"#);
    for alice in [USER_A, "alice@example.com", "alice"] {
        let request = MobileRequest { user_id: Some(alice), device_id: Some("alicephone01"), ..IPHONE };
        let answer = o.mobile(request).unwrap();
        assert_eq!(answer.effect, Effect::Allow, "{alice}");
        let matched = answer.matched_override.expect("the override decided");
        assert_eq!((matched.user_id, matched.device_id), ("alice@example.com", "ALICEPHONE01"));
    }
    let bob = MobileRequest { user_id: Some("bob"), device_id: Some("ALICEPHONE01"), ..IPHONE };
    assert_eq!(o.verdict(bob), (Effect::Deny, vec!["Block iPhones"]));
    let stranger = MobileRequest { user_id: Some("carol@example.com"), device_id: Some("ALICEPHONE01"), ..IPHONE };
    assert_eq!(o.error(stranger), ErrorCode::EntityNotFoundException);

    // Without a directory, users compare as strings and an unknown user is not an error.
    let plain = org(OVERRIDES);
    let by_email = MobileRequest { user_id: Some("alice@example.com"), device_id: Some("ALICEPHONE01"), ..IPHONE };
    assert_eq!(plain.verdict(by_email), (Effect::Deny, vec!["Block iPhones"]));
}
