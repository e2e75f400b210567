//! The smallest Lambda function `lambda_runtime` allows: it echoes its event.
//!
//! Not part of kpiwatch. `scripts/bench.py` builds it with the same profile as `bootstrap`
//! and compares how long each takes to be ready for its first event.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

async fn echo(event: LambdaEvent<Value>) -> Result<Value, Error> {
    Ok(event.payload)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(echo)).await
}
