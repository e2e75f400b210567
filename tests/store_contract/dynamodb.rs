//! The contract against the DynamoDB store, through the real SDK against moto server. Each
//! test gets a table of its own.

use kpiwatch::store::DynamoStore;

use crate::suite;
use crate::support::aws::{create_table, sdk_config, unique};

async fn open() -> DynamoStore {
    let client = aws_sdk_dynamodb::Client::new(&sdk_config().await);
    let table = unique("contract");
    create_table(&client, &table).await;
    DynamoStore::new(client, table)
}

#[tokio::test]
async fn dynamodb_empty_store_loads_nothing() {
    suite::empty_store_loads_nothing(&open().await).await;
}

#[tokio::test]
async fn dynamodb_commit_then_load_round_trips() {
    suite::commit_then_load_round_trips(&open().await).await;
}

#[tokio::test]
async fn dynamodb_commit_with_a_stale_guard_is_superseded() {
    suite::commit_with_a_stale_guard_is_superseded(&open().await).await;
}

#[tokio::test]
async fn dynamodb_baselines_are_the_newest_snapshot_at_or_before_each_instant() {
    suite::baselines_are_the_newest_snapshot_at_or_before_each_instant(&open().await).await;
}

#[tokio::test]
async fn dynamodb_mark_sent_empties_the_outbox_in_order() {
    suite::mark_sent_empties_the_outbox_in_order(&open().await).await;
}

#[tokio::test]
async fn dynamodb_snapshots_are_listed_oldest_first_within_the_limit() {
    suite::snapshots_are_listed_oldest_first_within_the_limit(&open().await).await;
}

#[tokio::test]
async fn dynamodb_snapshots_older_than_retention_are_dropped() {
    suite::snapshots_older_than_retention_are_dropped(&open().await).await;
}

#[tokio::test]
async fn dynamodb_a_retention_beyond_any_date_keeps_every_snapshot() {
    suite::a_retention_beyond_any_date_keeps_every_snapshot(&open().await).await;
}

#[tokio::test]
async fn dynamodb_states_of_removed_rules_do_not_survive_a_commit() {
    suite::states_of_removed_rules_do_not_survive_a_commit(&open().await).await;
}

#[tokio::test]
async fn dynamodb_concurrent_commits_for_the_same_guard_commit_once() {
    let first = open().await;
    // A second client and store on the same table, as a second invocation would have.
    let client = aws_sdk_dynamodb::Client::new(&sdk_config().await);
    let second = DynamoStore::new(client, first.table());
    suite::concurrent_commits_for_the_same_guard_commit_once(&first, &second).await;
}

#[tokio::test]
async fn dynamodb_a_claim_excludes_other_runs_until_released() {
    suite::a_claim_excludes_other_runs_until_released(&open().await).await;
}

#[tokio::test]
async fn dynamodb_a_lapsed_claim_passes_to_the_next_run() {
    suite::a_lapsed_claim_passes_to_the_next_run(&open().await).await;
}

#[tokio::test]
async fn dynamodb_concurrent_claims_grant_one() {
    let first = open().await;
    let client = aws_sdk_dynamodb::Client::new(&sdk_config().await);
    let second = DynamoStore::new(client, first.table());
    suite::concurrent_claims_grant_one(&first, &second).await;
}
