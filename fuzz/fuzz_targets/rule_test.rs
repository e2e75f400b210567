//! Any text as a `kpiwatch test` file: series syntax, step times and expectations must parse
//! or give errors with positions, never panic.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Err(errors) = kpiwatch::testing::parse(text, Path::new("rules.test.yaml")) {
        let _ = errors.to_string();
    }
});
