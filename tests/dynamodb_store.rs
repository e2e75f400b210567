//! The DynamoDB store's own behaviour, through the real SDK against moto server: what the
//! shared contract suite cannot see, such as item layout, parts and the calls it makes.

mod support;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use chrono::{DateTime, Utc};
use kpiwatch::store::{Commit, DynamoStore, Store, StoreError};
use support::aws::{self, counted_clients, create_table, unique, unsent_ids};
use support::partial_failures::UnprocessedWrites;
use support::records::{at, noisy_states, notification, record};

async fn fresh_store() -> (DynamoStore, aws_sdk_dynamodb::Client, aws::CallCounter) {
    let (dynamodb, _, counter) = counted_clients().await;
    let table = unique("store");
    create_table(&dynamodb, &table).await;
    counter.reset();
    (DynamoStore::new(dynamodb.clone(), table), dynamodb, counter)
}

async fn item_keys(client: &aws_sdk_dynamodb::Client, table: &str) -> Vec<(String, String)> {
    let output = client.scan().table_name(table).send().await.expect("scan");
    let text = |item: &std::collections::HashMap<String, AttributeValue>, name: &str| {
        item.get(name)
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_default()
    };
    let mut keys: Vec<_> = output
        .items()
        .iter()
        .map(|item| (text(item, "pk"), text(item, "sk")))
        .collect();
    keys.sort();
    keys
}

#[tokio::test]
async fn a_run_is_stored_as_a_head_a_snapshot_and_one_outbox_item() {
    let (store, client, _) = fresh_store().await;
    let t = at("2026-12-03T10:05:00Z");

    let loaded = store.load(&[]).await.unwrap();
    assert_eq!(loaded.last_evaluated_at, None);
    let committed = store
        .commit(&record(t, None, 50, &["churn", "ltv"]))
        .await
        .unwrap();
    assert_eq!(committed, Commit::Committed);

    assert_eq!(
        item_keys(&client, store.table()).await,
        vec![
            (
                "run".into(),
                "outbox#2026-12-03T10:05:00.000000000Z#0000".into()
            ),
            ("run".into(), "state".into()),
            ("snapshot".into(), "2026-12-03T10:05:00.000000000Z".into()),
        ]
    );
    let snapshot = client
        .get_item()
        .table_name(store.table())
        .key("pk", AttributeValue::S("snapshot".into()))
        .key(
            "sk",
            AttributeValue::S("2026-12-03T10:05:00.000000000Z".into()),
        )
        .send()
        .await
        .unwrap();
    let expires_at = snapshot.item().unwrap()["expires_at"]
        .as_n()
        .unwrap()
        .clone();
    assert_eq!(expires_at, (t.timestamp() + 40 * 86_400).to_string());
}

#[tokio::test]
async fn states_too_large_for_one_item_are_split_and_stale_parts_removed() {
    let (store, client, _) = fresh_store().await;
    let t1 = at("2026-12-03T10:05:00Z");
    let t2 = at("2026-12-03T10:10:00Z");

    // Random values, so that the compressed states pass one item's 350 KB.
    let mut large = record(t1, None, 3, &[]);
    large.states = noisy_states(2_000, 20, t1);
    assert_eq!(store.commit(&large).await.unwrap(), Commit::Committed);
    let parts = item_keys(&client, store.table()).await;
    assert!(
        parts
            .iter()
            .any(|(pk, sk)| pk == "run" && sk == "state#0001"),
        "{parts:?}"
    );

    let loaded = store.load(&[]).await.unwrap();
    assert_eq!(loaded.states, large.states);

    let small = record(t2, Some(t1), 3, &[]);
    assert_eq!(store.commit(&small).await.unwrap(), Commit::Committed);
    let keys = item_keys(&client, store.table()).await;
    assert!(
        !keys.iter().any(|(_, sk)| sk.starts_with("state#")),
        "{keys:?}"
    );
    assert_eq!(store.load(&[]).await.unwrap().states, small.states);
}

#[tokio::test]
async fn marking_part_of_an_outbox_item_sent_keeps_the_rest_for_the_next_run() {
    let (store, client, _) = fresh_store().await;
    let t = at("2026-12-03T10:05:00Z");
    store.load(&[]).await.unwrap();
    store
        .commit(&record(t, None, 3, &["a", "b", "c"]))
        .await
        .unwrap();

    store.mark_sent(&[notification("a", t).id]).await.unwrap();

    // Another instance, as the next invocation would be, sees only the two unsent.
    let next = DynamoStore::new(client.clone(), store.table());
    let outbox = unsent_ids(&next).await;
    assert_eq!(
        outbox,
        vec![notification("b", t).id, notification("c", t).id]
    );

    next.mark_sent(&outbox).await.unwrap();
    assert!(next.load(&[]).await.unwrap().outbox.is_empty());
    let keys = item_keys(&client, store.table()).await;
    assert!(
        !keys.iter().any(|(_, sk)| sk.starts_with("outbox#")),
        "{keys:?}"
    );
}

#[tokio::test]
async fn ids_marked_by_an_instance_that_never_loaded_them_are_found() {
    let (store, client, _) = fresh_store().await;
    let t = at("2026-12-03T10:05:00Z");
    store
        .commit(&record(t, None, 3, &["a", "b"]))
        .await
        .unwrap();

    let other = DynamoStore::new(client, store.table());
    other
        .mark_sent(&[notification("a", t).id, "unknown/id".into()])
        .await
        .unwrap();
    let outbox: Vec<String> = store
        .load(&[])
        .await
        .unwrap()
        .outbox
        .into_iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(outbox, vec![notification("b", t).id]);
}

/// The count the README states: for 1,000 rules and 10,000 metrics, a run that notifies
/// makes one Query (no `change` rules), one TransactWriteItems and one BatchWriteItem,
/// the same as for 10 rules. Counted by an interceptor on the SDK client, which sees every
/// request sent, retries included.
#[tokio::test]
async fn calls_per_run_do_not_grow_with_the_number_of_rules() {
    for rules in [10, 1_000] {
        let (store, _, counter) = fresh_store().await;
        let t1 = at("2026-12-03T10:05:00Z");
        let t2 = at("2026-12-03T10:10:00Z");
        store.load(&[]).await.unwrap();
        store.commit(&record(t1, None, rules, &[])).await.unwrap();
        counter.reset();

        let loaded = store.load(&[]).await.unwrap();
        assert_eq!(loaded.states.len(), rules);
        let notified: Vec<String> = (0..rules).map(|i| format!("rule-{i:04}")).collect();
        let notified: Vec<&str> = notified.iter().map(String::as_str).collect();
        let mut next = record(t2, Some(t1), rules, &notified);
        next.snapshot = support::records::snapshot(t2, 10_000);
        assert_eq!(store.commit(&next).await.unwrap(), Commit::Committed);
        let ids: Vec<String> = next.notifications.iter().map(|n| n.id.clone()).collect();
        store.mark_sent(&ids).await.unwrap();

        assert_eq!(
            counter.counts(),
            [
                ("DynamoDB.BatchWriteItem".to_string(), 1),
                ("DynamoDB.Query".to_string(), 1),
                ("DynamoDB.TransactWriteItems".to_string(), 1),
            ]
            .into(),
            "{rules} rules, {rules} notifications"
        );
    }
}

#[tokio::test]
async fn baselines_are_the_newest_snapshots_at_or_before_each_instant() {
    let (store, _, counter) = fresh_store().await;
    let times = [
        "2026-12-01T00:00:00Z",
        "2026-12-02T00:00:00Z",
        "2026-12-03T00:00:00Z",
    ];
    let mut expected = None;
    for time in times {
        let t = at(time);
        store.load(&[]).await.unwrap();
        store.commit(&record(t, expected, 1, &[])).await.unwrap();
        expected = Some(t);
    }

    counter.reset();
    let instants = [
        at("2026-11-30T00:00:00Z"),
        at("2026-12-02T00:00:00Z"),
        at("2026-12-02T23:59:59Z"),
    ];
    let loaded = store.load(&instants).await.unwrap();
    let taken: Vec<Option<String>> = loaded
        .baselines
        .iter()
        .map(|s| s.as_ref().map(|s| s.taken_at.to_rfc3339()))
        .collect();
    assert_eq!(
        taken,
        vec![
            None,
            Some("2026-12-02T00:00:00+00:00".into()),
            Some("2026-12-02T00:00:00+00:00".into())
        ]
    );
    assert_eq!(
        counter.counts().get("DynamoDB.Query"),
        Some(&4),
        "one run query, three baselines"
    );
}

#[tokio::test]
async fn a_missing_table_is_a_permanent_error_that_names_it_and_its_region() {
    let (dynamodb, _, _) = counted_clients().await;
    let table = unique("absent");
    let store = DynamoStore::new(dynamodb, table.clone());
    let expected = format!("DynamoDB table `{table}` does not exist in {}", aws::REGION);
    // A run's first read, and `history`'s.
    let errors = [
        store.load(&[]).await.unwrap_err(),
        store.snapshots(None, 10).await.unwrap_err(),
    ];
    for error in errors {
        assert!(
            matches!(&error, StoreError::Permanent(m) if m.contains(&expected)),
            "{error}"
        );
    }
}

/// Creates a table with the given keys, each `(name, key type, attribute type)`.
async fn create_table_with_keys(
    client: &aws_sdk_dynamodb::Client,
    name: &str,
    keys: &[(&str, KeyType, ScalarAttributeType)],
) {
    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest);
    for (attribute, key_type, attribute_type) in keys {
        request = request
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(*attribute)
                    .attribute_type(attribute_type.clone())
                    .build()
                    .unwrap(),
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name(*attribute)
                    .key_type(key_type.clone())
                    .build()
                    .unwrap(),
            );
    }
    request.send().await.expect("create table");
}

#[tokio::test]
async fn a_table_with_other_keys_is_refused_saying_which_keys_it_has_and_needs() {
    let (dynamodb, _, _) = counted_clients().await;
    let needs = "kpiwatch needs a string partition key `pk` and a string sort key `sk`";
    let cases = [
        (
            vec![("id", KeyType::Hash, ScalarAttributeType::S)],
            "has a string partition key `id`",
        ),
        (
            vec![("pk", KeyType::Hash, ScalarAttributeType::S)],
            "has a string partition key `pk`;",
        ),
        (
            vec![
                ("pk", KeyType::Hash, ScalarAttributeType::N),
                ("sk", KeyType::Range, ScalarAttributeType::S),
            ],
            "has a number partition key `pk` and a string sort key `sk`",
        ),
    ];
    for (keys, has) in cases {
        let table = unique("other-keys");
        create_table_with_keys(&dynamodb, &table, &keys).await;
        let store = DynamoStore::new(dynamodb.clone(), table.clone());

        // Which call DynamoDB refuses depends on the schema: the load's query, or the
        // commit's writes. Either way the run stops there, with the table explained.
        let error = match store.load(&[]).await {
            Err(error) => error,
            Ok(_) => store
                .commit(&record(at("2026-12-03T10:05:00Z"), None, 5, &["churn"]))
                .await
                .unwrap_err(),
        };
        let StoreError::Permanent(message) = &error else {
            panic!("expected a permanent error, got {error}");
        };
        let expected = format!("DynamoDB table `{table}` in {} {has}", aws::REGION);
        assert!(message.contains(&expected), "{message}");
        assert!(message.contains(needs), "{message}");
    }
}

/// A store whose `BatchWriteItem` calls leave their deletes unprocessed `times` times (the
/// one mock, explained in `support::partial_failures`), on a fresh table, and a plain client
/// of the same table to check what it holds.
async fn store_with_unprocessed_deletes(
    times: usize,
) -> (DynamoStore, aws_sdk_dynamodb::Client, UnprocessedWrites) {
    let config = aws::sdk_config().await;
    let plain = aws_sdk_dynamodb::Client::new(&config);
    let table = unique("unprocessed");
    create_table(&plain, &table).await;
    let writes = UnprocessedWrites::new(times);
    let refusing = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&config)
            .interceptor(writes.clone())
            .build(),
    );
    (DynamoStore::new(refusing, table), plain, writes)
}

/// The ids waiting in the outbox, as the next invocation would load them.
async fn waiting(client: &aws_sdk_dynamodb::Client, table: &str) -> Vec<String> {
    unsent_ids(&DynamoStore::new(client.clone(), table)).await
}

/// Commits a run at `t` with two notifications and returns their ids, as marking them sent
/// after delivery would name them.
async fn commit_two_notifications(store: &DynamoStore, t: DateTime<Utc>) -> [String; 2] {
    store.load(&[]).await.unwrap();
    let committed = store.commit(&record(t, None, 3, &["a", "b"])).await;
    assert_eq!(committed.unwrap(), Commit::Committed);
    [notification("a", t).id, notification("b", t).id]
}

#[tokio::test]
async fn deletes_left_unprocessed_are_sent_again_until_done() {
    let (store, plain, writes) = store_with_unprocessed_deletes(2).await;
    let sent = commit_two_notifications(&store, at("2026-12-03T10:05:00Z")).await;

    store.mark_sent(&sent).await.unwrap();

    // One outbox item, deleted on the third try.
    assert_eq!(writes.calls(), [1, 1, 1]);
    assert!(waiting(&plain, store.table()).await.is_empty());
}

#[tokio::test]
async fn deletes_still_unprocessed_after_the_backoff_fail_retryably_and_stay() {
    let (store, plain, writes) = store_with_unprocessed_deletes(usize::MAX).await;
    let sent = commit_two_notifications(&store, at("2026-12-03T10:05:00Z")).await;

    let error = store.mark_sent(&sent).await.unwrap_err();

    let gave_up = "BatchWriteItem left 1 deletes unprocessed after 4 retries";
    assert!(
        matches!(&error, StoreError::Retryable(m) if m.contains(gave_up)),
        "{error}"
    );
    // The first try and the four retries of the standard backoff, then no more.
    assert_eq!(writes.calls(), [1; 5]);
    assert_eq!(waiting(&plain, store.table()).await, sent);
}
