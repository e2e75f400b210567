//! Two cycles on one SQLite file that both load before either commits, as two `kpiwatch
//! run` started together do. For the same T, one commits and the other loses the race; the
//! loser must report what is firing after the winner's commit, not the states it loaded
//! before it, or `kpiwatch run --fail-on critical` succeeds while a rule is critical. For
//! two Ts, the later one must not be lost to the earlier one's commit.
//!
//! The source is a real HTTP server that answers only once both cycles have asked, so both
//! have loaded (loading comes before collecting) when the first one commits.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use chrono::{DateTime, Utc};
use kpiwatch::cycle::{RunSummary, run_cycle};
use kpiwatch::model::Level;
use kpiwatch::notify::{ConsoleNotifier, OutputFormat};
use kpiwatch::sources::Collector;
use kpiwatch::store::{SqliteStore, Store};
use tokio::sync::Barrier;

/// A writer many notifiers can print to, read back by the test.
#[derive(Clone, Default)]
struct Printed(Arc<Mutex<Vec<u8>>>);

impl Write for Printed {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Printed {
    fn lines(&self) -> Vec<String> {
        let text = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
        text.lines().map(str::to_string).collect()
    }
}

/// Serves `body` at `/kpis`, answering each request only once `callers` have arrived.
async fn serve_together(callers: usize, body: &'static str) -> String {
    let barrier = Arc::new(Barrier::new(callers));
    let app = Router::new().route(
        "/kpis",
        get(move || {
            let barrier = Arc::clone(&barrier);
            async move {
                barrier.wait().await;
                ([("content-type", "application/json")], body)
            }
        }),
    );
    format!("{}/kpis", serve(app).await)
}

/// Serves `app` on a loopback port and returns its base URL.
async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_that_loses_the_commit_race_reports_the_winners_firing_rules() {
    let url = serve_together(2, r#"{"retention": {"churnRate": 6.2}}"#).await;
    let folder = tempfile::tempdir().unwrap();
    let config_path = folder.path().join("kpiwatch.yaml");
    std::fs::write(
        &config_path,
        format!(
            "sources:\n  - id: billing\n    http: {{ url: \"{url}\", timeout: 10s }}\n\
             rules:\n  - {{ id: churn, metric: retention.churnRate, unit: \"%\", \
             critical: \"> 5\" }}\n"
        ),
    )
    .unwrap();
    let config = kpiwatch::config::load(&config_path).unwrap();
    let state = folder.path().join("state.db");
    let at: DateTime<Utc> = "2026-12-03T10:05:00Z".parse().unwrap();
    let printed = Printed::default();

    let run = |run_id: &'static str| {
        let (config, state, printed) = (&config, &state, printed.clone());
        async move {
            // A store of its own on the shared file, as a second process would have.
            let store = SqliteStore::open(state).unwrap();
            let notifier = ConsoleNotifier::new(OutputFormat::Json, Box::new(printed));
            run_cycle(config, &Collector::new(), &store, &notifier, at, run_id)
                .await
                .unwrap()
        }
    };
    let (a, b) = tokio::join!(run("run-a"), run("run-b"));

    let (winner, loser): (RunSummary, RunSummary) = match (&a.skipped, &b.skipped) {
        (None, Some(_)) => (a, b),
        (Some(_), None) => (b, a),
        _ => panic!("exactly one run commits: {a:#?} {b:#?}"),
    };
    assert_eq!(winner.notifications_new, 1, "{winner:#?}");
    assert_eq!(
        loser.skipped.as_deref(),
        Some("another run committed this evaluation first")
    );
    let critical = vec![("churn".to_string(), Level::Critical)];
    assert_eq!(winner.firing, critical);
    assert_eq!(loser.firing, critical, "{loser:#?}");
    assert_eq!(loser.worst_firing_level(), Some(Level::Critical));
    assert_eq!(loser.notifications_new, 0);
    assert_eq!(printed.lines().len(), 1, "{:#?}", printed.lines());
}

/// Serves `body` at `/early` and `/late` once both have been asked for, `/late` a moment
/// after `/early`, so that the run reading `/early` commits first.
async fn serve_early_then_late(body: &'static str) -> String {
    let barrier = Arc::new(Barrier::new(2));
    let answer = move |delay: Duration| {
        let barrier = Arc::clone(&barrier);
        async move {
            barrier.wait().await;
            tokio::time::sleep(delay).await;
            ([("content-type", "application/json")], body)
        }
    };
    let early = answer.clone();
    let app = Router::new()
        .route("/early", get(move || early(Duration::ZERO)))
        .route("/late", get(move || answer(Duration::from_millis(500))));
    serve(app).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_overtaken_by_an_earlier_t_evaluates_again_and_keeps_its_snapshot() {
    // Both runs load an empty store, then the run for the earlier T commits first: the
    // later run's guarded commit fails, as it did when a slow run was overtaken.
    let url = serve_early_then_late(r#"{"retention": {"churnRate": 6.2}}"#).await;
    let folder = tempfile::tempdir().unwrap();
    let config = |path: &str| {
        let config_path = folder.path().join(format!("{path}.yaml"));
        std::fs::write(
            &config_path,
            format!(
                "sources:\n  - id: billing\n    http: {{ url: \"{url}/{path}\", timeout: 10s }}\n\
                 rules:\n  - {{ id: churn, metric: retention.churnRate, critical: \"> 5\" }}\n"
            ),
        )
        .unwrap();
        kpiwatch::config::load(&config_path).unwrap()
    };
    let (early_config, late_config) = (config("early"), config("late"));
    let state = folder.path().join("state.db");
    let earlier: DateTime<Utc> = "2026-12-03T10:00:00Z".parse().unwrap();
    let later: DateTime<Utc> = "2026-12-03T10:05:00Z".parse().unwrap();
    let printed = Printed::default();

    let run = |config: &'static str, at: DateTime<Utc>| {
        let config = if config == "early" {
            &early_config
        } else {
            &late_config
        };
        let (state, printed) = (&state, printed.clone());
        async move {
            let store = SqliteStore::open(state).unwrap();
            let notifier = ConsoleNotifier::new(OutputFormat::Json, Box::new(printed));
            run_cycle(config, &Collector::new(), &store, &notifier, at, "run")
                .await
                .unwrap()
        }
    };
    let (early, late) = tokio::join!(run("early", earlier), run("late", later));

    assert_eq!(early.skipped, None, "{early:#?}");
    assert_eq!(early.notifications_new, 1, "{early:#?}");
    assert_eq!(late.skipped, None, "evaluated again on top: {late:#?}");
    assert_eq!(
        late.notifications_new, 0,
        "the alert is already open: {late:#?}"
    );
    assert_eq!(late.firing, vec![("churn".to_string(), Level::Critical)]);
    let store = SqliteStore::open(&state).unwrap();
    let stored: Vec<DateTime<Utc>> = store
        .snapshots(None, 10)
        .await
        .unwrap()
        .iter()
        .map(|s| s.taken_at)
        .collect();
    assert_eq!(stored, [earlier, later]);
    assert_eq!(printed.lines().len(), 1, "{:#?}", printed.lines());
}
