//! The SaaS example's test file documents every rule of its config: each one is expected
//! to fire and to resolve somewhere.

use std::collections::BTreeSet;

use kpiwatch::model::NotificationKind;
use kpiwatch::testing;

use crate::root;

#[test]
fn the_example_tests_fire_and_resolve_every_rule_of_the_config() {
    let file = testing::load(&root().join("examples/saas/kpiwatch.test.yaml"))
        .unwrap_or_else(|errors| panic!("{errors}"));
    let mut fired = BTreeSet::new();
    let mut resolved = BTreeSet::new();
    let expected = file
        .tests
        .iter()
        .flat_map(|test| &test.expectations)
        .flat_map(|expectation| expectation.notifications.iter().flatten());
    for notification in expected {
        match notification.kind {
            NotificationKind::Firing => fired.insert(notification.rule.as_str()),
            NotificationKind::Resolved => resolved.insert(notification.rule.as_str()),
            _ => false,
        };
    }

    let mut rules: Vec<String> = file.config.rules.iter().map(|r| r.id.clone()).collect();
    rules.extend(
        file.config
            .sources
            .iter()
            .map(|s| kpiwatch::engine::source_health_rule_id(&s.id)),
    );
    let untested: Vec<&String> = rules
        .iter()
        .filter(|id| !fired.contains(id.as_str()) || !resolved.contains(id.as_str()))
        .collect();
    assert!(
        untested.is_empty(),
        "rules never expected to fire and resolve: {untested:?}"
    );
}

#[test]
fn every_example_test_passes_through_the_library() {
    let file = testing::load(&root().join("examples/saas/kpiwatch.test.yaml")).unwrap();
    let outcomes = testing::run(&file);
    let report = testing::render_file(&file.path, &outcomes);
    assert!(outcomes.iter().all(|o| o.passed()), "{report}");
}
