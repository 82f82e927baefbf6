//! Any bytes, no file name: kind detection, decoding, every parser, JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    if let Ok(report) = gongkai_report::parse(data, None) {
        common::exercise(&report);
    }
});
