use std::path::PathBuf;

use kpiwatch::config::SourceKind;

use crate::{collect, failure};

fn file(path: PathBuf) -> SourceKind {
    SourceKind::File { path }
}

#[tokio::test]
async fn a_json_file_gives_flat_metrics_and_skips_strings() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("metrics.json");
    std::fs::write(
        &path,
        r#"{"retention": {"churnRate": 6.2, "label": "monthly"}, "support": {"nps": -12}}"#,
    )
    .unwrap();
    let snapshot = collect(vec![("billing", file(path))]).await;
    assert!(snapshot.failures.is_empty());
    assert_eq!(snapshot.metric("retention.churnRate"), Some(6.2));
    assert_eq!(snapshot.metric("support.nps"), Some(-12.0));
    assert_eq!(snapshot.metric("retention.label"), None);
}

#[tokio::test]
async fn a_missing_file_is_a_recorded_failure_naming_the_path() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("absent.json");
    let snapshot = collect(vec![("billing", file(path.clone()))]).await;
    let error = failure(&snapshot, "billing");
    assert!(
        error.starts_with(&format!("cannot read {}:", path.display())),
        "{error}"
    );
}

#[tokio::test]
async fn nan_and_strings_where_numbers_belong_are_handled() {
    let folder = tempfile::tempdir().unwrap();
    let nan = folder.path().join("nan.json");
    std::fs::write(&nan, r#"{"churn": NaN}"#).unwrap();
    let strings = folder.path().join("strings.json");
    std::fs::write(&strings, r#"{"churn": "6.2", "mrr": 48200}"#).unwrap();

    let snapshot = collect(vec![("nan", file(nan)), ("strings", file(strings))]).await;
    assert!(failure(&snapshot, "nan").starts_with("not valid JSON: expected value at line 1"));
    assert_eq!(snapshot.metric("churn"), None);
    assert_eq!(snapshot.metric("mrr"), Some(48200.0));
}
