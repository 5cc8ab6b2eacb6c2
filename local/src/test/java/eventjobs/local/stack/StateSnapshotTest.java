package eventjobs.local.stack;

import eventjobs.local.aws.EmbeddedAws;
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
}
