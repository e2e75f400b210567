//! An outbox SNS keeps refusing, through the binary: kept and retried for a day, then
//! given up loudly so that it stops failing every run. Runs against moto server.

use crate::emulator as aws;
use crate::{Workspace, stderr};

fn run_with_missing_topic(workspace: &Workspace, at: &str) -> std::process::Output {
    // A topic that was never created, as after a deleted topic or a wrong ARN.
    let topic = format!(
        "sns://arn:aws:sns:{}:{}:kpiwatch-deleted",
        aws::REGION,
        aws::ACCOUNT
    );
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_kpiwatch"));
    command
        .args([
            "run",
            "--config",
            "kpiwatch.yaml",
            "--at",
            at,
            "--notify",
            &topic,
        ])
        .current_dir(workspace.folder.path())
        .env("NO_COLOR", "1");
    for (name, value) in aws::child_env() {
        command.env(name, value);
    }
    command.output().unwrap()
}

#[test]
fn refused_notifications_are_kept_for_a_day_then_given_up() {
    let workspace = Workspace::of_example("saas");
    // Without reminders, the four firing notifications of the first run are all there is.
    let config = std::fs::read_to_string(workspace.path("kpiwatch.yaml")).unwrap();
    let config = config.replacen("renotify: 6h", "renotify: off", 1);
    std::fs::write(workspace.path("kpiwatch.yaml"), config).unwrap();

    let first = run_with_missing_topic(&workspace, "2026-11-03T10:00:00Z");
    assert_eq!(first.status.code(), Some(3), "{}", stderr(&first));
    assert!(
        stderr(&first).contains("0 notifications sent, 4 not delivered"),
        "{}",
        stderr(&first)
    );

    // Within the day: kept, and the run still fails so that someone looks.
    let later = run_with_missing_topic(&workspace, "2026-11-04T09:00:00Z");
    assert_eq!(later.status.code(), Some(3), "{}", stderr(&later));
    assert!(
        stderr(&later).contains("4 not delivered"),
        "{}",
        stderr(&later)
    );

    // Past the day: given up, said on standard error and at error level in the log.
    let expired = run_with_missing_topic(&workspace, "2026-11-04T10:05:00Z");
    assert_eq!(expired.status.code(), Some(3), "{}", stderr(&expired));
    let errors = stderr(&expired);
    assert!(errors.contains("0 notifications sent\n"), "{errors}");
    assert!(errors.contains("4 notifications given up"), "{errors}");
    assert!(
        errors.contains("churn-rate/firing/2026-11-03T10:00:00Z"),
        "{errors}"
    );

    // Nothing is left to fail the next run.
    let next = run_with_missing_topic(&workspace, "2026-11-04T10:10:00Z");
    assert_eq!(next.status.code(), Some(0), "{}", stderr(&next));
}
