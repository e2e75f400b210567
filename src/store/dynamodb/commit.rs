//! The commit: one `TransactWriteItems` whose first action is the guarded state head.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::builders::TransactWriteItemBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, CancellationReason, Delete, Put, TransactWriteItem};
use chrono::{DateTime, Utc};

use super::items::{Item, LAST_EVALUATED_AT, PK, s, time_key};
use crate::aws::{AwsError, Backoff, classify};
use crate::store::{Commit, StoreError};

/// DynamoDB's limits on one transaction.
const MAX_ACTIONS: usize = 100;
const MAX_REQUEST_BYTES: usize = 4 * 1024 * 1024;

/// The actions of one commit, head first.
#[derive(Debug, Default)]
pub(super) struct Transaction {
    actions: Vec<TransactWriteItem>,
    payload_bytes: usize,
}

impl Transaction {
    /// Starts with the state head, written only if the stored head still says what `load`
    /// saw: the same `last_evaluated_at`, or no head at all.
    pub(super) fn new(
        table: &str,
        head: Item,
        expected_last_evaluated_at: Option<DateTime<Utc>>,
    ) -> Result<Transaction, StoreError> {
        let put = Put::builder()
            .table_name(table)
            .set_item(Some(head.clone()));
        let put = match expected_last_evaluated_at {
            None => put.condition_expression(format!("attribute_not_exists({PK})")),
            Some(expected) => put
                .condition_expression("#last = :expected")
                .expression_attribute_names("#last", LAST_EVALUATED_AT)
                .expression_attribute_values(":expected", s(time_key(expected))),
        };
        let mut transaction = Transaction::default();
        transaction.push(
            TransactWriteItem::builder().put(put.build().map_err(unbuildable)?),
            &head,
        );
        Ok(transaction)
    }

    /// Adds an unconditional put.
    pub(super) fn put(&mut self, table: &str, item: Item) -> Result<(), StoreError> {
        let put = Put::builder()
            .table_name(table)
            .set_item(Some(item.clone()));
        self.push(
            TransactWriteItem::builder().put(put.build().map_err(unbuildable)?),
            &item,
        );
        Ok(())
    }

    /// Adds an unconditional delete.
    pub(super) fn delete(&mut self, table: &str, key: Item) -> Result<(), StoreError> {
        let delete = Delete::builder()
            .table_name(table)
            .set_key(Some(key.clone()));
        let delete = delete.build().map_err(unbuildable)?;
        self.push(TransactWriteItem::builder().delete(delete), &key);
        Ok(())
    }

    fn push(&mut self, action: TransactWriteItemBuilder, item: &Item) {
        self.payload_bytes += approximate_size(item);
        self.actions.push(action.build());
    }

    /// Sends the transaction.
    ///
    /// The SDK retries a call that failed as a whole, and those retries carry the same
    /// client request token, so a transaction that succeeded but whose reply was lost is
    /// not applied twice nor reported superseded. A transaction cancelled for a retryable
    /// reason (a conflict with another transaction on the same items, throttling) is sent
    /// again here with [`Backoff::STANDARD`]; when the conflict was with a concurrent commit,
    /// the retry then finds the head changed and reports [`Commit::Superseded`].
    pub(super) async fn send(self, client: &Client) -> Result<Commit, StoreError> {
        if self.actions.len() > MAX_ACTIONS || self.payload_bytes > MAX_REQUEST_BYTES {
            return Err(StoreError::Permanent(format!(
                "this run is too large to commit atomically: {} items and about {} KB, where \
                 DynamoDB takes at most {MAX_ACTIONS} items and {} KB in one transaction",
                self.actions.len(),
                self.payload_bytes / 1024,
                MAX_REQUEST_BYTES / 1024
            )));
        }

        let mut retry = 0;
        loop {
            let result = client
                .transact_write_items()
                .set_transact_items(Some(self.actions.clone()))
                .send()
                .await;
            let failure = match result {
                Ok(_) => return Ok(Commit::Committed),
                Err(error) => match cancellation_reasons(&error) {
                    Some(reasons) if head_condition_failed(reasons) => {
                        return Ok(Commit::Superseded);
                    }
                    Some(reasons) => cancellation_failure(reasons),
                    None => return Err(classify("TransactWriteItems", &error).into()),
                },
            };
            if !failure.is_retryable() || !Backoff::STANDARD.sleep_before(retry).await {
                return Err(failure.into());
            }
            retry += 1;
        }
    }
}

fn cancellation_reasons<R>(
    error: &SdkError<TransactWriteItemsError, R>,
) -> Option<&[CancellationReason]> {
    match error.as_service_error()? {
        TransactWriteItemsError::TransactionCanceledException(cancelled) => {
            Some(cancelled.cancellation_reasons())
        }
        _ => None,
    }
}

/// Did the first action, the guarded head, fail its condition? Then another run has
/// committed since `load`.
fn head_condition_failed(reasons: &[CancellationReason]) -> bool {
    reasons.first().and_then(CancellationReason::code) == Some("ConditionalCheckFailed")
}

/// The failure a cancelled transaction stands for: the first action's reason that is not
/// `None`, classified like any error code.
fn cancellation_failure(reasons: &[CancellationReason]) -> AwsError {
    let reason = reasons
        .iter()
        .find(|reason| reason.code().is_some_and(|code| code != "None"));
    let code = reason
        .and_then(CancellationReason::code)
        .unwrap_or("TransactionCanceled");
    let message = reason
        .and_then(CancellationReason::message)
        .unwrap_or("no reason given");
    AwsError::from_code("TransactWriteItems", code, message)
}

fn unbuildable(error: impl std::fmt::Display) -> StoreError {
    StoreError::Permanent(format!("cannot build the commit: {error}"))
}

/// The size of an item as DynamoDB counts it, near enough for the request limit: names plus
/// values, with a few bytes per number.
fn approximate_size(item: &Item) -> usize {
    item.iter()
        .map(|(name, value)| {
            name.len()
                + match value {
                    AttributeValue::S(text) => text.len(),
                    AttributeValue::B(bytes) => bytes.as_ref().len(),
                    AttributeValue::Ss(texts) => texts.iter().map(String::len).sum(),
                    _ => 21,
                }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(code: &str) -> CancellationReason {
        CancellationReason::builder()
            .code(code)
            .message("because")
            .build()
    }

    #[test]
    fn a_failed_head_condition_means_another_run_committed() {
        assert!(head_condition_failed(&[
            reason("ConditionalCheckFailed"),
            reason("None")
        ]));
        assert!(!head_condition_failed(&[
            reason("None"),
            reason("ConditionalCheckFailed")
        ]));
    }

    #[test]
    fn conflicts_are_retryable_and_validation_errors_are_not() {
        let conflict = cancellation_failure(&[reason("None"), reason("TransactionConflict")]);
        assert!(conflict.is_retryable());
        let invalid = cancellation_failure(&[reason("ValidationError")]);
        assert!(!invalid.is_retryable());
    }
}
