//! Notifications built by hand for the formatting tests.

use std::collections::BTreeMap;

use crate::model::{Level, NOTIFICATION_VERSION, Notification, NotificationKind, RuleRef};

/// The churn-rate notification of the README, of the given kind, level and value.
pub(crate) fn notification(
    kind: NotificationKind,
    level: Level,
    value: Option<f64>,
) -> Notification {
    let at = "2026-12-03T10:05:00Z".parse().expect("a valid time");
    Notification {
        version: NOTIFICATION_VERSION.into(),
        id: Notification::id_for("churn-rate", kind, at),
        kind,
        rule: RuleRef {
            id: "churn-rate".into(),
            name: "Churn rate".into(),
        },
        level,
        previous_level: match kind {
            NotificationKind::Resolved | NotificationKind::Downgraded => Some(Level::Critical),
            NotificationKind::Escalated => Some(Level::Warning),
            _ => None,
        },
        incident_level: match kind {
            NotificationKind::Resolved | NotificationKind::Downgraded => Some(Level::Critical),
            _ => Some(level).filter(|l| *l != Level::Ok),
        },
        value,
        unit: "%".into(),
        condition: "> 5".into(),
        previous_value: Some(5.1),
        sparkline: "▁▂▃▅▇".into(),
        message: "Churn is 6.2% (critical above 5%)".into(),
        action: "Analyze churn reasons and launch a retention campaign".into(),
        runbook: "https://wiki.example.com/runbooks/churn".into(),
        labels: BTreeMap::from([
            ("domain".to_string(), "retention".to_string()),
            ("team".to_string(), "growth".to_string()),
        ]),
        at,
        run_id: "20261203T100500Z".into(),
    }
}
