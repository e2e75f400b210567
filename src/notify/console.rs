/// Console output. Placeholder.
#[derive(Debug)]
pub struct ConsoleNotifier {}

/// How the console prints notifications.
#[derive(Debug, Clone, Copy)]
pub enum OutputFormat {
    /// One line per notification.
    Text,
    /// One JSON document per notification.
    Json,
}
