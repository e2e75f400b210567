//! Opening a store from a URL, as `kpiwatch run --store` names it.

use std::path::PathBuf;
use std::str::FromStr;

use super::{DynamoStore, SqliteStore, Store, StoreError};
use crate::aws::arn::{self, ArnError};

/// Where a store lives.
///
/// - `sqlite://PATH`: the embedded database file at PATH, taken as written, so
///   `sqlite://.kpiwatch/state.db` is relative to the working folder and
///   `sqlite:///var/lib/kpiwatch/state.db` absolute;
/// - `dynamodb://TABLE`: the DynamoDB table named TABLE in the region of the AWS
///   environment (`AWS_REGION`, the profile), or the table a table ARN names, in the ARN's
///   region; reached through `AWS_ENDPOINT_URL` when that is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreUrl {
    /// An embedded SQLite file.
    Sqlite(PathBuf),
    /// A DynamoDB table, by name or ARN.
    DynamoDb {
        /// The name, or the whole ARN, as DynamoDB takes either.
        table: String,
        /// The ARN's region, which the client must use; none for a bare name.
        region: Option<String>,
    },
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
            let (table, region) = dynamodb_table(url, table)?;
            return Ok(StoreUrl::DynamoDb { table, region });
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
        StoreUrl::DynamoDb { table, region } => {
            let config = crate::aws::load_sdk_config().await;
            Ok(Box::new(DynamoStore::for_table(
                &config,
                table,
                region.as_deref(),
            )))
        }
    }
}

/// Opens the store a URL names for reading only: an existing SQLite file is opened
/// without creating or writing anything (see [`SqliteStore::open_read_only`]). A DynamoDB
/// store is opened as by [`open`]; what it may do is up to the credentials.
pub async fn open_read_only(url: &StoreUrl) -> Result<Box<dyn Store>, StoreError> {
    match url {
        StoreUrl::Sqlite(path) => Ok(Box::new(SqliteStore::open_read_only(path)?)),
        StoreUrl::DynamoDb { .. } => open(url).await,
    }
}

impl DynamoStore {
    /// A store in `table`, a name or an ARN, with a client built from `config`, in `region`
    /// when the ARN gives one. Makes no call.
    pub fn for_table(
        config: &aws_config::SdkConfig,
        table: &str,
        region: Option<&str>,
    ) -> DynamoStore {
        let mut client = aws_sdk_dynamodb::config::Builder::from(config);
        if let Some(region) = region {
            client = client.region(aws_config::Region::new(region.to_string()));
        }
        DynamoStore::new(aws_sdk_dynamodb::Client::from_conf(client.build()), table)
    }
}

const TABLE_NAME_RULE: &str = "a table name is 3 to 255 letters, digits, `_`, `-` and `.`";

/// The table of `dynamodb://TABLE`, given TABLE alone, as the function's environment gives
/// it: the name or ARN, and the ARN's region.
pub fn parse_table(table: &str) -> Result<(String, Option<String>), StoreError> {
    dynamodb_table(&format!("dynamodb://{table}"), table)
}

/// The TABLE of the URL `url`, a name or an ARN, and the ARN's region.
fn dynamodb_table(url: &str, table: &str) -> Result<(String, Option<String>), StoreError> {
    if table.starts_with("arn:") {
        table_arn(url, table)
    } else if is_table_name(table) {
        Ok((table.to_string(), None))
    } else {
        Err(invalid(url, TABLE_NAME_RULE))
    }
}

/// `dynamodb://ARN`: a table ARN, `arn:PARTITION:dynamodb:REGION:ACCOUNT:table/NAME`.
fn table_arn(url: &str, text: &str) -> Result<(String, Option<String>), StoreError> {
    let arn = match arn::parse(text, "dynamodb") {
        Ok(arn) => arn,
        Err(ArnError::Part(problem)) => return Err(invalid(url, &problem)),
        Err(ArnError::Shape) => {
            return Err(invalid(
                url,
                "a table ARN is `arn:PARTITION:dynamodb:REGION:ACCOUNT:table/NAME`",
            ));
        }
    };
    match arn.resource.strip_prefix("table/") {
        Some(name) if is_table_name(name) => Ok((text.to_string(), Some(arn.region.to_string()))),
        Some(_) => Err(invalid(url, TABLE_NAME_RULE)),
        None => Err(invalid(
            url,
            "a table ARN ends in `table/NAME`; an index or stream ARN is not a table",
        )),
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
            StoreUrl::DynamoDb {
                table: "kpiwatch-state".into(),
                region: None
            }
        );
        assert_eq!(
            "dynamodb://arn:aws:dynamodb:eu-west-1:123456789012:table/kpiwatch"
                .parse::<StoreUrl>()
                .unwrap(),
            StoreUrl::DynamoDb {
                table: "arn:aws:dynamodb:eu-west-1:123456789012:table/kpiwatch".into(),
                region: Some("eu-west-1".into())
            }
        );
    }

    #[test]
    fn malformed_urls_say_what_was_expected() {
        for (url, expected) in [
            ("state.db", "expected `sqlite://PATH` or `dynamodb://TABLE`"),
            ("dynamodb://a b", "a table name is"),
            ("dynamodb://", "a table name is"),
            ("sqlite://", "is empty"),
            (
                "dynamodb://arn:foo",
                "a table ARN is `arn:PARTITION:dynamodb:",
            ),
            (
                "dynamodb://arn:aws:sns:eu-west-1:123456789012:kpiwatch",
                "a table ARN is",
            ),
            (
                "dynamodb://arn:aws:dynamodb:eu-west-1:12345:table/kpiwatch",
                "the account `12345` is not a 12-digit AWS account id",
            ),
            (
                "dynamodb://arn:aws:dynamodb:eu-west-1:123456789012:table/a b",
                "a table name is",
            ),
            (
                "dynamodb://arn:aws:dynamodb:eu-west-1:123456789012:table/t/index/by-sk",
                "a table name is",
            ),
            (
                "dynamodb://arn:aws:dynamodb:eu-west-1:123456789012:kpiwatch",
                "a table ARN ends in `table/NAME`",
            ),
        ] {
            let error = url.parse::<StoreUrl>().unwrap_err().to_string();
            assert!(error.contains(url) && error.contains(expected), "{error}");
        }
    }
}
