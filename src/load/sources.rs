//! Where each entry of a merged organization came from: which input, which document of it, and its own path there.
//!
//! [`super::parse_all`] merges several inputs, each perhaps several documents in the aws CLI's shapes, into one
//! organization, and validation names what it finds by the merged organization's paths
//! (`AccessControlRules[2].IpRanges[0]`). The user wrote that entry elsewhere: as `Rules[0].IpRanges[0]` of
//! `bad.json`, say. [`Sources`] keeps, for every merged list, which run of its entries each document contributed,
//! so that a finding's path can be told in the user's terms. It holds a few words per document, not per entry.

use super::Document;
use crate::diagnostic::Finding;

/// Where the entries of a merged organization came from, as [`super::parse_all_with_sources`] read them.
///
/// ```
/// use workmail_policy::{load, validate};
///
/// let inputs = [
///     ("acr.json", &br#"{"AccessControlRules": [{"Name": "a", "Effect": "ALLOW", "Description": ""}]}"#[..]),
///     ("bad.json", &br#"{"Rules": [{"Name": "b", "Effect": "DENY", "Description": "", "IpRanges": ["10.0.0.1"]}]}"#[..]),
/// ];
/// let (file, sources) = load::parse_all_with_sources(inputs, &load::Limits::default()).unwrap();
/// let mut validation = validate::validate(&file, &validate::Options::default());
/// assert_eq!(validation.findings[0].path, "AccessControlRules[1].IpRanges[0]");
/// sources.locate_all(&mut validation.findings);
/// assert_eq!(validation.findings[0].path, "bad.json: Rules[0].IpRanges[0]");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sources {
    names: Vec<String>,
    runs: Vec<Run>,
}

/// The entries one document contributed to one merged list.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Run {
    /// The merged list (`AccessControlRules`, …).
    list: &'static str,
    /// The index in the merged list of the first entry.
    start: usize,
    len: usize,
    /// Which input, by its index in `names`.
    input: usize,
    /// Which document of the input, counted from 1, when it holds several.
    document: Option<usize>,
    /// The list's name in the document (`Rules` for `list-access-control-rules`), or `None` when the document is
    /// the entry itself (`get-impersonation-role`).
    local: Option<&'static str>,
}

impl Sources {
    /// Records the documents of the input `name`, merged after everything recorded before.
    pub(super) fn add(&mut self, name: &str, documents: &[Document], lengths: &mut MergedLengths) {
        let input = self.names.len();
        self.names.push(name.to_string());
        let several = documents.len() > 1;
        for (n, document) in documents.iter().enumerate() {
            for (list, len, local) in contributions(document) {
                let start = lengths.grow(list, len);
                self.runs.push(Run { list, start, len, input, document: several.then_some(n + 1), local });
            }
        }
    }

    /// The path in its own input of what the merged organization holds at `merged`
    /// (`AccessControlRules[2].IpRanges[0]` → `bad.json: Rules[0].IpRanges[0]`), or `None` when `merged` names
    /// no single entry (a whole list, as a quota finding does).
    pub fn path(&self, merged: &str) -> Option<String> {
        let (list, rest) = merged.split_once('[')?;
        let (index, rest) = rest.split_once(']')?;
        let index: usize = index.parse().ok()?;
        let run = self.runs.iter().find(|run| run.list == list && (run.start..run.start + run.len).contains(&index))?;
        let mut local = String::new();
        if let Some(document) = run.document {
            local.push_str(&format!("(document {document}) "));
        }
        match run.local {
            Some(name) => local.push_str(&format!("{name}[{}]{rest}", index - run.start)),
            None => local.push_str(rest.strip_prefix('.').unwrap_or(rest)),
        }
        let local = local.trim_end();
        let name = &self.names[run.input];
        Some(if local.is_empty() { name.clone() } else { format!("{name}: {local}") })
    }

    /// Rewrites `finding`'s path into its input's terms, when it names one entry (see [`Sources::path`]).
    pub fn locate(&self, finding: &mut Finding) {
        if let Some(path) = self.path(&finding.path) {
            finding.path = path;
        }
    }

    /// [`Sources::locate`] for each finding.
    pub fn locate_all(&self, findings: &mut [Finding]) {
        findings.iter_mut().for_each(|finding| self.locate(finding));
    }
}

/// How long each merged list is so far.
#[derive(Default)]
pub(super) struct MergedLengths(Vec<(&'static str, usize)>);

impl MergedLengths {
    /// Adds `len` entries to `list`; the index of the first.
    fn grow(&mut self, list: &'static str, len: usize) -> usize {
        let at = match self.0.iter().position(|(name, _)| *name == list) {
            Some(at) => at,
            None => {
                self.0.push((list, 0));
                self.0.len() - 1
            }
        };
        let start = self.0[at].1;
        self.0[at].1 += len;
        start
    }
}

/// The merged lists `document` adds to, each with how many entries and the list's name in the document.
fn contributions(document: &Document) -> Vec<(&'static str, usize, Option<&'static str>)> {
    fn len<T>(list: &Option<Vec<T>>) -> Option<usize> {
        list.as_ref().map(Vec::len)
    }
    match document {
        Document::OrganizationFile(file) => [
            ("AccessControlRules", len(&file.access_control_rules)),
            ("MobileDeviceAccessRules", len(&file.mobile_device_access_rules)),
            ("MobileDeviceAccessOverrides", len(&file.mobile_device_access_overrides)),
            ("ImpersonationRoles", len(&file.impersonation_roles)),
            ("Users", len(&file.users)),
        ]
        .into_iter()
        .filter_map(|(list, len)| Some((list, len?, Some(list))))
        .collect(),
        Document::AccessControlRules(page) => vec![("AccessControlRules", page.items.len(), Some("Rules"))],
        Document::MobileDeviceAccessRules(page) => vec![("MobileDeviceAccessRules", page.items.len(), Some("Rules"))],
        Document::MobileDeviceAccessOverrides(page) => {
            vec![("MobileDeviceAccessOverrides", page.items.len(), Some("Overrides"))]
        }
        Document::ImpersonationRole(_) => vec![("ImpersonationRoles", 1, None)],
        Document::Users(page) => vec![("Users", page.items.len(), Some("Users"))],
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::ErrorCode;
    use crate::load::{parse_all_with_sources, Limits};
    use crate::validate::{validate, Options};

    #[test]
    fn validation_findings_name_the_input_and_its_own_path() {
        let acr = br#"{"AccessControlRules": [
            {"Name": "a", "Effect": "ALLOW", "Description": ""},
            {"Name": "b", "Effect": "ALLOW", "Description": ""}]}"#;
        let bad = br#"{"Rules": [{"Name": "c", "Effect": "DENY", "Description": "", "IpRanges": ["10.0.0.0/33"]}]}"#;
        // Two pages in one input, then a role: documents are counted, a role is its own entry.
        let pages = br#"{"Users": [{"Id": "S-1-5-18-0001"}], "NextToken": "t"}
                        {"Users": [{"Id": "short"}]}"#;
        let role = br#"{"ImpersonationRoleId": "r", "Name": "n", "Type": "ADMIN", "Rules": []}"#;
        let inputs =
            [("acr.json", &acr[..]), ("bad.json", &bad[..]), ("users.json", &pages[..]), ("role.json", &role[..])];
        let (file, sources) = parse_all_with_sources(inputs, &Limits::default()).unwrap();
        let mut findings = validate(&file, &Options::default()).findings;
        let merged: Vec<String> = findings.iter().map(|f| f.path.clone()).collect();
        assert_eq!(merged, ["Users[1].Id", "AccessControlRules[2].IpRanges[0]", "ImpersonationRoles[0].Type"]);
        sources.locate_all(&mut findings);
        let located: Vec<(&str, ErrorCode)> = findings.iter().map(|f| (f.path.as_str(), f.code)).collect();
        assert_eq!(
            located,
            [
                ("users.json: (document 2) Users[0].Id", ErrorCode::InvalidParameterException),
                ("bad.json: Rules[0].IpRanges[0]", ErrorCode::InvalidParameterException),
                ("role.json: Type", ErrorCode::InvalidParameterException),
            ]
        );
        // A path that names a whole list (a quota) names no one input, and stays as it is.
        assert_eq!(sources.path("AccessControlRules"), None);
        assert_eq!(sources.path("AccessControlRules[1].Name").as_deref(), Some("acr.json: AccessControlRules[1].Name"));
        assert_eq!(sources.path("ImpersonationRoles[0]").as_deref(), Some("role.json"));
        assert_eq!(sources.path("AccessControlRules[3]"), None);
    }
}
