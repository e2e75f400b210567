//! What is wrong with a config file, and where.

use std::fmt;
use std::path::{Path, PathBuf};

/// One problem in a config file, at a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file, as the caller named it.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// One sentence naming the problem.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

impl std::error::Error for ConfigError {}

/// Every problem found in one config file, sorted by position. Never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors {
    /// The problems, first in the file first.
    pub errors: Vec<ConfigError>,
}

impl ConfigErrors {
    /// The one error of a file that could not be read: at line 1, column 1, naming what
    /// the file is (`the config file`) and the operating system's reason.
    pub fn unreadable(path: &Path, what: &str, error: &std::io::Error) -> ConfigErrors {
        // The standard library's "stream did not contain valid UTF-8" does not say what to
        // do. Such a file is most often UTF-16, which Windows PowerShell 5 writes by default.
        let reason = if error.kind() == std::io::ErrorKind::InvalidData {
            "it is not UTF-8 text; save it as UTF-8 (Windows PowerShell 5 writes UTF-16 with \
             `>` and `Out-File` unless given `-Encoding utf8`)"
                .to_string()
        } else {
            error.to_string()
        };
        ConfigErrors {
            errors: vec![ConfigError {
                file: path.to_path_buf(),
                line: 1,
                column: 1,
                message: format!("cannot read {what}: {reason}"),
            }],
        }
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(line: usize, message: &str) -> ConfigError {
        ConfigError {
            file: PathBuf::from("conf/kpiwatch.yaml"),
            line,
            column: 3,
            message: message.to_string(),
        }
    }

    #[test]
    fn displays_file_line_column_and_message() {
        assert_eq!(
            error(4, "bad thing").to_string(),
            "conf/kpiwatch.yaml:4:3: bad thing"
        );
    }

    #[test]
    fn displays_one_error_per_line() {
        let errors = ConfigErrors {
            errors: vec![error(1, "first"), error(2, "second")],
        };
        assert_eq!(
            errors.to_string(),
            "conf/kpiwatch.yaml:1:3: first\nconf/kpiwatch.yaml:2:3: second"
        );
    }
}
