//! `samconfig.toml`, the defaults `sam build` and `sam deploy` read: what the README's
//! deploy commands rely on it to hold.

use toml::Table;

fn samconfig() -> Table {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/samconfig.toml");
    std::fs::read_to_string(path)
        .expect("read samconfig.toml")
        .parse()
        .expect("samconfig.toml is TOML")
}

fn parameter<'a>(config: &'a Table, command: &str, name: &str) -> Option<&'a toml::Value> {
    config["default"].get(command)?.get("parameters")?.get(name)
}

#[test]
fn sam_build_opts_in_to_the_cargo_lambda_build_method_without_asking() {
    // SAM CLI ships `rust-cargolambda` as a beta feature: without the opt-in, `sam build`
    // stops to ask, and fails where nobody can answer.
    let config = samconfig();
    for command in ["build", "sync"] {
        assert_eq!(
            parameter(&config, command, "beta_features").and_then(toml::Value::as_bool),
            Some(true),
            "[default.{command}.parameters] beta_features"
        );
    }
}

#[test]
fn sam_deploy_may_create_the_stacks_roles_and_finds_its_bucket() {
    let config = samconfig();
    assert_eq!(
        parameter(&config, "deploy", "capabilities").and_then(toml::Value::as_str),
        Some("CAPABILITY_IAM")
    );
    assert_eq!(
        parameter(&config, "deploy", "resolve_s3").and_then(toml::Value::as_bool),
        Some(true)
    );
    assert_eq!(
        parameter(&config, "global", "stack_name").and_then(toml::Value::as_str),
        Some("kpiwatch"),
        "the README's `sam logs --stack-name kpiwatch` names this stack"
    );
}
