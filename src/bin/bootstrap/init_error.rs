//! Reporting a failed start to Lambda, so that the invocation shows why.
//!
//! A runtime that exits during init leaves only `Runtime.ExitError` in the invocation's
//! result and the reason in the log. Posting to the Runtime API's `/init/error` first puts
//! the reason, such as every config error with its position, in the result as well.

use std::time::Duration;

use serde_json::json;

use crate::function::InitError;

/// Prints the error as `kpiwatch validate` would, then posts it to `/init/error` when the
/// Runtime API is there (it is not when the binary is run by hand).
pub async fn report(error: &InitError) {
    eprintln!("{error}");

    let Ok(api) = std::env::var("AWS_LAMBDA_RUNTIME_API") else {
        return;
    };
    let url = format!("http://{api}/2018-06-01/runtime/init/error");
    let body = json!({
        "errorType": error.error_type(),
        "errorMessage": error.to_string(),
    });
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
    {
        Ok(client) => client,
        Err(failure) => {
            eprintln!("cannot report the init error to Lambda: {failure}");
            return;
        }
    };
    let posted = client
        .post(&url)
        .header("Lambda-Runtime-Function-Error-Type", error.error_type())
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await;
    if let Err(failure) = posted {
        eprintln!("cannot report the init error to Lambda: {failure}");
    }
}
