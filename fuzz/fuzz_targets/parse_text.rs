//! Plain text and Markdown: the text module, then the whole entry point.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let document = gongkai_report::parse::text::parse(text);
        let report = gongkai_report::interpret::interpret(&document);
        common::exercise(&report);
    }
    if let Ok(report) = gongkai_report::parse(data, Some("fuzz.txt")) {
        common::exercise(&report);
    }
});
