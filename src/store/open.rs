//! Opening a store from a URL, as `kpiwatch run --store` names it.

use std::path::PathBuf;
use std::str::FromStr;

use super::{DynamoStore, SqliteStore, Store, StoreError};

/// Where a store lives.
///
/// - `sqlite://PATH`: the embedded database file at PATH, taken as written, so
///   `sqlite://.kpiwatch/state.db` is relative to the working folder and
///   `sqlite:///var/lib/kpiwatch/state.db` absolute;
/// - `dynamodb://TABLE`: the DynamoDB table named TABLE (or a table ARN) in the region of
///   the AWS environment (`AWS_REGION`, the profile), reached through `AWS_ENDPOINT_URL`
///   when that is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreUrl {
    /// An embedded SQLite file.
    Sqlite(PathBuf),
    /// A DynamoDB table, by name or ARN.
    DynamoDb(String),
}

impl FromStr for StoreUrl {
    type Err = StoreError;

    fn from_str(url: &str) -> Result<StoreUrl, StoreError> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(invalid(url, "the path after `sqlite://` is empty"));
            }
            return Ok(StoreUrl::Sqlite(PathBuf::from(path)));
        }
        if let Some(table) = url.strip_prefix("dynamodb://") {
            return if is_table_name(table) || table.starts_with("arn:") {
                Ok(StoreUrl::DynamoDb(table.to_string()))
            } else {
                Err(invalid(
                    url,
                    "a table name is 3 to 255 letters, digits, `_`, `-` and `.`",
                ))
            };
        }
        Err(invalid(
            url,
            "expected `sqlite://PATH` or `dynamodb://TABLE`",
        ))
    }
}

/// Opens the store a URL names. A DynamoDB store loads the AWS configuration but makes no
/// call; a missing table shows on the first operation.
pub async fn open(url: &StoreUrl) -> Result<Box<dyn Store>, StoreError> {
    match url {
        StoreUrl::Sqlite(path) => Ok(Box::new(SqliteStore::open(path)?)),
        StoreUrl::DynamoDb(table) => {
            let config = crate::aws::load_sdk_config().await;
            let client = aws_sdk_dynamodb::Client::new(&config);
            Ok(Box::new(DynamoStore::new(client, table.clone())))
        }
    }
}

/// Opens the store a URL names for reading only: an existing SQLite file is opened
/// without creating or writing anything (see [`SqliteStore::open_read_only`]). A DynamoDB
/// store is opened as by [`open`]; what it may do is up to the credentials.
pub async fn open_read_only(url: &StoreUrl) -> Result<Box<dyn Store>, StoreError> {
    match url {
        StoreUrl::Sqlite(path) => Ok(Box::new(SqliteStore::open_read_only(path)?)),
        StoreUrl::DynamoDb(_) => open(url).await,
    }
}

fn is_table_name(name: &str) -> bool {
    (3..=255).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

fn invalid(url: &str, why: &str) -> StoreError {
    StoreError::Permanent(format!("invalid store URL `{url}`: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_a_file_or_a_table() {
        assert_eq!(
            "sqlite://.kpiwatch/state.db".parse::<StoreUrl>().unwrap(),
            StoreUrl::Sqlite(".kpiwatch/state.db".into())
        );
        assert_eq!(
            "sqlite:///var/lib/state.db".parse::<StoreUrl>().unwrap(),
            StoreUrl::Sqlite("/var/lib/state.db".into())
        );
        assert_eq!(
            "dynamodb://kpiwatch-state".parse::<StoreUrl>().unwrap(),
            StoreUrl::DynamoDb("kpiwatch-state".into())
        );
    }

    #[test]
    fn malformed_urls_say_what_was_expected() {
        for (url, expected) in [
            ("state.db", "expected `sqlite://PATH` or `dynamodb://TABLE`"),
            ("dynamodb://a b", "a table name is"),
            ("dynamodb://", "a table name is"),
            ("sqlite://", "is empty"),
        ] {
            let error = url.parse::<StoreUrl>().unwrap_err().to_string();
            assert!(error.contains(url) && error.contains(expected), "{error}");
        }
    }
}
