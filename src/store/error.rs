use thiserror::Error;

/// Why a store call failed. Callers decide by the variant: a retryable failure may succeed
/// if the whole run is tried again; a permanent one will not until someone acts.
#[derive(Debug, Error)]
pub enum StoreError {
    /// Throttling, a timeout, a dropped connection, a locked database file.
    #[error("store temporarily unavailable: {0}")]
    Retryable(String),
    /// Missing table or permissions, a corrupt file, data this version cannot read.
    #[error("store error: {0}")]
    Permanent(String),
}
