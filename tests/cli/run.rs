use kpiwatch::model::{Level, Notification, NotificationKind};

use crate::{Workspace, stderr, stdout};

const T1: &str = "2026-12-03T10:00:00Z";
const T2: &str = "2026-12-03T10:05:00Z";
const T3: &str = "2026-12-03T10:10:00Z";

fn run_json(workspace: &Workspace, at: &str) -> Vec<Notification> {
    let output = workspace.kpiwatch(&[
        "run",
        "--config",
        "kpiwatch.yaml",
        "--at",
        at,
        "--output",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

fn kinds(notifications: &[Notification]) -> Vec<(String, NotificationKind, Level)> {
    notifications
        .iter()
        .map(|n| (n.rule.id.clone(), n.kind, n.level))
        .collect()
}

#[test]
fn the_saas_example_fires_then_stays_quiet_then_resolves() {
    let workspace = Workspace::of_example("saas");

    let first = run_json(&workspace, T1);
    let fired = kinds(&first);
    assert!(
        fired.contains(&(
            "churn-rate".into(),
            NotificationKind::Firing,
            Level::Critical
        )),
        "{fired:?}"
    );
    assert!(
        fired.contains(&("ltv-cac".into(), NotificationKind::Firing, Level::Warning)),
        "{fired:?}"
    );
    let churn = first.iter().find(|n| n.rule.id == "churn-rate").unwrap();
    assert_eq!(churn.value, Some(6.2));
    assert_eq!(churn.unit, "%");
    assert_eq!(churn.condition, "> 5");
    assert_eq!(
        churn.action,
        "Analyze churn reasons and launch retention campaign"
    );
    let ltv = first.iter().find(|n| n.rule.id == "ltv-cac").unwrap();
    assert_eq!(ltv.message, "Acquisition profitability below target");
    assert_eq!(
        ltv.action,
        "Optimize acquisition channels or increase pricing"
    );
    assert!(workspace.path(".kpiwatch/state.db").exists());

    let second = run_json(&workspace, T2);
    assert_eq!(kinds(&second), [], "the same data notifies nothing");

    workspace.edit_metrics(|m| {
        m["retention"]["churnRate"] = 3.into();
        m["acquisition"]["ltv"] = 1500.into();
    });
    let third = run_json(&workspace, T3);
    assert_eq!(
        kinds(&third),
        [
            ("ltv-cac".into(), NotificationKind::Resolved, Level::Ok),
            ("churn-rate".into(), NotificationKind::Resolved, Level::Ok),
        ]
    );
}

#[test]
fn text_output_reads_as_one_line_per_notification() {
    let workspace = Workspace::of_example("saas");
    let output = workspace.kpiwatch(&["run", "--config", "kpiwatch.yaml", "--at", T1]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let text = stdout(&output);
    let churn = text.lines().find(|l| l.contains("Churn rate")).unwrap();
    assert_eq!(
        churn,
        "CRITICAL  Churn rate 6.2% > 5% → Analyze churn reasons and launch retention campaign"
    );
    assert!(
        !text.contains('\u{1b}'),
        "no colour codes when piped: {text:?}"
    );
    assert!(stderr(&output).contains("rules evaluated at 2026-12-03T10:00:00Z"));
}

#[test]
fn fail_on_critical_exits_1_while_a_critical_fires() {
    let workspace = Workspace::of_example("saas");
    let args = [
        "run",
        "--config",
        "kpiwatch.yaml",
        "--at",
        T1,
        "--fail-on",
        "critical",
    ];
    let output = workspace.kpiwatch(&args);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));

    workspace.edit_metrics(|m| m["retention"]["churnRate"] = 3.into());
    let args = [
        "run",
        "--config",
        "kpiwatch.yaml",
        "--at",
        T2,
        "--fail-on",
        "critical",
    ];
    let output = workspace.kpiwatch(&args);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));

    let args = [
        "run",
        "--config",
        "kpiwatch.yaml",
        "--at",
        T3,
        "--fail-on",
        "warning",
    ];
    let output = workspace.kpiwatch(&args);
    assert_eq!(
        output.status.code(),
        Some(1),
        "warnings still fire: {}",
        stderr(&output)
    );
}

#[test]
fn a_run_that_cannot_open_its_state_exits_3() {
    let workspace = Workspace::of_example("saas");
    std::fs::write(
        workspace.path("not-a-db"),
        "plain text, not a database file at all",
    )
    .unwrap();
    let args = [
        "run",
        "--config",
        "kpiwatch.yaml",
        "--state",
        "not-a-db",
        "--at",
        T1,
    ];
    let output = workspace.kpiwatch(&args);
    assert_eq!(output.status.code(), Some(3), "stderr: {}", stderr(&output));
    assert!(stderr(&output).contains("not-a-db"), "{}", stderr(&output));
}

#[test]
fn a_state_path_that_names_a_folder_or_runs_through_a_file_is_a_bad_argument() {
    let workspace = Workspace::of_example("saas");
    std::fs::create_dir(workspace.path("states")).unwrap();
    let output = workspace.kpiwatch(&["run", "--state", "states", "--at", T1]);
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    assert!(
        stderr(&output).contains(
            "states is a folder, not a database file; name a file in it, such as \
             states/state.db"
        ),
        "{}",
        stderr(&output)
    );

    let output = workspace.kpiwatch(&["run", "--state", "metrics.json/state.db", "--at", T1]);
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    assert!(
        stderr(&output).contains(
            "cannot create the folder metrics.json for metrics.json/state.db: it is a file"
        ),
        "{}",
        stderr(&output)
    );
    // Nothing was created on the way, and `history` refuses the same paths the same way.
    assert!(!workspace.path("states/state.db").exists());
    let output = workspace.kpiwatch(&["history", "--state", "states"]);
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    assert!(
        stderr(&output).contains("states is a folder"),
        "{}",
        stderr(&output)
    );
    let output = workspace.kpiwatch(&["run", "--store", "sqlite://states", "--at", T1]);
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
}

#[test]
fn a_damaged_row_in_the_state_file_is_named_and_nothing_is_overwritten() {
    let workspace = Workspace::of_example("saas");
    run_json(&workspace, T1);
    let state = workspace.path(".kpiwatch/state.db");
    let database = rusqlite::Connection::open(&state).unwrap();
    database
        .execute(
            "UPDATE rule_states SET document = '{half a docu' WHERE rule_id = 'churn-rate'",
            [],
        )
        .unwrap();
    database
        .execute("UPDATE snapshots SET document = 'null, edited by hand'", [])
        .unwrap();
    drop(database);
    let before = std::fs::read(&state).unwrap();

    let run = workspace.kpiwatch(&["run", "--config", "kpiwatch.yaml", "--at", T2]);
    assert_eq!(run.status.code(), Some(3), "stderr: {}", stderr(&run));
    assert!(
        stderr(&run).contains(
            ".kpiwatch/state.db: the state of rule `churn-rate` is unreadable: key must be a string"
        ),
        "{}",
        stderr(&run)
    );
    let history = workspace.kpiwatch(&["history", "--metric", "retention.churnRate"]);
    assert_eq!(
        history.status.code(),
        Some(3),
        "stderr: {}",
        stderr(&history)
    );
    assert!(
        stderr(&history).contains("the snapshot taken at 2026-12-03T10:00:00Z is unreadable"),
        "{}",
        stderr(&history)
    );
    assert_eq!(
        std::fs::read(&state).unwrap(),
        before,
        "nothing was written"
    );
}

#[test]
fn a_failing_source_is_reported_and_the_run_still_completes() {
    let workspace = Workspace::of_example("saas");
    std::fs::remove_file(workspace.path("metrics.json")).unwrap();
    let output = workspace.kpiwatch(&["run", "--config", "kpiwatch.yaml", "--at", T1]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let errors = stderr(&output);
    assert!(
        errors.contains("source dashboard failed: cannot read"),
        "{errors}"
    );
    assert!(
        stdout(&output).contains("dashboard"),
        "source health notifies: {}",
        stdout(&output)
    );
}

#[test]
fn a_source_health_alert_reads_as_its_sentence_from_failing_to_healthy_again() {
    let workspace = Workspace::of_example("saas");
    let metrics = std::fs::read(workspace.path("metrics.json")).unwrap();
    std::fs::remove_file(workspace.path("metrics.json")).unwrap();
    // The source-health rule fires on the first failure, and resolves on the first success.
    let mut lines = Vec::new();
    for at in [T1, T2, T3] {
        if at == T3 {
            std::fs::write(workspace.path("metrics.json"), &metrics).unwrap();
        }
        let output = workspace.kpiwatch(&["run", "--config", "kpiwatch.yaml", "--at", at]);
        assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
        lines.extend(
            stdout(&output)
                .lines()
                .filter(|l| l.contains("Source dashboard"))
                .map(str::to_string),
        );
    }
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(
        lines[0].starts_with("WARNING   Source dashboard is failing: cannot read "),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("RESOLVED  Source dashboard is healthy again (last error: "),
        "{}",
        lines[1]
    );
    assert!(lines[1].ends_with(") ██▁"), "{}", lines[1]);
}

#[test]
fn a_binary_body_is_quoted_with_escapes_in_the_source_error() {
    let workspace = Workspace::of_example("saas");
    // The first bytes of a gzip stream: a compressed body served without decompression.
    let gzip = [
        0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xab, 0x56,
    ];
    std::fs::write(workspace.path("metrics.json"), gzip).unwrap();
    let output = workspace.kpiwatch(&["run", "--config", "kpiwatch.yaml", "--at", T1]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let errors = stderr(&output);
    assert!(
        errors.contains(r"(body starts with `\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xabV`)"),
        "{errors}"
    );
    assert!(
        errors.chars().all(|c| c == '\n' || !c.is_control()),
        "{errors:?}"
    );
}

#[test]
fn logs_piped_without_no_color_carry_no_escape_codes() {
    let workspace = Workspace::of_example("saas");
    // A failing source is logged at warning level, the default.
    std::fs::remove_file(workspace.path("metrics.json")).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_kpiwatch"))
        .args(["run", "--config", "kpiwatch.yaml", "--at", T1])
        .current_dir(workspace.folder.path())
        .env_remove("KPIWATCH_LOG")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let errors = stderr(&output);
    assert!(errors.contains("WARN"), "{errors}");
    assert!(!errors.contains('\u{1b}'), "{errors:?}");
    assert!(!stdout(&output).contains('\u{1b}'), "{}", stdout(&output));
}

#[test]
fn a_mistyped_log_filter_is_reported_and_the_default_level_still_logs() {
    let workspace = Workspace::of_example("saas");
    std::fs::remove_file(workspace.path("metrics.json")).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_kpiwatch"))
        .args(["run", "--config", "kpiwatch.yaml", "--at", T1])
        .current_dir(workspace.folder.path())
        .env("KPIWATCH_LOG", "kpiwatch=loud")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let errors = stderr(&output);
    assert!(
        errors.starts_with("kpiwatch: KPIWATCH_LOG `kpiwatch=loud` is not a valid filter"),
        "{errors}"
    );
    assert!(
        errors.contains("WARN source failed"),
        "the failing source is still logged at the default level: {errors}"
    );
}

#[test]
fn a_closed_standard_output_is_one_warning_and_the_rest_waits_in_the_outbox() {
    let workspace = Workspace::of_example("saas");
    // A pipe whose reader is gone before kpiwatch writes, as with `kpiwatch run | head -0`.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_kpiwatch"))
        .args(["run", "--config", "kpiwatch.yaml", "--at", T1])
        .current_dir(workspace.folder.path())
        .env_remove("KPIWATCH_LOG")
        .env("NO_COLOR", "1")
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3), "stderr: {}", stderr(&output));
    let errors = stderr(&output);
    let warnings: Vec<&str> = errors.lines().filter(|l| l.contains("WARN")).collect();
    assert_eq!(warnings.len(), 1, "{errors}");
    assert!(warnings[0].contains("count=4"), "{errors}");
    assert!(
        errors.contains("0 notifications sent, 4 not delivered"),
        "{errors}"
    );

    // The next run, to a reader, prints what the closed pipe did not take.
    let output = workspace.kpiwatch(&["run", "--config", "kpiwatch.yaml", "--at", T2]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stdout(&output).lines().count(), 4, "{}", stdout(&output));
}

#[test]
fn a_bad_evaluation_time_is_a_usage_error() {
    let workspace = Workspace::of_example("saas");
    let output = workspace.kpiwatch(&["run", "--at", "yesterday"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("RFC 3339"), "{}", stderr(&output));
}

#[test]
fn evaluation_times_people_type_instead_of_rfc_3339_are_told_what_to_write() {
    let workspace = Workspace::of_example("saas");
    let cases = [
        (
            "2026-12-03",
            "a date alone is not a time",
            "2026-12-03T00:00:00Z",
        ),
        (
            "2026-12-03T10:00:00",
            "has no UTC offset",
            "2026-12-03T10:00:00Z",
        ),
        (
            "2026-12-03 10:00:00",
            "has no UTC offset",
            "2026-12-03T10:00:00Z",
        ),
        (
            "1796292000",
            "a Unix timestamp is not accepted",
            "2026-12-03T10:00:00Z",
        ),
        (
            "2026-12-31T23:59:60Z",
            "a leap second cannot be T",
            "2026-12-31T23:59:59Z",
        ),
    ];
    for (at, problem, suggestion) in cases {
        let output = workspace.kpiwatch(&["run", "--at", at]);
        assert_eq!(output.status.code(), Some(2), "{at}");
        let errors = stderr(&output);
        assert!(errors.contains(problem), "{at}: {errors}");
        assert!(
            errors.contains(&format!("write {suggestion}")),
            "{at}: {errors}"
        );
    }
    assert!(!workspace.path(".kpiwatch").exists(), "nothing is stored");
}

#[test]
fn an_evaluation_time_with_a_fraction_of_a_second_is_refused() {
    let workspace = Workspace::of_example("saas");
    let output = workspace.kpiwatch(&["run", "--at", "2026-12-03T10:00:00.250Z"]);
    assert_eq!(output.status.code(), Some(2));
    let errors = stderr(&output);
    assert!(
        errors.contains("whole seconds") && errors.contains("write 2026-12-03T10:00:00Z"),
        "{errors}"
    );
    assert!(!workspace.path(".kpiwatch").exists(), "nothing is stored");
}

#[test]
fn a_far_future_evaluation_time_needs_allow_future() {
    let workspace = Workspace::of_example("saas");
    let future = (chrono::Utc::now() + chrono::Duration::days(400))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let output = workspace.kpiwatch(&["run", "--config", "kpiwatch.yaml", "--at", &future]);
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    let errors = stderr(&output);
    assert!(
        errors.contains("more than 5 minutes ahead of the clock")
            && errors.contains("--allow-future"),
        "{errors}"
    );
    assert!(!workspace.path(".kpiwatch").exists(), "nothing is stored");

    let args = [
        "run",
        "--config",
        "kpiwatch.yaml",
        "--at",
        &future,
        "--allow-future",
    ];
    let output = workspace.kpiwatch(&args);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert!(
        stdout(&output).contains("Churn rate"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn output_and_notify_together_are_refused_since_published_notifications_are_not_printed() {
    let workspace = Workspace::of_example("saas");
    let output = workspace.kpiwatch(&[
        "run",
        "--config",
        "kpiwatch.yaml",
        "--output",
        "json",
        "--notify",
        "sns://arn:aws:sns:us-east-1:123456789012:kpiwatch",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr(&output);
    assert!(
        stderr.contains("'--output <OUTPUT>' cannot be used with '--notify <URL>'"),
        "{stderr}"
    );
    assert!(
        !workspace.path(".kpiwatch/state.db").exists(),
        "nothing ran"
    );
}
