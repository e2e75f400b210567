//! The check `run` and `history` make before their first AWS call: that the shell gives a
//! region and credentials, so that a missing setting reads as one, not as an outage.

use kpiwatch::store::StoreUrl;

/// Why the AWS calls a command would make cannot succeed, if a setting says so. `store` is
/// the store it opens and `notifies` whether it publishes to a topic. Nothing is checked,
/// and nothing loaded, when the command makes no AWS call at all.
pub async fn aws_problem(store: &StoreUrl, notifies: bool) -> Option<String> {
    let table_needs_region = match store {
        StoreUrl::DynamoDb { region, .. } => Some(region.is_none()),
        StoreUrl::Sqlite(_) => None,
    };
    if table_needs_region.is_none() && !notifies {
        return None;
    }
    let aws = kpiwatch::aws::load_sdk_config().await;
    // A topic ARN and a table ARN name their region; only a table given by name takes the
    // environment's.
    kpiwatch::aws::environment_problem(&aws, table_needs_region == Some(true)).await
}
