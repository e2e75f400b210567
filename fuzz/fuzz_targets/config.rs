//! Any text as `kpiwatch.yaml`: parsing and validation must return a config or errors with
//! positions, never panic, however broken the YAML, the conditions, the expressions or the
//! templates.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Err(errors) = kpiwatch::config::parse(text, Path::new("kpiwatch.yaml")) {
        // Rendering the report walks every position; it must not panic either.
        let _ = errors.to_string();
    }
});
