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
        while !requests.is_empty() {
            if retry > 0 && !Backoff::STANDARD.sleep_before(retry - 1).await {
                return Err(StoreError::Retryable(format!(
                    "BatchWriteItem left {} deletes unprocessed after {} retries",
                    requests.len(),
                    Backoff::STANDARD.max_retries
                )));
            }
            let output = client
                .batch_write_item()
                .request_items(table, requests)
                .send()
                .await
                .map_err(|error| classify("BatchWriteItem", &error))?;
            requests = output
                .unprocessed_items
                .and_then(|mut unprocessed| unprocessed.remove(table))
                .unwrap_or_default();
            retry += 1;
        }
    }
    Ok(())
}
