//! `replay(rules, against?)`: an audit log replayed in the browser as it is read (SEMANTICS 6), for the editor's
//! "Replay a log".
//!
//! Thin by design: the page reads the file and hands its bytes over a chunk at a time ([`Replay::push`]); each
//! chunk goes through the library's [`LogReader`] into records, which are replayed at once by a [`Replayer`] and
//! counted by a [`Summary`], so that only a chunk and one event are ever held, whatever the log's size.
//! [`Replay::finish`] gives the library's [`report`], the JSON `wmpolicy replay --json` prints, without the
//! disagreements' reasons (`explain` is the analyses' module's).
//!
//! The replay owns the two organizations and their compiled policies. A [`Replayer`] borrows them, so one is made
//! for each chunk: it is two pointers and an empty map, and its cache of answers fills again within the chunk
//! (logs repeat the same requests within a few hundred events).

use wasm_bindgen::prelude::*;
use workmail_policy::replay::{report, LogReader, Records, Replayer, RuleSet, Summary};
use workmail_policy::{ErrorCode, Finding, Organization, Policy, Problem};

use crate::{failed, to_js};

/// An organization and its compiled policy.
struct Rules {
    organization: Organization,
    policy: Policy,
}

impl Rules {
    fn set(&self) -> RuleSet<'_> {
        RuleSet { organization: &self.organization, policy: &self.policy }
    }
}

/// A log replayed as it is read, against the rules the log is judged by and, optionally, the rules whose impact
/// on its traffic is asked. Made by `replay(rules, against?, options?)`.
///
/// Call `free()` when done with it in long-lived pages.
#[wasm_bindgen]
pub struct Replay {
    rules: Rules,
    against: Option<Rules>,
    reader: LogReader,
    records: Records,
    summary: Summary,
    bytes: u64,
}

/// Reads, validates and compiles both inputs: the rules, or `{Error, Findings}` with every error (paths start
/// with `rules: ` or `against: `).
pub fn start(rules: &JsValue, against: Option<JsValue>, options: Option<JsValue>) -> JsValue {
    let options = crate::options(options);
    let mut findings = Vec::new();
    let mut read = |input: &JsValue, side: &str| -> Option<Rules> {
        let (organization, warnings) = match crate::read_and_validate(input, &options) {
            Ok(validation) => (validation.organization, validation.findings),
            Err(problems) => (None, problems),
        };
        let errors = warnings.into_iter().filter(Finding::is_error);
        findings.extend(errors.map(|f| Finding { path: format!("{side}: {}", f.path), ..f }));
        let organization = organization?;
        match Policy::compile(&organization) {
            Ok(policy) => Some(Rules { organization, policy }),
            Err(e) => {
                findings.push(Finding::error(side, Problem::OverEngineLimit, e.to_string()));
                None
            }
        }
    };
    let rules = read(rules, "rules");
    // An absent second organization (`undefined` or `null`) is no impact to ask, not an input.
    let against =
        against.filter(|value| !value.is_undefined() && !value.is_null()).map(|value| read(&value, "against"));
    match (rules, against) {
        (Some(rules), against @ (None | Some(Some(_)))) => {
            let replay = Replay {
                summary: Summary::new(against.is_some()),
                rules,
                against: against.flatten(),
                reader: LogReader::new(),
                records: Records::new(),
                bytes: 0,
            };
            let result = js_sys::Object::new();
            crate::set(&result, "Replay", &JsValue::from(replay));
            result.into()
        }
        _ => {
            let code = findings.first().map_or(ErrorCode::InvalidParameterException, |f| f.code);
            failed(&findings, code, format!("an organization to replay against has {} error(s)", findings.len()))
        }
    }
}

#[wasm_bindgen]
impl Replay {
    /// Reads the log's next bytes (a chunk may end anywhere, even inside an event or a UTF-8 character) and
    /// replays every event they complete.
    pub fn push(&mut self, #[wasm_bindgen(unchecked_param_type = "Uint8Array")] bytes: &[u8]) {
        self.bytes += bytes.len() as u64;
        self.reader.push(bytes, &mut self.records);
        self.replay_records();
    }

    /// The log has ended: replays its last event, and gives the report of the whole log (the JSON of
    /// `wmpolicy replay --json`, without the disagreements' reasons), its places in the file `name` (`log` when
    /// absent). The replay then starts again, for another log against the same rules.
    #[wasm_bindgen(unchecked_return_type = "ReplayReport")]
    pub fn finish(&mut self, name: Option<String>) -> JsValue {
        self.reader.finish(&mut self.records);
        self.replay_records();
        let summary = std::mem::replace(&mut self.summary, Summary::new(self.against.is_some()));
        self.bytes = 0;
        // Directory users are named beside their ids; no `explain`, which stays out of this module.
        let files = [name.unwrap_or_else(|| "log".to_owned())];
        to_js(&report(&summary, &files, Some(&self.rules.organization)))
    }

    /// The bytes pushed since the log started.
    #[wasm_bindgen(getter)]
    pub fn bytes(&self) -> f64 {
        self.bytes as f64
    }

    /// The records read so far: events replayed, skipped or unreadable.
    #[wasm_bindgen(getter)]
    pub fn events(&self) -> f64 {
        self.summary.events as f64
    }

    fn replay_records(&mut self) {
        if self.records.is_empty() {
            return;
        }
        let mut replayer = Replayer::new(self.rules.set());
        if let Some(against) = &self.against {
            replayer = replayer.against(against.set());
        }
        for replayed in replayer.replay(0, &self.records) {
            self.summary.add(&replayed);
        }
        self.records.clear();
    }
}
