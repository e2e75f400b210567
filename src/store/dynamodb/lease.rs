//! The outbox lease: one item naming the run allowed to deliver the outbox, and until when.
//!
//! A run takes it with one conditional `UpdateItem` once it has committed, and gives it
//! back with one conditional `DeleteItem` once it has marked what it sent. The condition
//! on taking it lets a run in only when the item is absent, already its own, or past its
//! expiry, so the lease of a run that died mid-delivery lapses by itself.
//!
//! Expiry is compared as [`time_key`] strings, which sort in time order.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;
use chrono::{DateTime, Utc};

use super::items::{self, HOLDER, LEASE, RUN_PARTITION, UNTIL, key, s, time_key};
use crate::aws::{Backoff, classify};
use crate::store::StoreError;

/// Who holds a lease that could not be taken, and until when.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct HeldBy {
    pub(super) holder: String,
    pub(super) until: Option<DateTime<Utc>>,
}

/// Takes the lease for `holder` until `until`, unless another holder's lasts beyond `now`.
pub(super) async fn take(
    client: &Client,
    table: &str,
    holder: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Option<HeldBy>, StoreError> {
    let result = client
        .update_item()
        .table_name(table)
        .set_key(Some(key(RUN_PARTITION, LEASE)))
        .update_expression("SET #holder = :holder, #until = :until")
        .condition_expression("attribute_not_exists(#holder) OR #holder = :holder OR #until < :now")
        .expression_attribute_names("#holder", HOLDER)
        .expression_attribute_names("#until", UNTIL)
        .expression_attribute_values(":holder", s(holder))
        .expression_attribute_values(":until", s(time_key(until)))
        .expression_attribute_values(":now", s(time_key(now)))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .send()
        .await;
    match result {
        Ok(_) => Ok(None),
        Err(error) => match error.as_service_error() {
            Some(UpdateItemError::ConditionalCheckFailedException(refused)) => {
                held_by(refused.item()).map(Some)
            }
            _ => Err(classify("UpdateItem", &error).into()),
        },
    }
}

/// Deletes the lease if `holder` still holds it. A lease that lapsed and was taken by
/// another run is left to that run.
///
/// A lease left behind turns every run away from the outbox until it lapses, which is
/// longer than Lambda waits before its retries; so a retryable failure, once the SDK's own
/// attempts are used up, is tried again with [`Backoff::STANDARD`], about a second and a half
/// at worst.
pub(super) async fn release(client: &Client, table: &str, holder: &str) -> Result<(), StoreError> {
    let mut retry = 0;
    loop {
        let result = client
            .delete_item()
            .table_name(table)
            .set_key(Some(key(RUN_PARTITION, LEASE)))
            .condition_expression("#holder = :holder")
            .expression_attribute_names("#holder", HOLDER)
            .expression_attribute_values(":holder", s(holder))
            .send()
            .await;
        let failure = match result {
            Ok(_) => return Ok(()),
            // Not ours, or no longer there: a retry whose first attempt had deleted it.
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                return Ok(());
            }
            Err(error) => classify("DeleteItem", &error),
        };
        if !failure.is_retryable() || !Backoff::STANDARD.sleep_before(retry).await {
            return Err(failure.into());
        }
        retry += 1;
    }
}

/// The holder and expiry of the lease that refused a claim. DynamoDB returns the item with
/// the refusal when asked; should an endpoint leave it out, both are unknown, which matters
/// only to the log.
fn held_by(current: Option<&items::Item>) -> Result<HeldBy, StoreError> {
    let Some(item) = current else {
        return Ok(HeldBy {
            holder: "another run".to_string(),
            until: None,
        });
    };
    Ok(HeldBy {
        holder: items::get_s(item, HOLDER)?.to_string(),
        until: Some(items::parse_time_key(items::get_s(item, UNTIL)?)?),
    })
}
