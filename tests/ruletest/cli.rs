use crate::{kpiwatch, root, saas_folder, stderr, stdout};

const EXAMPLE: &str = "examples/saas/kpiwatch.test.yaml";

#[test]
fn the_saas_example_passes_and_exits_0() {
    let output = kpiwatch(root(), &["test", EXAMPLE]);
    let report = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{report}{}", stderr(&output));
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines[0], EXAMPLE);
    let tests = &lines[1..lines.len() - 1];
    assert!(tests.len() >= 17, "{report}");
    assert!(
        tests.iter().all(|line| line.starts_with("  ok    ")),
        "{report}"
    );
    assert_eq!(
        lines.last().unwrap(),
        &format!("{} passed, 0 failed", tests.len())
    );
    assert_eq!(stderr(&output), "");
}

const WRONG: &str = "\
config: kpiwatch.yaml
interval: 1h
tests:
  - name: churn pages above 5%
    series:
      retention.churnRate: 3 6.2 3
    expect:
      - at: 1h
        notifications:
          - { rule: churn-rate, kind: firing, level: warning }
      - at: 2h
        notifications: []
  - name: uptime pages under 99.9%
    series:
      technical.uptime: 99.95 99.5
    expect:
      - at: 1h
        notifications:
          - { rule: uptime, kind: firing, level: critical, value: 99.5 }
";

#[test]
fn a_wrong_expectation_fails_with_a_diff_on_stdout_and_exits_1() {
    let folder = saas_folder();
    std::fs::write(folder.path().join("wrong.test.yaml"), WRONG).unwrap();

    let output = kpiwatch(folder.path(), &["test", "wrong.test.yaml"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "\
wrong.test.yaml
  FAIL  churn pages above 5% (line 4)
        step 1, at 1h (2026-01-05T01:00:00Z), expectation on line 8 (- expected, + actual):
          notifications:
          - { rule: churn-rate, kind: firing, level: warning }
          + { rule: churn-rate, kind: firing, level: critical, value: 6.2 }
        step 2, at 2h (2026-01-05T02:00:00Z), expectation on line 11 (- expected, + actual):
          notifications:
          + { rule: churn-rate, kind: resolved, level: ok, value: 3 }
  ok    uptime pages under 99.9%
1 passed, 1 failed
"
    );
    assert_eq!(stderr(&output), "");
}

#[test]
fn the_actual_lines_of_a_diff_paste_back_as_passing_expectations() {
    let folder = saas_folder();
    let wrong = folder.path().join("wrong.test.yaml");
    std::fs::write(&wrong, WRONG).unwrap();
    let report = stdout(&kpiwatch(folder.path(), &["test", "wrong.test.yaml"]));
    let actual: Vec<&str> = report
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("+ "))
        .collect();
    assert_eq!(actual.len(), 2, "{report}");

    let fixed = WRONG
        .replace(
            "          - { rule: churn-rate, kind: firing, level: warning }",
            &format!("          - {}", actual[0]),
        )
        .replace(
            "      - at: 2h\n        notifications: []",
            &format!(
                "      - at: 2h\n        notifications:\n          - {}",
                actual[1]
            ),
        );
    std::fs::write(&wrong, fixed).unwrap();
    let output = kpiwatch(folder.path(), &["test", "wrong.test.yaml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
}

#[test]
fn text_fields_the_expectation_compares_are_shown_for_what_came() {
    let folder = saas_folder();
    let test = "\
config: kpiwatch.yaml
tests:
  - name: churn message
    series: { retention.churnRate: 6.2 }
    expect:
      - at: 0s
        notifications:
          - { rule: churn-rate, kind: firing, message: Churn is high }
";
    std::fs::write(folder.path().join("message.test.yaml"), test).unwrap();
    let output = kpiwatch(folder.path(), &["test", "message.test.yaml"]);
    assert_eq!(output.status.code(), Some(1));
    let report = stdout(&output);
    assert!(
        report.contains(
            "          - { rule: churn-rate, kind: firing, message: \"Churn is high\" }\n          \
             + { rule: churn-rate, kind: firing, level: critical, value: 6.2, message: \
             \"Churn rate is 6.2% (critical: > 5)\" }\n"
        ),
        "{report}"
    );
}

#[test]
fn a_snapshot_file_is_read_as_a_file_source_reads_it() {
    // The example's metrics.json as Windows PowerShell 5 saves it: UTF-16 with a byte order
    // mark. A run reads it, so a test of the same file must too.
    let folder = saas_folder();
    let json = std::fs::read_to_string(folder.path().join("metrics.json")).unwrap();
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(json.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    std::fs::write(folder.path().join("windows.json"), utf16).unwrap();
    std::fs::write(
        folder.path().join("windows.test.yaml"),
        "config: kpiwatch.yaml\n\
         tests:\n\
         \x20 - name: the dashboard saved on Windows pages for churn\n\
         \x20   rules: [churn-rate]\n\
         \x20   snapshots: [ { at: 0s, file: windows.json } ]\n\
         \x20   expect:\n\
         \x20     - step: 0\n\
         \x20       notifications: [ { rule: churn-rate, kind: firing, value: 6.2 } ]\n",
    )
    .unwrap();

    let output = kpiwatch(folder.path(), &["test", "windows.test.yaml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).ends_with("1 passed, 0 failed\n"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn an_invalid_file_exits_2_with_its_errors_on_stderr_while_the_others_still_run() {
    let invalid = "tests/fixtures/ruletest/invalid/several_errors.yaml";
    let output = kpiwatch(root(), &["test", EXAMPLE, invalid]);
    assert_eq!(output.status.code(), Some(2));

    let report = stdout(&output);
    assert!(report.starts_with(EXAMPLE), "{report}");
    assert!(
        report.ends_with(" passed, 0 failed, 1 test file invalid\n"),
        "{report}"
    );
    let errors = stderr(&output);
    let lines: Vec<&str> = errors.lines().collect();
    assert_eq!(lines.len(), 5, "{errors}");
    assert!(
        lines[0].starts_with(&format!(
            "{invalid}:6:31: the series of `retention.churnRate`"
        )),
        "{errors}"
    );
    assert_eq!(lines[4], format!("{invalid}: 4 errors"));
}

#[test]
fn an_invalid_config_exits_2_and_lists_its_errors_after_the_test_files() {
    let invalid = "tests/fixtures/ruletest/invalid/config_invalid.yaml";
    let output = kpiwatch(root(), &["test", invalid]);
    assert_eq!(output.status.code(), Some(2));
    let errors = stderr(&output);
    let lines: Vec<&str> = errors.lines().collect();
    assert!(
        lines[0].starts_with(&format!("{invalid}:1:9: the config")),
        "{errors}"
    );
    assert!(
        lines[1].starts_with("tests/fixtures/ruletest/invalid/../broken.yaml:4:15:"),
        "{errors}"
    );
}

#[test]
fn a_missing_test_file_is_an_error_naming_it() {
    let output = kpiwatch(root(), &["test", "absent.test.yaml"]);
    assert_eq!(output.status.code(), Some(2));
    let errors = stderr(&output);
    assert!(
        errors.starts_with("absent.test.yaml:1:1: cannot read the test file:"),
        "{errors}"
    );
}

#[test]
fn no_file_is_a_usage_error() {
    let output = kpiwatch(root(), &["test"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("<FILE>..."), "{}", stderr(&output));
}
