//! The config file, `kpiwatch.yaml`: parsed into raw serde types, then validated into the
//! types below, which the rest of the code uses without checking them again.
//!
//! Every error in a file is reported in one pass, each with its `file:line:column`:
//!
//! ```
//! use std::path::Path;
//!
//! let text = "rules:\n  - id: churn\n    metric: retention.churnRate\n    \
//!             critical: \"> 5\"\n    warning: \"> 6\"\n";
//! let errors = kpiwatch::config::parse(text, Path::new("kpiwatch.yaml")).unwrap_err();
//! assert_eq!(
//!     errors.to_string(),
//!     "kpiwatch.yaml:5:14: warning `> 6` is stricter than critical `> 5`, so the warning \
//!      level can never be reached; put the warning threshold below 5"
//! );
//! ```

mod condition;
mod error;
mod expr;
mod raw;
mod retention;
mod schema;
mod template;
mod types;
mod validate;
pub(crate) mod yaml;

use std::path::Path;

pub use condition::{Comparison, Condition};
pub use error::{ConfigError, ConfigErrors};
pub use expr::{Expr, ExprError};
pub use schema::json_schema;
pub use template::{TEMPLATE_VARIABLES, TemplateFacts, template_context, template_environment};
pub use types::*;
pub(crate) use validate::Report;

/// Reads and validates the config file at `path`. A file that cannot be read is one error
/// at line 1, column 1, naming the operating system's reason.
pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(&text, path),
        Err(error) => Err(ConfigErrors::unreadable(path, "the config file", &error)),
    }
}

/// Validates config `text`. `path` is where it was read from: errors name it, and relative
/// `file` source paths resolve against its folder.
pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigErrors> {
    validate::validate(text, path)
}
