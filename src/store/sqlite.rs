/// The embedded store. Placeholder.
#[derive(Debug)]
pub struct SqliteStore {}
