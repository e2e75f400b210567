//! What every AWS test needs: the emulator's endpoint, SDK clients pointed at it, and fresh
//! resources with names unique to the test, so tests run in parallel without sharing state.
//!
//! The emulator is moto server, started by `scripts/moto.sh start`. A test that cannot reach
//! it fails with a message that says how to start it; it never skips.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    TimeToLiveSpecification,
};
use aws_sdk_sqs::types::{Message, MessageSystemAttributeName, QueueAttributeName};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

pub const REGION: &str = "us-east-1";
pub const ACCOUNT: &str = "123456789012";

/// The emulator's endpoint, from `AWS_ENDPOINT_URL`. Panics, saying how to start the
/// emulator, when the variable is unset or nothing answers there.
pub fn endpoint() -> String {
    let Ok(endpoint) = std::env::var("AWS_ENDPOINT_URL") else {
        panic!(
            "AWS_ENDPOINT_URL is not set. The AWS tests run against moto server: start it with \
             `scripts/moto.sh start` and export AWS_ENDPOINT_URL=http://127.0.0.1:5000"
        );
    };
    let url = url::Url::parse(&endpoint)
        .unwrap_or_else(|error| panic!("AWS_ENDPOINT_URL `{endpoint}` is not a URL: {error}"));
    let host = url.host_str().unwrap_or("127.0.0.1");
    let port = url.port_or_known_default().unwrap_or(80);
    let reachable = (host, port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut addresses| addresses.next())
        .is_some_and(|address| {
            TcpStream::connect_timeout(&address, Duration::from_secs(2)).is_ok()
        });
    assert!(
        reachable,
        "nothing answers at AWS_ENDPOINT_URL={endpoint}; start moto with `scripts/moto.sh start`"
    );
    endpoint
}

/// The environment a child process (the `bootstrap` binary) needs to reach the emulator.
pub fn child_env() -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL", endpoint()),
        ("AWS_REGION", REGION.into()),
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        // No shared config or credentials file of whoever runs the tests may interfere.
        ("AWS_CONFIG_FILE", "/nonexistent".into()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent".into()),
    ]
}

/// SDK configuration for the emulator, with the production retry and timeout settings.
pub async fn sdk_config() -> SdkConfig {
    let endpoint = endpoint();
    aws_config::defaults(BehaviorVersion::latest())
        .region(aws_config::Region::new(REGION))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "testing", "testing", None, None, "tests",
        ))
        .endpoint_url(endpoint)
        .load()
        .await
}

/// A name no other test uses.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{:08x}", fastrand::u32(..))
}

/// Creates a table with kpiwatch's key schema and TTL, as the SAM template does.
pub async fn create_table(client: &aws_sdk_dynamodb::Client, name: &str) {
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .unwrap()
    };
    let key = |name: &str, kind| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
            .unwrap()
    };
    client
        .create_table()
        .table_name(name)
        .attribute_definitions(attribute("pk"))
        .attribute_definitions(attribute("sk"))
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .expect("create table");
    client
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name(kpiwatch::store::TTL_ATTRIBUTE)
                .enabled(true)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("enable TTL");
}

/// Creates a topic and returns its ARN.
pub async fn create_topic(client: &aws_sdk_sns::Client, name: &str) -> String {
    let output = client
        .create_topic()
        .name(name)
        .send()
        .await
        .expect("create topic");
    output.topic_arn().expect("topic ARN").to_string()
}

/// A queue subscribed to a topic.
pub struct Subscriber {
    pub queue_url: String,
}

/// Creates a queue and subscribes it to the topic, with a filter policy on message
/// attributes when one is given, and raw delivery on or off.
pub async fn subscribe_queue(
    sqs: &aws_sdk_sqs::Client,
    sns: &aws_sdk_sns::Client,
    topic_arn: &str,
    name: &str,
    filter_policy: Option<&str>,
    raw_delivery: bool,
) -> Subscriber {
    let queue_url = sqs
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .expect("create queue")
        .queue_url()
        .expect("queue URL")
        .to_string();
    let queue_arn = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("queue attributes")
        .attributes()
        .and_then(|attributes| attributes.get(&QueueAttributeName::QueueArn).cloned())
        .expect("queue ARN");

    let mut subscribe = sns
        .subscribe()
        .topic_arn(topic_arn)
        .protocol("sqs")
        .endpoint(queue_arn)
        .attributes("RawMessageDelivery", raw_delivery.to_string());
    if let Some(policy) = filter_policy {
        subscribe = subscribe.attributes("FilterPolicy", policy);
    }
    subscribe.send().await.expect("subscribe queue");
    Subscriber { queue_url }
}

/// Takes every message waiting in a queue, deleting them, in the order received.
pub async fn drain(sqs: &aws_sdk_sqs::Client, queue_url: &str) -> Vec<Message> {
    let mut messages = Vec::new();
    loop {
        let output = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .message_attribute_names("All")
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await
            .expect("receive messages");
        let batch = output.messages.unwrap_or_default();
        if batch.is_empty() {
            return messages;
        }
        for message in &batch {
            sqs.delete_message()
                .queue_url(queue_url)
                .receipt_handle(message.receipt_handle().unwrap_or_default())
                .send()
                .await
                .expect("delete message");
        }
        messages.extend(batch);
    }
}

/// Takes every message waiting in a raw-delivery queue and returns the `id` of each
/// notification document, sorted, so that tests do not depend on delivery order.
pub async fn drain_notification_ids(sqs: &aws_sdk_sqs::Client, queue_url: &str) -> Vec<String> {
    let mut ids: Vec<String> = drain(sqs, queue_url)
        .await
        .iter()
        .map(|message| {
            let document: serde_json::Value =
                serde_json::from_str(message.body().unwrap_or_default()).unwrap();
            document["id"].as_str().unwrap().to_string()
        })
        .collect();
    ids.sort();
    ids
}

/// The ids of the notifications a store holds unsent, as a run loading it would see them.
pub async fn unsent_ids(store: &dyn kpiwatch::store::Store) -> Vec<String> {
    let loaded = store.load(&[]).await.expect("load the store");
    loaded.outbox.into_iter().map(|n| n.id).collect()
}

/// Counts the HTTP requests an SDK client sends, retries included, by operation name.
/// Attached to a client, it counts at the SDK's last step before transmission, so every
/// request that reaches the network is counted once.
#[derive(Debug, Clone, Default)]
pub struct CallCounter {
    calls: Arc<Mutex<BTreeMap<String, usize>>>,
}

impl CallCounter {
    /// Calls so far, by `Service.Operation`.
    pub fn counts(&self) -> BTreeMap<String, usize> {
        self.calls.lock().unwrap().clone()
    }

    /// Calls so far, all operations together.
    pub fn total(&self) -> usize {
        self.calls.lock().unwrap().values().sum()
    }

    pub fn reset(&self) {
        self.calls.lock().unwrap().clear();
    }
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "CallCounter"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let name = match cfg.load::<Metadata>() {
            Some(metadata) => format!("{}.{}", metadata.service(), metadata.name()),
            None => "unknown".to_string(),
        };
        *self.calls.lock().unwrap().entry(name).or_default() += 1;
        Ok(())
    }
}

/// DynamoDB and SNS clients for the emulator, both counted by one counter.
pub async fn counted_clients() -> (aws_sdk_dynamodb::Client, aws_sdk_sns::Client, CallCounter) {
    let config = sdk_config().await;
    let counter = CallCounter::default();
    let dynamodb = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&config)
            .interceptor(counter.clone())
            .build(),
    );
    let sns = aws_sdk_sns::Client::from_conf(
        aws_sdk_sns::config::Builder::from(&config)
            .interceptor(counter.clone())
            .build(),
    );
    (dynamodb, sns, counter)
}

/// Secrets Manager and SSM clients for the emulator, both counted by one counter.
pub async fn counted_secret_clients() -> (
    aws_sdk_secretsmanager::Client,
    aws_sdk_ssm::Client,
    CallCounter,
) {
    let config = sdk_config().await;
    let counter = CallCounter::default();
    let secrets_manager = aws_sdk_secretsmanager::Client::from_conf(
        aws_sdk_secretsmanager::config::Builder::from(&config)
            .interceptor(counter.clone())
            .build(),
    );
    let ssm = aws_sdk_ssm::Client::from_conf(
        aws_sdk_ssm::config::Builder::from(&config)
            .interceptor(counter.clone())
            .build(),
    );
    (secrets_manager, ssm, counter)
}

/// Creates a secret holding `text` and returns its ARN.
pub async fn create_secret(
    client: &aws_sdk_secretsmanager::Client,
    name: &str,
    text: &str,
) -> String {
    let output = client
        .create_secret()
        .name(name)
        .secret_string(text)
        .send()
        .await
        .expect("create secret");
    output.arn().expect("secret ARN").to_string()
}

/// Stores a new version of a secret, as a rotation does.
pub async fn rotate_secret(client: &aws_sdk_secretsmanager::Client, name: &str, text: &str) {
    client
        .put_secret_value()
        .secret_id(name)
        .secret_string(text)
        .send()
        .await
        .expect("put secret value");
}

/// Creates or overwrites a parameter.
pub async fn put_parameter(
    client: &aws_sdk_ssm::Client,
    name: &str,
    text: &str,
    kind: aws_sdk_ssm::types::ParameterType,
) {
    client
        .put_parameter()
        .name(name)
        .value(text)
        .r#type(kind)
        .overwrite(true)
        .send()
        .await
        .expect("put parameter");
}
