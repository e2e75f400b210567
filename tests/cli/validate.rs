use crate::{Workspace, stderr, stdout};

#[test]
fn a_valid_config_gets_a_one_line_summary() {
    let workspace = Workspace::of_example("saas");
    let output = workspace.kpiwatch(&["validate", "--config", "kpiwatch.yaml"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "kpiwatch.yaml: ok (1 source, 16 rules, 0 silences)\n"
    );
}

#[test]
fn an_invalid_config_lists_every_error_with_its_position_and_exits_2() {
    let workspace = Workspace::of_example("saas");
    let text = std::fs::read_to_string(workspace.path("kpiwatch.yaml"))
        .unwrap()
        .replacen("critical: \"> 5\"", "critical: \"> five\"", 1)
        .replacen("id: uptime", "id: churn-rate", 1);
    std::fs::write(workspace.path("broken.yaml"), text).unwrap();

    let output = workspace.kpiwatch(&["validate", "--config", "broken.yaml"]);
    assert_eq!(output.status.code(), Some(2));
    let errors = stderr(&output);
    let lines: Vec<&str> = errors.lines().collect();
    assert!(lines.len() >= 3, "{errors}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("broken.yaml:") && l.contains("five")),
        "{errors}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("churn-rate") && l.contains("duplicate")),
        "{errors}"
    );
    assert!(errors.ends_with("broken.yaml: 2 errors\n"), "{errors}");
}

#[test]
fn a_missing_config_file_is_an_error_naming_it() {
    let workspace = Workspace::of_example("saas");
    let output = workspace.kpiwatch(&["validate", "--config", "absent.yaml"]);
    assert_eq!(output.status.code(), Some(2));
    let errors = stderr(&output);
    assert!(
        errors.starts_with("absent.yaml:1:1: cannot read the config file:"),
        "{errors}"
    );
    assert!(
        errors.contains("hint: name the config with `--config PATH` or `KPIWATCH_CONFIG`"),
        "{errors}"
    );
}

#[test]
fn a_config_that_exists_but_is_broken_gets_no_hint_about_naming_it() {
    let workspace = Workspace::of_example("saas");
    std::fs::write(workspace.path("broken.yaml"), "rules: [\n").unwrap();
    let output = workspace.kpiwatch(&["validate", "--config", "broken.yaml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(!stderr(&output).contains("hint:"), "{}", stderr(&output));
}

#[test]
fn a_config_saved_as_utf_16_is_an_error_saying_to_save_it_as_utf_8() {
    // What Windows PowerShell 5's `Get-Content kpiwatch.yaml > copy.yaml` writes.
    let workspace = Workspace::of_example("saas");
    let text = std::fs::read_to_string(workspace.path("kpiwatch.yaml")).unwrap();
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    std::fs::write(workspace.path("utf16.yaml"), utf16).unwrap();

    let output = workspace.kpiwatch(&["validate", "--config", "utf16.yaml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with(
            "utf16.yaml:1:1: cannot read the config file: it is not UTF-8 text; save it as UTF-8"
        ),
        "{}",
        stderr(&output)
    );
}
