//! The one mock in the AWS tests, and why it is one.
//!
//! SNS's `PublishBatch` and DynamoDB's `BatchWriteItem` can succeed as calls while refusing
//! part of their work: failed entries, `UnprocessedItems`. Real AWS does that under
//! throttling; moto never does. So these SDK interceptors, attached to real clients talking
//! to moto, rewrite moto's answer into a partial failure, and keep the store's data true to
//! what that answer says happened:
//!
//! - [`RefusedEntries`] answers a `PublishBatch` with some entries failed, first as
//!   `Throttled` (the sender's fault, worth retrying), then as `InternalError` (SNS's), in
//!   turn. moto has published them; only the answer says otherwise, so tests of it look at
//!   what the notifier reports and the store keeps, not at subscribers.
//! - [`UnprocessedWrites`] holds every request of a `BatchWriteItem` back from moto (each
//!   delete is pointed at a key that does not exist) and answers with them all as
//!   `UnprocessedItems`, so the items really are still there.
//!
//! Everything else in the calls (signing, serialisation, the rest of the answer, the retries
//! and backoff of the code under test) is real.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeDeserializationInterceptorContextMut, BeforeTransmitInterceptorContextMut,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpResponse, Metadata};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use serde_json::{Value, json};

/// Fails the `PublishBatch` entries whose id contains a pattern, in the first `times` calls.
#[derive(Debug, Clone)]
pub struct RefusedEntries {
    pattern: String,
    times: usize,
    /// The entry ids of each call so far, in order.
    calls: Arc<Mutex<Vec<Vec<String>>>>,
}

impl RefusedEntries {
    /// Refuses entries for `pattern` (which the entry id holds with `/` and `:` as `_`) in
    /// the first `times` calls; `usize::MAX` refuses them for ever.
    pub fn new(pattern: &str, times: usize) -> RefusedEntries {
        RefusedEntries {
            pattern: pattern.to_string(),
            times,
            calls: Arc::default(),
        }
    }

    /// The entry ids each `PublishBatch` call carried, in order.
    pub fn calls(&self) -> Vec<Vec<String>> {
        self.calls.lock().unwrap().clone()
    }

    /// The answer to call number `call` (0 for the first) carrying `ids`.
    fn answer(&self, call: usize, ids: &[String]) -> String {
        let (code, sender_fault) = if call.is_multiple_of(2) {
            ("Throttled", true)
        } else {
            ("InternalError", false)
        };
        let refused = |id: &String| call < self.times && id.contains(&self.pattern);
        let successful: String = ids
            .iter()
            .filter(|id| !refused(id))
            .map(|id| format!("<member><Id>{id}</Id><MessageId>m-{id}</MessageId></member>"))
            .collect();
        let failed: String = ids
            .iter()
            .filter(|id| refused(id))
            .map(|id| {
                format!(
                    "<member><Id>{id}</Id><Code>{code}</Code><Message>refused by the test\
                     </Message><SenderFault>{sender_fault}</SenderFault></member>"
                )
            })
            .collect();
        format!(
            "<PublishBatchResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">\
             <PublishBatchResult><Successful>{successful}</Successful>\
             <Failed>{failed}</Failed></PublishBatchResult>\
             <ResponseMetadata><RequestId>partial-failure</RequestId></ResponseMetadata>\
             </PublishBatchResponse>"
        )
    }
}

impl Intercept for RefusedEntries {
    fn name(&self) -> &'static str {
        "RefusedEntries"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if operation(cfg) != "PublishBatch" {
            return Ok(());
        }
        let form = context.request().body().bytes().unwrap_or_default();
        let mut entries: Vec<(usize, String)> = url::form_urlencoded::parse(form)
            .filter_map(|(name, value)| {
                let index = name
                    .strip_prefix("PublishBatchRequestEntries.member.")?
                    .strip_suffix(".Id")?;
                Some((index.parse().ok()?, value.into_owned()))
            })
            .collect();
        entries.sort();
        let ids = entries.into_iter().map(|(_, id)| id).collect();
        self.calls.lock().unwrap().push(ids);
        Ok(())
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if operation(cfg) != "PublishBatch" || !context.response().status().is_success() {
            return Ok(());
        }
        let calls = self.calls.lock().unwrap();
        let (call, ids) = (calls.len() - 1, calls.last().expect("a recorded call"));
        let answer = self.answer(call, ids);
        let response = context.response_mut();
        response.headers_mut().insert("content-type", "text/xml");
        replace_answer(response, answer);
        Ok(())
    }
}

/// Leaves every request of the first `times` `BatchWriteItem` calls unprocessed.
#[derive(Debug, Clone)]
pub struct UnprocessedWrites {
    times: usize,
    /// How many requests each call carried, in order.
    calls: Arc<Mutex<Vec<usize>>>,
    /// The requests of the call in flight that are held back, to return as unprocessed.
    held: Arc<Mutex<Option<Value>>>,
}

impl UnprocessedWrites {
    /// Holds back the requests of the first `times` calls; `usize::MAX` for ever.
    pub fn new(times: usize) -> UnprocessedWrites {
        UnprocessedWrites {
            times,
            calls: Arc::default(),
            held: Arc::default(),
        }
    }

    /// How many write requests each `BatchWriteItem` call carried, in order.
    pub fn calls(&self) -> Vec<usize> {
        self.calls.lock().unwrap().clone()
    }
}

impl Intercept for UnprocessedWrites {
    fn name(&self) -> &'static str {
        "UnprocessedWrites"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if operation(cfg) != "BatchWriteItem" {
            return Ok(());
        }
        let request = context.request_mut();
        let mut body: Value = serde_json::from_slice(request.body().bytes().unwrap_or(b"{}"))?;
        let requests = body["RequestItems"].as_object().map_or(0, |tables| {
            tables
                .values()
                .filter_map(Value::as_array)
                .map(Vec::len)
                .sum()
        });
        let mut calls = self.calls.lock().unwrap();
        calls.push(requests);
        if calls.len() > self.times {
            return Ok(());
        }

        *self.held.lock().unwrap() = Some(body["RequestItems"].clone());
        for writes in body["RequestItems"]
            .as_object_mut()
            .into_iter()
            .flat_map(|tables| tables.values_mut())
            .filter_map(Value::as_array_mut)
        {
            for write in writes {
                let sort_key = &mut write["DeleteRequest"]["Key"]["sk"]["S"];
                let held_back = format!("{}#held-back", sort_key.as_str().unwrap_or_default());
                *sort_key = json!(held_back);
            }
        }
        let text = body.to_string();
        request
            .headers_mut()
            .insert("content-length", text.len().to_string());
        *request.body_mut() = SdkBody::from(text);
        Ok(())
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if operation(cfg) != "BatchWriteItem" {
            return Ok(());
        }
        let Some(held) = self.held.lock().unwrap().take() else {
            return Ok(());
        };
        let answer = json!({"UnprocessedItems": held}).to_string();
        replace_answer(context.response_mut(), answer);
        Ok(())
    }
}

/// Puts `answer` in place of the body moto sent, with the headers that describe it.
fn replace_answer(response: &mut HttpResponse, answer: String) {
    // A checksum moto sent would be of its own body.
    response.headers_mut().remove("x-amz-crc32");
    response
        .headers_mut()
        .insert("content-length", answer.len().to_string());
    *response.body_mut() = SdkBody::from(answer);
}

fn operation(cfg: &ConfigBag) -> String {
    cfg.load::<Metadata>()
        .map(|metadata| metadata.name().to_string())
        .unwrap_or_default()
}
