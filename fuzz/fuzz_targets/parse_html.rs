//! HTML pages: the html module, then the whole entry point (charset sniffing
//! and decoding included).
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    if let Ok(html) = std::str::from_utf8(data) {
        let document = gongkai_report::parse::html::parse(html);
        let report = gongkai_report::interpret::interpret(&document);
        common::exercise(&report);
    }
    if let Ok(report) = gongkai_report::parse(data, Some("fuzz.html")) {
        common::exercise(&report);
    }
});
