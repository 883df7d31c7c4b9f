//! Findings about input files and the service's error codes.
//!
//! Every problem with an organization file, from a JSON syntax error to a rule over the quota, is one [`Finding`]:
//! where it is (a path such as `AccessControlRules[3].IpRanges[7]`), the error the service would answer with, how
//! serious it is, and a sentence for a person.

use std::fmt;

use serde::Serialize;

/// The service's error names, as `GetAccessControlEffect` and friends return them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ErrorCode {
    /// A member breaks the service model, or a request is malformed.
    InvalidParameterException,
    /// More rules than the per-organization quota.
    LimitExceededException,
    /// A user the directory does not hold.
    EntityNotFoundException,
    /// A user that is not enabled.
    EntityStateException,
    /// An impersonation role the organization does not hold.
    ResourceNotFoundException,
    /// The input is not JSON of the expected shape (wrong JSON type, syntax error).
    SerializationException,
}

impl ErrorCode {
    /// The error's name, as the service spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidParameterException => "InvalidParameterException",
            ErrorCode::LimitExceededException => "LimitExceededException",
            ErrorCode::EntityNotFoundException => "EntityNotFoundException",
            ErrorCode::EntityStateException => "EntityStateException",
            ErrorCode::ResourceNotFoundException => "ResourceNotFoundException",
            ErrorCode::SerializationException => "SerializationException",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a finding stops the file from being used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Severity {
    /// The service would reject this; the organization cannot be evaluated.
    #[serde(rename = "error")]
    Error,
    /// The service accepts this, but it is likely a mistake.
    #[serde(rename = "warning")]
    Warning,
}

/// Which check found a problem: one per kind of mistake, so that a tool can group findings, switch one off, or
/// link to its description (the SARIF output's rule ids are these names). Each has the service error it usually
/// comes with ([`Problem::code`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Problem {
    /// The input is not JSON, or holds no document.
    NotJson,
    /// The input is over one of `load::Limits`: its bytes, records or list entries.
    InputLimit,
    /// A document is none of the shapes read (an organization file, or the output of an aws CLI command read).
    UnknownShape,
    /// A member no shape has: a typo, which must never silently widen a rule.
    UnknownMember,
    /// A value of the wrong JSON type (a number for a string, an object for a list).
    WrongType,
    /// A member written twice in one object: a JSON reader would keep one and drop the other.
    DuplicateMember,
    /// A member the service's Put/Create call requires is missing.
    MissingMember,
    /// A value the service model refuses: a string's pattern or length, an enum, a list's length, a timestamp.
    InvalidValue,
    /// More rules than the service's per-organization quota (a warning when quotas are relaxed).
    OverQuota,
    /// More rules or address ranges than this tool analyses.
    OverEngineLimit,
    /// A user identifier that names no user of the directory.
    UnknownUser,
    /// An impersonation role id that names no loaded role.
    UnknownRole,
    /// A user ID, email or name that names two users.
    DuplicateIdentifier,
    /// Two rules of one name or id (two roles of one id), which the service cannot hold.
    DuplicateRule,
    /// Two overrides for one user and device.
    DuplicateOverride,
    /// A CIDR with host bits set (a warning): it covers the range its network address starts.
    HostBitsSet,
    /// An action outside the documented ones (a warning): it matches only requests that spell it exactly.
    UndocumentedAction,
    /// A device value with `*` or `?` (a warning): device values match by prefix, not as globs.
    GlobInDeviceValue,
    /// A mobile-device rule without an id (a warning): answers then list it by name only.
    NoRuleId,
    /// A recorded request that is not a request (fixtures).
    InvalidRequest,
    /// More findings than a report lists ([`MAX_FINDINGS`]); they are counted.
    MoreFindings,
}

impl Problem {
    /// Every problem, in declaration order.
    pub const ALL: [Problem; 21] = [
        Problem::NotJson,
        Problem::InputLimit,
        Problem::UnknownShape,
        Problem::UnknownMember,
        Problem::WrongType,
        Problem::DuplicateMember,
        Problem::MissingMember,
        Problem::InvalidValue,
        Problem::OverQuota,
        Problem::OverEngineLimit,
        Problem::UnknownUser,
        Problem::UnknownRole,
        Problem::DuplicateIdentifier,
        Problem::DuplicateRule,
        Problem::DuplicateOverride,
        Problem::HostBitsSet,
        Problem::UndocumentedAction,
        Problem::GlobInDeviceValue,
        Problem::NoRuleId,
        Problem::InvalidRequest,
        Problem::MoreFindings,
    ];

    /// The error the service answers with for this problem (a finding may carry another where the service's
    /// answer depends on more, as a recorded request's does).
    pub fn code(self) -> ErrorCode {
        use ErrorCode::*;
        match self {
            Problem::NotJson | Problem::WrongType | Problem::DuplicateMember => SerializationException,
            Problem::InputLimit | Problem::OverQuota | Problem::OverEngineLimit | Problem::MoreFindings => {
                LimitExceededException
            }
            Problem::UnknownUser => EntityNotFoundException,
            Problem::UnknownRole => ResourceNotFoundException,
            Problem::UnknownShape
            | Problem::UnknownMember
            | Problem::MissingMember
            | Problem::InvalidValue
            | Problem::DuplicateIdentifier
            | Problem::DuplicateRule
            | Problem::DuplicateOverride
            | Problem::HostBitsSet
            | Problem::UndocumentedAction
            | Problem::GlobInDeviceValue
            | Problem::NoRuleId
            | Problem::InvalidRequest => InvalidParameterException,
        }
    }

    /// The problem's name, as `--json` and SARIF spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Problem::NotJson => "NotJson",
            Problem::InputLimit => "InputLimit",
            Problem::UnknownShape => "UnknownShape",
            Problem::UnknownMember => "UnknownMember",
            Problem::WrongType => "WrongType",
            Problem::DuplicateMember => "DuplicateMember",
            Problem::MissingMember => "MissingMember",
            Problem::InvalidValue => "InvalidValue",
            Problem::OverQuota => "OverQuota",
            Problem::OverEngineLimit => "OverEngineLimit",
            Problem::UnknownUser => "UnknownUser",
            Problem::UnknownRole => "UnknownRole",
            Problem::DuplicateIdentifier => "DuplicateIdentifier",
            Problem::DuplicateRule => "DuplicateRule",
            Problem::DuplicateOverride => "DuplicateOverride",
            Problem::HostBitsSet => "HostBitsSet",
            Problem::UndocumentedAction => "UndocumentedAction",
            Problem::GlobInDeviceValue => "GlobInDeviceValue",
            Problem::NoRuleId => "NoRuleId",
            Problem::InvalidRequest => "InvalidRequest",
            Problem::MoreFindings => "MoreFindings",
        }
    }

    /// One sentence on what the check finds, for a rule list (SARIF's `shortDescription`).
    pub fn description(self) -> &'static str {
        match self {
            Problem::NotJson => "The input is not JSON, or holds no document.",
            Problem::InputLimit => "The input holds more bytes, records or list entries than one input may.",
            Problem::UnknownShape => {
                "A document is neither an organization file nor the output of an aws CLI command read."
            }
            Problem::UnknownMember => "A member no shape has; a typo must never silently widen a rule.",
            Problem::WrongType => "A value of the wrong JSON type.",
            Problem::DuplicateMember => "A member written twice in one object; a JSON reader would drop one.",
            Problem::MissingMember => "A member the service's Put or Create call requires is missing.",
            Problem::InvalidValue => {
                "A value the service model refuses: pattern, length, enum, list length or timestamp."
            }
            Problem::OverQuota => "More rules than the service's per-organization quota.",
            Problem::OverEngineLimit => "More rules or address ranges than this tool analyses.",
            Problem::UnknownUser => "A user identifier that names no user of the directory.",
            Problem::UnknownRole => "An impersonation role id that names no loaded role.",
            Problem::DuplicateIdentifier => "A user ID, email or name that names two users.",
            Problem::DuplicateRule => "Two rules (or roles) of one name or id, which the service cannot hold.",
            Problem::DuplicateOverride => "Two mobile-device overrides for one user and device.",
            Problem::HostBitsSet => "A CIDR with host bits set; it covers the range its network address starts.",
            Problem::UndocumentedAction => "An action outside the documented seven; it matches only itself, exactly.",
            Problem::GlobInDeviceValue => {
                "A device value with `*` or `?`; device values match by prefix, not as globs."
            }
            Problem::NoRuleId => "A mobile-device rule without an id; answers list it by name only.",
            Problem::InvalidRequest => "A recorded request that is not a request of its simulate call.",
            Problem::MoreFindings => "More findings than one report lists.",
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where in a text a finding is: a line and a column, both counted from 1, the column in characters (Unicode
/// scalar values), as compilers and editors count them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Position {
    /// The line, from 1.
    pub line: u32,
    /// The column, from 1, in characters.
    pub column: u32,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One problem found in an input file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Finding {
    /// Where: the member path inside the organization, for example `AccessControlRules[3].IpRanges[7]`. Once the
    /// finding is located in its input ([`Finding::file`] is set), the path in that input (`Rules[0].IpRanges[7]`
    /// in `aws workmail list-access-control-rules` output), prefixed with `(document N) ` when the input holds
    /// several documents.
    pub path: String,
    /// Which check found it.
    pub problem: Problem,
    /// The error the service would answer with.
    pub code: ErrorCode,
    /// Whether the service would reject the input, or only a person might not mean it.
    pub severity: Severity,
    /// What is wrong, for a person.
    pub message: String,
    /// The input the finding is about, when it was read from a named one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Where in its input the member the path names starts (its name, or a list entry's first character), when
    /// known.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
}

impl Finding {
    /// An error at `path`: the service would reject the input, with the problem's usual [`ErrorCode`].
    pub fn error(path: impl Into<String>, problem: Problem, message: impl Into<String>) -> Self {
        Finding::new(path.into(), problem, Severity::Error, message.into())
    }

    /// A warning at `path`: the service accepts the input, but it is likely a mistake.
    pub fn warning(path: impl Into<String>, problem: Problem, message: impl Into<String>) -> Self {
        Finding::new(path.into(), problem, Severity::Warning, message.into())
    }

    fn new(path: String, problem: Problem, severity: Severity, message: String) -> Self {
        Finding { path, problem, code: problem.code(), severity, message, file: None, position: None }
    }

    /// Whether this finding is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// As compilers print a diagnostic, so that editors and terminals can jump to it:
/// `acme.json:14:9: error: AccessControlRules[1].IpRanges[0]: … (InvalidParameterException)`, with only the file
/// when no position is known, and as `error: path: …` for a finding about no named input.
impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match (&self.file, self.position) {
            (Some(file), Some(position)) => write!(f, "{file}:{position}: ")?,
            (Some(file), None) => write!(f, "{file}: ")?,
            (None, _) => {}
        }
        f.write_str(severity)?;
        if !self.path.is_empty() {
            write!(f, ": {}", self.path)?;
        }
        write!(f, ": {} ({})", self.message, self.code)
    }
}

/// The most findings one report lists. A hostile file can hold a million mistakes; listing them all would cost
/// more memory than the file, and nobody reads past the first screens. The rest are counted in one last finding.
pub const MAX_FINDINGS: usize = 1000;

/// Findings as they are found, keeping at most [`MAX_FINDINGS`] and counting the others.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    list: Vec<Finding>,
    omitted: usize,
    omitted_errors: bool,
}

impl Findings {
    pub(crate) fn push(&mut self, finding: Finding) {
        if self.list.len() < MAX_FINDINGS {
            self.list.push(finding);
        } else {
            self.omitted += 1;
            self.omitted_errors |= finding.is_error();
        }
    }

    /// Pushes the error `make` builds, building it only when it will be listed: a million mistakes past the
    /// first thousand cost a count each, not a message each.
    pub(crate) fn push_error_with(&mut self, make: impl FnOnce() -> Finding) {
        if self.list.len() < MAX_FINDINGS {
            self.push(make());
        } else {
            self.omitted += 1;
            self.omitted_errors = true;
        }
    }

    /// How many findings are listed so far.
    pub(crate) fn listed(&self) -> usize {
        self.list.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty() && self.omitted == 0
    }

    /// Whether any finding, listed or omitted, is an error.
    pub(crate) fn has_errors(&self) -> bool {
        self.omitted_errors || self.list.iter().any(Finding::is_error)
    }

    /// The findings, with one last finding that says how many more there were.
    pub(crate) fn into_vec(mut self) -> Vec<Finding> {
        if self.omitted > 0 {
            let message = format!("{} more finding(s) not listed; a report lists at most {MAX_FINDINGS}", self.omitted);
            let summary = Finding::error("", Problem::MoreFindings, message);
            let severity = if self.omitted_errors { Severity::Error } else { Severity::Warning };
            self.list.push(Finding { severity, ..summary });
        }
        self.list
    }
}

/// A user's value for a message: quoted, and cut short when long, so that a 16 MiB string does not become a
/// 16 MiB message (quoted again by every finding about it).
pub(crate) fn quote(value: &str) -> String {
    const SHOWN: usize = 80;
    match value.char_indices().nth(SHOWN) {
        None => format!("{value:?}"),
        Some((end, _)) => format!("{:?}… ({} characters)", &value[..end], value.chars().count()),
    }
}

/// The closest of `candidates` to `word` by edit distance, when it is close enough to be a likely typo.
pub(crate) fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let best = candidates.into_iter().map(|c| (edit_distance(word, c), c)).min_by_key(|&(d, _)| d)?;
    // A suggestion is worth making when fewer than half the letters differ.
    (best.0 <= word.chars().count().max(best.1.len()) / 2).then_some(best.1)
}

/// Levenshtein distance, case-insensitive (a wrongly cased member is the commonest typo).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().map(|c| c.to_ascii_lowercase()).enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let next = (diagonal + usize::from(ca != cb)).min(row[j] + 1).min(row[j + 1] + 1);
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_member() {
        let members = ["IpRanges", "NotIpRanges", "Actions", "NotActions"];
        assert_eq!(nearest("NotIpRange", members), Some("NotIpRanges"));
        assert_eq!(nearest("ipranges", members), Some("IpRanges"));
        assert_eq!(nearest("Zebra", members), None);
    }
}
