//! The README's config reference is a config kpiwatch accepts, so that the docs cannot
//! drift from the parser.

use std::path::Path;

#[test]
fn the_readme_config_reference_is_a_valid_config() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = readme
        .split("## The config file")
        .nth(1)
        .expect("the README has a config section");
    let block = section
        .split("```yaml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the config section opens with a YAML block");

    let config = kpiwatch::config::parse(block, Path::new("README.md"))
        .unwrap_or_else(|errors| panic!("the README's config is invalid:\n{errors}"));
    assert_eq!(config.sources.len(), 2);
    assert_eq!(config.rules.len(), 4);
    assert_eq!(config.silences.len(), 1);
}
