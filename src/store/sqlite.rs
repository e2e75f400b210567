//! The embedded backend: one SQLite file, `.kpiwatch/state.db` by default.
//!
//! rusqlite is synchronous. The calls here are short (one transaction per run on a local
//! file), so they run on the caller's task instead of a blocking pool; a store serving
//! many concurrent runs would want `spawn_blocking`, but the CLI runs one cycle at a time.

use std::num::ParseIntError;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior, params};

use super::{Claim, Commit, Loaded, RunRecord, Store, StoreError};
use crate::engine::{RuleState, RuleStates};
use crate::model::{Notification, Snapshot};

/// Bumped when the tables change shape; a file from a newer kpiwatch is refused rather
/// than misread.
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS snapshots (
    taken_at_ms INTEGER PRIMARY KEY,
    document    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rule_states (
    rule_id  TEXT PRIMARY KEY,
    document TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    id       TEXT NOT NULL UNIQUE,
    document TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox_lease (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    holder   TEXT NOT NULL,
    until_ms INTEGER NOT NULL
);
";

/// How long opening the file waits for other runs' locks before giving up.
const BUSY_WAIT: Duration = Duration::from_secs(10);

/// A [`Store`] in one SQLite database file.
#[derive(Debug)]
pub struct SqliteStore {
    connection: Mutex<Connection>,
    /// The file, for errors about what is stored in it.
    path: PathBuf,
}

impl SqliteStore {
    /// What makes `path` unusable as a database file whatever is done to it: it is a folder,
    /// or a folder it would be in is a file. SQLite's own message for both is "unable to
    /// open database file", so callers ask first.
    pub fn path_problem(path: &Path) -> Option<String> {
        if path.is_dir() {
            return Some(format!(
                "{} is a folder, not a database file; name a file in it, such as {}",
                path.display(),
                path.join("state.db").display()
            ));
        }
        let nearest = path
            .ancestors()
            .skip(1)
            .filter(|p| !p.as_os_str().is_empty())
            .find(|p| p.exists())?;
        nearest.is_file().then(|| {
            format!(
                "cannot create the folder {} for {}: it is a file, not a folder",
                nearest.display(),
                path.display()
            )
        })
    }

    /// Opens the database file, creating it and its folder if needed.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        if let Some(problem) = SqliteStore::path_problem(path) {
            return Err(StoreError::Permanent(problem));
        }
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(|error| {
                StoreError::Permanent(format!(
                    "cannot create the folder {} for {}: {error}",
                    folder.display(),
                    path.display()
                ))
            })?;
        }
        let with_path = |error| at_path(path, error);
        let connection = Connection::open(path).map_err(with_path)?;
        // Another process (a second `kpiwatch run`) may hold the write lock for the length
        // of one commit; waiting a few seconds beats failing the run.
        connection.busy_timeout(BUSY_WAIT).map_err(with_path)?;
        // Switching a new file to WAL takes an exclusive lock that SQLite's busy handler
        // does not wait for when another connection is doing the same, so runs started
        // together on a new file try again here instead.
        let give_up_at = Instant::now() + BUSY_WAIT;
        loop {
            match prepare_file(&connection, path) {
                Err(StoreError::Retryable(_)) if Instant::now() < give_up_at => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                outcome => break outcome?,
            }
        }
        Ok(SqliteStore {
            connection: Mutex::new(connection),
            path: path.to_path_buf(),
        })
    }

    /// Opens an existing database file for reading only, as `kpiwatch history` does: it
    /// creates nothing and writes nothing, so it works on a state file that the user may
    /// read but not write (one owned by the service account that runs kpiwatch, or a copy
    /// on read-only storage). Writing through the store fails.
    ///
    /// A WAL database needs its `-shm` index to be read. When that cannot be created (the
    /// folder is read-only too), the file is opened as immutable instead: nothing may
    /// write it while it is read, which holds for a file no one here can write. An
    /// immutable file is read without its write-ahead log, so one with a log that holds
    /// runs not yet copied into it is refused rather than shown without them.
    pub fn open_read_only(path: &Path) -> Result<SqliteStore, StoreError> {
        let with_path = |error| at_path(path, error);
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let connection = Connection::open_with_flags(path, flags).map_err(with_path)?;
        connection.busy_timeout(BUSY_WAIT).map_err(with_path)?;
        let connection = match read_schema_version(&connection) {
            // SQLite says READONLY_CANTINIT, or CANTOPEN in older versions.
            Err(rusqlite::Error::SqliteFailure(failure, _))
                if matches!(failure.code, ErrorCode::ReadOnly | ErrorCode::CannotOpen) =>
            {
                open_immutable(path, flags)?
            }
            _ => connection,
        };
        match read_schema_version(&connection).map_err(with_path)? {
            Some(Ok(SCHEMA_VERSION)) => Ok(SqliteStore {
                connection: Mutex::new(connection),
                path: path.to_path_buf(),
            }),
            other => Err(unreadable_version(path, other)),
        }
    }

    fn connection(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-written transaction behind:
        // SQLite rolls it back. The connection stays usable.
        self.connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The schema version the file records, if it records one.
fn read_schema_version(
    connection: &Connection,
) -> Result<Option<Result<i64, ParseIntError>>, rusqlite::Error> {
    let stored: Option<String> = connection
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |row| row.get(0),
        )
        .optional()?;
    Ok(stored.map(|v| v.parse::<i64>()))
}

/// Opens a database file that SQLite may not lock, as immutable; see
/// [`SqliteStore::open_read_only`].
fn open_immutable(path: &Path, flags: OpenFlags) -> Result<Connection, StoreError> {
    let permanent = |why: String| StoreError::Permanent(format!("{}: {why}", path.display()));
    let mut log = path.as_os_str().to_owned();
    log.push("-wal");
    if std::fs::metadata(&log).is_ok_and(|log| log.len() > 0) {
        return Err(permanent(format!(
            "cannot be read without write access to its folder: its write-ahead log {} \
             holds runs not yet copied into it",
            Path::new(&log).display()
        )));
    }
    let absolute = std::path::absolute(path).map_err(|error| permanent(error.to_string()))?;
    let mut uri = url::Url::from_file_path(absolute)
        .map_err(|()| permanent("not a file path SQLite can open".into()))?;
    uri.set_query(Some("immutable=1"));
    Connection::open_with_flags(uri.as_str(), flags | OpenFlags::SQLITE_OPEN_URI)
        .map_err(|error| at_path(path, error))
}

/// Puts the file in WAL mode, creates the tables it lacks, and checks its schema version.
fn prepare_file(connection: &Connection, path: &Path) -> Result<(), StoreError> {
    let with_path = |error| at_path(path, error);
    connection
        .pragma_update(None, "journal_mode", "WAL")
        .map_err(with_path)?;
    connection.execute_batch(SCHEMA).map_err(with_path)?;
    check_schema_version(connection, path)
}

/// Records this kpiwatch's schema version in a new file, and checks it in an existing one.
///
/// Two runs started together on a new file both find no version; the first insert wins and
/// the other is ignored, rather than failing that run on the unique key.
fn check_schema_version(connection: &Connection, path: &Path) -> Result<(), StoreError> {
    connection
        .execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?1)",
            [SCHEMA_VERSION.to_string()],
        )
        .map_err(classify)?;
    match read_schema_version(connection).map_err(classify)? {
        Some(Ok(SCHEMA_VERSION)) => Ok(()),
        other => Err(unreadable_version(path, other)),
    }
}

fn unreadable_version(path: &Path, found: Option<Result<i64, ParseIntError>>) -> StoreError {
    StoreError::Permanent(format!(
        "{} has schema version {:?}; this kpiwatch reads version {SCHEMA_VERSION}",
        path.display(),
        found.and_then(Result::ok)
    ))
}

/// A SQLite error, classified, with the file it concerns.
fn at_path(path: &Path, error: rusqlite::Error) -> StoreError {
    match classify(error) {
        StoreError::Retryable(e) => StoreError::Retryable(format!("{}: {e}", path.display())),
        StoreError::Permanent(e) => StoreError::Permanent(format!("{}: {e}", path.display())),
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn load(&self, baseline_instants: &[DateTime<Utc>]) -> Result<Loaded, StoreError> {
        let connection = self.connection();
        let last_evaluated_at = read_last_evaluated_at(&connection)?;

        let mut states = RuleStates::new();
        let mut statement = connection
            .prepare("SELECT rule_id, document FROM rule_states")
            .map_err(classify)?;
        let rows = statement
            .query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })
            .map_err(classify)?;
        for row in rows {
            let (rule_id, document) = row.map_err(classify)?;
            let state = decode::<RuleState>(&document, &self.path, || {
                format!("the state of rule `{rule_id}`")
            })?;
            states.insert(rule_id, state);
        }

        let mut baselines = Vec::with_capacity(baseline_instants.len());
        for instant in baseline_instants {
            let row: Option<(i64, String)> = connection
                .query_row(
                    "SELECT taken_at_ms, document FROM snapshots WHERE taken_at_ms <= ?1 \
                     ORDER BY taken_at_ms DESC LIMIT 1",
                    [instant.timestamp_millis()],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()
                .map_err(classify)?;
            let snapshot = row.map(|(taken_at_ms, document)| {
                decode(&document, &self.path, || snapshot_at(taken_at_ms))
            });
            baselines.push(snapshot.transpose()?);
        }

        Ok(Loaded {
            last_evaluated_at,
            states,
            baselines,
            outbox: read_outbox(&connection, &self.path)?,
        })
    }

    async fn commit(&self, record: &RunRecord) -> Result<Commit, StoreError> {
        let mut connection = self.connection();
        // IMMEDIATE takes the write lock before the guard is read, so no other process can
        // commit between the check and the writes.
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(classify)?;
        if read_last_evaluated_at(&transaction)? != record.expected_last_evaluated_at {
            return Ok(Commit::Superseded);
        }

        let at = record.snapshot.taken_at;
        transaction
            .execute(
                "INSERT OR REPLACE INTO snapshots (taken_at_ms, document) VALUES (?1, ?2)",
                params![at.timestamp_millis(), encode(&record.snapshot)?],
            )
            .map_err(classify)?;
        // A retention reaching back past the earliest time chrono represents keeps
        // everything; it must not wrap around or collapse to zero, which would delete it all.
        let oldest_kept = chrono::Duration::from_std(record.retention)
            .ok()
            .and_then(|retention| at.checked_sub_signed(retention))
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        transaction
            .execute(
                "DELETE FROM snapshots WHERE taken_at_ms < ?1",
                [oldest_kept.timestamp_millis()],
            )
            .map_err(classify)?;

        transaction
            .execute("DELETE FROM rule_states", [])
            .map_err(classify)?;
        {
            let mut insert = transaction
                .prepare("INSERT INTO rule_states (rule_id, document) VALUES (?1, ?2)")
                .map_err(classify)?;
            for (rule_id, state) in &record.states {
                insert
                    .execute(params![rule_id, encode(state)?])
                    .map_err(classify)?;
            }
            let mut enqueue = transaction
                .prepare("INSERT OR IGNORE INTO outbox (id, document) VALUES (?1, ?2)")
                .map_err(classify)?;
            for notification in &record.notifications {
                enqueue
                    .execute(params![notification.id, encode(notification)?])
                    .map_err(classify)?;
            }
        }

        transaction
            .execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('last_evaluated_at', ?1)",
                [at.to_rfc3339()],
            )
            .map_err(classify)?;
        transaction.commit().map_err(classify)?;
        Ok(Commit::Committed)
    }

    async fn claim_outbox(
        &self,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        let mut connection = self.connection();
        // IMMEDIATE, so that no other process can take the lease between the read and the
        // write.
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(classify)?;
        let current: Option<(String, i64)> = transaction
            .query_row(
                "SELECT holder, until_ms FROM outbox_lease WHERE id = 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(classify)?;
        if let Some((other, until_ms)) = current
            .filter(|(other, until_ms)| other != holder && *until_ms > now.timestamp_millis())
        {
            let until = DateTime::from_timestamp_millis(until_ms).ok_or_else(|| {
                StoreError::Permanent(format!("corrupt outbox lease expiry {until_ms}"))
            })?;
            return Ok(Claim::Held {
                holder: other,
                until: Some(until),
            });
        }
        transaction
            .execute(
                "INSERT OR REPLACE INTO outbox_lease (id, holder, until_ms) VALUES (1, ?1, ?2)",
                params![holder, until.timestamp_millis()],
            )
            .map_err(classify)?;
        let outbox = read_outbox(&transaction, &self.path)?;
        transaction.commit().map_err(classify)?;
        Ok(Claim::Claimed(outbox))
    }

    async fn release_outbox(&self, holder: &str) -> Result<(), StoreError> {
        self.connection()
            .execute("DELETE FROM outbox_lease WHERE holder = ?1", [holder])
            .map_err(classify)?;
        Ok(())
    }

    async fn mark_sent(&self, notification_ids: &[String]) -> Result<(), StoreError> {
        let mut connection = self.connection();
        let transaction = connection.transaction().map_err(classify)?;
        {
            let mut delete = transaction
                .prepare("DELETE FROM outbox WHERE id = ?1")
                .map_err(classify)?;
            for id in notification_ids {
                delete.execute([id]).map_err(classify)?;
            }
        }
        transaction.commit().map_err(classify)
    }

    async fn snapshots(
        &self,
        since: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<Snapshot>, StoreError> {
        let connection = self.connection();
        let since_ms = since.map_or(i64::MIN, |t| t.timestamp_millis());
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut statement = connection
            .prepare(
                "SELECT taken_at_ms, document FROM snapshots WHERE taken_at_ms >= ?1 \
                 ORDER BY taken_at_ms DESC LIMIT ?2",
            )
            .map_err(classify)?;
        let rows = statement
            .query_map(params![since_ms, limit], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
            })
            .map_err(classify)?;
        let mut snapshots = Vec::new();
        for row in rows {
            let (taken_at_ms, document) = row.map_err(classify)?;
            snapshots.push(decode::<Snapshot>(&document, &self.path, || {
                snapshot_at(taken_at_ms)
            })?);
        }
        snapshots.reverse();
        Ok(snapshots)
    }
}

/// The notifications not yet sent, oldest first.
fn read_outbox(connection: &Connection, path: &Path) -> Result<Vec<Notification>, StoreError> {
    let mut statement = connection
        .prepare("SELECT document FROM outbox ORDER BY seq")
        .map_err(classify)?;
    let rows = statement
        .query_map([], |row| row.get::<_, String>(0))
        .map_err(classify)?;
    let mut outbox = Vec::new();
    for row in rows {
        outbox.push(decode::<Notification>(
            &row.map_err(classify)?,
            path,
            || "a notification waiting in the outbox".to_string(),
        )?);
    }
    Ok(outbox)
}

fn read_last_evaluated_at(connection: &Connection) -> Result<Option<DateTime<Utc>>, StoreError> {
    let text: Option<String> = connection
        .query_row(
            "SELECT value FROM meta WHERE key = 'last_evaluated_at'",
            [],
            |row| row.get(0),
        )
        .optional()
        .map_err(classify)?;
    text.map(|t| {
        DateTime::parse_from_rfc3339(&t)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|error| {
                StoreError::Permanent(format!("corrupt last_evaluated_at {t:?}: {error}"))
            })
    })
    .transpose()
}

fn encode<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|error| StoreError::Permanent(error.to_string()))
}

/// Reads a stored JSON document. A damaged one (edited by hand, or written by a newer
/// kpiwatch) fails the read with the file and the row named, so that it can be found and
/// repaired or removed; nothing is overwritten.
fn decode<T: serde::de::DeserializeOwned>(
    document: &str,
    path: &Path,
    what: impl FnOnce() -> String,
) -> Result<T, StoreError> {
    serde_json::from_str(document).map_err(|error| {
        StoreError::Permanent(format!(
            "{}: {} is unreadable: {error}",
            path.display(),
            what()
        ))
    })
}

fn snapshot_at(taken_at_ms: i64) -> String {
    match DateTime::from_timestamp_millis(taken_at_ms) {
        Some(at) => format!(
            "the snapshot taken at {}",
            at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
        None => format!("the snapshot with taken_at_ms {taken_at_ms}"),
    }
}

/// A locked or busy database clears up when the other writer finishes; anything else (a
/// corrupt or read-only file, a full disk) needs someone to act.
fn classify(error: rusqlite::Error) -> StoreError {
    match error.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            StoreError::Retryable(error.to_string())
        }
        _ => StoreError::Permanent(error.to_string()),
    }
}
