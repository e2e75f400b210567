use std::path::PathBuf;
use std::time::Duration;

use thiserror::Error;
use unicode_general_category::{GeneralCategory, get_general_category};

use super::SecretError;

/// Why a source delivered no metrics. Every message names what failed and is safe to log:
/// header values, which may be secrets, never appear in one.
#[derive(Debug, Error)]
pub enum SourceError {
    /// The HTTP client could not be built (no TLS roots, for example).
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
    /// A file source could not be read.
    #[error("cannot read {path}: {reason}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        reason: String,
    },
    /// A header value refers to an environment variable that is not set.
    #[error("header {header}: environment variable {variable} is not set")]
    MissingEnv {
        /// The header name.
        header: String,
        /// The variable name.
        variable: String,
    },
    /// A `secret:` or `ssm:` header value could not be read from AWS.
    #[error("header {header}: {reason}")]
    Secret {
        /// The header name.
        header: String,
        /// Which secret, and why; never its content.
        reason: SecretError,
    },
    /// A header value is not valid in an HTTP header (a newline, say).
    #[error("header {header}: value is not a valid HTTP header value")]
    InvalidHeader {
        /// The header name.
        header: String,
    },
    /// No complete response within the source's timeout.
    #[error("no response within {}", humantime::format_duration(*.0))]
    Timeout(Duration),
    /// The request could not be sent or the response not read.
    #[error("request failed: {0}")]
    Request(String),
    /// The server answered with a non-success status.
    #[error("HTTP {status}{}", body_hint(.body_start))]
    Status {
        /// The status line, such as `503 Service Unavailable`.
        status: String,
        /// The first characters of the body, to help tell a proxy error from the API's.
        body_start: String,
    },
    /// The document is larger than [`super::MAX_DOCUMENT_BYTES`].
    #[error("document larger than {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The document is JSON, but a lone number, string, boolean or null, which names no
    /// metric.
    #[error("the document is {found}, not a JSON object or array of metrics")]
    NotAContainer {
        /// What it is instead, with its article: `a number`.
        found: &'static str,
    },
    /// The document is not JSON.
    #[error("not valid JSON: {reason}{}", body_hint(.body_start))]
    Malformed {
        /// serde_json's message, with line and column.
        reason: String,
        /// The first characters of the document.
        body_start: String,
    },
}

/// An invisible character that changes how the text around it is shown.
fn is_format(c: char) -> bool {
    get_general_category(c) == GeneralCategory::Format
}

fn body_hint(body_start: &str) -> String {
    if body_start.is_empty() {
        String::new()
    } else {
        format!(" (body starts with `{body_start}`)")
    }
}

/// The first line of a body, cut to 60 characters, for error messages. Bytes that would
/// not print as themselves (control characters, bytes that are not UTF-8, as in a gzip
/// body) are written as escapes such as `\x1f`, so that the message stays one readable
/// line on a terminal and in a log. So are invisible format characters (zero-width spaces,
/// direction overrides, a byte-order mark): a body from a server is not trusted to decide
/// how the rest of the line reads.
pub(super) fn body_start(body: &[u8]) -> String {
    let head = &body[..body.len().min(240)];
    let mut pieces = Vec::new();
    for chunk in head.utf8_chunks() {
        pieces.extend(chunk.valid().chars().map(|c| match c {
            '\n' | '\r' => None,
            '\t' => Some(" ".to_string()),
            c if c.is_ascii_control() => Some(format!("\\x{:02x}", u32::from(c))),
            c if c.is_control() || is_format(c) => Some(c.escape_unicode().to_string()),
            c => Some(c.to_string()),
        }));
        pieces.extend(chunk.invalid().iter().map(|b| Some(format!("\\x{b:02x}"))));
    }
    pieces
        .into_iter()
        .skip_while(|piece| piece.as_deref().is_none_or(|p| p.trim().is_empty()))
        .map_while(|piece| piece)
        .take(60)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_start_escapes_what_would_not_print_as_itself() {
        assert_eq!(
            body_start(b"\n  <html>\t\x1fhi\xff there\nsecond line"),
            "<html> \\x1fhi\\xff there"
        );
        // A right-to-left override would turn the rest of the log line around, and a
        // zero-width space would hide in it.
        assert_eq!(
            body_start("{\"a\u{202e}b\u{200b}\": 1}".as_bytes()),
            "{\"a\\u{202e}b\\u{200b}\": 1}"
        );
        assert_eq!(body_start("é ü 指标".as_bytes()), "é ü 指标");
        assert_eq!(body_start(&[b'x'; 100]).len(), 60);
    }
}
