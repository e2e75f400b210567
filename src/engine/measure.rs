//! What a rule measures: its metric or expression, and its `change`. Values measured one
//! way are not comparable with values measured another, so a rule whose measure changes
//! in the config stops reading the values it stored before.

use std::hash::{DefaultHasher, Hasher};

use super::RuleState;
use crate::config::{ChangeMode, Expr, Rule, ValueSource};

/// Forgets the stored values of a rule whose measure changed since they were taken.
///
/// A latency rule moved from milliseconds to seconds, or pointed at another metric, would
/// otherwise average 300 ms with 0.3 s in its `window`, and recount 300 against a
/// threshold of 0.8 when its conditions change. The datapoints keep their levels, which
/// were counted with the measure and the conditions of their day, so M of N goes on from
/// the evidence it had and the old datapoints age out over N runs. Dropping them instead
/// would resolve an open alert on the first run after the edit, only to fire it again
/// once N new datapoints breach.
///
/// A state stored before the measure was fingerprinted is taken to match it: nothing says
/// otherwise, and forgetting its values would cost a sparkline for nothing.
pub(super) fn forget_if_changed(rule: &Rule, state: &mut RuleState) {
    let fingerprint = measure_fingerprint(rule);
    let changed = state.measured_with.is_some_and(|f| f != fingerprint);
    state.measured_with = Some(fingerprint);
    if !changed {
        return;
    }
    for datapoint in &mut state.datapoints {
        datapoint.value = None;
    }
    state.measured_since = state.datapoints.back().map(|d| d.at);
}

/// A fingerprint of what a datapoint's value is: the metric or the expression, and the
/// `change` taken of it. Its hash function may change with the Rust release, which costs
/// the values stored before the upgrade, once.
fn measure_fingerprint(rule: &Rule) -> u64 {
    let mut hasher = DefaultHasher::new();
    match &rule.value {
        ValueSource::Metric(name) => {
            hasher.write_u8(0);
            hasher.write_usize(name.len());
            hasher.write(name.as_bytes());
        }
        ValueSource::Expr(expr) => {
            hasher.write_u8(1);
            hash_expr(expr, &mut hasher);
        }
    }
    match rule.change {
        Some(change) => {
            hasher.write_u8(1 + u8::from(change.mode == ChangeMode::Percent));
            hasher.write_u128(change.vs.as_nanos());
        }
        None => hasher.write_u8(0),
    }
    hasher.finish()
}

fn hash_expr(expr: &Expr, hasher: &mut DefaultHasher) {
    match expr {
        Expr::Number(number) => {
            hasher.write_u8(0);
            hasher.write_u64(number.to_bits());
        }
        Expr::Metric(name) => {
            hasher.write_u8(1);
            // The length first, so that `ab` then `c` differs from `a` then `bc`.
            hasher.write_usize(name.len());
            hasher.write(name.as_bytes());
        }
        Expr::Negate(inner) => {
            hasher.write_u8(2);
            hash_expr(inner, hasher);
        }
        Expr::Binary(left, operator, right) => {
            hasher.write_u8(3);
            hasher.write_u8(*operator as u8);
            hash_expr(left, hasher);
            hash_expr(right, hasher);
        }
    }
}
