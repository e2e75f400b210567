//! Turning a JSON document into flat metrics.
//!
//! `{"retention": {"churnRate": 6.2}}` gives `retention.churnRate = 6.2`; array elements
//! are named by index (`regions.0.latency`). Only numbers become metrics. Strings,
//! booleans and nulls are skipped and listed, so the debug log can say which; a KPI API
//! that sends `"6.2"` as a string is better told than silently coerced.
//!
//! Two leaves can flatten to one name (`{"a.b": 1, "a": {"b": 2}}`). The leaf met first
//! keeps it (object keys are visited in sorted order, so the choice is stable whatever
//! order the server writes them in), and the others are listed, so that the collector can
//! say so rather than let one value replace another unseen.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use serde_json::Value;

/// The metrics found in one document, and the leaves that were not numbers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FlatMetrics {
    /// Dotted path to value. Values are finite: JSON cannot encode NaN or infinity.
    pub metrics: BTreeMap<String, f64>,
    /// Dotted paths of non-numeric leaves, in document order.
    pub skipped: Vec<String>,
    /// Names given by more than one numeric leaf, once per extra leaf; the first leaf's
    /// value is the one kept.
    pub duplicates: Vec<String>,
}

/// Flattens a document. A top-level number is named by the empty path and skipped, since a
/// rule could not name it.
pub fn flatten(document: &Value) -> FlatMetrics {
    let mut flat = FlatMetrics::default();
    let mut path = String::new();
    walk(document, &mut path, &mut flat);
    flat
}

fn walk(value: &Value, path: &mut String, flat: &mut FlatMetrics) {
    match value {
        Value::Object(fields) => {
            for (key, child) in fields {
                descend(path, key, child, flat);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                descend(path, &index.to_string(), child, flat);
            }
        }
        Value::Number(number) => match number.as_f64().filter(|n| n.is_finite()) {
            Some(n) if !path.is_empty() => {
                if let Entry::Vacant(free) = flat.metrics.entry(path.clone()) {
                    free.insert(n);
                } else {
                    flat.duplicates.push(path.clone());
                }
            }
            _ => flat.skipped.push(path.clone()),
        },
        Value::String(_) | Value::Bool(_) | Value::Null => flat.skipped.push(path.clone()),
    }
}

fn descend(path: &mut String, key: &str, child: &Value, flat: &mut FlatMetrics) {
    let restore = path.len();
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(key);
    walk(child, path, flat);
    path.truncate(restore);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_objects_and_arrays_become_dotted_paths() {
        let flat = flatten(&json!({
            "retention": {"churnRate": 6.2, "activeUsers": {"dau": 1830}},
            "regions": [{"p99": 120}, {"p99": 340.5}]
        }));
        let names: Vec<_> = flat.metrics.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "regions.0.p99",
                "regions.1.p99",
                "retention.activeUsers.dau",
                "retention.churnRate"
            ]
        );
        assert_eq!(flat.metrics["retention.churnRate"], 6.2);
        assert!(flat.skipped.is_empty());
    }

    #[test]
    fn non_numeric_leaves_are_skipped_and_listed() {
        let flat = flatten(&json!({"mrr": "48200", "ok": true, "note": null, "n": 1}));
        assert_eq!(flat.metrics.len(), 1);
        assert_eq!(flat.skipped, ["mrr", "note", "ok"]);
    }

    #[test]
    fn a_name_given_twice_keeps_the_value_met_first_and_lists_the_duplicate() {
        let flat = flatten(&json!({"a.b": 1, "a": {"b": 2}, "c": 3}));
        // `a` sorts before `a.b`, so the nested leaf is met first.
        assert_eq!(flat.metrics["a.b"], 2.0);
        assert_eq!(flat.metrics.len(), 2);
        assert_eq!(flat.duplicates, ["a.b"]);
    }

    #[test]
    fn a_bare_number_has_no_name_and_is_skipped() {
        let flat = flatten(&json!(42));
        assert!(flat.metrics.is_empty());
        assert_eq!(flat.skipped, [""]);
    }
}
