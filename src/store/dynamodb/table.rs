//! Telling a user what is wrong with the table when a call on it is refused for good.
//!
//! DynamoDB's own refusals do not say which table, or what it expected: a missing table is
//! "Requested resource not found", and a table with other keys is "Query condition missed
//! key schema element: id", or a type mismatch at the first write. Those are what a user
//! who points `--store dynamodb://TABLE` at the wrong table, or the wrong region, sees first.
//! So a permanent failure is followed by one `DescribeTable`, and when the table is missing
//! or its keys are not the ones the store needs, that is the error reported instead.
//!
//! It costs nothing on a run that succeeds, and one call on a run that fails for good. The
//! function's role is not granted `DescribeTable`: its table comes from the same template,
//! with the right keys. Without the grant, or when the table is as expected, the original
//! error stands.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{KeyType, ScalarAttributeType, TableDescription};

use super::items::{PK, SK};
use crate::store::StoreError;

/// `error`, or, when it is permanent and the table explains it, what is wrong with the table.
pub(super) async fn explain(client: &Client, table: &str, error: StoreError) -> StoreError {
    let StoreError::Permanent(failure) = &error else {
        return error;
    };
    let region = client
        .config()
        .region()
        .map_or_else(|| "the configured region".to_string(), ToString::to_string);
    match client.describe_table().table_name(table).send().await {
        Ok(output) => match output.table().and_then(key_schema_problem) {
            Some(problem) => StoreError::Permanent(format!(
                "DynamoDB table `{table}` in {region} {problem}; kpiwatch needs a string \
                 partition key `{PK}` and a string sort key `{SK}` (README: \
                 Storage). The call failed with: {failure}"
            )),
            None => error,
        },
        Err(describe)
            if describe
                .as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            StoreError::Permanent(format!(
                "DynamoDB table `{table}` does not exist in {region}: deploy template.yaml, \
                 which creates it, or check the table name and AWS_REGION"
            ))
        }
        Err(_) => error,
    }
}

/// What keeps the table's key schema from being the store's, if anything.
fn key_schema_problem(table: &TableDescription) -> Option<String> {
    let keys: Vec<(String, &'static str, &'static str)> = table
        .key_schema()
        .iter()
        .map(|element| {
            let name = element.attribute_name().to_string();
            let role = match element.key_type() {
                KeyType::Hash => "partition",
                KeyType::Range => "sort",
                _ => "unknown",
            };
            let kind = table
                .attribute_definitions()
                .iter()
                .find(|definition| definition.attribute_name() == name)
                .map_or("unknown", |definition| match definition.attribute_type() {
                    ScalarAttributeType::S => "string",
                    ScalarAttributeType::N => "number",
                    ScalarAttributeType::B => "binary",
                    _ => "unknown",
                });
            (name, role, kind)
        })
        .collect();

    let expected = [(PK, "partition", "string"), (SK, "sort", "string")];
    let matches = keys.len() == expected.len()
        && expected.iter().all(|(name, role, kind)| {
            keys.iter()
                .any(|key| key.0 == *name && key.1 == *role && key.2 == *kind)
        });
    if matches {
        return None;
    }
    let described: Vec<String> = keys
        .iter()
        .map(|(name, role, kind)| format!("a {kind} {role} key `{name}`"))
        .collect();
    Some(format!("has {}", described.join(" and ")))
}
