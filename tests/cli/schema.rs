use crate::{Workspace, stderr, stdout};

#[path = "../common/yaml_json.rs"]
mod yaml_json;

#[test]
fn the_printed_schema_validates_the_example_config_and_rejects_a_typo() {
    let workspace = Workspace::of_example("saas");
    let output = workspace.kpiwatch(&["schema"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let schema: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema is itself valid");

    let text = std::fs::read_to_string(workspace.path("kpiwatch.yaml")).unwrap();
    let example = yaml_json::yaml_file_to_json(&text);
    let errors: Vec<String> = validator
        .iter_errors(&example)
        .map(|e| e.to_string())
        .collect();
    assert_eq!(errors, Vec::<String>::new());

    let typo =
        yaml_json::yaml_file_to_json(&text.replacen("critical: \"> 5\"", "critcal: \"> 5\"", 1));
    assert!(
        !validator.is_valid(&typo),
        "an unknown field must not validate"
    );
}
