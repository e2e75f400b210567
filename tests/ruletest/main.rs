//! `kpiwatch test`: the rule-test runner through the real binary, its invalid-file table,
//! and the example's coverage of its config.

mod cli;
mod example;
mod invalid;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The crate's root, where `examples/` and `tests/fixtures/` are.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `kpiwatch ARGS` in `folder`.
pub fn kpiwatch(folder: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kpiwatch"))
        .args(args)
        .current_dir(folder)
        .env_remove("KPIWATCH_CONFIG")
        .env_remove("KPIWATCH_LOG")
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// A temporary folder holding the SaaS example's config and metrics, for test files that
/// are written by the tests.
pub fn saas_folder() -> tempfile::TempDir {
    let folder = tempfile::tempdir().unwrap();
    for name in ["kpiwatch.yaml", "metrics.json"] {
        let source: PathBuf = root().join("examples/saas").join(name);
        std::fs::copy(source, folder.path().join(name)).unwrap();
    }
    folder
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}
