//! A source's raw bytes to flat metrics: parse as JSON, check that the document can name
//! metrics at all, then flatten it. File and HTTP sources share this step, and the fuzz
//! target for the metrics parser calls it directly.

use serde_json::Value;

use super::error::body_start;
use super::{FlatMetrics, SourceError, flatten};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Parses a JSON document and flattens it into metrics.
///
/// A body that is not JSON keeps its first characters in the error, so that an HTML error
/// page or a truncated file is recognisable from the message alone. A lone number, string,
/// boolean or null is refused: it names no metric, and is more likely a broken endpoint
/// than a dashboard with nothing on it.
///
/// A leading UTF-8 byte order mark is dropped. JSON forbids it, but Windows tools
/// (PowerShell's `Out-File`, Notepad before 2019) and some .NET APIs write one, and
/// serde_json refuses the whole document over it at column 1, which reads as if the file
/// were empty or HTML.
pub fn parse_document(bytes: &[u8]) -> Result<FlatMetrics, SourceError> {
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    let document: Value =
        serde_json::from_slice(bytes).map_err(|error| SourceError::Malformed {
            reason: error.to_string(),
            body_start: body_start(bytes),
        })?;
    let found = match document {
        Value::Object(_) | Value::Array(_) => return Ok(flatten(&document)),
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Bool(_) => "a boolean",
        Value::Null => "null",
    };
    Err(SourceError::NotAContainer { found })
}
