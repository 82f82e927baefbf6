//! DOCX: zip and XML of any shape must give a report or a typed error.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    if let Ok(document) = gongkai_report::parse::docx::parse(data) {
        let report = gongkai_report::interpret::interpret(&document);
        common::exercise(&report);
    }
    if let Ok(report) = gongkai_report::parse(data, Some("fuzz.docx")) {
        common::exercise(&report);
    }
});
