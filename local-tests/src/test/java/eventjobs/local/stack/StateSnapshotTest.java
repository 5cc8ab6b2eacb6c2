package eventjobs.local.stack;

import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.runtime.FixtureCode;
import eventjobs.local.runtime.FunctionLogs;
import eventjobs.local.sources.InvocationLog;
import eventjobs.local.sources.Port;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** start --state-dir: what was there when it stopped is there on the next start. */
class StateSnapshotTest {

    @TempDir
    Path dir;

    private LocalRuntime start(EmbeddedAws aws) {
        return LocalRuntime.start(LocalRuntime.Options.builder(dir.resolve("template.yaml")).stackName("s")
                .workDirectory(dir.resolve("work")).apiPort(Port.none()).stateDirectory(dir.resolve("state")).build(), aws,
                FunctionLogs.discard(), InvocationLog.discard());
    }

    @Test
    void state_shouldSurviveARestart() throws Exception {
        Files.writeString(dir.resolve("template.yaml"), """
                Resources:
                  Jobs: { Type: AWS::SQS::Queue }
                  Files: { Type: AWS::S3::Bucket }
                  Items:
                    Type: AWS::DynamoDB::Table
                    Properties:
                      AttributeDefinitions: [ { AttributeName: id, AttributeType: S } ]
                      KeySchema: [ { AttributeName: id, KeyType: HASH } ]
                """);
        Map<String, AttributeValue> item = Map.of("id", AttributeValue.fromS("k"), "n", AttributeValue.fromN("1.50"),
                "b", AttributeValue.fromB(SdkBytes.fromUtf8String("bin")), "flag", AttributeValue.fromBool(true),
                "none", AttributeValue.fromNul(true), "tags", AttributeValue.fromSs(List.of("a", "b")),
                "list", AttributeValue.fromL(List.of(AttributeValue.fromN("2"), AttributeValue.fromM(Map.of("x", AttributeValue.fromS("y"))))));

        try (EmbeddedAws aws = EmbeddedAws.start(0, Optional.of(dir.resolve("state/s3")));
             LocalRuntime runtime = start(aws); var sqs = aws.sqs(); var dynamo = aws.dynamoDb(); var s3 = aws.s3()) {
            dynamo.putItem(r -> r.tableName("s-Items").item(item));
            String url = sqs.getQueueUrl(r -> r.queueName("s-Jobs")).queueUrl();
            sqs.sendMessage(r -> r.queueUrl(url).messageBody("first").messageAttributes(Map.of("kind",
                    MessageAttributeValue.builder().dataType("String").stringValue("test").build())));
            sqs.sendMessage(r -> r.queueUrl(url).messageBody("second"));
            s3.putObject(r -> r.bucket("s-files").key("a/b.txt"), RequestBody.fromString("kept"));
        }

        try (EmbeddedAws aws = EmbeddedAws.start(0, Optional.of(dir.resolve("state/s3")));
             LocalRuntime runtime = start(aws); var sqs = aws.sqs(); var dynamo = aws.dynamoDb(); var s3 = aws.s3()) {
            assertThat(dynamo.getItem(r -> r.tableName("s-Items").key(Map.of("id", AttributeValue.fromS("k")))).item())
                    .isEqualTo(item);
            String url = sqs.getQueueUrl(r -> r.queueName("s-Jobs")).queueUrl();
            List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).messageAttributeNames("All")
                    .waitTimeSeconds(1)).messages();
            assertThat(messages).extracting(Message::body).containsExactlyInAnyOrder("first", "second");
            assertThat(messages).filteredOn(m -> m.body().equals("first"))
                    .allSatisfy(m -> assertThat(m.messageAttributes().get("kind").stringValue()).isEqualTo("test"));
            assertThat(s3.getObjectAsBytes(r -> r.bucket("s-files").key("a/b.txt")).asUtf8String()).isEqualTo("kept");
        }
    }

    @Test
    void state_shouldKeepMessagesInFlightAtStop_withTheirReceiveCounts() throws Exception {
        FixtureCode.zip(dir);
        Files.writeString(dir.resolve("template.yaml"), """
                Resources:
                  Parked: { Type: AWS::SQS::Queue }
                  Work:
                    Type: AWS::SQS::Queue
                    Properties:
                      VisibilityTimeout: 300
                      RedrivePolicy: { deadLetterTargetArn: !GetAtt Parked.Arn, maxReceiveCount: 5 }
                  Worker:
                    Type: AWS::Serverless::Function
                    Properties:
                      Runtime: java25
                      CodeUri: fixtures.zip
                      Handler: eventjobs.local.fixtures.Fails::handleRequest
                      Events:
                        Q: { Type: SQS, Properties: { Queue: !GetAtt Work.Arn } }
                """);
        List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        InvocationLog log = new InvocationLog() {
            @Override
            public void invoked(String function, String trigger, eventjobs.local.runtime.InvocationResult result, String detail) {
                failures.add(result.outcome().name());
            }

            @Override
            public void problem(String source, String message) {
            }
        };
        try (EmbeddedAws aws = EmbeddedAws.start(0);
             LocalRuntime runtime = LocalRuntime.start(LocalRuntime.Options.builder(dir.resolve("template.yaml")).stackName("f")
                     .workDirectory(dir.resolve("work")).apiPort(Port.none()).stateDirectory(dir.resolve("state")).build(),
                     aws, FunctionLogs.discard(), log); var sqs = aws.sqs()) {
            sqs.sendMessage(r -> r.queueUrl(sqs.getQueueUrl(q -> q.queueName("f-Work")).queueUrl()).messageBody("in flight"));
            // failed once: SQS keeps it hidden for 300 s, longer than this run
            org.awaitility.Awaitility.await("the failed invocation").atMost(java.time.Duration.ofSeconds(60))
                    .until(() -> failures.contains("FUNCTION_ERROR"));
        }

        try (EmbeddedAws aws = EmbeddedAws.start(0);
             LocalRuntime runtime = LocalRuntime.start(LocalRuntime.Options.builder(dir.resolve("template.yaml")).stackName("f")
                     .workDirectory(dir.resolve("work")).apiPort(Port.none()).triggers(false).stateDirectory(dir.resolve("state"))
                     .build(), aws, FunctionLogs.discard(), InvocationLog.discard()); var sqs = aws.sqs()) {
            List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(sqs.getQueueUrl(q -> q.queueName("f-Work")).queueUrl())
                    .waitTimeSeconds(1).messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).messages();

            assertThat(messages).extracting(Message::body).containsExactly("in flight");
            // the worker's receive before the stop, and this one
            assertThat(messages.getFirst().attributes()).containsEntry(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, "2");
        }
    }
}
