//! Values stored as gzip-compressed JSON, split into parts that fit DynamoDB items.
//!
//! Compressed JSON keeps the item count independent of the number of rules and metrics:
//! 1,000 rule states or 10,000 metrics fit in one item, where an item per rule would make
//! the calls per run grow with the rules. JSON inside keeps the stored form readable with
//! `gunzip` and tolerant of added fields.

use std::io::Read;

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::items::unreadable;
use crate::store::StoreError;

/// The largest part. DynamoDB items hold at most 400 KB, names and other attributes
/// included; this leaves room for those.
pub(super) const PART_BYTES: usize = 350 * 1024;

/// Serialises and compresses a value.
pub(super) fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    serde_json::to_writer(&mut encoder, value)
        .map_err(|error| StoreError::Permanent(format!("cannot encode for storage: {error}")))?;
    encoder
        .finish()
        .map_err(|error| StoreError::Permanent(format!("cannot compress for storage: {error}")))
}

/// Decompresses and reads a value; `what` names it in the error.
pub(super) fn decode<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, StoreError> {
    let mut json = Vec::new();
    GzDecoder::new(bytes)
        .read_to_end(&mut json)
        .map_err(|error| unreadable(format!("{what} is not gzip data ({error})")))?;
    serde_json::from_slice(&json).map_err(|error| unreadable(format!("{what}: {error}")))
}

/// Splits encoded bytes into parts of at most [`PART_BYTES`]; always at least one part.
pub(super) fn split(bytes: &[u8]) -> Vec<Vec<u8>> {
    if bytes.is_empty() {
        return vec![Vec::new()];
    }
    bytes.chunks(PART_BYTES).map(<[u8]>::to_vec).collect()
}

/// Joins parts back in order.
pub(super) fn join<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut joined = Vec::new();
    for part in parts {
        joined.extend_from_slice(part);
    }
    joined
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn values_round_trip_through_parts() {
        // Values that do not compress, so the encoding spans several parts.
        let value: BTreeMap<String, String> = (0..20_000)
            .map(|i| (format!("k{i}"), format!("{:x}", fastrand::u128(..))))
            .collect();
        let encoded = encode(&value).unwrap();
        let parts = split(&encoded);
        assert!(parts.len() > 1);
        assert!(parts.iter().all(|part| part.len() <= PART_BYTES));

        let decoded: BTreeMap<String, String> =
            decode(&join(parts.iter().map(Vec::as_slice)), "test value").unwrap();
        assert_eq!(decoded, value);
    }

    #[test]
    fn damaged_data_is_a_permanent_error_that_names_what_was_read() {
        let error = decode::<Vec<u32>>(b"not gzip", "rule states").unwrap_err();
        assert!(matches!(&error, StoreError::Permanent(m) if m.contains("rule states")));
    }
}
