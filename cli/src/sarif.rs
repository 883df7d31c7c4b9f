//! `--format sarif`: findings as a SARIF 2.1.0 log, the format GitHub code scanning and other CI dashboards read.
//!
//! One run per command, its tool `wmpolicy`. Every check the command can report is listed as a rule (validation's
//! `Problem`s, lint's `Check`s, diff's three simulate calls) with its one-line description, and each finding
//! becomes a result with that rule id, a level, its message and where it is: the input file (as a relative URI
//! reference, percent-encoded) with its line and column, and the member path as a logical location. Columns are
//! counted in Unicode characters (`columnKind`), as the findings count them.

use serde_json::{json, Value};
use workmail_policy::analyse::lint::{Category, Check, LintFinding};
use workmail_policy::{Finding, Position, Problem, Severity};

/// Where a result is: a file, perhaps a position in it, and the member path there.
pub struct Location<'a> {
    pub file: Option<&'a str>,
    pub position: Option<Position>,
    pub path: &'a str,
}

/// One result: its rule (an index into the run's rules), level, message and location.
pub struct Result<'a> {
    pub rule: usize,
    pub level: &'static str,
    pub message: String,
    pub location: Location<'a>,
    /// Extra facts for tools (the service's error code, the lint category).
    pub properties: Value,
}

/// A rule of the run: its id and what it finds.
pub struct Rule {
    pub id: &'static str,
    pub description: &'static str,
    pub level: &'static str,
}

/// Validation's rules, one per problem.
pub fn validation_rules() -> Vec<Rule> {
    Problem::ALL
        .iter()
        .map(|problem| Rule {
            id: problem.as_str(),
            description: problem.description(),
            level: match problem {
                Problem::HostBitsSet | Problem::UndocumentedAction | Problem::GlobInDeviceValue | Problem::NoRuleId => {
                    "warning"
                }
                _ => "error",
            },
        })
        .collect()
}

/// Lint's rules, one per check.
pub fn lint_rules() -> Vec<Rule> {
    Check::ALL
        .iter()
        .map(|&check| Rule {
            id: check.as_str(),
            description: check.description(),
            level: lint_level(check.category()),
        })
        .collect()
}

/// Lockouts stop people working, so they are errors; the rest are warnings.
fn lint_level(category: Category) -> &'static str {
    match category {
        Category::Lockout => "error",
        Category::DeadRule | Category::LikelyMistake => "warning",
    }
}

/// A validation finding as a result.
pub fn from_finding(finding: &Finding) -> Result<'_> {
    let index = Problem::ALL.iter().position(|&p| p == finding.problem).unwrap_or_default();
    Result {
        rule: index,
        level: match finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        },
        message: finding.message.clone(),
        location: Location { file: finding.file.as_deref(), position: finding.position, path: &finding.path },
        properties: json!({ "code": finding.code.as_str() }),
    }
}

/// A lint finding as a result.
pub fn from_lint(finding: &LintFinding) -> Result<'_> {
    let index = Check::ALL.iter().position(|&c| c == finding.check).unwrap_or_default();
    let mut properties = json!({ "category": finding.category });
    if let Some(problem) = finding.problem {
        properties["problem"] = json!(problem.as_str());
    }
    Result {
        rule: index,
        level: lint_level(finding.category),
        message: finding.message.clone(),
        location: Location { file: finding.file.as_deref(), position: finding.position, path: &finding.path },
        properties,
    }
}

/// The SARIF log of one run of `wmpolicy`. Results with no file are placed at `fallback` (the first input), so
/// that every result has a physical location, which code scanning needs.
pub fn log(rules: &[Rule], results: &[Result], fallback: &str) -> Value {
    let descriptors: Vec<Value> = rules
        .iter()
        .map(|rule| {
            json!({
                "id": rule.id,
                "name": rule.id,
                "shortDescription": { "text": rule.description },
                "defaultConfiguration": { "level": rule.level },
                "helpUri": "https://docs.rs/workmail-policy",
            })
        })
        .collect();
    let results: Vec<Value> = results
        .iter()
        .map(|result| {
            let file = result.location.file.unwrap_or(fallback);
            let mut physical = json!({ "artifactLocation": { "uri": uri(file) } });
            if let Some(position) = result.location.position {
                physical["region"] = json!({ "startLine": position.line, "startColumn": position.column });
            }
            let mut location = json!({ "physicalLocation": physical });
            if !result.location.path.is_empty() {
                location["logicalLocations"] =
                    json!([{ "fullyQualifiedName": result.location.path, "kind": "member" }]);
            }
            json!({
                "ruleId": rules.get(result.rule).map_or("", |rule| rule.id),
                "ruleIndex": result.rule,
                "level": result.level,
                "message": { "text": result.message },
                "locations": [location],
                "properties": result.properties,
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "wmpolicy",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://docs.rs/workmail-policy",
                "rules": descriptors,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

/// A file name as a URI reference: relative paths stay relative (code scanning resolves them against the
/// repository), and every byte outside RFC 3986's unreserved characters and `/` is percent-encoded.
pub fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::uri;

    #[test]
    fn file_names_become_uri_references() {
        assert_eq!(uri("examples/acme.json"), "examples/acme.json");
        assert_eq!(uri("my rules/ü#1.json"), "my%20rules/%C3%BC%231.json");
        assert_eq!(uri("-"), "-");
    }
}
