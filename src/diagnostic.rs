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

/// One problem found in an input file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Finding {
    /// Where: the member path inside the organization, for example `AccessControlRules[3].IpRanges[7]`. Prefixed
    /// with the input's name (`acme.json: `) when the finding comes from reading one input.
    pub path: String,
    /// The error the service would answer with.
    pub code: ErrorCode,
    /// Whether the service would reject the input, or only a person might not mean it.
    pub severity: Severity,
    /// What is wrong, for a person.
    pub message: String,
}

impl Finding {
    /// An error at `path`: the service would reject the input.
    pub fn error(path: impl Into<String>, code: ErrorCode, message: impl Into<String>) -> Self {
        Finding { path: path.into(), code, severity: Severity::Error, message: message.into() }
    }

    /// A warning at `path`: the service accepts the input, but it is likely a mistake.
    pub fn warning(path: impl Into<String>, code: ErrorCode, message: impl Into<String>) -> Self {
        Finding { path: path.into(), code, severity: Severity::Warning, message: message.into() }
    }

    /// Whether this finding is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{severity}: {}: {} ({})", self.path, self.message, self.code)
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
            let summary = Finding::error("", ErrorCode::LimitExceededException, message);
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
