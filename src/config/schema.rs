//! The JSON Schema of the config file, generated from the raw types.

use schemars::generate::SchemaSettings;
use schemars::transform::RecursiveTransform;
use serde_json::Value;

use super::raw::RawConfig;

/// The JSON Schema (draft 2020-12) of the config file, generated from the raw types that
/// the parser reads, so that it cannot drift from the code. Editors use it for completion
/// and inline errors; the checks that need the whole file (unique ids, threshold order,
/// known template variables) are only made by [`super::parse`].
pub fn json_schema() -> Value {
    SchemaSettings::draft2020_12()
        .with_transform(RecursiveTransform(forbid_null))
        .into_generator()
        .into_root_schema_for::<RawConfig>()
        .to_value()
}

/// An optional field is a key that may be left out, never a `null` value: the parser reads
/// `~` as text, so the schema must not offer it. schemars describes `Option<T>` as "T or
/// null", as `type: [T, "null"]` or as `anyOf: [T, {type: null}]`; both become T.
fn forbid_null(schema: &mut schemars::Schema) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if let Some(Value::Array(types)) = object.get_mut("type") {
        types.retain(|t| t != "null");
        if let [only] = types.as_slice() {
            let only = only.clone();
            object.insert("type".to_string(), only);
        }
    }
    let null_type = serde_json::json!({ "type": "null" });
    let Some(Value::Array(variants)) = object.get("anyOf") else {
        return;
    };
    let others: Vec<Value> = variants
        .iter()
        .filter(|v| **v != null_type)
        .cloned()
        .collect();
    if others.len() == variants.len() {
        return;
    }
    object.remove("anyOf");
    match <[Value; 1]>::try_from(others) {
        Ok([Value::Object(only)]) => {
            for (key, value) in only {
                object.entry(key).or_insert(value);
            }
        }
        Ok([only]) => {
            object.insert("anyOf".to_string(), Value::Array(vec![only]));
        }
        Err(others) => {
            object.insert("anyOf".to_string(), Value::Array(others));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_strings(value: &Value, found: &mut Vec<String>) {
        match value {
            Value::String(text) => found.push(text.clone()),
            Value::Array(items) => items.iter().for_each(|item| all_strings(item, found)),
            Value::Object(map) => map.values().for_each(|item| all_strings(item, found)),
            _ => {}
        }
    }

    #[test]
    fn the_schema_never_offers_null() {
        let mut strings = Vec::new();
        all_strings(&json_schema(), &mut strings);
        assert!(!strings.iter().any(|s| s == "null"), "{:#}", json_schema());
    }

    #[test]
    fn the_top_level_keys_match_what_the_validator_reads() {
        let schema = json_schema();
        let properties: Vec<&str> = schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut fields = RawConfig::FIELDS.to_vec();
        fields.sort();
        assert_eq!(properties, fields);
    }

    #[test]
    fn optional_fields_keep_their_docs_and_reference() {
        let schema = json_schema();
        let renotify = &schema["$defs"]["Rule"]["properties"]["renotify"];
        assert_eq!(renotify["$ref"], "#/$defs/DurationOrOff");
        assert!(
            renotify["description"]
                .as_str()
                .unwrap()
                .contains("notified again")
        );
        assert_eq!(
            schema["$defs"]["Rule"]["properties"]["unit"]["type"],
            "string"
        );
    }
}
