//! YAML to JSON for validating config files against the JSON Schema, shared by the tests
//! that do so.

use marked_yaml::{LoaderOptions, Node};
use serde_json::Value;

/// YAML to JSON as a YAML 1.2 editor types it: plain scalars that look like numbers,
/// booleans or null become those; quoted scalars stay strings.
fn yaml_to_json(node: &Node) -> Value {
    match node {
        Node::Mapping(mapping) => Value::Object(
            mapping
                .iter()
                .map(|(key, value)| (key.as_str().to_string(), yaml_to_json(value)))
                .collect(),
        ),
        Node::Sequence(items) => Value::Array(items.iter().map(yaml_to_json).collect()),
        Node::Scalar(scalar) if !scalar.may_coerce() => Value::String(scalar.to_string()),
        Node::Scalar(scalar) => match scalar.as_str() {
            "" | "~" | "null" | "Null" | "NULL" => Value::Null,
            "true" | "True" | "TRUE" => Value::Bool(true),
            "false" | "False" | "FALSE" => Value::Bool(false),
            text => text
                .parse::<i64>()
                .map(Value::from)
                .or_else(|_| text.parse::<f64>().map(Value::from))
                .unwrap_or_else(|_| Value::String(text.to_string())),
        },
    }
}

pub fn yaml_file_to_json(text: &str) -> Value {
    let options = LoaderOptions::default().prevent_coercion(true);
    yaml_to_json(&marked_yaml::parse_yaml_with_options(0, text, options).unwrap())
}
