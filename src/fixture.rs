//! Fixtures: an organization with requests and the service's own answers, replayed offline by `wmpolicy test`.
//!
//! `wmpolicy-aws verify --record FILE` writes one while the service still answers (it shuts down on 2027-03-31);
//! the fixture keeps the proof afterwards. A fixture is one JSON object:
//!
//! ```text
//! {
//!   "Format": "workmail-policy-fixture/1",
//!   "Source": {"OrganizationId": "m-…", "Region": "us-east-1", "RecordedAt": "2026-…Z", "RecordedBy": "…"},
//!   "Organization": { …an organization file, as `wmpolicy` reads it… },
//!   "Cases": [
//!     {"Request": {"Operation": "GetAccessControlEffect", …a batch line…}, "Answer": {"Effect": "DENY", …}},
//!     {"Request": {…}, "Answer": {"Error": {"Code": "EntityNotFoundException", "Message": "…"}}}
//!   ]
//! }
//! ```
//!
//! `Source` is optional and informational. Each `Answer` is what the service returned: the response, or the error
//! it refused the request with. [`to_text`] writes one case per line, so that a re-recorded fixture diffs by case.
//!
//! Answers are compared by [`compare`]: two responses must be equal as JSON (a missing `MatchedRules` counts as
//! empty), two errors must have the same `Code` (the messages are the service's prose, not a contract).

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::call::Call;
use crate::diagnostic::{ErrorCode, Finding};
use crate::model::OrganizationFile;
use crate::policy::Policy;
use crate::{load, validate};

/// The `Format` member of the fixtures this version writes and reads.
pub const FORMAT: &str = "workmail-policy-fixture/1";

/// A recorded fixture.
#[derive(Debug, Clone, PartialEq)]
pub struct Fixture {
    pub source: Source,
    pub organization: OrganizationFile,
    pub cases: Vec<Case>,
}

/// Where and when a fixture was recorded; every member optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Source {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_by: Option<String>,
}

/// One request and the service's answer to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Case {
    pub request: Call,
    pub answer: Value,
}

/// The file's shape before the organization is checked by [`load`].
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct Raw {
    format: String,
    #[serde(default)]
    source: Source,
    organization: Value,
    cases: Vec<Case>,
}

/// Reads a fixture. The organization goes through [`load::parse`], so its findings carry the same paths and
/// suggestions as an organization file's, prefixed with `Organization: `.
pub fn parse(bytes: &[u8]) -> Result<Fixture, Vec<Finding>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let raw: Raw = serde_json::from_slice(bytes).map_err(|e| {
        let message = format!("is not a fixture ({FORMAT}): {e}");
        vec![Finding::error("", ErrorCode::SerializationException, message)]
    })?;
    if raw.format != FORMAT {
        let message = format!("is {:?}; this version reads {FORMAT:?}", raw.format);
        return Err(vec![Finding::error("Format", ErrorCode::InvalidParameterException, message)]);
    }
    // The organization is re-read from its own text so that unknown members get `load`'s checks and messages.
    let organization = load::parse(raw.organization.to_string().as_bytes()).map_err(|findings| {
        findings.into_iter().map(|f| Finding { path: format!("Organization: {}", f.path), ..f }).collect::<Vec<_>>()
    })?;
    Ok(Fixture { source: raw.source, organization, cases: raw.cases })
}

/// Writes a fixture: the organization indented, one case per line.
pub fn to_text(fixture: &Fixture) -> String {
    // Plain structures of strings and numbers: serializing them cannot fail.
    fn json<T: Serialize + ?Sized>(value: &T) -> String {
        serde_json::to_string(value).unwrap_or_default()
    }
    let organization = serde_json::to_string_pretty(&fixture.organization).unwrap_or_default().replace('\n', "\n  ");
    let mut text = format!("{{\n  \"Format\": {},\n", json(FORMAT));
    if fixture.source != Source::default() {
        text.push_str(&format!("  \"Source\": {},\n", json(&fixture.source)));
    }
    text.push_str(&format!("  \"Organization\": {organization},\n  \"Cases\": ["));
    for (i, case) in fixture.cases.iter().enumerate() {
        text.push_str(if i == 0 { "\n    " } else { ",\n    " });
        text.push_str(&json(case));
    }
    text.push_str(if fixture.cases.is_empty() { "]\n}\n" } else { "\n  ]\n}\n" });
    text
}

/// A request on which the engine and the service answered differently.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Divergence {
    /// The request's position among those asked (or among the fixture's cases), from 1.
    pub case: usize,
    /// What differs, in a few words.
    pub reason: String,
    pub request: Call,
    /// The engine's answer.
    pub local: Value,
    /// The service's answer.
    pub service: Value,
}

impl fmt::Display for Divergence {
    /// `case N (Operation): reason`, then the request and both answers, each on an indented line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "case {} ({}): {}", self.case, self.request.operation(), self.reason)?;
        writeln!(f, "  request: {}", self.request.to_line())?;
        writeln!(f, "  local:   {}", self.local)?;
        write!(f, "  service: {}", self.service)
    }
}

/// Agreements and divergences, counted as answers come in.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tally {
    pub agreed: usize,
    pub divergences: Vec<Divergence>,
}

impl Tally {
    /// Compares one pair of answers; `case` numbers from 1.
    pub fn record(&mut self, case: usize, request: &Call, local: Value, service: Value) {
        match compare(&local, &service) {
            None => self.agreed += 1,
            Some(reason) => {
                self.divergences.push(Divergence { case, reason, request: request.clone(), local, service })
            }
        }
    }

    /// Every answer agreed.
    pub fn all_agree(&self) -> bool {
        self.divergences.is_empty()
    }

    /// `N passed, M failed`, the closing line of `wmpolicy test`.
    pub fn summary(&self) -> String {
        format!("{} passed, {} failed", self.agreed, self.divergences.len())
    }
}

/// Why a fixture cannot be replayed at all.
#[derive(Debug, Clone, PartialEq)]
pub enum ReplayError {
    /// The organization has validation errors (warnings are not errors).
    Invalid(Vec<Finding>),
    /// The organization exceeds the engine's limits.
    Compile(crate::CompileError),
}

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplayError::Invalid(findings) => {
                f.write_str("the fixture's organization has validation errors:")?;
                findings.iter().filter(|finding| finding.is_error()).try_for_each(|finding| write!(f, "\n  {finding}"))
            }
            ReplayError::Compile(e) => write!(f, "the fixture's organization cannot be compiled: {e}"),
        }
    }
}

impl std::error::Error for ReplayError {}

/// Answers every case with the engine and compares with the recorded answer.
///
/// ```
/// use workmail_policy::fixture;
///
/// let text = br#"{"Format": "workmail-policy-fixture/1", "Organization": {}, "Cases": [
///   {"Request": {"Operation": "GetMobileDeviceAccessEffect", "DeviceType": "iPhone"},
///    "Answer": {"Effect": "ALLOW", "MatchedRules": [{"MobileDeviceAccessRuleId": "default", "Name": "default"}]}}
/// ]}"#;
/// let tally = fixture::replay(&fixture::parse(text).unwrap(), &Default::default()).unwrap();
/// assert_eq!(tally.summary(), "1 passed, 0 failed");
/// ```
pub fn replay(fixture: &Fixture, options: &validate::Options) -> Result<Tally, ReplayError> {
    let validation = validate::validate(&fixture.organization, options);
    let organization = match validation.organization {
        Some(organization) => organization,
        None => return Err(ReplayError::Invalid(validation.findings)),
    };
    let policy = Policy::compile(&organization).map_err(ReplayError::Compile)?;
    let mut tally = Tally::default();
    for (i, case) in fixture.cases.iter().enumerate() {
        tally.record(i + 1, &case.request, case.request.answer(&policy), case.answer.clone());
    }
    Ok(tally)
}

/// Whether two answers agree: `None` when they do, else what differs. `local` is the engine's, `service` the
/// service's; both are a response object or `{"Error": {"Code": …, …}}`.
pub fn compare(local: &Value, service: &Value) -> Option<String> {
    fn code(answer: &Value) -> Option<&str> {
        answer.get("Error").map(|e| e.get("Code").and_then(Value::as_str).unwrap_or("?"))
    }
    match (code(local), code(service)) {
        (Some(mine), Some(theirs)) if mine == theirs => None,
        (Some(mine), Some(theirs)) => Some(format!("error code: service {theirs}, local {mine}")),
        (None, Some(theirs)) => Some(format!("the service refused the request ({theirs}); the engine answered it")),
        (Some(mine), None) => Some(format!("the engine refused the request ({mine}); the service answered it")),
        (None, None) => compare_responses(local, service),
    }
}

fn compare_responses(local: &Value, service: &Value) -> Option<String> {
    let member = |answer: &Value, name: &str| answer.get(name).cloned().unwrap_or(Value::Null);
    for name in ["Effect", "Type"] {
        let (mine, theirs) = (member(local, name), member(service, name));
        if mine != theirs {
            return Some(format!("{name}: service {theirs}, local {mine}"));
        }
    }
    // A missing `MatchedRules` and an empty one say the same.
    let rules = |answer: &Value| match answer.get("MatchedRules") {
        Some(Value::Array(rules)) => rules.clone(),
        _ => Vec::new(),
    };
    let (mine, theirs) = (rules(local), rules(service));
    if mine != theirs {
        let mut sorted = (mine.clone(), theirs.clone());
        sorted.0.sort_by_key(Value::to_string);
        sorted.1.sort_by_key(Value::to_string);
        return Some(if sorted.0 == sorted.1 {
            "MatchedRules: the same rules in another order".to_string()
        } else {
            "MatchedRules differ".to_string()
        });
    }
    let normalise = |answer: &Value| {
        let mut answer = answer.clone();
        if let Value::Object(members) = &mut answer {
            members.entry("MatchedRules").or_insert_with(|| Value::Array(Vec::new()));
        }
        answer
    };
    (normalise(local) != normalise(service)).then(|| "the responses differ in other members".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn errors_agree_on_the_code_alone() {
        let local = json!({"Error": {"Code": "EntityNotFoundException", "Message": "ours"}});
        assert_eq!(compare(&local, &json!({"Error": {"Code": "EntityNotFoundException", "Message": "theirs"}})), None);
        let other = json!({"Error": {"Code": "InvalidParameterException", "Message": "theirs"}});
        assert!(compare(&local, &other).unwrap().contains("service InvalidParameterException"));
        assert!(compare(&local, &json!({"Effect": "ALLOW"})).unwrap().contains("engine refused"));
        assert!(compare(&json!({"Effect": "ALLOW"}), &other).unwrap().contains("service refused"));
    }

    #[test]
    fn responses_must_be_equal_and_order_is_named() {
        let a = json!({"Effect": "DENY", "MatchedRules": ["a", "b"]});
        assert_eq!(compare(&a, &a), None);
        assert!(compare(&a, &json!({"Effect": "ALLOW", "MatchedRules": ["a", "b"]})).unwrap().starts_with("Effect"));
        let reordered = json!({"Effect": "DENY", "MatchedRules": ["b", "a"]});
        assert!(compare(&a, &reordered).unwrap().contains("another order"));
        assert!(compare(&a, &json!({"Effect": "DENY", "MatchedRules": ["a"]})).unwrap().contains("differ"));
        assert_eq!(compare(&json!({"Effect": "DENY", "MatchedRules": []}), &json!({"Effect": "DENY"})), None);
        let typed = json!({"Type": "READ_ONLY", "Effect": "DENY", "MatchedRules": []});
        assert!(compare(&typed, &json!({"Type": "FULL_ACCESS", "Effect": "DENY"})).unwrap().starts_with("Type"));
    }

    #[test]
    fn a_fixture_round_trips_through_its_text() {
        let fixture = Fixture {
            source: Source { organization_id: Some("m-0123456789abcdef0123456789abcdef".into()), ..Default::default() },
            organization: load::parse(include_bytes!("../examples/acme.json")).unwrap(),
            cases: vec![
                Case {
                    request: Call::Impersonation { impersonation_role_id: "r".into(), target_user: "u".into() },
                    answer: json!({"Error": {"Code": "ResourceNotFoundException", "Message": "no such role"}}),
                },
                Case {
                    request: Call::Mobile {
                        device_type: Some("iPhone".into()),
                        device_model: None,
                        device_operating_system: None,
                        device_user_agent: None,
                        user_id: None,
                        device_id: None,
                    },
                    answer: json!({"Effect": "ALLOW", "MatchedRules": []}),
                },
            ],
        };
        let text = to_text(&fixture);
        assert_eq!(text.lines().filter(|l| l.trim_start().starts_with("{\"Request\"")).count(), 2);
        assert_eq!(parse(text.as_bytes()).unwrap(), fixture);
        let empty = Fixture { cases: vec![], source: Source::default(), ..fixture };
        assert_eq!(parse(to_text(&empty).as_bytes()).unwrap(), empty);
    }

    #[test]
    fn bad_fixtures_are_reported_not_panicked_on() {
        assert!(parse(b"[]").unwrap_err()[0].message.contains("not a fixture"));
        let old = br#"{"Format": "workmail-policy-fixture/0", "Organization": {}, "Cases": []}"#;
        assert_eq!(parse(old).unwrap_err()[0].path, "Format");
        let typo =
            br#"{"Format": "workmail-policy-fixture/1", "Organization": {"Rules": [{"Nme": "x"}]}, "Cases": []}"#;
        assert_eq!(parse(typo).unwrap_err()[0].path, "Organization: Rules[0].Nme");
        let invalid = br#"{"Format": "workmail-policy-fixture/1", "Organization": {"AccessControlRules": [{"Name": "x"}]}, "Cases": []}"#;
        let error = replay(&parse(invalid).unwrap(), &Default::default()).unwrap_err();
        assert!(error.to_string().contains("AccessControlRules[0]"), "{error}");
    }
}
