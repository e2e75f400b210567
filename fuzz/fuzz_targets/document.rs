//! Any bytes as a source's response body: HTML, truncated JSON, deep nesting, huge numbers.
//! The metrics parser must give flat finite metrics or an error, never panic.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    match kpiwatch::sources::parse_document(bytes) {
        Ok(flat) => assert!(flat.metrics.values().all(|value| value.is_finite())),
        Err(error) => {
            let _ = error.to_string();
        }
    }
});
