//! Where each entry of a merged organization came from: which input, which document of it, and its own path there.
//!
//! [`super::parse_all`] merges several inputs, each perhaps several documents in the aws CLI's shapes, into one
//! organization, and validation names what it finds by the merged organization's paths
//! (`AccessControlRules[2].IpRanges[0]`). The user wrote that entry elsewhere: as `Rules[0].IpRanges[0]` of
//! `bad.json`, say. [`Sources`] keeps, for every merged list, which run of its entries each document contributed,
//! so that a finding's path can be told in the user's terms. It holds a few words per document, not per entry.
//!
//! A finding's message may quote other entries by their merged paths too (`a second rule named "x" (first at
//! AccessControlRules[7])`); [`Sources::locate`] rewrites those the same way, or the path would name `b.json` and
//! the message an index the user never wrote. Quoted values are left alone: they are the user's text. The cost is
//! one pass over each message's bytes, comparing the few merged list names (at most five) at each `[` outside a
//! quoted value; a message is copied only when it quotes an entry, and each entry it quotes is looked up as a path
//! is, among the runs (one per document and list).

use super::{positions, Document};
use crate::diagnostic::{Finding, Position};

/// Where an entry of a merged organization is, in the user's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The input's name.
    pub file: String,
    /// The entry's path in its input (`Rules[0].IpRanges[7]`), prefixed with `(document N) ` when the input holds
    /// several documents.
    pub path: String,
    /// Where it starts in the input, when found.
    pub position: Option<Position>,
}

/// A finding that [`Sources::locate_all`] can place: it names what it is about by a merged path, and may quote
/// other entries by theirs.
pub trait Locate {
    /// The merged path of what it is about; `None` once it is placed (its path is then its input's).
    fn merged_path(&self) -> Option<&str>;
    /// Takes the place of what it is about.
    fn place(&mut self, place: Place);
    /// The texts that may quote entries by merged paths (a message, the paths of related rules).
    fn texts(&mut self) -> Vec<&mut String>;
}

impl Locate for Finding {
    fn merged_path(&self) -> Option<&str> {
        self.file.is_none().then_some(self.path.as_str())
    }

    fn place(&mut self, place: Place) {
        self.path = place.path;
        self.file = Some(place.file);
        self.position = place.position;
    }

    fn texts(&mut self) -> Vec<&mut String> {
        vec![&mut self.message]
    }
}

/// [`positions`], with the `positions` feature; without, none.
fn positions_if_found(bytes: &[u8], targets: &[(usize, &str)]) -> Vec<Option<Position>> {
    if super::FIND_POSITIONS {
        positions(bytes, targets)
    } else {
        vec![None; targets.len()]
    }
}

/// What a merged path names, in its input.
struct Origin {
    input: usize,
    /// Which document of the input, from 0.
    document: usize,
    /// The same, from 1, when the input holds several (as paths number them).
    numbered: Option<usize>,
    /// The path in the document.
    local: String,
}

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
/// sources.locate_all(&mut validation.findings, &[inputs[0].1, inputs[1].1]);
/// let finding = &validation.findings[0];
/// assert_eq!((finding.file.as_deref(), finding.path.as_str()), (Some("bad.json"), "Rules[0].IpRanges[0]"));
/// assert_eq!(finding.to_string().split(": ").next(), Some("bad.json:1:76"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sources {
    names: Vec<String>,
    runs: Vec<Run>,
    /// The merged lists any document contributed to, each once: what a message may quote an entry of.
    lists: Vec<&'static str>,
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
                if !self.lists.contains(&list) {
                    self.lists.push(list);
                }
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
        let run = self.run(list, index)?;
        let mut path = String::with_capacity(merged.len() + self.names[run.input].len() + 16);
        self.write(run, index, rest, &mut path);
        Some(path)
    }

    /// Where what the merged organization holds at `merged` is: its input, and its path and position there (the
    /// position with the `positions` feature).
    /// `inputs` are the bytes of the inputs, in the order they were read. `None` when `merged` names nothing one
    /// input holds (a quota over lists that several inputs add to).
    ///
    /// ```
    /// use workmail_policy::Position;
    /// use workmail_policy::load;
    ///
    /// let a = br#"{"AccessControlRules": [{"Name": "a", "Effect": "ALLOW", "Description": ""}]}"#;
    /// let b = b"{\"Rules\": [\n  {\"Name\": \"b\", \"Effect\": \"DENY\", \"Description\": \"\"}]}";
    /// let (_, sources) = load::parse_all_with_sources([("a.json", &a[..]), ("b.json", &b[..])], &Default::default())
    ///     .unwrap();
    /// let place = sources.place("AccessControlRules[1].Effect", &[a, b]).unwrap();
    /// assert_eq!((place.file.as_str(), place.path.as_str()), ("b.json", "Rules[0].Effect"));
    /// assert_eq!(place.position, Some(Position { line: 2, column: 17 }));
    /// ```
    pub fn place(&self, merged: &str, inputs: &[&[u8]]) -> Option<Place> {
        let origin = self.origin(merged)?;
        let bytes = inputs.get(origin.input).copied().unwrap_or_default();
        let position = positions_if_found(bytes, &[(origin.document, &origin.local)]).pop().flatten();
        Some(self.place_of(&origin, position))
    }

    /// Gives each of `items` (validation's or lint's findings, with the merged organization's paths) the place of
    /// what its path names: its input's name, its path there, and its line and column in `inputs` (the inputs'
    /// bytes, in the order they were read). Every entry their messages quote by a merged path is told in its
    /// input's terms too (`(first at AccessControlRules[7])` → `(first at a.json: Rules[0])`); quoted values stay
    /// as they are (a rule may be named `"AccessControlRules[0]"`). An item whose path names nothing one input
    /// holds keeps it, and so does one placed already. Each input is read once, however many items it holds.
    pub fn locate_all<T: Locate>(&self, items: &mut [T], inputs: &[&[u8]]) {
        let mut origins: Vec<(usize, Origin)> = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            if let Some(origin) = item.merged_path().and_then(|path| self.origin(path)) {
                origins.push((i, origin));
            }
        }
        for input in 0..self.names.len() {
            let here: Vec<&(usize, Origin)> = origins.iter().filter(|(_, origin)| origin.input == input).collect();
            if here.is_empty() {
                continue;
            }
            let targets: Vec<(usize, &str)> =
                here.iter().map(|(_, origin)| (origin.document, origin.local.as_str())).collect();
            let bytes = inputs.get(input).copied().unwrap_or_default();
            for ((i, origin), position) in here.iter().zip(positions_if_found(bytes, &targets)) {
                items[*i].place(self.place_of(origin, position));
            }
        }
        for item in items.iter_mut() {
            for text in item.texts() {
                if let Some(rewritten) = self.message(text) {
                    *text = rewritten;
                }
            }
        }
    }

    /// Which input, which document and which path there `merged` names: an entry of a merged list and its
    /// members, or a whole list that one document alone contributed.
    fn origin(&self, merged: &str) -> Option<Origin> {
        let (run, local) = match merged.split_once('[') {
            Some((list, rest)) => {
                let (index, rest) = rest.split_once(']')?;
                let index: usize = index.parse().ok()?;
                let run = self.run(list, index)?;
                let local = match run.local {
                    Some(name) => format!("{name}[{}]{rest}", index - run.start),
                    None => rest.strip_prefix('.').unwrap_or(rest).to_string(),
                };
                (run, local)
            }
            None => {
                let mut runs = self.runs.iter().filter(|run| run.list == merged);
                let run = runs.next()?;
                if runs.next().is_some() {
                    return None;
                }
                (run, run.local.unwrap_or_default().to_string())
            }
        };
        Some(Origin { input: run.input, document: run.document.map_or(0, |n| n - 1), numbered: run.document, local })
    }

    fn place_of(&self, origin: &Origin, position: Option<Position>) -> Place {
        let path = match origin.numbered {
            Some(n) if origin.local.is_empty() => format!("(document {n})"),
            Some(n) => format!("(document {n}) {}", origin.local),
            None => origin.local.clone(),
        };
        Place { file: self.names[origin.input].clone(), path, position }
    }

    /// The run holding entry `index` of the merged list `list`.
    fn run(&self, list: &str, index: usize) -> Option<&Run> {
        self.runs.iter().find(|run| run.list == list && index >= run.start && index - run.start < run.len)
    }

    /// Appends to `out` the path in its input of entry `index` (held by `run`) followed by `rest`, its members:
    /// `bad.json: Rules[0].IpRanges[0]`, or the input's name alone when the entry is the whole document.
    fn write(&self, run: &Run, index: usize, rest: &str, out: &mut String) {
        use std::fmt::Write;
        out.push_str(&self.names[run.input]);
        let local = out.len() + ": ".len();
        out.push_str(": ");
        // Writing into a `String` cannot fail.
        if let Some(document) = run.document {
            let _ = write!(out, "(document {document}) ");
        }
        match run.local {
            Some(name) => {
                let _ = write!(out, "{name}[{}]{rest}", index - run.start);
            }
            None => out.push_str(rest.strip_prefix('.').unwrap_or(rest)),
        }
        // `local` follows the ASCII `": "`, so it is a character boundary.
        let end = local + out[local..].trim_end().len();
        out.truncate(if end == local { local - ": ".len() } else { end });
    }

    /// `message` with every merged entry path it quotes outside a quoted value told in its input's terms, or
    /// `None` when it quotes none (the common case, which then allocates nothing).
    fn message(&self, message: &str) -> Option<String> {
        let mut out: Option<String> = None;
        // How much of `message` is in `out` already.
        let mut copied = 0;
        // Messages quote values as Rust string literals (`{:?}`), so a `"` opens or closes one unless escaped.
        let (mut quoted, mut escaped) = (false, false);
        for (at, byte) in message.bytes().enumerate() {
            if quoted {
                match byte {
                    _ if escaped => escaped = false,
                    b'\\' => escaped = true,
                    b'"' => quoted = false,
                    _ => {}
                }
                continue;
            }
            match byte {
                b'"' => quoted = true,
                b'[' => {
                    let Some((start, list, index, end)) = self.entry_at(message, at) else { continue };
                    let Some(run) = self.run(list, index) else { continue };
                    let Some(before) = message.get(copied..start) else { continue };
                    let out = out.get_or_insert_with(|| String::with_capacity(message.len() + 64));
                    out.push_str(before);
                    self.write(run, index, "", out);
                    copied = end;
                }
                _ => {}
            }
        }
        let mut out = out?;
        out.push_str(message.get(copied..).unwrap_or_default());
        Some(out)
    }

    /// The merged entry path `List[N]` whose `[` is at byte `at` of `message`: where it starts, the list, the
    /// index and where it ends. `None` when the word before `[` is not a merged list's name, or what follows is
    /// not digits and `]`, or the index does not fit a `usize` (no list is that long).
    fn entry_at(&self, message: &str, at: usize) -> Option<(usize, &'static str, usize, usize)> {
        // `at` holds the ASCII `[`, so both slices start or end at character boundaries.
        let (before, after) = (message.get(..at)?, message.get(at + 1..)?);
        let list = self.lists.iter().copied().find(|list| before.ends_with(list))?;
        let start = at - list.len();
        // A longer word that ends in a list's name (`MobileDeviceAccessRules` ends in `Rules`, a user might write
        // `NotUsers`) is not that list. Any non-ASCII character counts as part of a word: that is as strict as
        // Unicode's letter classes here, without their tables (the WebAssembly modules' size is budgeted).
        let word = |c: char| !c.is_ascii() || c.is_ascii_alphanumeric() || c == '_';
        if before.get(..start)?.chars().next_back().is_some_and(word) {
            return None;
        }
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || after.as_bytes().get(digits) != Some(&b']') {
            return None;
        }
        let index = after.get(..digits)?.parse().ok()?;
        Some((start, list, index, at + 1 + digits + 1))
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
    use crate::diagnostic::{ErrorCode, Position};
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
        let bytes: Vec<&[u8]> = inputs.iter().map(|(_, bytes)| *bytes).collect();
        sources.locate_all(&mut findings, &bytes);
        let located: Vec<(Option<&str>, &str, Option<Position>, ErrorCode)> =
            findings.iter().map(|f| (f.file.as_deref(), f.path.as_str(), f.position, f.code)).collect();
        let at = |line, column| Some(Position { line, column });
        assert_eq!(
            located,
            [
                (Some("users.json"), "(document 2) Users[0].Id", at(2, 37), ErrorCode::InvalidParameterException),
                (Some("bad.json"), "Rules[0].IpRanges[0]", at(1, 76), ErrorCode::InvalidParameterException),
                (Some("role.json"), "Type", at(1, 43), ErrorCode::InvalidParameterException),
            ]
        );
        assert_eq!(findings[0].to_string().split(": ").next(), Some("users.json:2:37"));
        // A path that names a whole list (a quota) names no one input, and stays as it is.
        assert_eq!(sources.path("AccessControlRules"), None);
        assert_eq!(sources.path("AccessControlRules[1].Name").as_deref(), Some("acr.json: AccessControlRules[1].Name"));
        assert_eq!(sources.path("ImpersonationRoles[0]").as_deref(), Some("role.json"));
        assert_eq!(sources.path("AccessControlRules[3]"), None);
    }

    /// Two inputs each holding a rule of one name, and a directory split into two `list-users` pages.
    fn two_inputs() -> (Vec<crate::diagnostic::Finding>, super::Sources, [&'static [u8]; 4]) {
        let a = br#"{"AccessControlRules": [
            {"Name": "a", "Effect": "ALLOW", "Description": ""},
            {"Name": "x", "Effect": "ALLOW", "Description": ""}]}"#;
        let b = br#"{"Rules": [{"Name": "x", "Effect": "DENY", "Description": ""}]}"#;
        let first = br#"{"Users": [{"Id": "S-1-5-18-0001"}, {"Id": "S-1-5-18-0002"}], "NextToken": "t"}"#;
        let second = br#"{"Users": [{"Id": "S-1-5-18-0003"}, {"Id": "S-1-5-18-0002"}]}"#;
        let inputs =
            [("a.json", &a[..]), ("b.json", &b[..]), ("page-1.json", &first[..]), ("page-2.json", &second[..])];
        let (file, sources) = parse_all_with_sources(inputs, &Limits::default()).unwrap();
        (validate(&file, &Options::default()).findings, sources, [a, b, first, second])
    }

    #[test]
    fn messages_name_the_entries_they_quote_in_their_inputs_terms() {
        let (mut findings, sources, bytes) = two_inputs();
        let merged: Vec<(&str, &str)> = findings.iter().map(|f| (f.path.as_str(), f.message.as_str())).collect();
        assert_eq!(
            merged,
            [
                (
                    "Users[3].Id",
                    "\"S-1-5-18-0002\" also names Users[1]; every ID, email and user name must name one user"
                ),
                (
                    "AccessControlRules[2].Name",
                    "a second rule named \"x\" (first at AccessControlRules[1]); PutAccessControlRule with an \
                     existing name replaces that rule, so an organization cannot hold two"
                ),
            ]
        );
        sources.locate_all(&mut findings, &bytes);
        let places: Vec<String> =
            findings.iter().map(|f| format!("{}: {}", f.file.as_deref().unwrap_or("?"), f.path)).collect();
        let located: Vec<(&str, &str)> =
            places.iter().zip(&findings).map(|(place, f)| (place.as_str(), f.message.as_str())).collect();
        assert_eq!(
            located,
            [
                (
                    "page-2.json: Users[1].Id",
                    "\"S-1-5-18-0002\" also names page-1.json: Users[1]; every ID, email and user name must name one \
                     user"
                ),
                (
                    "b.json: Rules[0].Name",
                    "a second rule named \"x\" (first at a.json: AccessControlRules[1]); PutAccessControlRule with \
                     an existing name replaces that rule, so an organization cannot hold two"
                ),
            ]
        );
    }

    #[test]
    fn a_role_or_a_page_of_several_is_quoted_as_its_path_says() {
        let role =
            |id: &str| format!(r#"{{"ImpersonationRoleId": "{id}", "Name": "n", "Type": "FULL_ACCESS", "Rules": []}}"#);
        let (first, second) = (role("r"), role("r") + &role("s"));
        let inputs = [("one.json", first.as_bytes()), ("two.json", second.as_bytes())];
        let (_, sources) = parse_all_with_sources(inputs, &Limits::default()).unwrap();
        assert_eq!(
            sources.message("first at ImpersonationRoles[0]; then ImpersonationRoles[2].").as_deref(),
            Some("first at one.json; then two.json: (document 2).")
        );
    }

    #[test]
    fn text_that_names_no_merged_entry_is_left_as_it_is() {
        let (_, sources, bytes) = two_inputs();
        for message in [
            "",
            "holds 5 entries; the service allows at most 4 per organization",
            "AccessControlRules holds too many",
            // No such entry, or not a merged list's name.
            "first at AccessControlRules[3]",
            "first at MobileDeviceAccessRules[0]",
            "first at NotUsers[0], xUsers[1], ÉUsers[0], Users_[0] or Users [0]",
            // The user's own text, quoted.
            r#"a second rule named "AccessControlRules[0]" or "\"Users[0]""#,
            r#"unclosed "AccessControlRules[0]"#,
            // Odd brackets and numbers.
            "AccessControlRules[",
            "AccessControlRules[0",
            "AccessControlRules[]",
            "AccessControlRules[+1]",
            "AccessControlRules[-1]",
            "AccessControlRules[ 1]",
            "AccessControlRules[1 ]",
            "AccessControlRules[x]",
            "AccessControlRules[99999999999999999999999999999]",
            "AccessControlRules[١]",
            "]]][[[Users[[0]]",
            "é[0] Users[é] 🦀[1]",
        ] {
            assert_eq!(sources.message(message), None, "{message}");
            let mut finding =
                crate::diagnostic::Finding::error("Organization", crate::diagnostic::Problem::InvalidValue, message);
            sources.locate_all(std::slice::from_mut(&mut finding), &bytes);
            assert_eq!((finding.path.as_str(), finding.message.as_str()), ("Organization", message));
        }
        // Entries among odd text are still found, and the text around them kept.
        assert_eq!(
            sources.message("é[Users[0]]🦀 \"Users[0]\" (AccessControlRules[2]").as_deref(),
            Some("é[page-1.json: Users[0]]🦀 \"Users[0]\" (b.json: Rules[0]")
        );
    }
}
