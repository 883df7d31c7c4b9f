//! One arbitrary audit-log line read by `Event::read_line` (the plain-line shortcut, then serde_json for what it
//! does not recognise) and by `Event::read_line_in_full` (serde_json alone): the same event, or the same error.

#![no_main]

use libfuzzer_sys::fuzz_target;
use workmail_policy::replay::Event;

fuzz_target!(|line: &[u8]| {
    assert_eq!(Event::read_line(line), Event::read_line_in_full(line));
});
