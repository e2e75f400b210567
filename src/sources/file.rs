use std::path::Path;

use serde_json::Value;
use tokio::io::AsyncReadExt;

use super::error::body_start;
use super::{MAX_DOCUMENT_BYTES, SourceError};

/// Reads and parses a JSON file, refusing one larger than [`MAX_DOCUMENT_BYTES`].
pub(super) async fn read(path: &Path) -> Result<Value, SourceError> {
    let read_error = |error: std::io::Error| SourceError::Read {
        path: path.to_path_buf(),
        reason: error.to_string(),
    };
    let file = tokio::fs::File::open(path).await.map_err(read_error)?;
    let mut bytes = Vec::new();
    // One byte over the limit is enough to know the file is too large.
    file.take(MAX_DOCUMENT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .await
        .map_err(read_error)?;
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(SourceError::TooLarge {
            limit: MAX_DOCUMENT_BYTES,
        });
    }
    parse(&bytes)
}

/// Parses a JSON document, keeping the start of the body in the error so that an HTML
/// error page or a truncated file is recognisable from the message alone.
pub(super) fn parse(bytes: &[u8]) -> Result<Value, SourceError> {
    serde_json::from_slice(bytes).map_err(|error| SourceError::Malformed {
        reason: error.to_string(),
        body_start: body_start(bytes),
    })
}
