use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

use crate::{Workspace, stderr, stdout};

fn run_at(workspace: &Workspace, at: &str) {
    let output = workspace.kpiwatch(&["run", "--config", "kpiwatch.yaml", "--at", at]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
}

#[test]
fn history_shows_stored_values_with_timestamps_and_a_sparkline() {
    let workspace = Workspace::of_example("saas");
    run_at(&workspace, "2026-12-03T10:00:00Z");
    workspace.edit_metrics(|m| m["retention"]["churnRate"] = 4.1.into());
    run_at(&workspace, "2026-12-03T10:05:00Z");
    workspace.edit_metrics(|m| m["retention"]["churnRate"] = 2.0.into());
    run_at(&workspace, "2026-12-03T10:10:00Z");

    let output = workspace.kpiwatch(&["history", "--metric", "retention.churnRate"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "retention.churnRate: 3 snapshots\n\
         \x20 2026-12-03T10:00:00Z  6.2\n\
         \x20 2026-12-03T10:05:00Z  4.1\n\
         \x20 2026-12-03T10:10:00Z  2\n\
         \x20 █▄▁\n"
    );

    let output = workspace.kpiwatch(&["history", "--rule", "ltv-cac", "--last", "2"]);
    let text = stdout(&output);
    assert!(
        text.starts_with("LTV/CAC ratio (ltv-cac): 2 snapshots\n"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 4, "{text}");

    let output = workspace.kpiwatch(&["history"]);
    let churn = stdout(&output)
        .lines()
        .find(|l| l.starts_with("churn-rate"))
        .unwrap()
        .to_string();
    assert!(churn.ends_with("█▄▁  2%"), "{churn}");
}

#[test]
fn history_of_an_unknown_rule_is_an_input_error() {
    let workspace = Workspace::of_example("saas");
    run_at(&workspace, "2026-12-03T10:00:00Z");
    let output = workspace.kpiwatch(&["history", "--rule", "nope"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "kpiwatch: no rule with id `nope` in kpiwatch.yaml; `kpiwatch history` without \
         --rule lists every rule\n"
    );
}

#[test]
fn history_of_a_misspelt_rule_or_source_suggests_the_close_ids() {
    let workspace = Workspace::of_example("saas");
    run_at(&workspace, "2026-12-03T10:00:00Z");

    let output = workspace.kpiwatch(&["history", "--rule", "churn"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "kpiwatch: no rule with id `churn` in kpiwatch.yaml; did you mean `churn-rate`?\n"
    );

    let output = workspace.kpiwatch(&["history", "--rule", "source-health:dashbord"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "kpiwatch: no source with id `dashbord` in kpiwatch.yaml; did you mean \
         `source-health:dashboard`?\n"
    );
}

/// Appends rules to the workspace's config: its rules list is the file's last section.
fn add_rules(workspace: &Workspace, rules: &str) {
    let path = workspace.path("kpiwatch.yaml");
    let mut config = std::fs::read_to_string(&path).unwrap();
    config.push_str(rules);
    std::fs::write(path, config).unwrap();
}

fn three_churn_runs(workspace: &Workspace) {
    run_at(workspace, "2026-12-03T10:00:00Z");
    workspace.edit_metrics(|m| m["retention"]["churnRate"] = 4.1.into());
    run_at(workspace, "2026-12-03T10:05:00Z");
    workspace.edit_metrics(|m| m["retention"]["churnRate"] = 2.0.into());
    run_at(workspace, "2026-12-03T10:10:00Z");
}

#[test]
fn history_of_change_and_window_rules_shows_the_values_their_conditions_saw() {
    let workspace = Workspace::of_example("saas");
    add_rules(
        &workspace,
        "
  - id: churn-change
    metric: retention.churnRate
    unit: \"%\"
    change: { vs: 10m, as: absolute }
    warning: \"> 100\"
  - id: churn-avg
    metric: retention.churnRate
    unit: \"%\"
    window: { avg: 2 }
    warning: \"> 100\"
",
    );
    three_churn_runs(&workspace);

    let output = workspace.kpiwatch(&["history", "--rule", "churn-change"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "churn-change (churn-change), absolute change against 10m before: 3 snapshots\n\
         \x20 2026-12-03T10:00:00Z  missing\n\
         \x20 2026-12-03T10:05:00Z  missing\n\
         \x20 2026-12-03T10:10:00Z  -4.2%\n\
         \x20 ··▄\n"
    );

    // The window reaches back past the shown snapshots, as the engine's did.
    let output = workspace.kpiwatch(&["history", "--rule", "churn-avg", "--last", "2"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "churn-avg (churn-avg), avg of the last 2: 2 snapshots\n\
         \x20 2026-12-03T10:05:00Z  5.15%\n\
         \x20 2026-12-03T10:10:00Z  3.05%\n\
         \x20 █▁\n"
    );

    let output = workspace.kpiwatch(&["history"]);
    let text = stdout(&output);
    let line = |id: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{id} ")))
            .unwrap_or_else(|| panic!("no line for {id}: {text}"))
            .to_string()
    };
    assert!(line("churn-change").ends_with("··▄  -4.2%"), "{text}");
    assert!(line("churn-avg").ends_with("█▆▁  3.05%"), "{text}");
    assert!(
        line("source-health:dashboard").ends_with("▁▁▁  ok"),
        "{text}"
    );
}

#[test]
fn history_of_a_source_health_rule_shows_each_failure() {
    let workspace = Workspace::of_example("saas");
    run_at(&workspace, "2026-12-03T10:00:00Z");
    let metrics = std::fs::read(workspace.path("metrics.json")).unwrap();
    std::fs::remove_file(workspace.path("metrics.json")).unwrap();
    run_at(&workspace, "2026-12-03T10:05:00Z");
    std::fs::write(workspace.path("metrics.json"), metrics).unwrap();
    run_at(&workspace, "2026-12-03T10:10:00Z");

    let output = workspace.kpiwatch(&["history", "--rule", "source-health:dashboard"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "Source dashboard (source-health:dashboard): 3 snapshots"
    );
    assert_eq!(lines[1], "  2026-12-03T10:00:00Z  ok");
    assert!(
        lines[2].starts_with("  2026-12-03T10:05:00Z  failed: cannot read "),
        "{text}"
    );
    assert_eq!(lines[3], "  2026-12-03T10:10:00Z  ok");
    assert_eq!(lines[4], "  ▁█▁");

    let output = workspace.kpiwatch(&["history", "--rule", "source-health:nope"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no source with id `nope`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn history_of_a_metric_never_stored_is_an_input_error_with_suggestions() {
    let workspace = Workspace::of_example("saas");
    run_at(&workspace, "2026-12-03T10:00:00Z");

    let output = workspace.kpiwatch(&["history", "--metric", "retention.churnrate"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stdout(&output), "");
    let errors = stderr(&output);
    assert!(
        errors.contains("metric `retention.churnrate` was never stored")
            && errors.contains("did you mean `retention.churnRate`"),
        "{errors}"
    );

    let output = workspace.kpiwatch(&["history", "--metric", "churnRate"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("did you mean `retention.churnRate`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn history_of_the_last_zero_snapshots_is_a_usage_error() {
    let workspace = Workspace::of_example("saas");
    run_at(&workspace, "2026-12-03T10:00:00Z");
    let output = workspace.kpiwatch(&["history", "--last", "0"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--last"), "{}", stderr(&output));
}

#[test]
fn history_without_a_state_file_says_so_and_creates_nothing() {
    let workspace = Workspace::of_example("saas");
    let output = workspace.kpiwatch(&["history"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no stored state at .kpiwatch/state.db"),
        "{}",
        stderr(&output)
    );
    assert!(!workspace.path(".kpiwatch").exists());
}

/// Runs `kpiwatch ARGS` in the workspace as a user who may not write what the test made
/// read-only. Permission bits do not bind root, so a test run as root (as CI is) runs the
/// binary as `nobody`.
fn kpiwatch_without_write_access(workspace: &Workspace, args: &[&str]) -> Output {
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::process::CommandExt;

    let mut command = Command::new(env!("CARGO_BIN_EXE_kpiwatch"));
    command
        .args(args)
        .current_dir(workspace.folder.path())
        .env_remove("KPIWATCH_CONFIG")
        .env_remove("KPIWATCH_LOG")
        .env("NO_COLOR", "1");
    let owner = std::fs::metadata(workspace.path("kpiwatch.yaml"))
        .unwrap()
        .uid();
    if owner == 0 {
        const NOBODY: u32 = 65_534;
        command.uid(NOBODY).gid(NOBODY);
    }
    command.output().unwrap()
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn history_reads_a_state_file_it_may_not_write_and_leaves_it_untouched() {
    let workspace = Workspace::of_example("saas");
    run_at(&workspace, "2026-12-03T10:00:00Z");
    let state = workspace.path(".kpiwatch/state.db");
    let before = std::fs::read(&state).unwrap();
    set_mode(workspace.folder.path(), 0o755);
    set_mode(&state, 0o444);
    set_mode(&workspace.path(".kpiwatch"), 0o555);

    let history = kpiwatch_without_write_access(&workspace, &["history"]);
    let run = kpiwatch_without_write_access(&workspace, &["run", "--at", "2026-12-03T10:05:00Z"]);
    let left = std::fs::read_dir(workspace.path(".kpiwatch"))
        .unwrap()
        .count();
    set_mode(&workspace.path(".kpiwatch"), 0o755);

    assert_eq!(history.status.code(), Some(0), "{}", stderr(&history));
    let printed = stdout(&history);
    let churn: Option<Vec<&str>> = printed
        .lines()
        .find(|l| l.starts_with("churn-rate"))
        .map(|line| line.split_whitespace().collect());
    assert_eq!(churn, Some(vec!["churn-rate", "▄", "6.2%"]));
    // The same user's `run`, which must write, is refused: the file really is read-only.
    assert_eq!(run.status.code(), Some(3), "{}", stderr(&run));
    assert!(
        stderr(&run).contains("readonly database"),
        "{}",
        stderr(&run)
    );
    assert_eq!(std::fs::read(&state).unwrap(), before);
    assert_eq!(left, 1, "no journal or index file was created");
}

#[test]
fn history_refuses_a_read_only_state_whose_log_holds_runs_it_could_not_read() {
    // A state file copied while a run was writing it: its newest run is still in the
    // write-ahead log, which SQLite reads only with write access to the folder.
    let workspace = Workspace::of_example("saas");
    run_at(&workspace, "2026-12-03T10:00:00Z");
    let live = workspace.path(".kpiwatch/state.db");
    let copy = workspace.path("copy");
    std::fs::create_dir(&copy).unwrap();
    let writer = rusqlite::Connection::open(&live).unwrap();
    writer.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
    writer
        .execute("DELETE FROM snapshots", [])
        .expect("a write that stays in the log");
    std::fs::copy(&live, copy.join("state.db")).unwrap();
    std::fs::copy(
        workspace.path(".kpiwatch/state.db-wal"),
        copy.join("state.db-wal"),
    )
    .unwrap();
    set_mode(workspace.folder.path(), 0o755);
    set_mode(&copy, 0o555);

    let history =
        kpiwatch_without_write_access(&workspace, &["history", "--state", "copy/state.db"]);
    set_mode(&copy, 0o755);
    drop(writer);

    assert_eq!(history.status.code(), Some(3), "{}", stdout(&history));
    assert!(
        stderr(&history).contains(
            "copy/state.db: cannot be read without write access to its folder: its write-ahead \
             log copy/state.db-wal holds runs not yet copied into it"
        ),
        "{}",
        stderr(&history)
    );
}
