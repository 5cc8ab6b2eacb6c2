package eventjobs.local.stack;

import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.runtime.FixtureCode;
import eventjobs.local.runtime.FunctionLogs;
import eventjobs.local.sources.AsyncInvoker;
import eventjobs.local.sources.InvocationLog;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code local/run redrive} against the running runtime: destination records are invoked again,
 * parked messages go back to their queue, and what cannot be replayed stays with its reason.
 */
class RedriveTest {

    private static final JsonMapper JSON = JsonMapper.shared();

    private static Path dir;
    private static LocalRuntime runtime;
    private static EmbeddedAws aws;
    private static SqsClient sqs;
    private static LambdaClient lambda;

    @BeforeAll
    static void start() throws IOException {
        dir = Files.createTempDirectory("redrive-test");
        FixtureCode.zip(dir);
        Files.writeString(dir.resolve("template.yaml"), """
                Globals:
                  Function:
                    Runtime: java25
                    CodeUri: fixtures.zip
                    Timeout: 10
                    MemorySize: 256
                Resources:
                  UploadsBucket: { Type: AWS::S3::Bucket }
                  FailuresQueue: { Type: AWS::SQS::Queue }
                  OnUpload:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: eventjobs.local.fixtures.Uploads::handleRequest
                      Environment: { Variables: { RECORD_FILE: %1$s/uploads.txt } }
                      EventInvokeConfig:
                        MaximumRetryAttempts: 0
                        DestinationConfig:
                          OnFailure: { Type: SQS, Destination: !GetAtt FailuresQueue.Arn }
                      Events:
                        Up: { Type: S3, Properties: { Bucket: !Ref UploadsBucket, Events: s3:ObjectCreated:* } }
                  ReportFailures: { Type: AWS::SQS::Queue }
                  Report:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: eventjobs.local.fixtures.Fails::handleRequest
                      EventInvokeConfig:
                        MaximumRetryAttempts: 0
                        DestinationConfig:
                          OnFailure: { Type: SQS, Destination: !GetAtt ReportFailures.Arn }
                  WorkDLQ: { Type: AWS::SQS::Queue }
                  WorkQueue:
                    Type: AWS::SQS::Queue
                    Properties:
                      VisibilityTimeout: 5
                      RedrivePolicy: { deadLetterTargetArn: !GetAtt WorkDLQ.Arn, maxReceiveCount: 2 }
                  Worker:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: eventjobs.local.fixtures.Records::handleRequest
                      Environment: { Variables: { RECORD_FILE: %1$s/work.txt } }
                      Events:
                        Q: { Type: SQS, Properties: { Queue: !GetAtt WorkQueue.Arn, BatchSize: 1 } }
                """.formatted(dir));
        aws = EmbeddedAws.start(0);
        runtime = LocalRuntime.start(LocalRuntime.Options.builder(dir.resolve("template.yaml")).stackName("r")
                .workDirectory(dir.resolve("work")).retryDelays(AsyncInvoker.RetryDelays.aws().scaled(0.02)).build(), aws,
                FunctionLogs.discard(), InvocationLog.discard());
        sqs = aws.sqs();
        lambda = aws.toEndpoint(LambdaClient.builder()).build();
    }

    @AfterAll
    static void stop() {
        runtime.close();
        lambda.close();
        sqs.close();
        aws.close();
    }

    @Test
    void destinationRecord_shouldBeUnwrappedAndInvokedAgainWithItsPayload_andWhatCannotBeReplayedShouldStay() throws Exception {
        try (var s3 = aws.s3()) {
            s3.putObject(r -> r.bucket("r-uploadsbucket").key("fail-once.txt"), RequestBody.fromString("x"));
        }
        await("the destination record", () -> depth("r-FailuresQueue") == 1);
        String record = peek("r-FailuresQueue").getFirst().body();
        String originalPayload = JSON.writeValueAsString(JSON.readTree(record).get("requestPayload"));
        send("r-FailuresQueue", "not json at all");
        // what a handler parks itself: the event, with the function that gave up on it
        sqs.sendMessage(r -> r.queueUrl(url("r-FailuresQueue")).messageBody(originalPayload).messageAttributes(Map.of(
                "failure-function", MessageAttributeValue.builder().dataType("String").stringValue("r-OnUpload").build(),
                "failure-reason", MessageAttributeValue.builder().dataType("String").stringValue("gave up").build())));
        String foreign = record.replace("function:r-OnUpload", "function:r-Gone");
        send("r-FailuresQueue", foreign);

        Redrive.Result result = new Redrive(sqs, lambda, runtime.template()).run("FailuresQueue");

        assertThat(result.outcomes()).extracting(Redrive.Outcome::action)
                .containsExactlyInAnyOrder(Redrive.Action.REPLAYED, Redrive.Action.REPLAYED, Redrive.Action.KEPT, Redrive.Action.KEPT);
        assertThat(result.outcomes()).filteredOn(o -> o.action() == Redrive.Action.REPLAYED)
                .allSatisfy(o -> assertThat(o.detail()).startsWith("r-OnUpload"));
        assertThat(result.outcomes()).filteredOn(o -> o.action() == Redrive.Action.KEPT).extracting(Redrive.Outcome::detail)
                .containsExactlyInAnyOrder(
                        "not a Lambda destination record (no requestContext.functionArn and requestPayload), and FailuresQueue"
                                + " is neither a queue's nor a function's dead-letter queue",
                        "a destination record of arn:aws:lambda:us-east-1:000000000000:function:r-Gone:$LATEST, which is no function of this stack");
        assertThat(result.summary()).isEqualTo("FailuresQueue: 2 replayed, 0 moved, 2 kept");

        // the function ran again on the same object, once per replay; it fails again, so new records come back, with the same payload
        await("the replays", () -> records("uploads.txt").stream().filter("ObjectCreated:Put fail-once.txt"::equals).count() == 3);
        await("the new record", () -> peek("r-FailuresQueue").stream().anyMatch(m -> m.body().contains("function:r-OnUpload")));
        List<Message> left = peek("r-FailuresQueue");
        assertThat(left).extracting(Message::body).contains("not json at all", foreign);
        JsonNode again = JSON.readTree(left.stream().map(Message::body).filter(b -> b.contains("function:r-OnUpload")).findFirst().orElseThrow());
        assertThat(JSON.writeValueAsString(again.get("requestPayload"))).isEqualTo(originalPayload);
        assertThat(again.at("/requestContext/requestId").asString())
                .isNotEqualTo(JSON.readTree(record).at("/requestContext/requestId").asString());
    }

    @Test
    void parkedMessage_shouldGoBackToItsSourceQueue_withItsAttributes() throws Exception {
        sqs.sendMessage(r -> r.queueUrl(url("r-WorkDLQ")).messageBody("{\"job\":\"j-1\"}")
                .messageAttributes(Map.of("failure-reason", MessageAttributeValue.builder().dataType("String").stringValue("table gone").build())));

        Redrive.Result result = new Redrive(sqs, lambda, runtime.template()).run("WorkDLQ");

        assertThat(result.outcomes()).singleElement().satisfies(o -> {
            assertThat(o.action()).isEqualTo(Redrive.Action.MOVED);
            assertThat(o.detail()).isEqualTo("WorkQueue");
        });
        await("the worker to get the message", () -> records("work.txt").stream().anyMatch(l -> l.contains("\\\"job\\\":\\\"j-1\\\"")));
        String event = records("work.txt").stream().filter(l -> l.contains("j-1")).findFirst().orElseThrow();
        assertThat(JSON.readTree(event).at("/Records/0/messageAttributes/failure-reason/stringValue").asString()).isEqualTo("table gone");
        assertThat(depth("r-WorkDLQ")).isZero();
    }

    /** scripts/replay-dlq, the cloud's way, run with the aws CLI against this endpoint. */
    @Test
    void replayScript_shouldInvokeTheFunctionOfEachRecordWithItsPayload_andKeepWhatItCannot() throws Exception {
        runtime.invokeAsync("Report", "{\"orderId\":\"o-7\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        await("the destination record", () -> depth("r-ReportFailures") == 1);
        String first = peek("r-ReportFailures").getFirst().body();
        send("r-ReportFailures", "{\"orderId\":\"o-8\"}");

        ProcessBuilder script = new ProcessBuilder("python3", Path.of(System.getProperty("eventjobs.root"), "scripts/replay-dlq").toString(),
                "r-ReportFailures").redirectErrorStream(true);
        script.environment().putAll(aws.clientEnvironment());
        Process process = script.start();
        String output;
        try (var in = process.getInputStream()) {
            output = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        assertThat(process.waitFor()).as(output).isEqualTo(1);
        assertThat(output).contains(" replayed: invoked arn:aws:lambda:us-east-1:000000000000:function:r-Report:$LATEST")
                .contains(" kept: not a Lambda destination record and no failure-function attribute")
                .contains("r-ReportFailures: 1 replayed, 1 kept");
        // Report failed again on the same payload: a new record, with a new request id
        await("the record of the replay", () -> peek("r-ReportFailures").stream().anyMatch(m -> m.body().contains("requestPayload")));
        JsonNode again = JSON.readTree(peek("r-ReportFailures").stream().map(Message::body).filter(b -> b.contains("requestPayload"))
                .findFirst().orElseThrow());
        assertThat(again.get("requestPayload")).isEqualTo(JSON.readTree(first).get("requestPayload"));
        assertThat(again.at("/requestContext/requestId").asString()).isNotEqualTo(JSON.readTree(first).at("/requestContext/requestId").asString());
        assertThat(peek("r-ReportFailures")).extracting(Message::body).contains("{\"orderId\":\"o-8\"}");
    }

    @Test
    void unknownQueue_shouldBeRefusedWithTheQueuesThereAre() {
        assertThatThrownBy(() -> new Redrive(sqs, lambda, runtime.template()).run("NoSuchDLQ"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("no queue NoSuchDLQ in the template; queues: [");
    }

    private static String url(String name) {
        return sqs.getQueueUrl(r -> r.queueName(name)).queueUrl();
    }

    private static void send(String queue, String body) {
        sqs.sendMessage(r -> r.queueUrl(url(queue)).messageBody(body));
    }

    /** Every visible message, left visible. */
    private static List<Message> peek(String queue) {
        List<Message> seen = new ArrayList<>();
        List<String> handles = new ArrayList<>();
        for (List<Message> batch; !(batch = sqs.receiveMessage(r -> r.queueUrl(url(queue)).maxNumberOfMessages(10)
                .visibilityTimeout(30).waitTimeSeconds(0)).messages()).isEmpty(); ) {
            seen.addAll(batch);
            batch.forEach(m -> handles.add(m.receiptHandle()));
        }
        handles.forEach(h -> sqs.changeMessageVisibility(r -> r.queueUrl(url(queue)).receiptHandle(h).visibilityTimeout(0)));
        return seen;
    }

    private static int depth(String queue) {
        return Integer.parseInt(sqs.getQueueAttributes(r -> r.queueUrl(url(queue))
                .attributeNamesWithStrings("ApproximateNumberOfMessages")).attributesAsStrings().get("ApproximateNumberOfMessages"));
    }

    private static List<String> records(String file) {
        try {
            Path path = dir.resolve(file);
            return Files.exists(path) ? Files.readAllLines(path) : List.of();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void await(String what, Callable<Boolean> condition) {
        Awaitility.await(what).atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(200)).until(condition);
    }
}
