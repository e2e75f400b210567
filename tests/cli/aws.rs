//! `kpiwatch run --store dynamodb://TABLE --notify sns://TOPIC_ARN`: the production path from
//! a laptop, here against moto server through `AWS_ENDPOINT_URL`, with a queue subscribed
//! to the topic standing in for the subscribers.

use std::process::Output;

use kpiwatch::store::{DynamoStore, Store};

use crate::{Workspace, emulator, stderr};

const T1: &str = "2026-12-03T10:00:00Z";

/// An environment variable and its new value, or `None` to remove it.
type EnvChange<'a> = (&'a str, Option<&'a str>);

struct Stack {
    table: String,
    topic_arn: String,
    queue_url: String,
    dynamodb: aws_sdk_dynamodb::Client,
    sqs: aws_sdk_sqs::Client,
}

impl Stack {
    async fn new() -> Stack {
        let config = emulator::sdk_config().await;
        let dynamodb = aws_sdk_dynamodb::Client::new(&config);
        let sns = aws_sdk_sns::Client::new(&config);
        let sqs = aws_sdk_sqs::Client::new(&config);
        let table = emulator::unique("cli");
        emulator::create_table(&dynamodb, &table).await;
        let topic_arn = emulator::create_topic(&sns, &emulator::unique("cli")).await;
        let queue_name = emulator::unique("cli");
        let queue = emulator::subscribe_queue(&sqs, &sns, &topic_arn, &queue_name, None, true);
        let queue_url = queue.await.queue_url;
        Stack {
            table,
            topic_arn,
            queue_url,
            dynamodb,
            sqs,
        }
    }

    /// `kpiwatch run` at `at` on the stack's table and topic, in the workspace.
    fn run(&self, workspace: &Workspace, at: &str) -> Output {
        self.run_on(workspace, at, &self.table, &[])
    }

    /// `kpiwatch run` at `at` with `--store dynamodb://TABLE`, TABLE a name or an ARN, and
    /// some environment variables changed.
    fn run_on(
        &self,
        workspace: &Workspace,
        at: &str,
        table: &str,
        changed: &[EnvChange],
    ) -> Output {
        let store = format!("dynamodb://{table}");
        let notify = format!("sns://{}", self.topic_arn);
        let args = ["run", "--config", "kpiwatch.yaml", "--at", at];
        let args = [&args[..], &["--store", &store, "--notify", &notify]].concat();
        kpiwatch_in(workspace, &args, changed)
    }

    /// The notification ids the queue received since the last call, sorted.
    async fn received_ids(&self) -> Vec<String> {
        emulator::drain_notification_ids(&self.sqs, &self.queue_url).await
    }
}

/// The built `kpiwatch` with `args` in `workspace`, reaching the emulator, with the
/// environment changed as `changed` says.
fn kpiwatch_in(workspace: &Workspace, args: &[&str], changed: &[EnvChange]) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_kpiwatch"));
    command
        .args(args)
        .current_dir(workspace.folder.path())
        .env_remove("KPIWATCH_CONFIG")
        .env("NO_COLOR", "1")
        .envs(emulator::child_env());
    for (name, value) in changed {
        match value {
            Some(value) => command.env(name, value),
            None => command.env_remove(name),
        };
    }
    command.output().unwrap()
}

#[tokio::test]
async fn a_run_on_dynamodb_and_sns_publishes_once_however_often_it_is_repeated() {
    let workspace = Workspace::of_example("saas");
    let stack = Stack::new().await;

    let first = stack.run(&workspace, T1);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let published = stack.received_ids().await;
    assert_eq!(
        published,
        [
            "churn-rate/firing/2026-12-03T10:00:00Z",
            "ltv-cac/firing/2026-12-03T10:00:00Z",
            "net-revenue-retention/firing/2026-12-03T10:00:00Z",
            "response-time/firing/2026-12-03T10:00:00Z",
        ]
    );

    // The same T again, as a second terminal or a retry would: nothing is sent again.
    let again = stack.run(&workspace, T1);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(stack.received_ids().await, Vec::<String>::new());

    let store = DynamoStore::new(stack.dynamodb.clone(), &stack.table);
    let loaded = store.load(&[]).await.unwrap();
    assert_eq!(loaded.last_evaluated_at, Some(T1.parse().unwrap()));
    assert!(loaded.outbox.is_empty(), "{:#?}", loaded.outbox);
    assert_eq!(loaded.states["churn-rate"].state.as_str(), "critical");
}

#[tokio::test]
async fn a_table_arn_is_reached_in_its_own_region_whatever_aws_region_says() {
    let workspace = Workspace::of_example("saas");
    let stack = Stack::new().await;
    let arn = format!(
        "arn:aws:dynamodb:{}:{}:table/{}",
        emulator::REGION,
        emulator::ACCOUNT,
        stack.table
    );

    // The emulator keeps each region's tables apart, as AWS does: in eu-west-1 there is
    // no such table, so a client in AWS_REGION would not find it.
    let run = stack.run_on(&workspace, T1, &arn, &[("AWS_REGION", Some("eu-west-1"))]);

    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert_eq!(stack.received_ids().await.len(), 4);
    let store = DynamoStore::new(stack.dynamodb.clone(), &stack.table);
    let loaded = store.load(&[]).await.unwrap();
    assert_eq!(loaded.last_evaluated_at, Some(T1.parse().unwrap()));
}

#[tokio::test]
async fn labels_no_filter_policy_can_match_are_named_in_a_warning() {
    let workspace = Workspace::of_example("saas");
    // Eight labels, one empty: four attributes are kpiwatch's own, so six labels at most
    // are sent, and SNS refuses an empty value.
    std::fs::write(
        workspace.path("kpiwatch.yaml"),
        "sources:\n  - id: kpis\n    file: { path: metrics.json }\nrules:\n  - id: churn\n    \
         metric: retention.churnRate\n    critical: \"> 5\"\n    labels: { a: '1', b: '2', \
         c: '3', d: '4', e: '5', f: '', g: '7', team: growth }\n",
    )
    .unwrap();
    let stack = Stack::new().await;

    let run = stack.run(&workspace, T1);

    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let stderr = stderr(&run);
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("labels not sent as SNS message attributes"))
        .collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(
        warnings[0].contains(r#"labels={"churn": ["f", "team"]}"#),
        "{}",
        warnings[0]
    );
    assert_eq!(stack.received_ids().await.len(), 1);
}

#[tokio::test]
async fn no_region_or_no_credentials_is_named_before_any_call_not_taken_for_an_outage() {
    let workspace = Workspace::of_example("saas");
    let stack = Stack::new().await;
    let cases: [(&[EnvChange], &str); 2] = [
        (
            &[("AWS_REGION", None)],
            "no AWS region: set AWS_REGION (or a region in your AWS profile), or name the \
             table by its ARN",
        ),
        (
            &[
                ("AWS_ACCESS_KEY_ID", None),
                ("AWS_SECRET_ACCESS_KEY", None),
                ("AWS_EC2_METADATA_DISABLED", Some("true")),
            ],
            "no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and \
             AWS_SECRET_ACCESS_KEY",
        ),
    ];
    for (changed, expected) in cases {
        let run = stack.run_on(&workspace, T1, &stack.table, changed);

        assert_eq!(run.status.code(), Some(3));
        let stderr = stderr(&run);
        assert!(stderr.contains(expected), "{stderr}");
        assert!(!stderr.contains("temporarily unavailable"), "{stderr}");

        let store = format!("dynamodb://{}", stack.table);
        let args = ["history", "--config", "kpiwatch.yaml", "--store", &store];
        let history = kpiwatch_in(&workspace, &args, changed);
        assert_eq!(history.status.code(), Some(3));
        assert!(
            crate::stderr(&history).contains(expected),
            "{}",
            crate::stderr(&history)
        );
    }
    assert_eq!(stack.received_ids().await, Vec::<String>::new());
    let store = DynamoStore::new(stack.dynamodb.clone(), &stack.table);
    assert_eq!(store.load(&[]).await.unwrap().last_evaluated_at, None);
}

#[tokio::test]
async fn a_rule_with_a_huge_message_is_stored_and_published_with_it_cut() {
    let workspace = Workspace::of_example("saas");
    // Random letters, so that compression cannot make it fit: well past the 300 KB the
    // store gives one notification.
    let huge: String = (0..600_000).map(|_| fastrand::alphanumeric()).collect();
    std::fs::write(
        workspace.path("kpiwatch.yaml"),
        format!(
            "sources:\n  - id: kpis\n    file: {{ path: metrics.json }}\nrules:\n  \
             - id: churn\n    metric: retention.churnRate\n    critical: \"> 5\"\n    \
             message: \"{huge}\"\n"
        ),
    )
    .unwrap();
    let stack = Stack::new().await;

    let run = stack.run(&workspace, T1);

    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let received = emulator::drain(&stack.sqs, &stack.queue_url).await;
    assert_eq!(received.len(), 1);
    let document: kpiwatch::model::Notification =
        serde_json::from_str(received[0].body().unwrap()).unwrap();
    let kept = document
        .message
        .strip_suffix(kpiwatch::engine::TEXT_CUT_MARK)
        .expect("the message ends with the cut mark");
    assert_eq!(kept, &huge[..kpiwatch::engine::MAX_TEXT_CHARS]);
}
