//! A source's raw bytes to flat metrics: parse as JSON, check that the document can name
//! metrics at all, then flatten it. File and HTTP sources share this step, and the fuzz
//! target for the metrics parser calls it directly.

use serde_json::Value;

use super::error::body_start;
use super::{FlatMetrics, SourceError, flatten};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The text of a document marked as UTF-16 by its byte order mark, if it is one.
fn utf16_text(bytes: &[u8]) -> Option<Result<String, SourceError>> {
    let (units, little_endian) = match bytes {
        [0xFF, 0xFE, rest @ ..] => (rest, true),
        [0xFE, 0xFF, rest @ ..] => (rest, false),
        _ => return None,
    };
    let malformed = |reason: String| SourceError::Malformed {
        reason,
        body_start: body_start(bytes),
    };
    let pairs = units.chunks_exact(2);
    if !pairs.remainder().is_empty() {
        return Some(Err(malformed(
            "marked as UTF-16, but its length is an odd number of bytes".into(),
        )));
    }
    let units: Vec<u16> = pairs
        .map(|pair| match little_endian {
            true => u16::from_le_bytes([pair[0], pair[1]]),
            false => u16::from_be_bytes([pair[0], pair[1]]),
        })
        .collect();
    Some(
        String::from_utf16(&units)
            .map_err(|error| malformed(format!("marked as UTF-16, but {error}"))),
    )
}

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
///
/// A document that starts with a UTF-16 byte order mark is decoded from UTF-16 first: JSON
/// once allowed it, and Windows PowerShell 5's `ConvertTo-Json | Out-File` writes it.
pub fn parse_document(bytes: &[u8]) -> Result<FlatMetrics, SourceError> {
    let decoded = utf16_text(bytes).transpose()?;
    let bytes = match &decoded {
        Some(text) => text.as_bytes(),
        None => bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes),
    };
    // serde_json calls it "EOF while parsing a value at line 1 column 0", which does not
    // say that nothing came: an HTTP 204, a file being rewritten, an export that failed.
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(SourceError::Malformed {
            reason: "the document is empty".into(),
            body_start: String::new(),
        });
    }
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
