use std::path::Path;

use tokio::io::AsyncReadExt;

use super::{MAX_DOCUMENT_BYTES, SourceError};

/// Reads a file, refusing one larger than [`MAX_DOCUMENT_BYTES`].
pub(super) async fn read(path: &Path) -> Result<Vec<u8>, SourceError> {
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
    Ok(bytes)
}
