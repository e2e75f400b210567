//! What the function holds between invocations, and what one invocation does with it.

use std::path::{Path, PathBuf};

use kpiwatch::config::{self, Config, ConfigErrors};
use kpiwatch::cycle::{CycleError, RunSummary, run_cycle};
use kpiwatch::notify::{NotifierUrlError, SnsNotifier, TopicArn};
use kpiwatch::sources::{Collector, SecretResolver};
use kpiwatch::store::{self, DynamoStore, StoreError};
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde_json::Value;
use thiserror::Error;
use tracing::{Instrument, error, info, info_span};

use crate::event::{EventError, Invocation};

/// The config built into the binary, used unless `KPIWATCH_CONFIG` names another file.
/// Built in rather than shipped beside the binary so that the deployment is one file and
/// a config change redeploys with the code: cargo rebuilds when this file changes.
const BUILT_IN_CONFIG: &str = include_str!("../../../kpiwatch.yaml");

/// The name errors in the built-in config are reported under.
const BUILT_IN_CONFIG_NAME: &str = "kpiwatch.yaml";

/// The config, the collector and the clients, built once when the function starts.
pub struct Function {
    config: Config,
    collector: Collector,
    store: DynamoStore,
    notifier: SnsNotifier,
}

/// Why the function cannot start. Each message says what to fix.
#[derive(Debug, Error)]
pub enum InitError {
    /// The config has errors; the message is what `kpiwatch validate` prints.
    #[error("{errors}\n{}: {} error{}", .path.display(), .errors.errors.len(),
        if .errors.errors.len() == 1 { "" } else { "s" })]
    Config {
        /// The file, or `kpiwatch.yaml` for the built-in config.
        path: PathBuf,
        /// Every error, with its position.
        errors: ConfigErrors,
    },
    /// A required environment variable is unset or empty.
    #[error("the environment variable {0} is not set: {1}")]
    MissingVariable(&'static str, &'static str),
    /// `KPIWATCH_TOPIC_ARN` is not a topic ARN.
    #[error("KPIWATCH_TOPIC_ARN: {0}")]
    TopicArn(#[from] NotifierUrlError),
    /// `KPIWATCH_TABLE` is neither a table name nor a table ARN.
    #[error("KPIWATCH_TABLE: {0}")]
    Table(StoreError),
    /// `KPIWATCH_RETENTION_DAYS` is not a retention the config's rules can live with.
    #[error("KPIWATCH_RETENTION_DAYS: {0}")]
    Retention(String),
    /// Started outside Lambda, without the variables the Lambda runtime sets.
    #[error(
        "bootstrap runs inside AWS Lambda, which sets {0}; to run one cycle from a shell, \
         use `kpiwatch run --store dynamodb://TABLE --notify sns://TOPIC_ARN`"
    )]
    NotInLambda(&'static str),
}

impl InitError {
    /// The error type Lambda shows for this failure.
    pub fn error_type(&self) -> &'static str {
        match self {
            InitError::Config { .. } => "InvalidConfig",
            InitError::MissingVariable(..)
            | InitError::TopicArn(_)
            | InitError::Table(_)
            | InitError::Retention(_)
            | InitError::NotInLambda(_) => "InvalidEnvironment",
        }
    }
}

/// Why an invocation failed, so that Lambda retries it or sends it to the failure
/// destination.
#[derive(Debug, Error)]
pub enum InvocationError {
    /// The event says nothing about when to evaluate.
    #[error(transparent)]
    Event(#[from] EventError),
    /// The store could not be read or written; nothing this run evaluated is durable.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Notifications SNS did not accept; they stay in the outbox for the next run, unless
    /// they had been refused for longer than the outbox keeps them.
    #[error(
        "{undelivered} notifications not accepted by SNS; they stay in the outbox{}",
        abandoned_note(*abandoned)
    )]
    Undelivered {
        /// How many stay in the outbox.
        undelivered: usize,
        /// How many were given up.
        abandoned: usize,
    },
}

fn abandoned_note(abandoned: usize) -> String {
    match abandoned {
        0 => String::new(),
        n => format!("; {n} given up after being refused for more than a day"),
    }
}

impl From<CycleError> for InvocationError {
    fn from(error: CycleError) -> InvocationError {
        match error {
            CycleError::Store(error) => InvocationError::Store(error),
        }
    }
}

impl From<InvocationError> for Diagnostic {
    fn from(error: InvocationError) -> Diagnostic {
        let error_type = match &error {
            InvocationError::Event(_) => "InvalidEvent",
            InvocationError::Store(StoreError::Retryable(_)) => "StoreUnavailable",
            InvocationError::Store(StoreError::Permanent(_)) => "StoreError",
            InvocationError::Undelivered { .. } => "NotificationsUndelivered",
        };
        Diagnostic {
            error_type: error_type.to_string(),
            error_message: error.to_string(),
        }
    }
}

impl Function {
    /// Reads the config and the environment and builds the clients. Makes no network call:
    /// the AWS clients resolve their credentials on the first request.
    ///
    /// - `KPIWATCH_TABLE`: the DynamoDB table, by name or by ARN (then in the ARN's region);
    /// - `KPIWATCH_TOPIC_ARN`: the SNS topic;
    /// - `KPIWATCH_CONFIG`: a config file to read instead of the built-in one;
    /// - `KPIWATCH_RETENTION_DAYS`: days to keep snapshots instead of the config's
    ///   `retention`; unset, empty or 0 keeps the config's.
    pub async fn from_env() -> Result<Function, InitError> {
        let mut config = load_config()?;
        set_retention(&mut config)?;
        lambda_environment()?;
        let table = required("KPIWATCH_TABLE", "set it to the DynamoDB table's name")?;
        let (table, table_region) = store::parse_table(&table).map_err(InitError::Table)?;
        let topic: TopicArn =
            required("KPIWATCH_TOPIC_ARN", "set it to the SNS topic's ARN")?.parse()?;
        let aws = kpiwatch::aws::load_lambda_sdk_config().await;
        let collector = Collector::new().with_secrets(SecretResolver::from_sdk_config(&aws));

        Ok(Function {
            config,
            collector,
            store: DynamoStore::for_table(&aws, &table, table_region.as_deref()),
            notifier: SnsNotifier::for_topic(&aws, &topic),
        })
    }

    /// Runs one cycle for the event's T, in a span carrying the run id and T. Fails only
    /// when something was left undone.
    pub async fn handle(&self, event: LambdaEvent<Value>) -> Result<RunSummary, InvocationError> {
        // The clock only checks that T is not in the future; T itself is the event's.
        let invocation = Invocation::from_event(&event.payload, chrono::Utc::now())?;
        let span = info_span!(
            "run",
            run_id = %invocation.run_id,
            at = %invocation.at.to_rfc3339(),
            execution_id = invocation.execution_id.as_deref().unwrap_or(""),
        );
        let summary = run_cycle(
            &self.config,
            &self.collector,
            &self.store,
            &self.notifier,
            invocation.at,
            &invocation.run_id,
        )
        .instrument(span.clone())
        .await;

        span.in_scope(|| match summary {
            Ok(summary) if summary.left_work_undone() => {
                error!(
                    undelivered = summary.undelivered,
                    abandoned = summary.abandoned,
                    delivered = summary.delivered,
                    "run incomplete: notifications left in the outbox or given up"
                );
                Err(InvocationError::Undelivered {
                    undelivered: summary.undelivered,
                    abandoned: summary.abandoned,
                })
            }
            Ok(summary) => {
                info!(
                    skipped = summary.skipped.as_deref().unwrap_or(""),
                    rules = summary.rules_evaluated,
                    metrics = summary.metrics,
                    failed_sources = summary.source_failures.len(),
                    firing = summary.firing.len(),
                    notifications = summary.notifications_new,
                    delivered = summary.delivered,
                    "run complete"
                );
                Ok(summary)
            }
            Err(failure) => {
                error!(error = %failure, "run failed: the store is unavailable");
                Err(failure.into())
            }
        })
    }
}

fn load_config() -> Result<Config, InitError> {
    match std::env::var_os("KPIWATCH_CONFIG").filter(|path| !path.is_empty()) {
        Some(path) => {
            let path = PathBuf::from(path);
            config::load(&path).map_err(|errors| InitError::Config { path, errors })
        }
        None => {
            let path = Path::new(BUILT_IN_CONFIG_NAME);
            config::parse(BUILT_IN_CONFIG, path).map_err(|errors| InitError::Config {
                path: path.to_path_buf(),
                errors,
            })
        }
    }
}

/// Applies `KPIWATCH_RETENTION_DAYS`, the template's `SnapshotRetentionDays`, when it is
/// set to something other than 0.
fn set_retention(config: &mut Config) -> Result<(), InitError> {
    let text = std::env::var("KPIWATCH_RETENTION_DAYS").unwrap_or_default();
    let text = text.trim();
    if text.is_empty() || text == "0" {
        return Ok(());
    }
    let days = text.parse::<u64>().map_err(|_| {
        InitError::Retention(format!(
            "`{text}` is not a whole number of days (0 keeps the config's `retention`)"
        ))
    })?;
    config
        .set_retention_days(days)
        .map_err(InitError::Retention)
}

/// Checks for the variables `lambda_runtime` reads when it starts, and panics without.
/// Lambda always sets them; someone starting the binary from a shell, to try it, does not,
/// and should hear what to run instead.
fn lambda_environment() -> Result<(), InitError> {
    const SET_BY_LAMBDA: [&str; 4] = [
        "AWS_LAMBDA_RUNTIME_API",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
    ];
    for name in SET_BY_LAMBDA {
        let value = std::env::var(name).unwrap_or_default();
        let is_valid = match name {
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE" => value.parse::<i32>().is_ok(),
            _ => !value.is_empty(),
        };
        if !is_valid {
            return Err(InitError::NotInLambda(name));
        }
    }
    Ok(())
}

fn required(name: &'static str, hint: &'static str) -> Result<String, InitError> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
        .ok_or(InitError::MissingVariable(name, hint))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_config_is_valid() {
        let config = config::parse(BUILT_IN_CONFIG, Path::new(BUILT_IN_CONFIG_NAME));
        assert!(
            config.is_ok(),
            "{}",
            config.err().map(|e| e.to_string()).unwrap_or_default()
        );
    }
}
