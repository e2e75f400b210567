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
    assert!(
        stderr(&output).contains("no rule with id `nope`"),
        "{}",
        stderr(&output)
    );
}
