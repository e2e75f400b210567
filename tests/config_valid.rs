//! A config that sets every field parses into the expected validated values, and the
//! generated JSON Schema accepts it and rejects broken ones.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use kpiwatch::config::{
    self, Aggregate, Change, ChangeMode, Comparison, Condition, Config, Expr, Flapping, ForClause,
    MissingData, SecretValue, SourceKind, ValueSource, Window,
};
use kpiwatch::model::Level;
use serde_json::{Value, json};
use yaml_json::yaml_file_to_json;

#[path = "common/yaml_json.rs"]
mod yaml_json;

const FULL: &str = "tests/fixtures/config/valid/full.yaml";

fn full_config() -> Config {
    config::load(Path::new(FULL)).unwrap_or_else(|errors| panic!("{errors}"))
}

fn hours(h: u64) -> Duration {
    Duration::from_secs(h * 3600)
}

fn days(d: u64) -> Duration {
    Duration::from_secs(d * 86_400)
}

fn condition(comparison: Comparison, threshold: f64) -> Option<Condition> {
    Some(Condition {
        comparison,
        threshold,
    })
}

fn time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn sources_resolve_paths_and_read_headers_in_file_order() {
    let config = full_config();
    assert_eq!(config.path, PathBuf::from(FULL));
    assert_eq!(config.sources.len(), 2);

    let billing = &config.sources[0];
    assert_eq!(billing.id, "billing");
    let SourceKind::File { path } = &billing.kind else {
        panic!("billing is a file source: {:?}", billing.kind);
    };
    assert_eq!(
        path,
        &Path::new("tests/fixtures/config/valid").join("metrics.json")
    );

    let api = &config.sources[1];
    assert_eq!(api.id, "api");
    let SourceKind::Http(http) = &api.kind else {
        panic!("api is an http source: {:?}", api.kind);
    };
    assert_eq!(http.url.as_str(), "https://example.com/kpis");
    assert_eq!(http.timeout, Duration::from_secs(5));
    let headers: Vec<(&str, &SecretValue)> = http
        .headers
        .iter()
        .map(|h| (h.name.as_str(), &h.value))
        .collect();
    assert_eq!(
        headers,
        vec![
            (
                "Authorization",
                &SecretValue::Env("KPIWATCH_API_TOKEN".to_string())
            ),
            (
                "Accept",
                &SecretValue::Literal("application/json".to_string())
            ),
            (
                "X-Api-Key",
                &SecretValue::SecretsManager {
                    secret_id: "kpiwatch/api".to_string(),
                    json_key: None
                }
            ),
            (
                "X-Client-Secret",
                &SecretValue::SecretsManager {
                    secret_id: "kpiwatch/oauth".to_string(),
                    json_key: Some("client_secret".to_string())
                }
            ),
            (
                "X-Tenant",
                &SecretValue::SsmParameter {
                    name: "/kpiwatch/tenant".to_string()
                }
            ),
        ]
    );
}

#[test]
fn source_health_and_retention_take_the_configured_values() {
    let config = full_config();
    assert_eq!(config.source_health.level, Level::Critical);
    assert_eq!(
        config.source_health.for_clause,
        ForClause {
            breaching: 2,
            datapoints: 4
        }
    );
    assert_eq!(config.source_health.renotify_interval, None);
    assert_eq!(config.retention, days(45));
}

#[test]
fn a_rule_that_sets_every_field_keeps_its_own_values() {
    let config = full_config();
    let churn = &config.rules[0];
    assert_eq!(churn.id, "churn-rate");
    assert_eq!(churn.name, "Churn rate");
    assert!(matches!(&churn.value, ValueSource::Metric(m) if m == "retention.churnRate"));
    assert_eq!(churn.unit, "%");
    assert_eq!(churn.critical, condition(Comparison::Greater, 5.0));
    assert_eq!(churn.warning, condition(Comparison::Greater, 4.0));
    assert_eq!(churn.recovery, condition(Comparison::Less, 3.5));
    assert_eq!(
        churn.for_clause,
        ForClause {
            breaching: 1,
            datapoints: 2
        }
    );
    assert_eq!(churn.missing, MissingData::NotBreaching);
    assert!(!churn.notify_no_data);
    assert_eq!(churn.change, None);
    assert_eq!(
        churn.window,
        Some(Window {
            aggregate: Aggregate::Avg,
            points: 3
        })
    );
    assert_eq!(
        churn.message.as_ref().unwrap().source,
        "Churn is {{ value }}{{ unit }} (critical above 5%)"
    );
    assert_eq!(
        churn.action.as_ref().unwrap().source,
        "Analyze churn reasons and launch a retention campaign"
    );
    assert_eq!(
        churn.runbook.as_deref(),
        Some("https://wiki.example.com/runbooks/churn")
    );
    let labels: BTreeMap<String, String> =
        [("domain", "retention"), ("team", "growth"), ("tier", "1")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
    assert_eq!(churn.labels, labels);
    assert_eq!(churn.renotify_interval, Some(Duration::from_secs(90 * 60)));
    assert_eq!(churn.renotify_max, None);
    assert_eq!(churn.flapping, None);
}

#[test]
fn rules_inherit_what_they_do_not_set_from_defaults() {
    let config = full_config();
    let ltv = &config.rules[1];
    assert_eq!(ltv.name, "ltv-cac");
    let ratio = Expr::parse("acquisition.ltv / acquisition.cac").unwrap();
    assert!(matches!(&ltv.value, ValueSource::Expr(expr) if *expr == ratio));
    assert_eq!(ltv.unit, "");
    assert_eq!(ltv.critical, None);
    assert_eq!(ltv.warning, condition(Comparison::Less, 3.0));
    assert_eq!(
        ltv.for_clause,
        ForClause {
            breaching: 2,
            datapoints: 3
        }
    );
    assert_eq!(ltv.missing, MissingData::Breaching);
    assert!(ltv.notify_no_data);
    assert_eq!(ltv.renotify_interval, Some(hours(12)));
    assert_eq!(ltv.renotify_max, Some(3));
    assert_eq!(
        ltv.flapping,
        Some(Flapping {
            max_changes: 3,
            evaluations: 8
        })
    );
    assert!(
        ltv.message
            .as_ref()
            .unwrap()
            .source
            .starts_with("LTV/CAC is {{ value | round(2) }}")
    );
    assert_eq!(ltv.action, None);
    assert_eq!(ltv.runbook, None);
    assert!(ltv.labels.is_empty());

    let mrr = &config.rules[2];
    assert_eq!(
        mrr.change,
        Some(Change {
            vs: days(30),
            mode: ChangeMode::Percent
        })
    );
    assert_eq!(mrr.critical, condition(Comparison::Less, -10.0));
    assert_eq!(mrr.renotify_max, Some(5));
    // A partial flapping mapping fills the rest from the built-in default, not `defaults`.
    assert_eq!(
        mrr.flapping,
        Some(Flapping {
            max_changes: 2,
            evaluations: 10
        })
    );
}

#[test]
fn silences_match_by_rule_labels_or_source_health() {
    let config = full_config();
    assert_eq!(config.silences.len(), 3);

    let freeze = &config.silences[0];
    assert_eq!(freeze.matcher.rule_id.as_deref(), Some("churn-rate"));
    assert!(freeze.matcher.labels.is_empty());
    assert_eq!(freeze.starts_at, Some(time("2026-12-20T00:00:00Z")));
    assert_eq!(freeze.until, time("2026-12-27T00:00:00Z"));
    assert_eq!(freeze.reason, "holiday freeze");

    let pricing = &config.silences[1];
    assert_eq!(pricing.matcher.rule_id.as_deref(), Some("churn-rate"));
    assert_eq!(
        pricing.matcher.labels.get("team").map(String::as_str),
        Some("growth")
    );
    assert_eq!(pricing.starts_at, None);
    assert_eq!(pricing.until, time("2027-01-05T08:30:00Z"));

    assert_eq!(
        config.silences[2].matcher.rule_id.as_deref(),
        Some("source-health:api")
    );
}

#[test]
fn a_minimal_config_gets_the_documented_defaults() {
    let text = "rules:\n  - id: up\n    metric: technical.uptime\n    critical: \"< 99.9\"\n";
    let config = config::parse(text, Path::new("kpiwatch.yaml")).unwrap();
    assert!(config.sources.is_empty());
    assert!(config.silences.is_empty());
    assert_eq!(config.retention, days(30));
    assert_eq!(config.source_health.level, Level::Warning);
    assert_eq!(config.source_health.for_clause, ForClause::default());
    assert_eq!(config.source_health.renotify_interval, Some(hours(6)));

    let rule = &config.rules[0];
    assert_eq!(rule.for_clause, ForClause::default());
    assert_eq!(rule.missing, MissingData::Missing);
    assert!(!rule.notify_no_data);
    assert_eq!(rule.renotify_interval, Some(hours(6)));
    assert_eq!(rule.renotify_max, None);
    assert_eq!(
        rule.flapping,
        Some(Flapping {
            max_changes: 4,
            evaluations: 10
        })
    );
}

#[test]
fn a_config_saved_with_a_byte_order_mark_loads() {
    let text = "\u{feff}rules:\n  - id: up\n    metric: technical.uptime\n    \
                critical: \"< 99.9\"\n";
    let config = config::parse(text, Path::new("kpiwatch.yaml")).unwrap();
    assert_eq!(config.rules[0].id, "up");
}

#[test]
fn conditions_and_silences_that_can_fire_and_match_are_accepted() {
    // A warning `!= 0` under a critical `> 10` still has the values 0 < v <= 10 of its own,
    // and a source's health rule carries the label `source`.
    let text = r#"
sources:
  - id: billing
    file: { path: m.json }
rules:
  - id: jobs
    metric: jobs.failed
    critical: "> 10"
    warning: "!= 0"
    labels: { team: ops }
  - id: deploys
    metric: deploys
    critical: "== 0"
    warning: "< 2"
silences:
  - match: { labels: { source: billing } }
    until: 2027-01-01T00:00:00Z
    reason: migration
  - match: { rule: jobs, labels: { team: ops } }
    until: 2027-01-01T00:00:00Z
    reason: maintenance
"#;
    let config =
        config::parse(text, Path::new("kpiwatch.yaml")).unwrap_or_else(|errors| panic!("{errors}"));
    assert_eq!(config.silences.len(), 2);
}

#[test]
fn retention_defaults_to_the_longest_change_plus_a_day_when_that_is_longer() {
    let text = "rules:\n  - id: mrr\n    metric: mrr\n    critical: \"< -10\"\n    \
                change: { vs: 90d, as: absolute }\n";
    let config = config::parse(text, Path::new("kpiwatch.yaml")).unwrap();
    assert_eq!(config.retention, days(91));
    assert_eq!(config.rules[0].change.unwrap().mode, ChangeMode::Absolute);
}

#[test]
fn durations_may_reach_ten_years_and_retention_a_day_more() {
    let text = "retention: 10y 1d\nrules:\n  - id: yoy\n    metric: mrr\n    \
                critical: \"< -10\"\n    renotify: 10y\n    change: { vs: 10y, as: percent }\n";
    let config =
        config::parse(text, Path::new("kpiwatch.yaml")).unwrap_or_else(|errors| panic!("{errors}"));
    assert_eq!(config.retention, days(3652) + hours(36));
}

fn schema_errors(instance: &Value) -> Vec<String> {
    let schema = config::json_schema();
    let validator = jsonschema::validator_for(&schema).expect("the schema is itself valid");
    validator
        .iter_errors(instance)
        .map(|error| format!("{}: {error}", error.instance_path()))
        .collect()
}

#[test]
fn the_json_schema_accepts_the_full_config() {
    let text = std::fs::read_to_string(FULL).unwrap();
    let instance = yaml_file_to_json(&text);
    assert_eq!(instance["rules"][0]["labels"]["tier"], json!(1));
    assert_eq!(schema_errors(&instance), Vec::<String>::new());
}

#[test]
fn the_json_schema_carries_the_field_docs() {
    let schema = config::json_schema();
    let description = schema["properties"]["retention"]["description"]
        .as_str()
        .unwrap_or_default();
    assert!(
        description.contains("How long stored snapshots are kept"),
        "{schema:#}"
    );
}

#[test]
fn the_json_schema_documents_every_kind_of_header_reference() {
    let schema = config::json_schema();
    let description = schema["$defs"]["HttpSource"]["properties"]["headers"]["description"]
        .as_str()
        .unwrap_or_default();
    for form in [
        "`env:NAME`",
        "`secret:NAME_OR_ARN`",
        "`secret:NAME_OR_ARN#key`",
        "`ssm:",
    ] {
        assert!(description.contains(form), "{form} in {description:?}");
    }
}

#[test]
fn the_json_schema_rejects_broken_configs() {
    let rule = "  - id: churn\n    metric: retention.churnRate\n    critical: \"> 5\"\n";
    let cases = [
        (
            "a misspelt field",
            format!("rules:\n{rule}    critcal: \"> 6\"\n"),
        ),
        (
            "an unknown policy",
            format!("rules:\n{rule}    missing: sometimes\n"),
        ),
        (
            "an unquoted number threshold",
            format!("rules:\n{rule}    warning: 4\n"),
        ),
        (
            "a rule without id",
            "rules:\n  - metric: m\n    critical: \"> 1\"\n".to_string(),
        ),
        (
            "a rule with no condition",
            "rules:\n  - id: a\n    metric: m\n".to_string(),
        ),
        (
            "both file and http",
            format!(
                "sources:\n  - id: s\n    file: {{ path: m.json }}\n    http: {{ url: \
                 https://x.example }}\nrules:\n{rule}"
            ),
        ),
        (
            "two window aggregates",
            format!("rules:\n{rule}    window: {{ avg: 3, max: 2 }}\n"),
        ),
        (
            "a bad id",
            "rules:\n  - id: churn rate\n    metric: m\n    critical: \"> 1\"\n".to_string(),
        ),
        ("an unknown top-level key", format!("rule:\n{rule}")),
        (
            "a name longer than 256 characters",
            format!("rules:\n{rule}    name: {}\n", "n".repeat(257)),
        ),
        (
            "a rule id longer than 128 characters",
            format!(
                "rules:\n  - id: {}\n    metric: m\n    critical: \"> 1\"\n",
                "r".repeat(129)
            ),
        ),
    ];
    for (name, text) in cases {
        let errors = schema_errors(&yaml_file_to_json(&text));
        assert!(!errors.is_empty(), "the schema accepted {name}:\n{text}");
    }
}
