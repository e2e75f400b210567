//! The `kpiwatch` binary end to end, as a user runs it: on a temporary copy of
//! `examples/saas` with a temporary state file.

mod aws;
#[path = "../support/aws.rs"]
mod emulator;
mod history;
mod outbox;
mod run;
mod schema;
mod validate;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temporary copy of an example folder, with its own state file.
pub struct Workspace {
    pub folder: tempfile::TempDir,
}

impl Workspace {
    pub fn of_example(name: &str) -> Workspace {
        let source = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(name);
        let folder = tempfile::tempdir().unwrap();
        for entry in std::fs::read_dir(&source).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), folder.path().join(entry.file_name())).unwrap();
        }
        Workspace { folder }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.folder.path().join(name)
    }

    /// Runs `kpiwatch ARGS` in the workspace, with the state file inside it.
    pub fn kpiwatch(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_kpiwatch"))
            .args(args)
            .current_dir(self.folder.path())
            .env_remove("KPIWATCH_CONFIG")
            .env_remove("KPIWATCH_LOG")
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    }

    /// Edits `metrics.json` with a closure over its JSON value.
    pub fn edit_metrics(&self, edit: impl FnOnce(&mut serde_json::Value)) {
        let path = self.path("metrics.json");
        let mut document: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        edit(&mut document);
        std::fs::write(&path, serde_json::to_string_pretty(&document).unwrap()).unwrap();
    }
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}
