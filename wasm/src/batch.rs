//! `Policy.batch`: many requests through one call, at a few hundred nanoseconds a request all told.
//!
//! The requests cross the boundary packed by `js/batch.js` (its header says why and how), a chunk at a time into
//! two small buffers reused for the whole batch: flat `u32` records, one per request, that name strings by index
//! into one table of distinct strings, and addresses by where their bytes are in the second buffer. JS calls in
//! once per batch; the encoder is called back once per chunk of 65,536 requests. The answers come back deduplicated: each distinct answer is written once as JSON, and
//! every request gets an index into that table, which the same JS module spreads into the answers array. A
//! million access queries make a handful of distinct answers, so the return trip costs one small `JSON.parse` and
//! a loop.
//!
//! The answers are the core's: the common request shapes are built here as the core's request structs and
//! answered by [`Policy`]'s simulate methods exactly as [`workmail_policy::batch::answer`] answers them (keyed by
//! the rules they name, so that each distinct answer is written once), and everything else goes through
//! [`workmail_policy::batch::answer_line`] itself as JSON text: the core's one reader decides what is a request.
//! A packed request's `OrganizationId` is held to its shape by the reader's own check,
//! [`check_organization_id`], at the point the reader makes it: a packed request is one the reader finds no
//! other fault with, and the reader checks the id last, before the engine's checks. `tests/node.rs` checks that
//! both roads give the same answers.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use js_sys::Array;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use workmail_policy::batch::{answer_line, check_organization_id, ErrorResponse};
use workmail_policy::ErrorCode;
use workmail_policy::{AccessRequest, Effect, ImpersonationRequest, MobileRequest, Policy, RequestError};

use crate::error_value;

#[wasm_bindgen(module = "/js/batch.js")]
extern "C" {
    /// Packs a batch's requests, a chunk at a time.
    type BatchEncoder;

    #[wasm_bindgen(constructor)]
    fn new(requests: &Array, count: u32) -> BatchEncoder;
    /// Packs the next chunk; how many requests it packed, 0 at the end.
    #[wasm_bindgen(method, catch)]
    fn fill(this: &BatchEncoder, records: &mut [u32], bytes: &mut [u8]) -> Result<u32, JsValue>;
    /// The record slots the last `fill` wrote.
    #[wasm_bindgen(method, getter)]
    fn used(this: &BatchEncoder) -> u32;
    #[wasm_bindgen(method, catch, js_name = newStrings)]
    fn new_strings(this: &BatchEncoder) -> Result<String, JsValue>;
    #[wasm_bindgen(method, catch, js_name = newLengths)]
    fn new_lengths(this: &BatchEncoder) -> Result<Vec<u32>, JsValue>;

    #[wasm_bindgen(catch, js_name = expandAnswers)]
    fn expand_answers(table: &str, indices: &[u32]) -> Result<Array, JsValue>;
}

// Record layout, shared with `js/batch.js`.
const FALLBACK: u32 = 0;
const ACCESS: u32 = 1;
const MOBILE: u32 = 2;
const IMPERSONATION: u32 = 3;
const UNSERIALIZABLE: u32 = 4;
const ABSENT: u32 = u32::MAX;
/// The longest record, in slots.
const MAX_RECORD: usize = 8;
/// The longest address copied as bytes (`MAX_ADDRESS` in batch.js).
const MAX_ADDRESS: usize = 15;
/// Requests per chunk: 2.1 MB of records and 1 MB of addresses, reused for the whole batch.
const CHUNK: usize = 65_536;

/// Answers `requests`: the answers array, or an `ErrorResponse` when `requests` is not an array.
pub fn answer(policy: &Policy, requests: &JsValue) -> JsValue {
    let Some(requests) = requests.dyn_ref::<Array>() else {
        return error_value(ErrorCode::InvalidParameterException, "batch takes an array of request objects");
    };
    let count = requests.length() as usize;
    // An index per answer, and the chunk buffers. Refused rather than trapping when the memory cannot be had.
    let chunk = count.clamp(1, CHUNK);
    let (mut records, mut bytes, mut indices) = (Vec::new(), Vec::new(), Vec::new());
    let reserved = records.try_reserve_exact(chunk * MAX_RECORD).is_ok()
        && bytes.try_reserve_exact(chunk * MAX_ADDRESS).is_ok()
        && indices.try_reserve_exact(count).is_ok();
    if !reserved {
        let message = format!("a batch of {count} requests does not fit in memory; split it");
        return error_value(ErrorCode::LimitExceededException, &message);
    }
    records.resize(chunk * MAX_RECORD, 0);
    bytes.resize(chunk * MAX_ADDRESS, 0);
    let unreadable = |e: JsValue| {
        let message = format!("the requests cannot be read: {}", crate::input::describe_exception(&e));
        error_value(ErrorCode::SerializationException, &message)
    };
    let inconsistent = || error_value(ErrorCode::SerializationException, "the batch encoding is inconsistent");
    let encoder = BatchEncoder::new(requests, count as u32);
    // Every distinct string so far, one after the other, and where each is.
    let (mut strings, mut table) = (String::new(), Vec::<(usize, usize)>::new());
    let mut answers = Answers { json: String::from("["), ..Answers::default() };
    while indices.len() < count {
        let packed = match encoder.fill(&mut records, &mut bytes) {
            Ok(0) => return inconsistent(),
            Ok(packed) => packed as usize,
            Err(e) => return unreadable(e),
        };
        let (joined, lengths) = match (encoder.new_strings(), encoder.new_lengths()) {
            (Ok(joined), Ok(lengths)) => (joined, lengths),
            (Err(e), _) | (_, Err(e)) => return unreadable(e),
        };
        let Some(cuts) = byte_lengths(&joined, &lengths) else { return inconsistent() };
        for cut in cuts {
            let start = table.last().map_or(strings.len(), |&(_, end)| end);
            table.push((start, start + cut));
        }
        strings.push_str(&joined);
        let words: Vec<&str> = table.iter().map(|&(start, end)| strings.get(start..end).unwrap_or_default()).collect();
        let used = (encoder.used() as usize).min(records.len());
        let mut at = 0;
        for _ in 0..packed {
            let Some((index, len)) = answers.record(policy, records.get(at..used).unwrap_or_default(), &words, &bytes)
            else {
                return inconsistent();
            };
            indices.push(index);
            at += len;
        }
    }
    answers.json.push(']');
    match expand_answers(&answers.json, &indices) {
        Ok(array) => array.into(),
        Err(e) => error_value(
            ErrorCode::SerializationException,
            &format!("the answers cannot be returned: {}", crate::input::describe_exception(&e)),
        ),
    }
}

/// The byte lengths of the strings `joined` holds, from their `lengths` in UTF-16 code units as JS measures
/// strings; `None` when they do not add up.
fn byte_lengths(joined: &str, lengths: &[u32]) -> Option<Vec<usize>> {
    let units: usize = lengths.iter().map(|&n| n as usize).sum();
    // UTF-8 has as many bytes as UTF-16 has units only when every character is ASCII: then they are the same.
    if joined.len() == units {
        return Some(lengths.iter().map(|&n| n as usize).collect());
    }
    let mut cuts = Vec::with_capacity(lengths.len());
    let mut chars = joined.chars().peekable();
    for &length in lengths {
        let (mut seen, mut bytes) = (0, 0);
        while seen < length as usize {
            let c = chars.next()?;
            seen += c.len_utf16();
            bytes += c.len_utf8();
        }
        if seen != length as usize {
            return None;
        }
        cuts.push(bytes);
    }
    chars.peek().is_none().then_some(cuts)
}

/// The distinct answers so far, as a JSON array under construction, and where each is in it.
#[derive(Default)]
struct Answers {
    len: u32,
    /// `[` and the answers so far, comma-separated.
    json: String,
    /// Answers from the compiled engine, by the fingerprint of what they are made of (rule names are borrowed
    /// from the policy, so their addresses identify them): hashing a few words is far cheaper than writing JSON
    /// per request. Each entry keeps its words, to tell a fingerprint collision from a hit.
    by_parts: HashMap<u64, (u32, Parts), BuildHasherDefault<Prehashed>>,
    /// Errors and fallback answers, keyed by their JSON text.
    by_text: HashMap<Vec<u8>, u32>,
    /// Scratch space for one request's key and text.
    parts: Parts,
    text: Vec<u8>,
}

/// An answer's identity: a tag and the addresses of the names it lists, with their running fingerprint.
#[derive(Default, Clone, PartialEq, Eq)]
struct Parts {
    words: Vec<usize>,
    fingerprint: u64,
}

impl Parts {
    fn clear(&mut self) {
        self.words.clear();
        self.fingerprint = 0;
    }

    fn extend(&mut self, words: impl IntoIterator<Item = usize>) {
        for word in words {
            self.words.push(word);
            // FxHash's mixing step: a rotate, a xor and a 64-bit multiply per word.
            self.fingerprint = (self.fingerprint.rotate_left(5) ^ word as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
}

/// A request's strings: `ABSENT` or an index into the batch's table of distinct strings.
fn text<'t>(table: &[&'t str], slot: u32) -> Option<Option<&'t str>> {
    match slot {
        ABSENT => Some(None),
        id => table.get(id as usize).map(|s| Some(*s)),
    }
}

fn required<'t>(table: &[&'t str], slot: u32) -> Option<&'t str> {
    text(table, slot).flatten()
}

impl Answers {
    /// Answers the record at the start of `records`: the answer's index in the table and the record's length.
    ///
    /// This and each operation's function below are never inlined, for the first batch's sake: engines start
    /// WebAssembly in a baseline compiler and switch a function to optimised code at its next call once it has run
    /// enough, compiling it in the background meanwhile. A loop inside one call would run a whole first batch in
    /// baseline code, and one function holding every operation would take long to compile; small functions called
    /// per request are optimised within the first few thousand requests. Rare paths (errors, new answers) are kept
    /// out of them for the same reason.
    #[inline(never)]
    fn record(&mut self, policy: &Policy, records: &[u32], table: &[&str], bytes: &[u8]) -> Option<(u32, usize)> {
        match *records.first()? {
            ACCESS => self.access(policy, records.get(..7)?, table, bytes).map(|index| (index, 7)),
            MOBILE => self.mobile(policy, records.get(..8)?, table).map(|index| (index, 8)),
            IMPERSONATION => self.impersonation(policy, records.get(..4)?, table).map(|index| (index, 4)),
            FALLBACK => self.fallback(policy, required(table, *records.get(1)?)?).map(|index| (index, 2)),
            UNSERIALIZABLE => {
                let message = required(table, *records.get(1)?)?;
                self.text.clear();
                let error = ErrorResponse::new(ErrorCode::SerializationException, message);
                let _ = serde_json::to_writer(&mut self.text, &error);
                Some((self.texted(), 2))
            }
            _ => None,
        }
    }

    #[inline(never)]
    fn access(&mut self, policy: &Policy, record: &[u32], table: &[&str], bytes: &[u8]) -> Option<u32> {
        let &[_, organization, length, at, action, user, role] = record else { return None };
        if let Some(refused) = self.organization(text(table, organization)?) {
            return Some(refused);
        }
        // The address's bytes as the request had them, or (length 0) its entry in the string table.
        let ip_address = match length as usize {
            0 => *table.get(at as usize)?,
            length => std::str::from_utf8(bytes.get(at as usize..at as usize + length)?).ok()?,
        };
        let request = AccessRequest {
            ip_address,
            action: required(table, action)?,
            user_id: text(table, user)?,
            impersonation_role_id: text(table, role)?,
        };
        Some(match policy.access(&request) {
            Ok(answer) => {
                self.parts.clear();
                self.parts.extend([ACCESS as usize, effect_code(answer.effect())]);
                self.parts.extend(answer.matched_rules().map(|name| name.as_ptr() as usize));
                self.keyed(|| answer.to_response())
            }
            Err(e) => self.error(&e),
        })
    }

    #[inline(never)]
    fn mobile(&mut self, policy: &Policy, record: &[u32], table: &[&str]) -> Option<u32> {
        let &[_, organization, device_type, model, os, agent, user, device] = record else { return None };
        if let Some(refused) = self.organization(text(table, organization)?) {
            return Some(refused);
        }
        let request = MobileRequest {
            device_type: text(table, device_type)?,
            device_model: text(table, model)?,
            device_operating_system: text(table, os)?,
            device_user_agent: text(table, agent)?,
            user_id: text(table, user)?,
            device_id: text(table, device)?,
        };
        Some(match policy.mobile(&request) {
            Ok(answer) => {
                self.parts.clear();
                self.parts.extend([MOBILE as usize, effect_code(answer.effect())]);
                for (id, name) in answer.matched_rules() {
                    self.parts.extend([id.map_or(0, |id| id.as_ptr() as usize), name.as_ptr() as usize]);
                }
                if let Some((user, device)) = answer.matched_override() {
                    // A zero between the rules and the override: no name lives at address 0.
                    self.parts.extend([0, 0, user.as_ptr() as usize, device.as_ptr() as usize]);
                }
                self.keyed(|| answer.to_response())
            }
            Err(e) => self.error(&e),
        })
    }

    #[inline(never)]
    fn impersonation(&mut self, policy: &Policy, record: &[u32], table: &[&str]) -> Option<u32> {
        let &[_, organization, role, target] = record else { return None };
        if let Some(refused) = self.organization(text(table, organization)?) {
            return Some(refused);
        }
        let request = ImpersonationRequest {
            impersonation_role_id: required(table, role)?,
            target_user: required(table, target)?,
        };
        Some(match policy.impersonation(&request) {
            Ok(answer) => {
                self.parts.clear();
                let role_type = answer.role_type() as usize;
                self.parts.extend([IMPERSONATION as usize, effect_code(answer.effect()), role_type]);
                for (id, name) in answer.matched_rules() {
                    self.parts.extend([id.as_ptr() as usize, name.map_or(0, |n| n.as_ptr() as usize)]);
                }
                self.keyed(|| answer.to_response())
            }
            Err(e) => self.error(&e),
        })
    }

    /// The answer to a packed request's `OrganizationId`: `None` when it is absent or of its shape, and then
    /// ignored, as the reader ignores it; else the index of the reader's error for it. Checked before the engine
    /// sees the request, since the reader refuses such a line before answering it.
    #[inline]
    fn organization(&mut self, id: Option<&str>) -> Option<u32> {
        let error = check_organization_id(id?).err()?;
        Some(self.error(&error))
    }

    /// A request outside the common shapes, as JSON text: the core's request-line reader answers it.
    #[cold]
    #[inline(never)]
    fn fallback(&mut self, policy: &Policy, line: &str) -> Option<u32> {
        self.text.clear();
        answer_line(policy, line.as_bytes(), &mut self.text);
        Some(self.texted())
    }

    /// The index of the answer whose key is in `self.parts`, writing it with `response` the first time.
    #[inline]
    fn keyed<R: Serialize>(&mut self, response: impl FnOnce() -> R) -> u32 {
        let known = self.by_parts.get(&self.parts.fingerprint);
        if let Some((index, parts)) = known {
            if parts == &self.parts {
                return *index;
            }
        }
        let collision = known.is_some();
        self.add(response, collision)
    }

    /// Writes a new answer into the table; `collision` when another answer has its fingerprint.
    #[cold]
    #[inline(never)]
    fn add<R: Serialize>(&mut self, response: impl FnOnce() -> R, collision: bool) -> u32 {
        self.text.clear();
        let _ = serde_json::to_writer(&mut self.text, &response());
        if collision {
            // Two answers with one fingerprint: the later one is found by its text instead.
            return self.texted();
        }
        let index = self.push_text();
        self.by_parts.insert(self.parts.fingerprint, (index, self.parts.clone()));
        index
    }

    #[cold]
    #[inline(never)]
    fn error(&mut self, error: &RequestError) -> u32 {
        self.text.clear();
        let _ = serde_json::to_writer(&mut self.text, &ErrorResponse::from(error));
        self.texted()
    }

    /// The index of the answer whose JSON is in `self.text`.
    fn texted(&mut self) -> u32 {
        if let Some(&index) = self.by_text.get(&self.text) {
            return index;
        }
        let index = self.push_text();
        self.by_text.insert(self.text.clone(), index);
        index
    }

    /// Appends `self.text` to the table.
    fn push_text(&mut self) -> u32 {
        if self.len > 0 {
            self.json.push(',');
        }
        // serde_json writes UTF-8; the lossy conversion never replaces anything.
        self.json.push_str(&String::from_utf8_lossy(&self.text));
        self.len += 1;
        self.len - 1
    }
}

fn effect_code(effect: Effect) -> usize {
    match effect {
        Effect::Allow => 1,
        Effect::Deny => 2,
    }
}

/// The hasher of keys that are already fingerprints: SipHash would cost more than the rest of a batched query.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys are hashed here; this is for completeness.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, fingerprint: u64) {
        self.0 = fingerprint;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn the_table_is_cut_by_utf16_lengths() {
        assert_eq!(byte_lengths("abcde", &[2, 0, 3]), Some(vec![2, 0, 3]));
        // "é" is one unit and two bytes; "😀" two units and four bytes.
        assert_eq!(byte_lengths("aé😀b", &[2, 2, 1]), Some(vec![3, 4, 1]));
        assert_eq!(byte_lengths("aé", &[1]), None);
        assert_eq!(byte_lengths("ab", &[3]), None);
        assert_eq!(byte_lengths("😀", &[1]), None);
    }

    /// Requests with an `OrganizationId` string, of the model's shape or not, are packed for the fast road (its
    /// answers are compared with the core's in `tests/node.rs`); one that is not a string, or not well-formed
    /// UTF-16, travels as JSON text.
    #[cfg(target_arch = "wasm32")]
    #[wasm_bindgen_test::wasm_bindgen_test]
    fn requests_with_an_organization_id_string_are_packed() {
        const ORG: &str = "m-0123456789abcdef0123456789abcdef";
        let requests = [
            (format!(r#"{{"Operation":"GetAccessControlEffect","OrganizationId":"{ORG}","IpAddress":"192.0.2.1","Action":"EWS","UserId":"u"}}"#), ACCESS),
            (format!(r#"{{"OrganizationId":"{ORG}","Operation":"GetMobileDeviceAccessEffect","DeviceType":"iPhone"}}"#), MOBILE),
            (format!(r#"{{"Operation":"GetImpersonationRoleEffect","ImpersonationRoleId":"r","TargetUser":"u","OrganizationId":"{ORG}"}}"#), IMPERSONATION),
            (r#"{"Operation":"GetImpersonationRoleEffect","ImpersonationRoleId":"r","TargetUser":"u","OrganizationId":"m-1"}"#.to_string(), IMPERSONATION),
            (r#"{"Operation":"GetImpersonationRoleEffect","ImpersonationRoleId":"r","TargetUser":"u","OrganizationId":null}"#.to_string(), IMPERSONATION),
            (r#"{"Operation":"GetImpersonationRoleEffect","ImpersonationRoleId":"r","TargetUser":"u","OrganizationId":7}"#.to_string(), FALLBACK),
            (format!(r#"{{"Operation":"GetImpersonationRoleEffect","ImpersonationRoleId":"r","TargetUser":"u","OrganizationId":"{ORG}","Zebra":1}}"#), FALLBACK),
            // A lone surrogate would reach Rust as U+FFFD; its JSON text keeps it, for the reader to refuse.
            (r#"{"Operation":"GetImpersonationRoleEffect","ImpersonationRoleId":"r","TargetUser":"u","OrganizationId":"m-\uD800"}"#.to_string(), FALLBACK),
        ];
        let array = Array::new();
        for (request, _) in &requests {
            array.push(&js_sys::JSON::parse(request).unwrap());
        }
        let encoder = BatchEncoder::new(&array, array.length());
        let (mut records, mut bytes) = (vec![0; requests.len() * MAX_RECORD], vec![0; requests.len() * MAX_ADDRESS]);
        assert_eq!(encoder.fill(&mut records, &mut bytes).unwrap() as usize, requests.len());
        let (mut at, mut operations) = (0, Vec::new());
        while at < encoder.used() as usize {
            operations.push(records[at]);
            at += match records[at] {
                ACCESS => 7,
                MOBILE => 8,
                IMPERSONATION => 4,
                _ => 2,
            };
        }
        assert_eq!(operations, requests.iter().map(|&(_, operation)| operation).collect::<Vec<_>>());
        // The id is the record's second slot, as one string of the table whatever the operation.
        assert_eq!(records[1], records[7 + 1]);
    }
}
