use kpiwatch::store::SqliteStore;

use crate::suite;

fn open() -> (tempfile::TempDir, SqliteStore) {
    let folder = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&folder.path().join("nested/state.db")).unwrap();
    (folder, store)
}

#[tokio::test]
async fn sqlite_empty_store_loads_nothing() {
    let (_folder, store) = open();
    suite::empty_store_loads_nothing(&store).await;
}

#[tokio::test]
async fn sqlite_commit_then_load_round_trips() {
    let (_folder, store) = open();
    suite::commit_then_load_round_trips(&store).await;
}

#[tokio::test]
async fn sqlite_commit_with_a_stale_guard_is_superseded() {
    let (_folder, store) = open();
    suite::commit_with_a_stale_guard_is_superseded(&store).await;
}

#[tokio::test]
async fn sqlite_baselines_are_the_newest_snapshot_at_or_before_each_instant() {
    let (_folder, store) = open();
    suite::baselines_are_the_newest_snapshot_at_or_before_each_instant(&store).await;
}

#[tokio::test]
async fn sqlite_mark_sent_empties_the_outbox_in_order() {
    let (_folder, store) = open();
    suite::mark_sent_empties_the_outbox_in_order(&store).await;
}

#[tokio::test]
async fn sqlite_snapshots_are_listed_oldest_first_within_the_limit() {
    let (_folder, store) = open();
    suite::snapshots_are_listed_oldest_first_within_the_limit(&store).await;
}

#[tokio::test]
async fn sqlite_snapshots_older_than_retention_are_dropped() {
    let (_folder, store) = open();
    suite::snapshots_older_than_retention_are_dropped(&store).await;
}

#[tokio::test]
async fn sqlite_a_retention_beyond_any_date_keeps_every_snapshot() {
    let (_folder, store) = open();
    suite::a_retention_beyond_any_date_keeps_every_snapshot(&store).await;
}

#[tokio::test]
async fn sqlite_states_of_removed_rules_do_not_survive_a_commit() {
    let (_folder, store) = open();
    suite::states_of_removed_rules_do_not_survive_a_commit(&store).await;
}

#[tokio::test]
async fn sqlite_concurrent_commits_for_the_same_guard_commit_once() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("state.db");
    // Two connections to one file, as two `kpiwatch run` processes would have.
    let first = SqliteStore::open(&path).unwrap();
    let second = SqliteStore::open(&path).unwrap();
    suite::concurrent_commits_for_the_same_guard_commit_once(&first, &second).await;
}

#[tokio::test]
async fn sqlite_a_claim_excludes_other_runs_until_released() {
    let (_folder, store) = open();
    suite::a_claim_excludes_other_runs_until_released(&store).await;
}

#[tokio::test]
async fn sqlite_a_lapsed_claim_passes_to_the_next_run() {
    let (_folder, store) = open();
    suite::a_lapsed_claim_passes_to_the_next_run(&store).await;
}

#[tokio::test]
async fn sqlite_concurrent_claims_grant_one() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("state.db");
    let first = SqliteStore::open(&path).unwrap();
    let second = SqliteStore::open(&path).unwrap();
    suite::concurrent_claims_grant_one(&first, &second).await;
}

#[tokio::test]
async fn sqlite_state_survives_reopening_the_file() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("state.db");
    let at = suite::t(0);
    {
        let store = SqliteStore::open(&path).unwrap();
        suite::commit_at(&store, at, None, &["churn"], &["n1"]).await;
    }
    let reopened = SqliteStore::open(&path).unwrap();
    let loaded = kpiwatch::store::Store::load(&reopened, &[]).await.unwrap();
    assert_eq!(loaded.last_evaluated_at, Some(at));
    assert_eq!(loaded.outbox.len(), 1);
}

#[tokio::test]
async fn sqlite_a_file_that_is_not_a_database_is_a_permanent_error() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("state.db");
    std::fs::write(
        &path,
        "this is not sqlite, just text that is long enough to matter",
    )
    .unwrap();
    let error = SqliteStore::open(&path).unwrap_err();
    assert!(
        matches!(error, kpiwatch::store::StoreError::Permanent(_)),
        "{error:?}"
    );
}

#[test]
fn sqlite_runs_started_together_on_a_new_file_all_open_it() {
    // Two `kpiwatch run` from one cron minute: both find a new file without a schema
    // version, and both record it.
    const RUNS: usize = 4;
    for _ in 0..20 {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("state.db");
        let together = std::sync::Barrier::new(RUNS);
        let opened: Vec<Result<(), String>> = std::thread::scope(|scope| {
            let runs: Vec<_> = (0..RUNS)
                .map(|_| {
                    scope.spawn(|| {
                        together.wait();
                        SqliteStore::open(&path)
                            .map(drop)
                            .map_err(|e| e.to_string())
                    })
                })
                .collect();
            runs.into_iter().map(|run| run.join().unwrap()).collect()
        });
        assert!(opened.iter().all(Result::is_ok), "{opened:?}");
    }
}
