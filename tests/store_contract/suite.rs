//! The store contract. Each function takes a fresh, empty store and asserts one promise
//! of the [`Store`] trait.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use kpiwatch::engine::{RuleState, RuleStates};
use kpiwatch::model::{Notification, Snapshot, SourceFailure};
use kpiwatch::store::{Claim, Commit, RunRecord, Store};
use serde_json::json;

const DAY: Duration = Duration::from_secs(86_400);

/// Evaluation times five minutes apart from a fixed origin.
pub fn t(step: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap() + chrono::Duration::minutes(5 * step)
}

fn snapshot(at: DateTime<Utc>, churn: f64) -> Snapshot {
    let mut snapshot = Snapshot::new(at, format!("run-{}", at.timestamp()));
    snapshot.metrics.insert("retention.churnRate".into(), churn);
    snapshot.metrics.insert("growth.mrr.value".into(), 48_200.0);
    snapshot.failures.push(SourceFailure {
        source_id: "crm".into(),
        error: "HTTP 503 Service Unavailable".into(),
    });
    snapshot
}

fn state(at: DateTime<Utc>) -> RuleState {
    serde_json::from_value(json!({
        "state": "critical",
        "evaluated_at": at,
        "datapoints": [{"at": at, "value": 6.2, "level": "critical"}],
    }))
    .unwrap()
}

fn notification(id: &str, at: DateTime<Utc>) -> Notification {
    serde_json::from_value(json!({
        "version": "1", "id": id, "kind": "firing",
        "rule": {"id": "churn", "name": "Churn rate"},
        "level": "critical", "value": 6.2, "unit": "%", "condition": "> 5",
        "previous_value": null, "sparkline": "▁▅█", "message": "Churn is 6.2%",
        "action": "Act", "runbook": "", "labels": {"team": "growth"},
        "at": at, "run_id": "run-1",
    }))
    .unwrap()
}

fn record(
    at: DateTime<Utc>,
    expected: Option<DateTime<Utc>>,
    rules: &[&str],
    notifications: &[&str],
) -> RunRecord {
    RunRecord {
        snapshot: snapshot(at, 6.2),
        states: rules.iter().map(|id| (id.to_string(), state(at))).collect(),
        notifications: notifications
            .iter()
            .map(|id| notification(id, at))
            .collect(),
        expected_last_evaluated_at: expected,
        retention: 30 * DAY,
    }
}

/// Commits a run and asserts that it committed.
pub async fn commit_at(
    store: &dyn Store,
    at: DateTime<Utc>,
    expected: Option<DateTime<Utc>>,
    rules: &[&str],
    notifications: &[&str],
) {
    let outcome = store
        .commit(&record(at, expected, rules, notifications))
        .await;
    assert_eq!(outcome.unwrap(), Commit::Committed);
}

pub async fn empty_store_loads_nothing(store: &dyn Store) {
    let loaded = store.load(&[t(0)]).await.unwrap();
    assert_eq!(loaded.last_evaluated_at, None);
    assert!(loaded.states.is_empty());
    assert_eq!(loaded.baselines, vec![None]);
    assert!(loaded.outbox.is_empty());
    assert!(store.snapshots(None, 10).await.unwrap().is_empty());
}

pub async fn commit_then_load_round_trips(store: &dyn Store) {
    let record = record(
        t(0),
        None,
        &["churn", "ltv-cac"],
        &["churn/firing/a", "ltv/firing/a"],
    );
    assert_eq!(store.commit(&record).await.unwrap(), Commit::Committed);

    let loaded = store.load(&[t(0)]).await.unwrap();
    assert_eq!(loaded.last_evaluated_at, Some(t(0)));
    let expected: RuleStates = record.states.clone();
    assert_eq!(loaded.states, expected);
    assert_eq!(loaded.baselines, vec![Some(record.snapshot.clone())]);
    assert_eq!(loaded.outbox, record.notifications);
}

pub async fn commit_with_a_stale_guard_is_superseded(store: &dyn Store) {
    commit_at(store, t(0), None, &["churn"], &["first"]).await;

    // A second invocation that loaded before the first committed still expects None.
    let late = record(t(0), None, &["other"], &["duplicate"]);
    assert_eq!(store.commit(&late).await.unwrap(), Commit::Superseded);
    // A retry of an older run is refused too.
    let stale = record(t(1), Some(t(-1)), &["other"], &["stale"]);
    assert_eq!(store.commit(&stale).await.unwrap(), Commit::Superseded);

    let loaded = store.load(&[]).await.unwrap();
    assert_eq!(loaded.last_evaluated_at, Some(t(0)));
    assert_eq!(loaded.states.keys().collect::<Vec<_>>(), ["churn"]);
    let ids: Vec<_> = loaded.outbox.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["first"]);

    commit_at(store, t(1), Some(t(0)), &["churn"], &["second"]).await;
    assert_eq!(store.load(&[]).await.unwrap().last_evaluated_at, Some(t(1)));
}

pub async fn baselines_are_the_newest_snapshot_at_or_before_each_instant(store: &dyn Store) {
    let mut expected = None;
    for step in 0..4 {
        commit_at(store, t(step), expected, &[], &[]).await;
        expected = Some(t(step));
    }
    let instants = [
        t(-1),
        t(0),
        t(2) + chrono::Duration::minutes(2),
        t(3),
        t(10),
    ];
    let loaded = store.load(&instants).await.unwrap();
    let taken: Vec<_> = loaded
        .baselines
        .iter()
        .map(|b| b.as_ref().map(|s| s.taken_at))
        .collect();
    assert_eq!(
        taken,
        [None, Some(t(0)), Some(t(2)), Some(t(3)), Some(t(3))]
    );
}

pub async fn mark_sent_empties_the_outbox_in_order(store: &dyn Store) {
    commit_at(store, t(0), None, &["churn"], &["a", "b"]).await;
    commit_at(store, t(1), Some(t(0)), &["churn"], &["c"]).await;

    store
        .mark_sent(&["b".into(), "unknown".into()])
        .await
        .unwrap();
    let ids: Vec<_> = store
        .load(&[])
        .await
        .unwrap()
        .outbox
        .into_iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(ids, ["a", "c"]);

    store.mark_sent(&["a".into(), "c".into()]).await.unwrap();
    assert!(store.load(&[]).await.unwrap().outbox.is_empty());
}

pub async fn snapshots_are_listed_oldest_first_within_the_limit(store: &dyn Store) {
    let mut expected = None;
    for step in 0..5 {
        commit_at(store, t(step), expected, &[], &[]).await;
        expected = Some(t(step));
    }
    let taken = |list: Vec<Snapshot>| list.into_iter().map(|s| s.taken_at).collect::<Vec<_>>();
    assert_eq!(
        taken(store.snapshots(None, 3).await.unwrap()),
        [t(2), t(3), t(4)]
    );
    assert_eq!(
        taken(store.snapshots(Some(t(3)), 10).await.unwrap()),
        [t(3), t(4)]
    );
    let all = store.snapshots(None, 100).await.unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(all[4], snapshot(t(4), 6.2));
}

pub async fn snapshots_older_than_retention_are_dropped(store: &dyn Store) {
    let start = t(0);
    commit_at(store, start, None, &[], &[]).await;
    let later = start + chrono::Duration::days(31);
    commit_at(store, later, Some(start), &[], &[]).await;

    let remaining = store.snapshots(None, 10).await.unwrap();
    let taken: Vec<_> = remaining.iter().map(|s| s.taken_at).collect();
    assert_eq!(taken, [later]);
}

/// A retention too long for the calendar keeps everything: it is not cut to zero, which
/// would drop all history, and the arithmetic does not overflow.
pub async fn a_retention_beyond_any_date_keeps_every_snapshot(store: &dyn Store) {
    let forever = |mut record: RunRecord| {
        record.retention = Duration::MAX;
        record
    };
    let first = store.commit(&forever(record(t(0), None, &[], &[]))).await;
    assert_eq!(first.unwrap(), Commit::Committed);
    let later = t(0) + chrono::Duration::days(3650);
    let second = store
        .commit(&forever(record(later, Some(t(0)), &[], &[])))
        .await;
    assert_eq!(second.unwrap(), Commit::Committed);

    let remaining = store.snapshots(None, 10).await.unwrap();
    let taken: Vec<_> = remaining.iter().map(|s| s.taken_at).collect();
    assert_eq!(taken, [t(0), later]);
}

pub async fn states_of_removed_rules_do_not_survive_a_commit(store: &dyn Store) {
    commit_at(store, t(0), None, &["kept", "removed"], &[]).await;
    commit_at(store, t(1), Some(t(0)), &["kept"], &[]).await;
    let loaded = store.load(&[]).await.unwrap();
    let ids: Vec<_> = loaded.states.keys().map(String::as_str).collect();
    assert_eq!(ids, ["kept"]);
    let _: BTreeMap<_, _> = loaded.states;
}

pub async fn concurrent_commits_for_the_same_guard_commit_once(
    first: &dyn Store,
    second: &dyn Store,
) {
    let a = record(t(0), None, &["churn"], &["from-a"]);
    let b = record(t(0), None, &["churn"], &["from-b"]);
    let (ra, rb) = tokio::join!(first.commit(&a), second.commit(&b));
    let outcomes = [ra.unwrap(), rb.unwrap()];
    let committed = outcomes.iter().filter(|o| **o == Commit::Committed).count();
    assert_eq!(committed, 1, "{outcomes:?}");

    let outbox = first.load(&[]).await.unwrap().outbox;
    assert_eq!(outbox.len(), 1);
}

/// The wall-clock instants the lease tests claim at, a minute apart, unrelated to T.
fn clock(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 21, 0, 0).unwrap() + chrono::Duration::minutes(minute)
}

fn claimed_ids(claim: Claim) -> Vec<String> {
    match claim {
        Claim::Claimed(outbox) => outbox.into_iter().map(|n| n.id).collect(),
        held => panic!("expected the claim to be granted, got {held:?}"),
    }
}

pub async fn a_claim_excludes_other_runs_until_released(store: &dyn Store) {
    commit_at(store, t(0), None, &["churn"], &["first", "second"]).await;

    let claim = store
        .claim_outbox("run-a", clock(0), clock(2))
        .await
        .unwrap();
    assert_eq!(claimed_ids(claim), ["first", "second"]);
    let refused = store
        .claim_outbox("run-b", clock(1), clock(3))
        .await
        .unwrap();
    assert_eq!(
        refused,
        Claim::Held {
            holder: "run-a".into(),
            until: Some(clock(2))
        }
    );
    // The holder may claim again, which extends its lease.
    let again = store
        .claim_outbox("run-a", clock(1), clock(4))
        .await
        .unwrap();
    assert_eq!(claimed_ids(again), ["first", "second"]);
    let refused = store
        .claim_outbox("run-b", clock(3), clock(5))
        .await
        .unwrap();
    assert!(matches!(refused, Claim::Held { .. }), "{refused:?}");

    // What the holder marks sent is gone for the next holder, which reads the outbox anew.
    store.mark_sent(&["first".to_string()]).await.unwrap();
    store.release_outbox("run-a").await.unwrap();
    let claim = store
        .claim_outbox("run-b", clock(3), clock(5))
        .await
        .unwrap();
    assert_eq!(claimed_ids(claim), ["second"]);
}

pub async fn a_lapsed_claim_passes_to_the_next_run(store: &dyn Store) {
    commit_at(store, t(0), None, &["churn"], &["first"]).await;
    assert_eq!(
        claimed_ids(
            store
                .claim_outbox("dead", clock(0), clock(2))
                .await
                .unwrap()
        ),
        ["first"]
    );
    // The holder never releases; after its expiry another run takes over.
    let claim = store
        .claim_outbox("next", clock(3), clock(5))
        .await
        .unwrap();
    assert_eq!(claimed_ids(claim), ["first"]);
    // A late release by the old holder leaves the new holder's lease alone.
    store.release_outbox("dead").await.unwrap();
    let refused = store
        .claim_outbox("third", clock(4), clock(6))
        .await
        .unwrap();
    assert_eq!(
        refused,
        Claim::Held {
            holder: "next".into(),
            until: Some(clock(5))
        }
    );
}

pub async fn concurrent_claims_grant_one(first: &dyn Store, second: &dyn Store) {
    commit_at(first, t(0), None, &["churn"], &["only"]).await;
    let (a, b) = tokio::join!(
        first.claim_outbox("run-a", clock(0), clock(2)),
        second.claim_outbox("run-b", clock(0), clock(2)),
    );
    let claims = [a.unwrap(), b.unwrap()];
    let granted = claims
        .iter()
        .filter(|c| matches!(c, Claim::Claimed(_)))
        .count();
    assert_eq!(granted, 1, "{claims:?}");
}
