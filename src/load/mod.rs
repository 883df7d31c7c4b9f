//! Reading input files: organization files and the aws CLI's own output, detected by shape.
//!
//! One input may hold one or several JSON documents (pages of `aws workmail list-…` output concatenated). Each
//! document is recognised by its top-level members and kept as a [`Document`] of that kind, so that `wmpolicy fmt`
//! can write it back in its own shape:
//!
//! | document | produced by |
//! |---|---|
//! | `{"AccessControlRules": …, "MobileDeviceAccessRules": …, …}` | an organization file |
//! | `{"Rules": [access-control rules]}` | `aws workmail list-access-control-rules` |
//! | `{"Rules": [mobile-device rules]}` | `aws workmail list-mobile-device-access-rules` |
//! | `{"Overrides": […], "NextToken": …}` | `aws workmail list-mobile-device-access-overrides` |
//! | `{"ImpersonationRoleId": …, "Rules": […], …}` | `aws workmail get-impersonation-role` |
//! | `{"Users": […], "NextToken": …}` | `aws workmail list-users` |
//!
//! Inputs come from scripts, editors and strangers, so reading never trusts them. The bytes are read twice, each
//! pass streaming, neither building a JSON tree:
//!
//! 1. **detect**: JSON syntax, and each document's top-level member names (which decide its
//!    kind);
//! 2. **check**: every member against its shape's table ([`schema`]), reporting all at once, with paths: an
//!    unknown member (with the nearest known one suggested; a typo such as `NotIpRange` must never silently widen a
//!    rule), a value of the wrong JSON type, a member written twice in one object (a JSON reader would keep one and
//!    silently drop the other), and counts over [`Limits`]. What the shapes allow is kept as it is checked, as
//!    strings, string lists and records keyed by the table's members; only when the check found nothing is that
//!    converted into the [`crate::model`] types, by the table, which then cannot fail.
//!
//! The conversion is generated with the table rather than derived by serde: one walk serves both purposes, and the
//! WebAssembly build (whose size is budgeted) carries one small visitor instead of a serde deserializer per shape.
//! The cost is that the check pass keeps what it reads in an intermediate form (strings, lists and records keyed by
//! the table's members) before converting it, which holds each kept string twice for a moment; the limits bound
//! both.
//!
//! The modules follow the passes: [`schema`] describes every input shape (and is public, so that other tools can
//! read it), `detect` is pass 1, `check` is pass 2, `convert` turns what pass 2 kept into the model types.
//! `position` ([`positions`]) finds where the members that findings name are written, by a third pass that runs
//! only when there are findings, and `sources` ([`Sources`]) maps a merged organization's entries back to their
//! inputs.
//!
//! Memory is bounded by the limits, not by what the input holds: the input's size is checked before parsing,
//! values the shapes do not allow are skipped without being stored (serde_json skips them with a loop, not
//! recursion, so no nesting depth can overflow the stack), and the records and list entries kept are capped.
//! A shape is at most six levels deep, so the check pass, which follows the
//! shapes and skips anything else, stays far below serde_json's recursion limit of 128.

mod check;
mod convert;
mod detect;
mod position;
mod sources;

pub use position::positions;
pub use sources::{Locate, Place, Sources};
pub mod schema;

use std::fmt;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess};
use serde::{Deserialize, Serialize};
use serde_json::de::SliceRead;

use crate::diagnostic::{self, quote, Finding, Findings, Problem};
use crate::model::*;
use check::{Check, Context, Node};

/// How much one input may hold. Beyond any of these, reading stops with a `LimitExceededException` finding that
/// names the limit. The defaults are far above anything the service holds (10 rules per organization, 1,024
/// ranges per rule) and far below what would strain a laptop or a browser tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes per input, checked before parsing starts. Default 16 MiB.
    pub max_input_bytes: usize,
    /// Records per input: rules, overrides, roles, a role's rules and users, all lists together. Default 100,000.
    pub max_records: usize,
    /// Strings in the lists of one input (`IpRanges`, `UserIds`, `DeviceTypes`, …), all together. Default
    /// 1,000,000.
    pub max_list_items: usize,
}

impl Limits {
    /// The defaults, usable in constants (a command's default flag values).
    pub const DEFAULT: Limits = Limits { max_input_bytes: 16 << 20, max_records: 100_000, max_list_items: 1_000_000 };

    /// Refuses an input over [`Limits::max_input_bytes`], before anything parses it. Every reader of a whole input
    /// (organization files here, fixtures in the fixture crate) asks this, so the refusal reads the same.
    ///
    /// Worded so that a caller may pass only the first `max_input_bytes + 1` bytes of a larger input: a reader of
    /// a file or a stream need not hold more than that.
    pub fn check_input_size(&self, bytes: &[u8]) -> Result<(), Finding> {
        if bytes.len() <= self.max_input_bytes {
            return Ok(());
        }
        let message = format!(
            "is larger than {} bytes, the most one input may hold (load::Limits::max_input_bytes)",
            self.max_input_bytes
        );
        Err(Finding::error("", Problem::InputLimit, message))
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// Which shape a document came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    /// `{"AccessControlRules": …, "MobileDeviceAccessRules": …, …}`
    OrganizationFile,
    /// `aws workmail list-access-control-rules`
    AccessControlRules,
    /// `aws workmail list-mobile-device-access-rules`
    MobileDeviceAccessRules,
    /// `aws workmail list-mobile-device-access-overrides`
    MobileDeviceAccessOverrides,
    /// `aws workmail get-impersonation-role`
    ImpersonationRole,
    /// `aws workmail list-users`
    Users,
}

impl DocumentKind {
    /// Every kind, in the order of [`Document`]'s variants.
    pub const ALL: [DocumentKind; 6] = [
        DocumentKind::OrganizationFile,
        DocumentKind::AccessControlRules,
        DocumentKind::MobileDeviceAccessRules,
        DocumentKind::MobileDeviceAccessOverrides,
        DocumentKind::ImpersonationRole,
        DocumentKind::Users,
    ];

    /// The top-level shape of documents of this kind.
    pub fn shape(self) -> &'static schema::Shape {
        schema::document_shape(self)
    }
}

/// One JSON document of an input, in the shape it came in, with every member as written.
///
/// Serializing a document gives its canonical form (see [`crate::format`]): the same kind of document, the
/// service's member names in the service's order, timestamps in the form they came.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Document {
    /// `{"AccessControlRules": …, "MobileDeviceAccessRules": …, …}`
    OrganizationFile(OrganizationFile),
    /// `aws workmail list-access-control-rules`
    AccessControlRules(AccessControlRulesPage),
    /// `aws workmail list-mobile-device-access-rules`
    MobileDeviceAccessRules(MobileDeviceAccessRulesPage),
    /// `aws workmail list-mobile-device-access-overrides`
    MobileDeviceAccessOverrides(MobileDeviceAccessOverridesPage),
    /// `aws workmail get-impersonation-role`
    ImpersonationRole(ImpersonationRole),
    /// `aws workmail list-users`
    Users(UsersPage),
}

impl Document {
    /// Which shape this document came in.
    pub fn kind(&self) -> DocumentKind {
        match self {
            Document::OrganizationFile(_) => DocumentKind::OrganizationFile,
            Document::AccessControlRules(_) => DocumentKind::AccessControlRules,
            Document::MobileDeviceAccessRules(_) => DocumentKind::MobileDeviceAccessRules,
            Document::MobileDeviceAccessOverrides(_) => DocumentKind::MobileDeviceAccessOverrides,
            Document::ImpersonationRole(_) => DocumentKind::ImpersonationRole,
            Document::Users(_) => DocumentKind::Users,
        }
    }

    /// The organization fragment this document contributes (a page's `NextToken` contributes nothing).
    pub fn into_organization(self) -> OrganizationFile {
        match self {
            Document::OrganizationFile(file) => file,
            Document::AccessControlRules(page) => {
                OrganizationFile { access_control_rules: Some(page.items), ..Default::default() }
            }
            Document::MobileDeviceAccessRules(page) => {
                OrganizationFile { mobile_device_access_rules: Some(page.items), ..Default::default() }
            }
            Document::MobileDeviceAccessOverrides(page) => {
                OrganizationFile { mobile_device_access_overrides: Some(page.items), ..Default::default() }
            }
            Document::ImpersonationRole(role) => {
                OrganizationFile { impersonation_roles: Some(vec![role]), ..Default::default() }
            }
            Document::Users(page) => OrganizationFile { users: Some(page.items), ..Default::default() },
        }
    }
}

/// Reads several inputs, each named for messages, into one organization, in order, with the default
/// [`Limits`]. Every finding's path starts with the name of the input it is about (`acme.json: AccessControlRules[3].Name`).
pub fn parse_all<'a>(inputs: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Result<OrganizationFile, Vec<Finding>> {
    parse_all_with(inputs, &Limits::default())
}

/// [`parse_all`] with other limits; each input is held to them on its own.
pub fn parse_all_with<'a>(
    inputs: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    limits: &Limits,
) -> Result<OrganizationFile, Vec<Finding>> {
    parse_all_with_sources(inputs, limits).map(|(organization, _)| organization)
}

/// [`parse_all_with`], also returning where each entry of the organization came from, so that the findings of
/// [`crate::validate`] can name the input and the path the user wrote ([`Sources::locate_all`]).
pub fn parse_all_with_sources<'a>(
    inputs: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    limits: &Limits,
) -> Result<(OrganizationFile, Sources), Vec<Finding>> {
    parse_inputs(inputs.into_iter().map(|(name, bytes)| Input { name, bytes, rules_as: None }), limits)
}

/// One named input, and how to read a `Rules` list in it that cannot say which kind it is.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The name findings give it (a file's path).
    pub name: &'a str,
    /// Its bytes.
    pub bytes: &'a [u8],
    /// Read its `Rules` lists as this kind ([`documents_as`]).
    pub rules_as: Option<RulesAs>,
}

/// Which kind a `Rules` list is, when the reader says so ([`documents_as`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RulesAs {
    /// `aws workmail list-access-control-rules` output.
    AccessControlRules,
    /// `aws workmail list-mobile-device-access-rules` output.
    MobileDeviceAccessRules,
}

impl RulesAs {
    /// The document kind.
    pub fn kind(self) -> DocumentKind {
        match self {
            RulesAs::AccessControlRules => DocumentKind::AccessControlRules,
            RulesAs::MobileDeviceAccessRules => DocumentKind::MobileDeviceAccessRules,
        }
    }
}

/// [`parse_all_with_sources`], each input with its own [`Input::rules_as`].
pub fn parse_inputs<'a>(
    inputs: impl IntoIterator<Item = Input<'a>>,
    limits: &Limits,
) -> Result<(OrganizationFile, Sources), Vec<Finding>> {
    let mut organization = OrganizationFile::default();
    let (mut sources, mut lengths) = (Sources::default(), sources::MergedLengths::default());
    let mut findings = Vec::new();
    for Input { name, bytes, rules_as } in inputs {
        match documents_as(bytes, limits, rules_as) {
            Ok(read) => {
                sources.add(name, &read, &mut lengths);
                read.into_iter().for_each(|document| organization.merge(document.into_organization()));
            }
            Err(problems) => {
                findings.extend(problems.into_iter().map(|f| Finding { file: Some(name.to_string()), ..f }))
            }
        }
    }
    if findings.is_empty() {
        Ok((organization, sources))
    } else {
        Err(findings)
    }
}

/// Reads one input (a file's bytes) into an organization fragment, with the default [`Limits`]. The core reads
/// no files: the caller passes the bytes.
///
/// ```
/// let file = workmail_policy::load::parse(br#"{"Rules": [{"Name": "default", "Effect": "ALLOW"}]}"#).unwrap();
/// assert_eq!(file.access_control_rules.unwrap()[0].name.as_deref(), Some("default"));
/// ```
pub fn parse(bytes: &[u8]) -> Result<OrganizationFile, Vec<Finding>> {
    parse_with(bytes, &Limits::default())
}

/// [`parse`] with other limits.
pub fn parse_with(bytes: &[u8], limits: &Limits) -> Result<OrganizationFile, Vec<Finding>> {
    let mut organization = OrganizationFile::default();
    for document in documents(bytes, limits)? {
        organization.merge(document.into_organization());
    }
    Ok(organization)
}

/// Reads one input into its documents, each in the shape it came in.
///
/// ```
/// use workmail_policy::load::{documents, DocumentKind, Limits};
///
/// let pages = br#"{"Users": [{"Id": "S-1-5-18-0001"}], "NextToken": "abc"} {"Users": []}"#;
/// let found = documents(pages, &Limits::default()).unwrap();
/// assert_eq!(found[0].kind(), DocumentKind::Users);
/// assert_eq!(found[1].kind(), DocumentKind::OrganizationFile); // `{"Users": […]}` alone is an organization file too
///
/// let twice = documents(br#"{"AccessControlRules": [{"Name": "a", "Name": "b"}]}"#, &Limits::default());
/// assert_eq!(twice.unwrap_err()[0].path, "AccessControlRules[0].Name");
/// ```
pub fn documents(bytes: &[u8], limits: &Limits) -> Result<Vec<Document>, Vec<Finding>> {
    documents_as(bytes, limits, None)
}

/// [`documents`], with a `Rules` list read as `rules_as` says rather than as its content suggests: an empty one
/// (`{"Rules": []}`, which both `list-access-control-rules` and `list-mobile-device-access-rules` print for an
/// organization with none) cannot say which it is.
///
/// ```
/// use workmail_policy::load::{documents, documents_as, DocumentKind, Limits, RulesAs};
///
/// let none = br#"{"Rules": []}"#;
/// assert!(documents(none, &Limits::default()).is_err());
/// let read = documents_as(none, &Limits::default(), Some(RulesAs::MobileDeviceAccessRules)).unwrap();
/// assert_eq!(read[0].kind(), DocumentKind::MobileDeviceAccessRules);
/// ```
pub fn documents_as(bytes: &[u8], limits: &Limits, rules_as: Option<RulesAs>) -> Result<Vec<Document>, Vec<Finding>> {
    limits.check_input_size(bytes).map_err(|finding| vec![finding])?;
    // A byte-order mark is an editor's artefact, not content.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);

    // Pass 1: syntax, and what each document's top level holds.
    let mut tops = Vec::new();
    each_document(bytes, |_, de| detect::TopLevel::deserialize(de).map(|top| tops.push(top)))
        .map_err(|e| not_json(e, bytes))?;
    if tops.is_empty() {
        let message = "holds no JSON document; an organization file is one JSON object (`{}` for a new organization)";
        return Err(vec![Finding::error("", Problem::NotJson, message)]);
    }
    let several = tops.len() > 1;
    let prefix = |n: usize| if several { format!("(document {}) ", n + 1) } else { String::new() };
    let mut findings = Findings::default();
    // How many findings were listed before each document was read: which document a finding is about.
    let mut marks = Vec::with_capacity(tops.len());
    let kinds: Vec<Option<DocumentKind>> = tops
        .iter()
        .enumerate()
        .map(|(n, top)| {
            marks.push(findings.listed());
            detect::detect(top, &prefix(n), rules_as, &mut findings)
        })
        .collect();
    drop(tops);
    if !findings.is_empty() {
        return Err(placed(bytes, findings.into_vec(), &marks, several));
    }

    // Pass 2: every member against its shape, and the limits, keeping what the shapes allow.
    let mut context = Context::new(findings, *limits);
    let mut kept = Vec::with_capacity(kinds.len());
    marks.clear();
    each_document(bytes, |n, de| {
        marks.push(context.findings.listed());
        context.path = prefix(n);
        let Some(kind) = kinds[n] else { return IgnoredAny::deserialize(de).map(drop) };
        let node = Check { context: &mut context, kind: schema::Kind::Record(kind.shape()) }.deserialize(de)?;
        if let Some(Node::Record(top)) = node {
            kept.push((kind, top));
        }
        Ok(())
    })
    .map_err(|e| not_json(e, bytes))?;
    if !context.findings.is_empty() {
        return Err(placed(bytes, context.findings.into_vec(), &marks, several));
    }
    // Every document has a kind and was kept whole here: `detect` reported the others, and the check anything
    // it could not keep.
    Ok(kept.into_iter().map(|(kind, top)| Document::convert(kind, top)).collect())
}

type JsonDeserializer<'de> = serde_json::Deserializer<SliceRead<'de>>;

/// Runs `each` on every JSON document of `bytes` in turn, with its index.
fn each_document<'de>(
    bytes: &'de [u8],
    mut each: impl FnMut(usize, &mut JsonDeserializer<'de>) -> serde_json::Result<()>,
) -> serde_json::Result<()> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let mut n = 0;
    // `end` succeeds when only whitespace is left, and consumes nothing else.
    while de.end().is_err() {
        each(n, &mut de)?;
        n += 1;
    }
    Ok(())
}

/// Whether findings are given the line and column of what they name (the `positions` feature).
pub(crate) const FIND_POSITIONS: bool = cfg!(feature = "positions");

/// A syntax error, at the character where serde_json stopped (its message without the place, which the finding
/// carries, in characters rather than serde_json's bytes).
fn not_json(e: serde_json::Error, bytes: &[u8]) -> Vec<Finding> {
    if !FIND_POSITIONS {
        return vec![Finding::error("", Problem::NotJson, format!("not valid JSON: {e}"))];
    }
    let text = e.to_string();
    let place = format!(" at line {} column {}", e.line(), e.column());
    let message = format!("not valid JSON: {}", text.strip_suffix(&place).unwrap_or(&text));
    let position = position::character_column(bytes, e.line(), e.column());
    vec![Finding { position, ..Finding::error("", Problem::NotJson, message) }]
}

/// `findings` about one input, each given the position of what its path names. `marks[n]` is how many findings
/// were listed before document `n` was read; with `several` documents, paths start `(document N) `.
fn placed(bytes: &[u8], mut findings: Vec<Finding>, marks: &[usize], several: bool) -> Vec<Finding> {
    if !FIND_POSITIONS {
        return findings;
    }
    let mut targets = Vec::with_capacity(findings.len());
    for (i, finding) in findings.iter().enumerate() {
        let document = marks.partition_point(|&mark| mark <= i).saturating_sub(1);
        let local = if several {
            // Exactly the prefix the check wrote: a member's own name may start with spaces.
            let prefix = format!("(document {}) ", document + 1);
            match finding.path.strip_prefix(prefix.as_str()) {
                Some(local) => local,
                None if finding.path == prefix.trim_end() => "",
                None => finding.path.as_str(),
            }
        } else {
            finding.path.as_str()
        };
        // The count of findings not listed is about the input as a whole.
        if finding.problem != Problem::MoreFindings {
            targets.push((i, document, local));
        }
    }
    let found = positions(bytes, &targets.iter().map(|&(_, document, path)| (document, path)).collect::<Vec<_>>());
    let places: Vec<(usize, diagnostic::Position)> =
        targets.iter().zip(found).filter_map(|(&(i, _, _), position)| Some((i, position?))).collect();
    for (i, position) in places {
        findings[i].position = Some(position);
    }
    findings
}

/// A JSON value as a message describes it, without holding it.
#[derive(Clone, Copy)]
enum Value<'a> {
    Null,
    Bool(bool),
    Number(&'a dyn fmt::Display),
    Str(&'a str),
    List,
    Object,
}

fn describe(value: Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::Str(s) => format!("the string {}", quote(s)),
        Value::List => "a list".into(),
        Value::Object => "an object".into(),
    }
}

/// Skips the rest of a list; serde_json skips nested values with a loop, not recursion. The request-line reader
/// ([`crate::batch`]) skips with it too.
pub(crate) fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(json: &str) -> Vec<(String, String)> {
        parse(json.as_bytes()).unwrap_err().into_iter().map(|f| (f.path, f.message)).collect()
    }

    #[test]
    fn unknown_members_name_the_path_and_the_nearest_member() {
        let found = errors(r#"{"AccessControlRules": [{"Name": "a"}, {"Name": "b", "NotIpRange": ["10.0.0.0/8"]}]}"#);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "AccessControlRules[1].NotIpRange");
        assert!(found[0].1.contains("did you mean `NotIpRanges`"), "{}", found[0].1);
    }

    #[test]
    fn wrong_json_types_are_reported_with_paths() {
        let found = errors(r#"{"AccessControlRules": [{"Name": 5, "IpRanges": ["1.2.3.4/32", 7]}]}"#);
        let mut paths: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
        paths.sort_unstable();
        assert_eq!(paths, ["AccessControlRules[0].IpRanges[1]", "AccessControlRules[0].Name"]);
    }

    #[test]
    fn aws_cli_shapes_are_detected() {
        let access = parse(br#"{"Rules": [{"Name": "r", "Effect": "DENY", "Actions": ["IMAP"]}]}"#).unwrap();
        assert_eq!(access.access_control_rules.unwrap().len(), 1);
        let mobile = parse(br#"{"Rules": [{"MobileDeviceAccessRuleId": "x", "Name": "r", "Effect": "DENY"}]}"#);
        assert_eq!(mobile.unwrap().mobile_device_access_rules.unwrap().len(), 1);
        let pages = br#"{"Overrides": [{"UserId": "u", "DeviceId": "d", "Effect": "DENY"}], "NextToken": "t"}
                        {"Overrides": [{"UserId": "u", "DeviceId": "e", "Effect": "ALLOW"}]}"#;
        assert_eq!(parse(pages).unwrap().mobile_device_access_overrides.unwrap().len(), 2);
        let role = parse(br#"{"ImpersonationRoleId": "r", "Name": "n", "Type": "READ_ONLY", "Rules": []}"#);
        assert_eq!(role.unwrap().impersonation_roles.unwrap().len(), 1);
        assert!(errors(r#"{"Rules": []}"#)[0].1.contains("could be access-control or mobile-device"));
        assert!(errors(r#"{"Roles": []}"#)[0].1.contains("get-impersonation-role"));
    }

    #[test]
    fn only_the_unknown_member_of_an_organization_file_is_reported() {
        let found = errors(r#"{"AccessControlRules": [], "Extra": 1}"#);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "Extra");
        assert!(found[0].1.starts_with("unknown member `Extra`"), "{}", found[0].1);

        let typo = errors(r#"{"AccessControlRules": [], "MobileDeviceAccessRule": []}"#);
        assert_eq!(typo.len(), 1, "{typo:?}");
        assert_eq!(typo[0].0, "MobileDeviceAccessRule");
        assert!(typo[0].1.contains("did you mean `MobileDeviceAccessRules`"), "{}", typo[0].1);

        // Nothing of any document: every member is reported, each with its suggestion.
        let strangers = errors(r#"{"AccessControlRule": [], "Extra": 1}"#);
        let paths: Vec<&str> = strangers.iter().map(|(path, _)| path.as_str()).collect();
        assert_eq!(paths, ["AccessControlRule", "Extra"]);
        assert!(strangers[0].1.contains("did you mean `AccessControlRules`"), "{}", strangers[0].1);

        // Pages with a stranger: only the stranger.
        let page = errors(r#"{"NextToken": "t", "Extra": 1}"#);
        assert_eq!(page.iter().map(|(path, _)| path.as_str()).collect::<Vec<_>>(), ["Extra"]);
    }

    /// A JSON object with every member of `shape`, nested shapes included.
    fn every_member(shape: &schema::Shape, n: &mut u32) -> serde_json::Value {
        use schema::Kind;
        let mut object = serde_json::Map::new();
        for member in shape.members {
            *n += 1;
            let value = match member.kind {
                Kind::Record(inner) => every_member(inner, n),
                Kind::Text => format!("text {n}").into(),
                Kind::TextList => serde_json::json!([format!("first {n}"), format!("second {n}")]),
                Kind::Timestamp if *n % 2 == 0 => serde_json::json!(1_614_704_932.125 + f64::from(*n)),
                Kind::Timestamp => format!("2021-03-02T17:08:{:02}Z", *n % 60).into(),
                Kind::RecordList(inner) => serde_json::json!([every_member(inner, n), every_member(inner, n)]),
            };
            object.insert(member.name.to_string(), value);
        }
        object.into()
    }

    #[test]
    fn every_member_of_every_shape_is_kept() {
        // Built from the table the check pass reads, so a member the conversion forgot cannot hide: serializing
        // what was read gives back every member.
        for kind in DocumentKind::ALL {
            let json = every_member(kind.shape(), &mut 0);
            let text = serde_json::to_vec(&json).unwrap();
            let found = documents(&text, &Limits::default()).unwrap();
            assert_eq!(found.len(), 1);
            assert_eq!(found[0].kind(), kind, "{json}");
            assert_eq!(serde_json::to_value(&found[0]).unwrap(), json, "{kind:?}");
            // `parse` merges what `documents` reads.
            assert_eq!(parse(&text).unwrap(), found[0].clone().into_organization(), "{kind:?}");
        }
    }

    #[test]
    fn timestamps_stay_as_written() {
        let file = parse(
            br#"{"Rules": [{"Name": "a", "DateCreated": 1614704932.123},
                                         {"Name": "b", "DateCreated": "2021-03-02T17:08:52+01:00"}]}"#,
        )
        .unwrap();
        let out = serde_json::to_string(&file).unwrap();
        assert!(out.contains("1614704932.123") && out.contains("2021-03-02T17:08:52+01:00"), "{out}");
    }
}
