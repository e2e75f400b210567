//! Deleting items in batches, with the retries `BatchWriteItem` leaves to its caller.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{DeleteRequest, WriteRequest};

use super::items::Item;
use crate::aws::{Backoff, classify};
use crate::store::StoreError;

/// The most requests one `BatchWriteItem` call takes.
const BATCH_LIMIT: usize = 25;

/// Deletes the items with these keys, 25 to a call.
///
/// A batch call succeeds even when DynamoDB processed only some of its requests (under
/// throttling, typically); the rest come back as `UnprocessedItems` and are sent again with
/// [`Backoff::STANDARD`]. Any still unprocessed after that make the whole call a retryable
/// failure.
///
/// A call that failed as a whole for a reason that passes, after the SDK's own attempts, is
/// sent again with the same backoff. These deletes mark notifications delivered, and every
/// one left undone is a notification the next run sends a second time: with a fifth of
/// calls failing, the SDK's three attempts alone left about one run in a hundred resending
/// its notifications. Deleting twice is harmless.
pub(super) async fn delete_all(
    client: &Client,
    table: &str,
    keys: Vec<Item>,
) -> Result<(), StoreError> {
    for chunk in keys.chunks(BATCH_LIMIT) {
        let mut requests = chunk
            .iter()
            .map(|key| {
                let delete = DeleteRequest::builder().set_key(Some(key.clone())).build();
                delete.map(|delete| WriteRequest::builder().delete_request(delete).build())
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| StoreError::Permanent(format!("cannot build a delete: {error}")))?;

        let mut retry = 0;
        loop {
            let result = client
                .batch_write_item()
                .request_items(table, requests.clone())
                .send()
                .await;
            match result {
                Ok(output) => {
                    requests = output
                        .unprocessed_items
                        .and_then(|mut unprocessed| unprocessed.remove(table))
                        .unwrap_or_default();
                    if requests.is_empty() {
                        break;
                    }
                    if !Backoff::STANDARD.sleep_before(retry).await {
                        return Err(StoreError::Retryable(format!(
                            "BatchWriteItem left {} deletes unprocessed after {retry} retries",
                            requests.len(),
                        )));
                    }
                }
                Err(error) => {
                    let failure = classify("BatchWriteItem", &error);
                    if !failure.is_retryable() || !Backoff::STANDARD.sleep_before(retry).await {
                        return Err(failure.into());
                    }
                }
            }
            retry += 1;
        }
    }
    Ok(())
}
