//! `bootstrap`: kpiwatch as an AWS Lambda function (`provided.al2023`, arm64, built with
//! cargo-lambda), run on a schedule by EventBridge.
//!
//! At start it reads the config (the one built in, or `KPIWATCH_CONFIG`), `KPIWATCH_TABLE`
//! and `KPIWATCH_TOPIC_ARN`, and builds its clients, with no network call. A config with
//! errors stops it there, with the messages `kpiwatch validate` prints.
//!
//! Each invocation takes T from its event ([`event`]), runs one cycle on DynamoDB and SNS,
//! and returns the run summary as JSON. It fails, so that Lambda retries it, only when
//! something was left undone: the store could not be reached, or SNS did not accept every
//! notification.
//!
//! Logs go to standard output through `tracing`, as JSON when the function's log format is
//! JSON (`AWS_LAMBDA_LOG_FORMAT=JSON`), filtered by the directives of `RUST_LOG` when it is
//! set, else at the level of `AWS_LAMBDA_LOG_LEVEL`, which Lambda sets from the function's
//! application log level. Every line of a run is in a `run` span with its run id and T.

mod event;
mod function;
mod init_error;

use std::process::ExitCode;

use lambda_runtime::service_fn;

use crate::function::Function;

#[tokio::main]
async fn main() -> ExitCode {
    lambda_runtime::tracing::init_default_subscriber();

    let function = match Function::from_env().await {
        Ok(function) => function,
        Err(error) => {
            init_error::report(&error).await;
            return ExitCode::FAILURE;
        }
    };

    let handler = service_fn(|event| function.handle(event));
    match lambda_runtime::run(handler).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "the Lambda runtime loop stopped");
            ExitCode::FAILURE
        }
    }
}
