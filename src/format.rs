//! The canonical form of an input file (`wmpolicy fmt`): the same documents, written one way.
//!
//! Each document keeps its kind (an organization file stays one, a `list-access-control-rules` page stays
//! `{"Rules": [...]}`), its members in the service's order with the service's names, as 2-space pretty JSON with a
//! trailing newline, one document after another. Nothing a user wrote is dropped or changed in meaning: a missing
//! list stays missing and an empty one empty, rules stay in their order (which is the order of `MatchedRules`),
//! timestamps stay epoch numbers or ISO text as they came, and a page's `NextToken` stays. Only spelling changes:
//! whitespace, member order, string escapes (`"\u0041"` becomes `"A"`) and number notation (`1.5e9` becomes
//! `1500000000.0`, the same number).
//!
//! Reading the canonical form gives back the same documents, and formatting it again changes nothing; both are
//! tested on random organizations (`tests/round_trip.rs`) and fuzzed (`fuzz/fuzz_targets/canonical_round_trip.rs`).

use crate::diagnostic::{Finding, Problem};
use crate::load::{self, Document, Limits};

/// The canonical form of an input's bytes, or the findings that stop it from being read (with the default
/// [`Limits`]). Validation findings do not stop it: formatting a file with a mistake keeps the mistake, as written.
///
/// ```
/// let messy = br#"{"Rules":[{"Effect":"DENY","Name":"no-imap","Actions":["IMAP"],"DateCreated":1.6147e9}]}"#;
/// let tidy = workmail_policy::format::canonical(messy).unwrap();
/// assert_eq!(tidy, r#"{
///   "Rules": [
///     {
///       "Name": "no-imap",
///       "Effect": "DENY",
///       "Actions": [
///         "IMAP"
///       ],
///       "DateCreated": 1614700000.0
///     }
///   ]
/// }
/// "#);
/// assert_eq!(workmail_policy::format::canonical(tidy.as_bytes()).unwrap(), tidy);
/// ```
pub fn canonical(bytes: &[u8]) -> Result<String, Vec<Finding>> {
    canonical_with(bytes, &Limits::default())
}

/// [`canonical`] with other limits.
///
/// Pretty printing makes a file longer; when the canonical form would be over `limits.max_input_bytes`, which
/// would make it a file that cannot be read back under the same limits, this refuses with a finding instead.
pub fn canonical_with(bytes: &[u8], limits: &Limits) -> Result<String, Vec<Finding>> {
    let text = render(&load::documents(bytes, limits)?)?;
    if text.len() > limits.max_input_bytes {
        let message = format!(
            "its canonical form would be {} bytes, more than the {} bytes an input may hold \
             (load::Limits::max_input_bytes), so it could not be read back; raise the limit to format it",
            text.len(),
            limits.max_input_bytes
        );
        return Err(vec![Finding::error("", Problem::InputLimit, message)]);
    }
    Ok(text)
}

/// The canonical text of documents: each as 2-space pretty JSON followed by a newline.
pub fn render(documents: &[Document]) -> Result<String, Vec<Finding>> {
    let mut out = String::new();
    for document in documents {
        // The model holds strings, lists and numbers that came from JSON, which always serialize; an error here
        // would be a bug, reported rather than panicking.
        let text = serde_json::to_string_pretty(document)
            .map_err(|e| vec![Finding::error("", Problem::NotJson, format!("cannot be written: {e}"))])?;
        out.push_str(&text);
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_document_kind_and_every_page() {
        let pages = br#"{"Overrides": [{"UserId": "u", "DeviceId": "d", "Effect": "DENY"}], "NextToken": "t"}
                        {"Overrides": []}"#;
        let out = canonical(pages).unwrap();
        assert_eq!(out.matches("\"Overrides\"").count(), 2, "{out}");
        assert!(out.contains("\"NextToken\": \"t\""), "{out}");
        assert!(!out.contains("MobileDeviceAccessOverrides"), "{out}");
    }

    #[test]
    fn missing_and_empty_lists_stay_apart() {
        let out = canonical(br#"{"AccessControlRules": [], "Users": [{"Id": "S-1-5-18-0001"}]}"#).unwrap();
        assert!(out.contains("\"AccessControlRules\": []"), "{out}");
        assert!(!out.contains("MobileDeviceAccessRules"), "{out}");
    }

    #[test]
    fn a_new_organization_is_an_empty_object() {
        assert_eq!(canonical(b" {} ").unwrap(), "{}\n");
    }
}
