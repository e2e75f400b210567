//! Domain types shared by every stage of a check cycle.
//!
//! They carry data only. The behaviour that produces them lives in the stage that owns it:
//! [`crate::sources`] builds snapshots, [`crate::engine`] builds states and notifications.

mod level;
mod notification;
mod snapshot;

pub use level::{AlertState, Level};
pub use notification::{NOTIFICATION_VERSION, Notification, NotificationKind, RuleRef};
pub use snapshot::{Snapshot, SourceFailure};
