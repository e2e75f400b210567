//! Every invalid test file in `tests/fixtures/ruletest/invalid/` gives exactly the expected
//! errors: each at its `line:column`, each naming its problem. They test
//! `tests/fixtures/ruletest/kpiwatch.yaml`.

use std::path::PathBuf;

use kpiwatch::testing;

use crate::root;

const DIR: &str = "tests/fixtures/ruletest/invalid";

/// A fixture file and the errors it must give, in file order: line, column, and a fragment
/// of the message.
use error_table::Row;

#[path = "../common/error_table.rs"]
mod error_table;

const ROWS: &[Row] = &[
    // YAML and the shape of the file.
    (
        "yaml_syntax_error",
        &[(
            5,
            5,
            "YAML syntax error: invalid indentation in flow construct",
        )],
    ),
    (
        "top_level_is_a_list",
        &[(
            1,
            1,
            "a test file must be a mapping with keys such as `config` and `tests`",
        )],
    ),
    (
        "empty_file",
        &[
            (
                1,
                1,
                "missing the required field `config`, as in `config: kpiwatch.yaml`",
            ),
            (1, 1, "missing the required field `tests`"),
        ],
    ),
    (
        "unknown_top_level_field",
        &[
            (1, 1, "missing the required field `tests`"),
            (
                2,
                1,
                "unknown field `test` in the test file (did you mean `tests`?)",
            ),
        ],
    ),
    (
        "unknown_test_field",
        &[
            (3, 5, "this test has no `expect`, so it would check nothing"),
            (
                6,
                5,
                "unknown field `expects` in this test (did you mean `expect`?)",
            ),
        ],
    ),
    (
        "unknown_notification_field",
        &[(
            9,
            47,
            "unknown field `severity` in this notification; the allowed fields are `rule`, \
             `kind`, `level`",
        )],
    ),
    (
        "no_expect",
        &[(3, 5, "this test has no `expect`, so it would check nothing")],
    ),
    (
        "empty_expect",
        &[
            (
                6,
                5,
                "`expect` is empty, so this test would check nothing; list the steps to check, \
                 and to check that nobody is told anything at a step, give it \
                 `notifications: []`",
            ),
            (10, 5, "`expect` is empty, so this test would check nothing"),
        ],
    ),
    (
        "expectation_checks_nothing",
        &[(
            7,
            9,
            "this expectation checks nothing: give `notifications`",
        )],
    ),
    (
        "duplicate_test_name",
        &[(
            6,
            11,
            "another test, on line 3, is already named `churn fires`",
        )],
    ),
    (
        "duplicate_expectation_step",
        &[(
            8,
            17,
            "step 1 already has an expectation, on line 7; merge the two",
        )],
    ),
    // The config it names.
    (
        "config_not_found",
        &[(
            1,
            9,
            "cannot read the config `tests/fixtures/ruletest/invalid/absent.yaml`",
        )],
    ),
    // Names checked against the config.
    (
        "unknown_rule_in_expectation",
        &[(
            9,
            21,
            "`churn_rate` is not a rule of the config (did you mean `churn-rate`?); the rules \
             are `churn-rate`, `ltv-cac`, `mrr-drop`, `source-health:billing`",
        )],
    ),
    (
        "unknown_rule_in_states",
        &[(
            8,
            19,
            "`churn` is not a rule of the config (did you mean `churn-rate`?)",
        )],
    ),
    (
        "source_health_unknown",
        &[(
            9,
            21,
            "`source-health:biling` is not a rule of the config (did you mean \
             `source-health:billing`?)",
        )],
    ),
    (
        "unknown_source",
        &[(
            5,
            7,
            "`biling` is not a source of the config (did you mean `billing`?)",
        )],
    ),
    (
        "unknown_metric",
        &[(
            5,
            7,
            "no rule of the config reads the metric `retention.churnrate` (did you mean \
             `retention.churnRate`?)",
        )],
    ),
    (
        "rule_not_watched",
        &[(10, 21, "`churn-rate` is not in this test's `rules`")],
    ),
    // Kinds, levels and values.
    (
        "bad_kind",
        &[(
            9,
            39,
            "`fired` is not a notification kind; write one of `firing`, `escalated`",
        )],
    ),
    (
        "bad_level",
        &[(
            9,
            54,
            "`page` is not a level; write one of `ok`, `warning`, `critical`",
        )],
    ),
    (
        "impossible_level",
        &[(
            9,
            56,
            "`resolved` at level `critical` never happens: a resolve is always at level `ok`",
        )],
    ),
    (
        "bad_value",
        &[(
            9,
            71,
            "`value` must be a number, or `_` for a missing value, not `6%`",
        )],
    ),
    // Series.
    (
        "bad_series_value",
        &[(
            5,
            36,
            "the series of `retention.churnRate`: `six` is not a number",
        )],
    ),
    (
        "bad_series_repeat",
        &[(
            5,
            35,
            "the series of `retention.churnRate`: `_x0` repeats zero times",
        )],
    ),
    (
        "series_is_a_list",
        &[(
            5,
            28,
            "must be one line of values such as `6.2 6.4 _ 3`, not a list",
        )],
    ),
    (
        "series_lengths_disagree",
        &[(
            6,
            7,
            "the series of `acquisition.cac` has 3 steps, but the series of `acquisition.ltv` \
             (line 5) has 4",
        )],
    ),
    (
        "series_several_bad_tokens",
        &[
            (
                6,
                13,
                "the series of `retention.churnRate`: `six` is not a number",
            ),
            (
                6,
                19,
                "the series of `retention.churnRate`: `3x0` repeats zero times",
            ),
            (
                7,
                11,
                "the series of `retention.churnRate`: `1+2` counts from 1 by +2, and needs a \
                 number of steps",
            ),
            (
                9,
                21,
                "the failures of `billing`: `fial` is not a step of a failure series",
            ),
            (
                9,
                29,
                "the failures of `billing`: `pass` is not a step of a failure series",
            ),
        ],
    ),
    (
        "failure_series_bad_token",
        &[(
            5,
            20,
            "the failures of `billing`: `x` is not a step of a failure series",
        )],
    ),
    // Snapshots.
    (
        "snapshot_metric_not_a_number",
        &[(7, 35, "`retention.churnRate`: `high` is not a number")],
    ),
    (
        "snapshot_file_not_json",
        &[(
            5,
            25,
            "not-json.json` fails as a source would: not valid JSON: trailing comma at line 1 \
             column 36",
        )],
    ),
    (
        "snapshot_metrics_and_file",
        &[(7, 9, "give either `metrics` or `file`, not both")],
    ),
    // Times.
    (
        "bad_start",
        &[(
            2,
            8,
            "`start`: `2026-12-01 midnight` is not an RFC 3339 time",
        )],
    ),
    (
        "zero_interval",
        &[(
            4,
            15,
            "`interval` must be longer than zero and at most 366 days, not `0s`",
        )],
    ),
    (
        "bad_at",
        &[(
            7,
            15,
            "`at`: `soon` is neither an offset from the start, such as `10m`",
        )],
    ),
    (
        "at_between_steps",
        &[(
            8,
            15,
            "`at: 7m` falls between two steps, which are 5m apart",
        )],
    ),
    (
        "at_before_start",
        &[(
            8,
            15,
            "`at: 2026-11-30T23:55:00Z` is before the test starts, at 2026-12-01T00:00:00Z",
        )],
    ),
    (
        "at_past_the_series",
        &[(
            7,
            15,
            "about step 3, past the end of the test: its series have 3 steps (0 to 2)",
        )],
    ),
    (
        "at_and_step",
        &[(7, 19, "give either `at` or `step`, not both")],
    ),
    // Several at once, across tests.
    (
        "several_errors",
        &[
            (6, 31, "`seven` is not a number"),
            (
                10,
                21,
                "`churn-rat` is not a rule of the config (did you mean `churn-rate`?)",
            ),
            (15, 13, "`at: 12m` falls between two steps"),
            (17, 51, "`firing` at level `ok` never happens"),
        ],
    ),
];

/// Fixtures tested on their own below, because their errors are in another file too.
const ELSEWHERE: &[&str] = &["config_invalid"];

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(DIR).join(format!("{name}.yaml"))
}

/// Loads a fixture by a path relative to the crate root, where `cargo test` runs, as a user
/// would name it to `kpiwatch test`.
fn load(name: &str) -> Result<testing::TestFile, kpiwatch::config::ConfigErrors> {
    testing::load(&fixture(name))
}

#[test]
fn every_invalid_test_file_gives_exactly_its_errors_with_positions() {
    error_table::check(ROWS, fixture, testing::load);
}

#[test]
fn the_table_covers_every_fixture_and_enough_of_them() {
    let mut files: Vec<String> = std::fs::read_dir(root().join(DIR))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .map(|path| path.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut rows: Vec<String> = ROWS
        .iter()
        .map(|(name, _)| name.to_string())
        .chain(ELSEWHERE.iter().map(|name| name.to_string()))
        .collect();
    rows.sort();
    assert_eq!(files, rows);
    assert!(ROWS.len() >= 8);
}

#[test]
fn an_invalid_config_is_reported_at_the_test_file_then_with_its_own_errors() {
    let errors = load("config_invalid").unwrap_err().errors;
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_eq!(errors[0].file, fixture("config_invalid"));
    assert_eq!((errors[0].line, errors[0].column), (1, 9));
    assert!(
        errors[0].message.contains(
            "the config `tests/fixtures/ruletest/invalid/../broken.yaml` is invalid (1 error"
        ),
        "{}",
        errors[0]
    );
    assert_eq!(errors[1].file, PathBuf::from(DIR).join("../broken.yaml"));
    assert_eq!((errors[1].line, errors[1].column), (4, 15));
    assert!(errors[1].message.contains("`> five`"), "{}", errors[1]);
}
