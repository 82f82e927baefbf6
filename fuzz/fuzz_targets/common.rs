//! Shared by the targets: whatever a parser returns must check, and its
//! canonical JSON must read back.

use gongkai_report::{CheckOptions, Report};

pub fn exercise(report: &Report) {
    let _ = gongkai_report::check(report, &CheckOptions::default());
    let _ = gongkai_report::check(
        report,
        &CheckOptions {
            previous: Some(report),
            deadline: None,
        },
    );
    let json = report.to_json();
    assert!(
        Report::from_json(&json).is_ok(),
        "canonical JSON written by to_json must read back: {json}"
    );
}
