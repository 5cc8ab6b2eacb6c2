package eventjobs.local.stack;

import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.aws.MotoServer;
import eventjobs.local.runtime.FixtureCode;
import eventjobs.local.runtime.FunctionLogs;
import eventjobs.local.sources.AsyncInvoker;
import eventjobs.local.sources.InvocationLog;
import eventjobs.local.sources.Port;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The runtime on an endpoint it does not run (moto standing in for LocalStack): S3 events come
 * from the endpoint's own bucket notifications, and reach functions in AWS's shape.
 */
class ExternalEndpointTest {

    @Test
    void s3Events_shouldComeFromEndpointNotifications_inAwsShape() throws Exception {
        Path dir = Files.createTempDirectory("external-endpoint");
        FixtureCode.zip(dir);
        Files.writeString(dir.resolve("template.yaml"), """
                Resources:
                  Inbox: { Type: AWS::S3::Bucket }
                  OnUpload:
                    Type: AWS::Serverless::Function
                    Properties:
                      Runtime: java25
                      CodeUri: fixtures.zip
                      Handler: eventjobs.local.fixtures.Uploads::handleRequest
                      ReservedConcurrentExecutions: 1
                      Environment: { Variables: { RECORD_FILE: %s/uploads.txt } }
                      Events:
                        Up:
                          Type: S3
                          Properties:
                            Bucket: !Ref Inbox
                            Events: s3:ObjectCreated:*
                            Filter: { S3Key: { Rules: [ { Name: prefix, Value: in/ } ] } }
                """.formatted(dir));
        try (MotoServer server = MotoServer.start();
             EmbeddedAws moto = EmbeddedAws.external(server.endpoint());
             LocalRuntime runtime = LocalRuntime.start(LocalRuntime.Options.builder(dir.resolve("template.yaml")).stackName("x")
                     .workDirectory(dir.resolve("work")).apiPort(Port.none())
                     .retryDelays(AsyncInvoker.RetryDelays.aws().scaled(0.01)).build(), moto,
                     FunctionLogs.discard(), InvocationLog.discard());
             S3Client s3 = moto.s3(); SqsClient sqs = moto.sqs()) {
            for (String key : List.of("out/ignored.txt", "in/deep/my file.txt")) {
                s3.putObject(r -> r.bucket("x-inbox").key(key), RequestBody.fromString("data"));
            }
            // every notification dispatched, then a sentinel: one instance at a time runs them in that order
            String notifications = sqs.getQueueUrl(r -> r.queueName("x-s3-notifications")).queueUrl();
            await().atMost(Duration.ofSeconds(30)).until(() -> sqs.getQueueAttributes(r -> r.queueUrl(notifications)
                    .attributeNamesWithStrings("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"))
                    .attributesAsStrings().values().stream().allMatch("0"::equals));
            s3.putObject(r -> r.bucket("x-inbox").key("in/sentinel.txt"), RequestBody.fromString("data"));

            Path records = dir.resolve("uploads.txt");
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(records)
                    && Files.readAllLines(records).contains("ObjectCreated:Put in/sentinel.txt"));

            assertThat(Files.readAllLines(records)).containsExactly("ObjectCreated:Put in/deep/my+file.txt",
                    "ObjectCreated:Put in/sentinel.txt");
        }
    }
}
