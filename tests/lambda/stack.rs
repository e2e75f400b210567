//! The production stack in miniature, in moto: the table, the topic, and two queues standing
//! in for subscribers; and the real `bootstrap` binary, run as Lambda would run it.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use aws_sdk_sqs::types::Message;
use kpiwatch::store::{DynamoStore, Store};
use serde_json::Value;

use crate::runtime_api::RuntimeApi;
use crate::support::aws::{
    Subscriber, create_table, create_topic, drain, sdk_config, subscribe_queue, unique,
};
use crate::{Received, ids, sorted};

/// The filter policy the SAM template gives the email subscription by default, read from
/// `template.yaml`, so the tests prove what a deployment gets.
pub fn default_email_filter_policy() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("template.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let template = &yaml_rust2::YamlLoader::load_from_str(&text).unwrap()[0];
    let policy = template["Parameters"]["EmailFilterPolicy"]["Default"]
        .as_str()
        .expect("template.yaml gives EmailFilterPolicy a default");
    let _: Value = serde_json::from_str(policy).expect("the default filter policy is JSON");
    policy.to_string()
}

pub struct Stack {
    pub table: String,
    pub topic_arn: String,
    /// Raw delivery, with the template's default email filter policy: gets the JSON
    /// document of critical alerts and their resolves as the body.
    pub critical: Subscriber,
    /// No filter, no raw delivery: gets the SNS envelope around the JSON document.
    pub everything: Subscriber,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub sqs: aws_sdk_sqs::Client,
    /// The config, its metrics file and the functions' logs.
    pub folder: tempfile::TempDir,
}

impl Stack {
    pub async fn new() -> Stack {
        let config = sdk_config().await;
        let dynamodb = aws_sdk_dynamodb::Client::new(&config);
        let sns = aws_sdk_sns::Client::new(&config);
        let sqs = aws_sdk_sqs::Client::new(&config);

        let table = unique("kpiwatch");
        create_table(&dynamodb, &table).await;
        let topic_arn = create_topic(&sns, &unique("alerts")).await;
        let critical = subscribe_queue(
            &sqs,
            &sns,
            &topic_arn,
            &unique("email"),
            Some(&default_email_filter_policy()),
            true,
        )
        .await;
        let everything = subscribe_queue(&sqs, &sns, &topic_arn, &unique("all"), None, false).await;

        let folder = tempfile::tempdir().unwrap();
        std::fs::copy(
            fixture("lambda/kpiwatch.yaml"),
            folder.path().join("kpiwatch.yaml"),
        )
        .unwrap();
        let stack = Stack {
            table,
            topic_arn,
            critical,
            everything,
            dynamodb,
            sqs,
            folder,
        };
        stack.use_metrics("metrics-breaching.json");
        stack
    }

    /// Makes the file source serve one of the metrics fixtures.
    pub fn use_metrics(&self, name: &str) {
        let target = self.folder.path().join("metrics.json");
        std::fs::copy(fixture(&format!("lambda/{name}")), target).unwrap();
    }

    /// Starts a `bootstrap` process polling `api`, publishing to `topic_arn`.
    pub fn start_function(&self, api: &RuntimeApi, topic_arn: &str) -> Function {
        self.start_function_with(api, topic_arn, &[])
    }

    /// Starts a `bootstrap` process with some environment variables changed.
    pub fn start_function_with(
        &self,
        api: &RuntimeApi,
        topic_arn: &str,
        changed: &[(&str, String)],
    ) -> Function {
        let log = self
            .folder
            .path()
            .join(format!("function-{:08x}.log", fastrand::u32(..)));
        let mut command = Command::new(env!("CARGO_BIN_EXE_bootstrap"));
        command
            .env_clear()
            .envs(crate::support::aws::child_env())
            .env("AWS_LAMBDA_RUNTIME_API", &api.address)
            .env("AWS_LAMBDA_FUNCTION_NAME", "kpiwatch")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
            .env("KPIWATCH_CONFIG", self.folder.path().join("kpiwatch.yaml"))
            .env("KPIWATCH_TABLE", &self.table)
            .env("KPIWATCH_TOPIC_ARN", topic_arn)
            .envs(changed.iter().map(|(name, value)| (name, value)))
            .stdout(Stdio::from(File::create(&log).unwrap()))
            .stderr(Stdio::from(
                File::create(log.with_extension("err")).unwrap(),
            ));
        Function {
            child: command.spawn().expect("start bootstrap"),
            log,
        }
    }

    /// A store on the stack's table, for reading what the function wrote.
    pub fn store(&self) -> DynamoStore {
        DynamoStore::new(self.dynamodb.clone(), &self.table)
    }

    /// Every message waiting in a queue, as JSON bodies with their attributes.
    pub async fn received(&self, subscriber: &Subscriber) -> Vec<Message> {
        drain(&self.sqs, &subscriber.queue_url).await
    }

    /// The last T the function evaluated, as its table says.
    pub async fn last_evaluated_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.store().load(&[]).await.unwrap().last_evaluated_at
    }

    /// Asserts that each subscriber received the alerts of the breaching metrics at
    /// 10:05 once: both alerts for everything, the critical one for the critical filter.
    pub async fn assert_first_alerts_received_once(&self) {
        assert_eq!(
            ids(&self.everything_received().await),
            [
                "churn-rate/firing/2026-12-03T10:05:00Z",
                "ltv-cac/firing/2026-12-03T10:05:00Z"
            ]
        );
        let critical = self.critical_received().await;
        assert_eq!(ids(&critical), ["churn-rate/firing/2026-12-03T10:05:00Z"]);
    }

    /// What the unfiltered subscriber has received since the last call, by notification id.
    pub async fn everything_received(&self) -> Vec<Received> {
        let messages = self.received(&self.everything).await;
        sorted(messages.iter().map(Received::from_envelope).collect())
    }

    /// What the critical-only subscriber has received since the last call, by notification
    /// id.
    pub async fn critical_received(&self) -> Vec<Received> {
        let messages = self.received(&self.critical).await;
        sorted(messages.iter().map(Received::from_raw).collect())
    }
}

/// A running `bootstrap` process, stopped when dropped, as Lambda freezes and discards an
/// execution environment.
pub struct Function {
    child: Child,
    log: PathBuf,
}

impl Function {
    /// The JSON log lines it wrote to standard output.
    pub fn log_lines(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A scheduled event fixture.
pub fn event(name: &str) -> Value {
    let text = std::fs::read_to_string(fixture(&format!("events/{name}"))).unwrap();
    serde_json::from_str(&text).unwrap()
}
