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
async fn a_file_saved_with_a_byte_order_mark_is_read() {
    // What Windows PowerShell's `Out-File -Encoding utf8` writes.
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("metrics.json");
    std::fs::write(
        &path,
        b"\xEF\xBB\xBF{\"retention\": {\"churnRate\": 6.2}}\r\n",
    )
    .unwrap();
    let snapshot = collect(vec![("billing", file(path))]).await;
    assert!(snapshot.failures.is_empty(), "{:?}", snapshot.failures);
    assert_eq!(snapshot.metric("retention.churnRate"), Some(6.2));
}

#[tokio::test]
async fn a_file_saved_as_utf_16_is_read_and_a_broken_one_says_why_not() {
    // Windows PowerShell 5's `ConvertTo-Json | Out-File metrics.json` writes UTF-16 LE.
    let json = r#"{"retention": {"churnRate": 6.2}, "zürich": {"p99": 120}}"#;
    let folder = tempfile::tempdir().unwrap();
    let encoded = |bom: [u8; 2], unit: fn(u16) -> [u8; 2]| -> Vec<u8> {
        bom.into_iter()
            .chain(json.encode_utf16().flat_map(unit))
            .collect()
    };
    let little = folder.path().join("little.json");
    std::fs::write(&little, encoded([0xFF, 0xFE], u16::to_le_bytes)).unwrap();
    let big = folder.path().join("big.json");
    std::fs::write(&big, encoded([0xFE, 0xFF], u16::to_be_bytes)).unwrap();
    let odd = folder.path().join("odd.json");
    let mut cut = encoded([0xFF, 0xFE], u16::to_le_bytes);
    cut.pop();
    std::fs::write(&odd, cut).unwrap();

    let snapshot = collect(vec![("little", file(little)), ("odd", file(odd))]).await;
    assert_eq!(snapshot.metric("retention.churnRate"), Some(6.2));
    assert_eq!(snapshot.metric("zürich.p99"), Some(120.0));
    let error = failure(&snapshot, "odd");
    assert!(
        error.starts_with("not valid JSON: marked as UTF-16, but its length is an odd number"),
        "{error}"
    );
    let snapshot = collect(vec![("big", file(big))]).await;
    assert!(snapshot.failures.is_empty(), "{:?}", snapshot.failures);
    assert_eq!(snapshot.metric("zürich.p99"), Some(120.0));
}

#[tokio::test]
async fn an_empty_file_is_a_failure_that_says_it_is_empty() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("metrics.json");
    std::fs::write(&path, " \r\n").unwrap();
    let snapshot = collect(vec![("billing", file(path))]).await;
    assert_eq!(
        failure(&snapshot, "billing"),
        "not valid JSON: the document is empty"
    );
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

#[tokio::test]
async fn a_document_that_is_a_lone_value_is_a_failure_saying_what_it_is() {
    let folder = tempfile::tempdir().unwrap();
    let mut sources = Vec::new();
    for (name, body) in [("number", "42"), ("text", r#""6.2""#), ("nothing", "null")] {
        let path = folder.path().join(format!("{name}.json"));
        std::fs::write(&path, body).unwrap();
        sources.push((name, file(path)));
    }
    let snapshot = collect(sources).await;
    assert_eq!(
        failure(&snapshot, "number"),
        "the document is a number, not a JSON object or array of metrics"
    );
    assert_eq!(
        failure(&snapshot, "text"),
        "the document is a string, not a JSON object or array of metrics"
    );
    assert_eq!(
        failure(&snapshot, "nothing"),
        "the document is null, not a JSON object or array of metrics"
    );
}

#[tokio::test]
async fn a_metric_two_sources_name_keeps_the_value_of_the_first_in_the_config() {
    let folder = tempfile::tempdir().unwrap();
    let billing = folder.path().join("billing.json");
    std::fs::write(&billing, r#"{"churn": 9, "mrr": 48200}"#).unwrap();
    let legacy = folder.path().join("legacy.json");
    std::fs::write(&legacy, r#"{"churn": 1, "nps": 31}"#).unwrap();

    let snapshot = collect(vec![("billing", file(billing)), ("legacy", file(legacy))]).await;
    assert!(snapshot.failures.is_empty(), "{:?}", snapshot.failures);
    assert_eq!(snapshot.metric("churn"), Some(9.0));
    assert_eq!(snapshot.metric("mrr"), Some(48200.0));
    assert_eq!(snapshot.metric("nps"), Some(31.0));
}
