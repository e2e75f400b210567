//! Every invalid config in `tests/fixtures/config/invalid/` gives exactly the expected
//! errors: each at its `line:column`, each naming its problem.

use std::path::{Path, PathBuf};

use kpiwatch::config;

const DIR: &str = "tests/fixtures/config/invalid";

/// A fixture file and the errors it must give, in file order: line, column, and a fragment
/// of the message.
use error_table::Row;

#[path = "common/error_table.rs"]
mod error_table;

const ROWS: &[Row] = &[
    // YAML itself.
    ("yaml_syntax_error", &[(4, 13, "YAML syntax error")]),
    (
        "unquoted_condition",
        &[(4, 15, "must be quoted, as in `critical: \"> 5\"`")],
    ),
    ("top_level_is_a_list", &[(1, 1, "must be a mapping")]),
    (
        "yaml_anchor",
        &[(4, 15, "anchors and aliases are not supported")],
    ),
    (
        "duplicate_key",
        &[(5, 5, "duplicate key `metric`; it is already set on line 3")],
    ),
    (
        "second_yaml_document",
        &[(5, 1, "a second YAML document starts here")],
    ),
    // The shape of the file.
    ("empty_file", &[(1, 1, "no rules: nothing to evaluate")]),
    ("no_rules", &[(4, 1, "no rules: nothing to evaluate")]),
    ("rules_not_a_list", &[(2, 3, "`rules` must be a list")]),
    (
        "unknown_top_level_field",
        &[(
            5,
            1,
            "unknown top-level field `silence` (did you mean `silences`?)",
        )],
    ),
    (
        "unknown_rule_field",
        &[(
            4,
            5,
            "unknown field `critcal` in this rule (did you mean `critical`?); the allowed \
             fields are `id`, `name`, `metric`",
        )],
    ),
    (
        "unknown_nested_field",
        &[(
            5,
            37,
            "unknown field `from` in `change`; the allowed fields are `vs`, `as`",
        )],
    ),
    (
        "missing_rule_id",
        &[(2, 5, "missing the required field `id`")],
    ),
    (
        "wrong_type_boolean",
        &[(
            5,
            21,
            "`notify_no_data` must be `true` or `false`, not `yes`",
        )],
    ),
    (
        "wrong_type_number",
        &[(
            5,
            19,
            "`renotify_max` must be a whole number or `off`, not `many`",
        )],
    ),
    (
        "wrong_type_mapping",
        &[(5, 13, "`labels` must be a mapping, not `growth`")],
    ),
    (
        "quoted_boolean",
        &[(
            5,
            21,
            "`notify_no_data` must be `true` or `false`, not the quoted text `\"true\"`",
        )],
    ),
    ("empty_value", &[(5, 5, "`renotify` has no value")]),
    (
        "empty_list_element",
        &[(5, 3, "an empty element in `rules`; remove this `-`")],
    ),
    // Rule ids.
    (
        "rule_id_with_space",
        &[(
            2,
            9,
            "rule id `churn rate` is not valid: use only ASCII letters",
        )],
    ),
    (
        "rule_id_reserved_prefix",
        &[(2, 9, "starts with `source-health`")],
    ),
    (
        "duplicate_rule_id",
        &[(
            5,
            9,
            "duplicate rule id `churn-rate`; it is first used on line 2",
        )],
    ),
    // What a rule evaluates.
    ("metric_and_expr", &[(4, 5, "has both `metric` and `expr`")]),
    (
        "no_metric_nor_expr",
        &[(2, 5, "has neither `metric` nor `expr`")],
    ),
    ("bad_expr_plain", &[(3, 29, "`expr`: unexpected `/`")]),
    (
        "bad_expr_quoted",
        &[(3, 12, "`expr`: this `(` is never closed")],
    ),
    // Conditions.
    (
        "no_condition",
        &[(2, 5, "has neither `critical` nor `warning`")],
    ),
    (
        "bad_condition",
        &[(4, 15, "condition `above 5` must start with one of")],
    ),
    (
        "condition_without_number",
        &[(4, 15, "needs a finite number after `>`, found `five`")],
    ),
    (
        "warning_stricter_than_critical",
        &[(5, 14, "warning `> 6` is stricter than critical `> 5`")],
    ),
    (
        "warning_opposite_direction",
        &[(
            5,
            14,
            "warning `> 99.5` and critical `< 99` point in opposite directions",
        )],
    ),
    (
        "recovery_overlaps_critical",
        &[(
            5,
            15,
            "recovery `< 6` overlaps the firing range of critical `> 5`; it must hold only \
             where critical does not, as `<= 5` does",
        )],
    ),
    // Settings.
    (
        "bad_duration",
        &[(2, 13, "`defaults.renotify`: `soon` is not a duration")],
    ),
    (
        "zero_change_vs",
        &[(5, 19, "`change.vs` must be longer than zero")],
    ),
    (
        "unknown_missing_policy",
        &[(
            5,
            14,
            "`missing` cannot be `sometimes`; expected one of `missing`, `breaching`",
        )],
    ),
    (
        "for_m_greater_than_n",
        &[(
            5,
            10,
            "`for: 4 of 3` asks for 4 breaching datapoints out of only 3",
        )],
    ),
    (
        "change_and_window",
        &[(6, 5, "not both; remove `window` or `change`")],
    ),
    (
        "window_two_aggregates",
        &[(5, 13, "`window` has `avg` and `max`; keep only one")],
    ),
    (
        "window_too_long",
        &[(5, 20, "`window.avg` must be from 1 to 100 values, not 500")],
    ),
    (
        "flapping_changes_too_many",
        &[(5, 26, "`flapping.changes` must be from 1 to 9")],
    ),
    (
        "runbook_not_a_url",
        &[(5, 14, "`runbook` `wiki/churn` is not an http or https URL")],
    ),
    // Texts copied into every notification, which must fit in the store and in SNS.
    (
        "texts_too_long",
        &[
            (
                6,
                11,
                "`name` is 300 characters long; at most 256 are allowed",
            ),
            (8, 11, "`unit` is 40 characters long; at most 32"),
            (10, 14, "`runbook` is 2125 characters long; at most 2048"),
            (
                12,
                13,
                "the value of label `team` is 300 characters long; at most 256",
            ),
            (13, 7, "a label name is 130 characters long; at most 128"),
            (14, 9, "the rule id is 130 characters long; at most 128"),
        ],
    ),
    (
        "retention_shorter_than_change",
        &[(
            1,
            12,
            "retention `20d` is shorter than the longest `change.vs` (30d, rule `mrr-drop`) \
             plus one day; keep at least `31d`",
        )],
    ),
    // Sources.
    (
        "duplicate_source_id",
        &[(
            4,
            9,
            "duplicate source id `billing`; it is first used on line 2",
        )],
    ),
    (
        "source_file_and_http",
        &[(4, 5, "has both `file` and `http`")],
    ),
    (
        "source_neither_file_nor_http",
        &[(2, 5, "has neither `file` nor `http`")],
    ),
    ("source_empty_file_path", &[(3, 19, "`file.path` is empty")]),
    (
        "source_file_path_with_tilde",
        &[(
            3,
            19,
            "`file.path` `~/kpis/metrics.json` starts with `~`, which kpiwatch does not",
        )],
    ),
    (
        "source_malformed_url",
        &[(
            3,
            18,
            "`http.url` `https://exa mple.com/kpis` is not a valid URL",
        )],
    ),
    (
        "source_non_http_scheme",
        &[(3, 18, "uses the scheme `ftp`; only `http` and `https`")],
    ),
    (
        "source_timeout_too_long",
        &[(5, 16, "`http.timeout` is `10m`; it can be at most `5m`")],
    ),
    (
        "header_name_invalid",
        &[(6, 10, "`X Api Key` is not a valid HTTP header name")],
    ),
    (
        "header_env_without_name",
        &[(6, 24, "reads `env:` with no variable name")],
    ),
    (
        "header_secret_without_name",
        &[(
            6,
            24,
            "header `Authorization` reads `secret:` with no secret name",
        )],
    ),
    (
        "header_secret_name_invalid",
        &[(
            6,
            24,
            "`kpiwatch api` is not a valid Secrets Manager secret name or ARN",
        )],
    ),
    (
        "header_secret_empty_json_key",
        &[(6, 24, "`secret:kpiwatch/api#` names no JSON key")],
    ),
    (
        "header_ssm_without_name",
        &[(
            6,
            24,
            "header `Authorization` reads `ssm:` with no parameter name",
        )],
    ),
    (
        "header_ssm_path_without_slash",
        &[(6, 24, "must start with `/`: write `ssm:/kpiwatch/token`")],
    ),
    // Silences.
    (
        "silence_until_before_starts",
        &[(
            8,
            12,
            "`until` (2026-12-20T00:00:00Z) must be after `starts`",
        )],
    ),
    (
        "silence_bad_time",
        &[(7, 12, "`until` `next monday` is not an RFC 3339 time")],
    ),
    (
        "silence_unknown_rule",
        &[(
            6,
            20,
            "matches rule `churn-rat`, which is not defined (did you mean `churn-rate`?)",
        )],
    ),
    (
        "silence_matches_nothing",
        &[(6, 12, "must match a `rule` or at least one label")],
    ),
    ("silence_empty_reason", &[(8, 13, "`reason` is empty")]),
    // Templates.
    (
        "template_syntax_error",
        &[(5, 33, "`message` is not a valid template: unexpected `}`")],
    ),
    (
        "template_unclosed_block",
        &[(
            7,
            57,
            "`message` is not a valid template: unexpected end of input",
        )],
    ),
    (
        "template_unknown_variable",
        &[(
            5,
            26,
            "`message` uses the unknown variable `valeu` (did you mean `value`?)",
        )],
    ),
    (
        "template_unknown_variable_in_block",
        &[(
            7,
            17,
            "`action` uses the unknown variable `owner`; the variables are value, unit",
        )],
    ),
    (
        "template_unknown_filter",
        &[(5, 35, "`message`: filter percent is unknown")],
    ),
    (
        "template_undefined_label",
        &[
            (
                6,
                45,
                "`message` prints or filters something undefined (`labels.teem` is undefined), \
                 which every notification would show as nothing: the rule's labels are \
                 `on_call`, `team`",
            ),
            (
                12,
                35,
                "`action` prints or filters something undefined (`labels.team` is undefined), \
                 which every notification would show as nothing: the rule has no labels",
            ),
            (
                16,
                23,
                "`message` prints or filters something undefined (`value.score` is undefined)",
            ),
        ],
    ),
    // Errors that only rendering shows, with values of the types a notification gives.
    (
        "template_fails_to_render",
        &[
            (
                5,
                27,
                "`message` fails to render: tried to use + operator on unsupported types \
                 number and string",
            ),
            (
                6,
                51,
                "`action` fails to render: cannot round value (string)",
            ),
        ],
    ),
    ("byte_order_mark", &[(1, 10, "`sources` must be a list")]),
    (
        "duplicate_keys_several",
        &[
            (5, 5, "duplicate key `metric`; it is already set on line 3"),
            (6, 5, "duplicate key `metric`; it is already set on line 3"),
            (7, 54, "duplicate key `id`; it is already set on line 7"),
        ],
    ),
    (
        "rule_not_a_mapping",
        &[
            (
                2,
                5,
                "this rule must be a mapping with `id`, `metric` or `expr`, and `critical` or \
                 `warning`, not a list",
            ),
            (3, 5, "this rule must be a mapping with `id`"),
        ],
    ),
    (
        "rule_id_not_ascii",
        &[
            (2, 9, "rule id `ünï` is not valid: use only ASCII letters"),
            (
                5,
                15,
                "label name `équipe` is not valid: use only ASCII letters",
            ),
        ],
    ),
    (
        "condition_invalid_operator",
        &[
            (
                4,
                15,
                "condition `>> 5` has the invalid operator `>>`; the operators are",
            ),
            (
                5,
                14,
                "condition `=> 4` has the invalid operator `=>` (did you mean `>=`?)",
            ),
            (
                6,
                15,
                "condition `< = 3` has a second operator `=` after `<`",
            ),
        ],
    ),
    (
        "warning_unreachable_with_equality",
        &[
            (
                5,
                14,
                "warning `> 10` can never be reached: wherever it holds, critical `!= 0` holds too",
            ),
            (9, 14, "warning `== 1` can never be reached"),
        ],
    ),
    (
        "expr_not_a_rule_value",
        &[
            (3, 11, "`expr`: the expression reads no metric"),
            (6, 11, "`expr`: `1e999` is too large a number"),
            (9, 11, "`expr`: `acquisition.` is not a metric name"),
            (12, 29, "`expr`: division by zero"),
            (12, 57, "`expr`: division by zero"),
        ],
    ),
    (
        "positions_in_multi_line_scalars",
        &[
            (7, 16, "`message` uses the unknown variable `threshld`"),
            (11, 9, "`expr`: unexpected `$`"),
            (15, 9, "`expr`: this `(` is never closed"),
        ],
    ),
    (
        "duration_too_long",
        &[
            (
                1,
                12,
                "`retention` is `300000y`; it can be at most `10y 1d`",
            ),
            (6, 15, "`renotify` is `300000y`; it can be at most `10y`"),
            (7, 19, "`change.vs` is `300000y`; it can be at most `10y`"),
        ],
    ),
    (
        "source_url_without_scheme",
        &[
            (
                3,
                18,
                "`http.url` `localhost:8080/kpis` has no scheme; add `http://` or `https://` in \
                 front, as in `http://localhost:8080/kpis`",
            ),
            (5, 18, "as in `http://example.com/kpis`"),
        ],
    ),
    (
        "silence_labels_match_no_rule",
        &[
            (
                10,
                22,
                "the silence matches the label `team: growht`, which no rule carries",
            ),
            (
                13,
                22,
                "the labels `team: growth` and `tier: 2`, which no rule carries",
            ),
            (
                16,
                40,
                "the label `source: billing`, which no rule `churn-rate` carries",
            ),
        ],
    ),
    // One error in a section hides none of the others.
    (
        "rule_several_parse_errors",
        &[
            (5, 14, "`missing` cannot be `nope`"),
            (6, 15, "`renotify`: `soon` is not a duration"),
            (
                7,
                10,
                "`for: 5 of 3` asks for 5 breaching datapoints out of only 3",
            ),
            (
                8,
                21,
                "`notify_no_data` must be `true` or `false`, not `maybe`",
            ),
            (9, 27, "`change.as` cannot be `ratio`"),
        ],
    ),
    (
        "rule_unknown_field_hides_nothing",
        &[
            (
                5,
                9,
                "duplicate rule id `churn-rate`; it is first used on line 2",
            ),
            (
                6,
                5,
                "unknown field `metrik` in this rule (did you mean `metric`?)",
            ),
            (7, 15, "condition `>> 5` has the invalid operator `>>`"),
            (
                10,
                5,
                "unknown field `fiel` in this source (did you mean `file`?)",
            ),
            (
                12,
                14,
                "unknown field `rul` in `match` (did you mean `rule`?)",
            ),
        ],
    ),
    (
        "change_both_fields_wrong",
        &[
            (5, 19, "`change.vs`: `1x` is not a duration"),
            (5, 27, "`change.as` cannot be `ratio`"),
            (9, 13, "`change` must be a mapping, not a list"),
        ],
    ),
    (
        "defaults_several_errors",
        &[
            (2, 12, "`defaults.missing` cannot be `nope`"),
            (3, 19, "`defaults.notify_no_data` must be `true` or `false`"),
            (4, 13, "`defaults.renotify`: `soon` is not a duration"),
            (
                5,
                3,
                "unknown field `renotfy_max` in `defaults` (did you mean `renotify_max`?)",
            ),
            (6, 24, "`defaults.flapping.changes` must be a whole number"),
            (
                6,
                40,
                "`defaults.flapping.evaluations` must be from 2 to 100, not 200",
            ),
        ],
    ),
    (
        "source_health_several_errors",
        &[
            (2, 10, "`source_health.level` cannot be `major`"),
            (3, 8, "`for: 0 of 2` needs at least 1 breaching datapoint"),
            (
                4,
                13,
                "`source_health.renotify` must be a string, not a list",
            ),
            (5, 3, "unknown field `every` in `source_health`"),
        ],
    ),
    (
        "source_several_errors",
        &[
            (3, 5, "unknown field `kind` in this source"),
            (5, 12, "`http.url` `localhost:8080/kpis` has no scheme"),
            (6, 16, "`http.timeout` must be a string, not a list"),
            (
                7,
                29,
                "`http.headers.X-Api-Key` must be a string, not a list",
            ),
            (9, 11, "`file` must be a mapping, not a list"),
            (10, 5, "this source is missing the required field `id`"),
            (10, 33, "unknown field `format` in `file`"),
        ],
    ),
    (
        "silence_several_errors",
        &[
            (6, 5, "this silence is missing the required field `reason`"),
            (6, 20, "`match.rule` must be a string, not a list"),
            (7, 13, "`starts` `tomorrow` is not an RFC 3339 time"),
            (8, 12, "`until` `next week` is not an RFC 3339 time"),
            (9, 5, "unknown field `why` in this silence"),
        ],
    ),
    (
        "required_fields_missing",
        &[
            (3, 11, "`file` is missing the required field `path`"),
            (5, 11, "`http` is missing the required field `url`"),
            (7, 5, "this rule is missing the required field `id`"),
            (9, 15, "`renotify`: `soon` is not a duration"),
            (13, 13, "`change` is missing the required field `as`"),
            (13, 19, "`change.vs` is `300000y`; it can be at most `10y`"),
            (15, 5, "this silence is missing the required field `until`"),
            (15, 5, "this silence is missing the required field `reason`"),
        ],
    ),
    // Many problems at once: each is reported, in file order.
    (
        "several_errors",
        &[
            (3, 19, "`file.path` is empty"),
            (5, 12, "`defaults.missing` cannot be `sometimes`"),
            (10, 14, "warning `> 6` is stricter than critical `> 5`"),
            (
                11,
                9,
                "duplicate rule id `churn-rate`; it is first used on line 7",
            ),
            (13, 5, "unknown field `critcal` in this rule"),
            (14, 5, "rule `ltv-cac` has neither `critical` nor `warning`"),
            (15, 29, "`expr`: unexpected `/`"),
            (16, 18, "`message` uses the unknown variable `ratio`"),
            (20, 10, "`for: 5 of 3`"),
            (22, 20, "matches rule `nope`, which is not defined"),
            (24, 13, "`reason` is empty"),
        ],
    ),
];

fn fixture(name: &str) -> PathBuf {
    Path::new(DIR).join(format!("{name}.yaml"))
}

#[test]
fn every_invalid_file_gives_exactly_its_errors_with_positions() {
    error_table::check(ROWS, fixture, config::load);
}

#[test]
fn the_table_covers_every_fixture_and_enough_of_them() {
    let mut files: Vec<String> = std::fs::read_dir(DIR)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .map(|path| path.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut rows: Vec<String> = ROWS.iter().map(|(name, _)| name.to_string()).collect();
    rows.sort();
    assert_eq!(files, rows);
    assert!(ROWS.len() >= 25);
}

#[test]
fn errors_display_as_file_line_column_message_one_per_line() {
    let errors = config::load(&fixture("several_errors")).unwrap_err();
    let text = errors.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 11);
    assert_eq!(
        lines[0],
        "tests/fixtures/config/invalid/several_errors.yaml:3:19: `file.path` is empty; name a \
         JSON file"
    );
}

#[test]
fn an_unreadable_file_is_one_error_naming_the_os_reason() {
    let path = Path::new(DIR).join("does-not-exist.yaml");
    let errors = config::load(&path).unwrap_err();
    assert_eq!(errors.errors.len(), 1);
    let error = &errors.errors[0];
    assert_eq!((error.line, error.column), (1, 1));
    assert!(
        error.message.starts_with("cannot read the config file:"),
        "{error}"
    );
    assert!(error.message.contains("No such file"), "{error}");
}

#[test]
fn a_file_that_is_not_utf8_is_one_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kpiwatch.yaml");
    std::fs::write(&path, b"rules: \xff\xfe\n").unwrap();
    let errors = config::load(&path).unwrap_err();
    assert_eq!(errors.errors.len(), 1);
    assert!(
        errors.errors[0]
            .message
            .contains("cannot read the config file")
    );
}
