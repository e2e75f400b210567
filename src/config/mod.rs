//! The config file, `kpiwatch.yaml`: parsed into raw serde types, then validated into the
//! types below, which the rest of the code uses without checking them again.
//!
//! Every error in a file is reported in one pass, each with its `file:line:column`.

mod condition;
mod expr;
mod types;

pub use condition::{Comparison, Condition};
pub use expr::{Expr, ExprError};
pub use types::*;
