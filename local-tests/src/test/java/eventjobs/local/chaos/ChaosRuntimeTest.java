package eventjobs.local.chaos;

import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.runtime.FixtureCode;
import eventjobs.local.runtime.InvocationResult;
import eventjobs.local.sources.InvocationLog;
import eventjobs.local.stack.LocalRuntime;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each fault injected at rate 1 into a real runtime running fixture functions: the outcome Lambda
 * would report, the chaos line in the invocation log, the count in the summary.
 */
class ChaosRuntimeTest {

    private static final JsonMapper JSON = JsonMapper.shared();

    private static Path dir;
    private static EmbeddedAws aws;
    private static SqsClient sqs;
    private static S3Client s3;
    private static int stacks;

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private LocalRuntime runtime;
    private String stack;

    @BeforeAll
    static void endpoint() throws IOException {
        dir = Files.createTempDirectory("chaos-runtime-test");
        FixtureCode.zip(dir);
        aws = EmbeddedAws.start(0);
        sqs = aws.sqs();
        s3 = aws.s3();
    }

    @AfterAll
    static void stopEndpoint() {
        sqs.close();
        s3.close();
        aws.close();
    }

    @AfterEach
    void stop() {
        if (runtime != null) {
            runtime.close();
        }
    }

    /** A runtime of {@code resources} (functions default to the Echo fixture, 1 s timeout) with {@code chaos}. */
    private LocalRuntime start(String chaos, String resources) throws IOException {
        stack = "c" + (++stacks);
        Path template = dir.resolve(stack + ".yaml");
        Files.writeString(template, """
                Globals:
                  Function:
                    Runtime: java25
                    CodeUri: fixtures.zip
                    Timeout: 1
                    MemorySize: 256
                    Handler: eventjobs.local.fixtures.Echo::handleRequest
                Resources:
                """ + resources.replace("%DIR%", dir.toString()).replace("%STACK%", stack).indent(2));
        runtime = LocalRuntime.start(LocalRuntime.Options.builder(template).stackName(stack).workDirectory(dir.resolve("work"))
                        .chaos(Chaos.parse(chaos)).build(), aws, (function, line) -> { },
                InvocationLog.text(new PrintStream(printed, true, StandardCharsets.UTF_8)));
        return runtime;
    }

    private List<String> lines(String prefix) {
        return printed.toString(StandardCharsets.UTF_8).lines().filter(line -> line.startsWith(prefix)).toList();
    }

    private String queueUrl(String logicalId) {
        return runtime.template().queueUrl(logicalId);
    }

    @Test
    void kill_shouldEndTheInvocationAsARuntimeExitError_killingTheInstance() throws IOException {
        start("seed=1,kill=1", "Echo: { Type: AWS::Serverless::Function }");

        InvocationResult result = runtime.invoke("Echo", "{}".getBytes(StandardCharsets.UTF_8));

        assertThat(result.outcome()).isEqualTo(InvocationResult.Outcome.CRASH);
        assertThat(result.errorType()).contains("Runtime.ExitError");
        assertThat(result.errorMessage()).contains("Runtime exited with error: signal: killed");
        assertThat(lines("chaos")).containsExactly("chaos kill " + stack + "-Echo " + result.requestId());
        assertThat(runtime.functions().get("Echo").instances()).isZero();
        assertThat(runtime.chaosSummary().orElseThrow().count(Fault.KILL)).isEqualTo(1);
    }

    @Test
    void hang_shouldBeATimeout_asARealOneIs() throws IOException {
        start("seed=1,hang=1", "Echo: { Type: AWS::Serverless::Function }");

        InvocationResult result = runtime.invoke("Echo", "{}".getBytes(StandardCharsets.UTF_8));

        assertThat(result.outcome()).isEqualTo(InvocationResult.Outcome.TIMEOUT);
        assertThat(result.errorMessage()).contains("Task timed out after 1.00 seconds");
        assertThat(lines("chaos")).containsExactly("chaos hang " + stack + "-Echo " + result.requestId());
        assertThat(runtime.functions().get("Echo").instances()).isZero();
    }

    /** A function that appends each event it receives to a file: its effect, visible to the test. */
    private static final String RECORDER = """
                Recorder:
                  Type: AWS::Serverless::Function
                  Properties:
                    Handler: eventjobs.local.fixtures.Records::handleRequest
                    Timeout: 10
                    Environment: { Variables: { RECORD_FILE: %DIR%/%STACK%-records.txt } }
                """;

    /** Invokes the recording function once with {@code fault} certain: Lambda reports a crash, and chaos says why. */
    private void invokeRecorderSuffering(String fault) throws IOException {
        start("seed=1," + fault + "=1", RECORDER);

        InvocationResult result = runtime.invoke("Recorder", "{\"n\":1}".getBytes(StandardCharsets.UTF_8));

        assertThat(result.outcome()).isEqualTo(InvocationResult.Outcome.CRASH);
        assertThat(result.errorType()).contains("Runtime.ExitError");
        assertThat(lines("chaos")).containsExactly("chaos " + fault + " " + stack + "-Recorder " + result.requestId());
    }

    @Test
    void failBefore_shouldFailTheInvocation_withoutTheHandlerSeeingTheEvent() throws IOException {
        invokeRecorderSuffering("fail-before");

        assertThat(dir.resolve(stack + "-records.txt")).doesNotExist();
    }

    @Test
    void loseResponse_shouldFailTheInvocation_afterTheHandlerHasDoneItsWork() throws IOException {
        invokeRecorderSuffering("lose-response");

        assertThat(Files.readAllLines(dir.resolve(stack + "-records.txt"))).containsExactly("{\"n\":1}");
    }

    @Test
    void duplicate_shouldDeliverAnSqsBatchAndAnS3EventTwice() throws IOException {
        start("seed=1,duplicate=1", """
                Work: { Type: AWS::SQS::Queue, Properties: { VisibilityTimeout: 30 } }
                Drop: { Type: AWS::S3::Bucket }
                Worker:
                  Type: AWS::Serverless::Function
                  Properties:
                    Handler: eventjobs.local.fixtures.Batch::handleRequest
                    Timeout: 10
                    Environment: { Variables: { RECORD_FILE: %DIR%/%STACK%-batch.txt } }
                    Events:
                      Q: { Type: SQS, Properties: { Queue: !GetAtt Work.Arn, FunctionResponseTypes: [ReportBatchItemFailures] } }
                OnDrop:
                  Type: AWS::Serverless::Function
                  Properties:
                    Handler: eventjobs.local.fixtures.Uploads::handleRequest
                    Timeout: 10
                    Environment: { Variables: { RECORD_FILE: %DIR%/%STACK%-uploads.txt } }
                    Events:
                      Up: { Type: S3, Properties: { Bucket: !Ref Drop, Events: s3:ObjectCreated:* } }
                """);

        sqs.sendMessage(r -> r.queueUrl(queueUrl("Work")).messageBody("ok-1"));
        s3.putObject(r -> r.bucket(runtime.template().bucket("Drop").orElseThrow().name()).key("a.txt"), RequestBody.fromString("x"));

        Path batch = dir.resolve(stack + "-batch.txt");
        Path uploads = dir.resolve(stack + "-uploads.txt.requests");
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(batch).as(printed.toString(StandardCharsets.UTF_8)).exists();
            assertThat(Files.readAllLines(batch)).containsExactly("ok-1", "ok-1");
            assertThat(uploads).as(printed.toString(StandardCharsets.UTF_8)).exists();
            assertThat(Files.readAllLines(uploads)).hasSize(2);
            // both copies were answered and the message deleted
            assertThat(sqs.getQueueAttributes(r -> r.queueUrl(queueUrl("Work")).attributeNames(QueueAttributeName.ALL))
                    .attributes()).containsEntry(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, "0")
                    .containsEntry(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE, "0");
        });
        // the same event: one request id for both deliveries
        assertThat(Files.readAllLines(uploads).stream().distinct()).hasSize(1);
        assertThat(lines("chaos")).contains("chaos duplicate " + stack + "-Worker sqs:" + stack + "-Work",
                "chaos duplicate " + stack + "-OnDrop " + Files.readAllLines(uploads).get(0).split(" ")[1]);
        assertThat(lines(stack + "-Worker sqs:")).hasSize(2).anyMatch(line -> line.contains("(duplicate delivery)"));
    }

    @Test
    void awsErrors_shouldAnswerFunctionsRequests_withRetryableErrors_butNeverTheRuntimesOwn() throws IOException {
        start("seed=1,aws-errors=1", """
                Work: { Type: AWS::SQS::Queue, Properties: { VisibilityTimeout: 30 } }
                Caller:
                  Type: AWS::Serverless::Function
                  Properties: { Handler: eventjobs.local.fixtures.CallsAws::handleRequest, Timeout: 10 }
                Worker:
                  Type: AWS::Serverless::Function
                  Properties:
                    Handler: eventjobs.local.fixtures.Batch::handleRequest
                    Timeout: 10
                    Environment: { Variables: { RECORD_FILE: %DIR%/%STACK%-batch.txt } }
                    Events:
                      Q: { Type: SQS, Properties: { Queue: !GetAtt Work.Arn } }
                """);

        InvocationResult result = runtime.invoke("Caller", "{}".getBytes(StandardCharsets.UTF_8));
        // the runtime's poller receives and deletes through the main port
        sqs.sendMessage(r -> r.queueUrl(queueUrl("Work")).messageBody("ok-1"));

        assertThat(result.succeeded()).as(result.payloadText()).isTrue();
        JsonNode calls = JSON.readTree(result.payload());
        assertThat(calls.get("endpoint").asString()).isNotEqualTo(aws.endpoint().toString());
        assertThat(calls.at("/dynamodb/status").asInt()).isEqualTo(400);
        assertThat(calls.at("/dynamodb/body").asString()).contains("ProvisionedThroughputExceededException");
        assertThat(calls.at("/sqs/status").asInt()).isEqualTo(500);
        assertThat(calls.at("/sqs/body").asString()).contains("InternalError");
        assertThat(calls.at("/s3/status").asInt()).isEqualTo(503);
        assertThat(calls.at("/s3/body").asString()).contains("SlowDown");
        assertThat(lines("chaos")).containsExactly(
                "chaos aws-errors " + stack + "-Caller dynamodb:PutItem",
                "chaos aws-errors " + stack + "-Caller sqs:ListQueues",
                "chaos aws-errors " + stack + "-Caller s3:PUT /no-bucket/key.txt");
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(sqs.getQueueAttributes(r -> r.queueUrl(queueUrl("Work")).attributeNames(QueueAttributeName.ALL))
                        .attributes()).containsEntry(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, "0")
                        .containsEntry(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE, "0"));
        assertThat(runtime.chaosSummary().orElseThrow().count(Fault.AWS_ERRORS)).isEqualTo(3);
    }

    @Test
    void throttleInvoke_shouldAnswer429TooManyRequests_asLambdaDoes() throws Exception {
        start("seed=1,throttle-invoke=1", "Echo: { Type: AWS::Serverless::Function }");

        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        runtime.lambdaEndpoint().resolve("/2015-03-31/functions/" + stack + "-Echo/invocations"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(response.headers().firstValue("x-amzn-ErrorType")).contains("TooManyRequestsException");
        assertThat(response.body()).contains("Rate Exceeded.");
        assertThat(lines("chaos")).containsExactly("chaos throttle-invoke " + stack + "-Echo lambda:RequestResponse");
        assertThat(runtime.functions().get("Echo").instances()).as("never invoked").isZero();
    }

    /**
     * Why handlers must be idempotent: the handler's effect (a line in a file) is applied, its
     * answer lost, so Lambda keeps the message; it comes back after the visibility timeout and the
     * effect happens again, until the redrive policy parks it in the DLQ.
     */
    @Test
    void loseResponse_onAnSqsFunction_shouldRedeliverTheMessage_andApplyItsEffectAgain() throws IOException {
        start("seed=1,lose-response=1", """
                WorkDLQ: { Type: AWS::SQS::Queue }
                Work:
                  Type: AWS::SQS::Queue
                  Properties:
                    VisibilityTimeout: 1
                    RedrivePolicy: { deadLetterTargetArn: !GetAtt WorkDLQ.Arn, maxReceiveCount: 2 }
                Worker:
                  Type: AWS::Serverless::Function
                  Properties:
                    Handler: eventjobs.local.fixtures.Batch::handleRequest
                    Timeout: 10
                    Environment: { Variables: { RECORD_FILE: %DIR%/%STACK%-effects.txt } }
                    Events:
                      Q: { Type: SQS, Properties: { Queue: !GetAtt Work.Arn, BatchSize: 1 } }
                """);

        sqs.sendMessage(r -> r.queueUrl(queueUrl("Work")).messageBody("ok-charge-card"));

        // two receives (maxReceiveCount), each applying the effect and losing the answer; the third receive parks it
        Path effects = dir.resolve(stack + "-effects.txt");
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(sqs.getQueueAttributes(r -> r.queueUrl(queueUrl("WorkDLQ"))
                    .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributes())
                    .containsEntry(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, "1");
            assertThat(effects).as(printed.toString(StandardCharsets.UTF_8)).exists();
            assertThat(Files.readAllLines(effects)).containsExactly("ok-charge-card", "ok-charge-card");
            assertThat(lines(stack + "-Worker sqs:")).hasSize(2);
        });
        assertThat(lines("chaos lose-response " + stack + "-Worker ")).hasSize(2);
        assertThat(lines(stack + "-Worker sqs:")).hasSize(2)
                .allMatch(line -> line.contains("crash Runtime.ExitError") && line.contains("none deleted"));
    }
}
