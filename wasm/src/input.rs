//! Organization inputs from JavaScript values: the bytes `wmpolicy` would read from its files.
//!
//! The core reads bytes, so every input becomes bytes here: text as UTF-8, bytes as they are, and a parsed
//! object as its `JSON.stringify` text (the core then checks its members as it checks a file's, so a typo in an
//! object built by a page gets the same finding as one in a file).

use js_sys::{ArrayBuffer, Reflect, Uint8Array, JSON};
use wasm_bindgen::{JsCast, JsValue};
use workmail_policy::{Finding, Problem};

/// One input, or several named ones to merge in order.
pub enum Contents {
    One(Vec<u8>),
    Several(Vec<(String, Vec<u8>)>),
}

/// The bytes of `input`: one content, or an array of `{Name, Content}`.
pub fn contents(input: &JsValue) -> Result<Contents, Vec<Finding>> {
    if !js_sys::Array::is_array(input) {
        return content(input, "").map(Contents::One).map_err(|f| vec![f]);
    }
    let array: &js_sys::Array = input.unchecked_ref();
    let mut named = Vec::new();
    let mut findings = Vec::new();
    for (i, item) in array.iter().enumerate() {
        let path = format!("[{i}]");
        let member = |key: &str| {
            if item.is_object() {
                Reflect::get(&item, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
            } else {
                JsValue::UNDEFINED
            }
        };
        let Some(name) = member("Name").as_string() else {
            let message = "a named input is `{Name: string, Content}`; `Name` is missing or not a string";
            findings.push(Finding::error(format!("{path}.Name"), Problem::WrongType, message));
            continue;
        };
        match content(&member("Content"), &format!("{path}.Content")) {
            Ok(bytes) => named.push((name, bytes)),
            Err(finding) => findings.push(finding),
        }
    }
    if findings.is_empty() {
        Ok(Contents::Several(named))
    } else {
        Err(findings)
    }
}

/// The bytes of one content: text, `Uint8Array`, `ArrayBuffer`, or an object to serialize.
fn content(value: &JsValue, path: &str) -> Result<Vec<u8>, Finding> {
    if let Some(text) = value.as_string() {
        return Ok(text.into_bytes());
    }
    if let Some(bytes) = value.dyn_ref::<Uint8Array>() {
        return Ok(bytes.to_vec());
    }
    if let Some(buffer) = value.dyn_ref::<ArrayBuffer>() {
        return Ok(Uint8Array::new(buffer).to_vec());
    }
    if value.is_object() {
        return match JSON::stringify(value) {
            Ok(text) => text.as_string().map(String::into_bytes).ok_or_else(|| not_input(path, "an object")),
            Err(e) => Err(Finding::error(
                path,
                Problem::WrongType,
                format!("cannot be written as JSON: {}", describe_exception(&e)),
            )),
        };
    }
    let what = if value.is_undefined() {
        "undefined".to_string()
    } else if value.is_null() {
        "null".to_string()
    } else {
        value.js_typeof().as_string().unwrap_or_default()
    };
    Err(not_input(path, &what))
}

fn not_input(path: &str, what: &str) -> Finding {
    let message = format!(
        "is {what}; an input is the text of an organization file or aws CLI output, its UTF-8 bytes, a parsed \
         object, or an array of {{Name, Content}}"
    );
    Finding::error(path, Problem::WrongType, message)
}

/// A thrown value as text: an `Error`'s message, or a thrown string.
pub fn describe_exception(e: &JsValue) -> String {
    if let Some(text) = e.as_string() {
        return text;
    }
    if e.is_object() {
        if let Some(message) = Reflect::get(e, &JsValue::from_str("message")).ok().and_then(|m| m.as_string()) {
            return message;
        }
    }
    "an exception".to_string()
}
