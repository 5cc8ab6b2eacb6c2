package eventjobs.local.stack;

import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.runtime.FixtureCode;
import eventjobs.local.sources.InvocationLog;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A function timing out behind each kind of trigger: what the runtime prints (the function's log
 * and the invocation log) names the timeout as Lambda words it, with the request id.
 */
class TimeoutLogsTest {

    private static final List<String> FUNCTION_LINES = new CopyOnWriteArrayList<>();
    private static final ByteArrayOutputStream INVOCATIONS = new ByteArrayOutputStream();

    private static EmbeddedAws aws;
    private static LocalRuntime runtime;

    @BeforeAll
    static void start() throws IOException {
        Path dir = Files.createTempDirectory("timeout-logs-test");
        FixtureCode.zip(dir);
        Files.writeString(dir.resolve("template.yaml"), """
                Globals:
                  Function:
                    Runtime: java25
                    CodeUri: fixtures.zip
                    Timeout: 1
                    Handler: eventjobs.local.fixtures.Sleeps::handleRequest
                Resources:
                  WorkQueue:
                    Type: AWS::SQS::Queue
                    Properties: { VisibilityTimeout: 60 }
                  Drop: { Type: AWS::S3::Bucket }
                  SlowWorker:
                    Type: AWS::Serverless::Function
                    Properties:
                      Events:
                        Q: { Type: SQS, Properties: { Queue: !GetAtt WorkQueue.Arn } }
                  SlowUpload:
                    Type: AWS::Serverless::Function
                    Properties:
                      EventInvokeConfig: { MaximumRetryAttempts: 0 }
                      Events:
                        Up: { Type: S3, Properties: { Bucket: !Ref Drop, Events: s3:ObjectCreated:* } }
                """);
        aws = EmbeddedAws.start(0);
        runtime = LocalRuntime.start(LocalRuntime.Options.builder(dir.resolve("template.yaml")).stackName("t")
                        .workDirectory(dir.resolve("work")).build(), aws,
                (function, line) -> FUNCTION_LINES.add(function + ": " + line),
                InvocationLog.text(new PrintStream(INVOCATIONS, true, StandardCharsets.UTF_8)));
    }

    @AfterAll
    static void stop() {
        runtime.close();
        aws.close();
    }

    /** The request id of the invocation line for {@code trigger}, once it is printed. */
    private static String timedOutRequestId(String function, String trigger) {
        Pattern line = Pattern.compile("^" + Pattern.quote(function + " " + trigger)
                + " .* timeout Sandbox\\.Timedout \"Task timed out after 1\\.00 seconds\".* \\[RequestId: ([0-9a-f-]+)]$",
                Pattern.MULTILINE);
        return Awaitility.await(function + " to time out").atMost(Duration.ofSeconds(45)).until(() -> {
            Matcher matcher = line.matcher(INVOCATIONS.toString(StandardCharsets.UTF_8));
            return matcher.find() ? Optional.of(matcher.group(1)) : Optional.<String>empty();
        }, Optional::isPresent).orElseThrow();
    }

    @Test
    void sqsTimeout_shouldBePrintedAsLambdaWordsIt_withTheRequestId() {
        try (SqsClient sqs = aws.sqs()) {
            sqs.sendMessage(r -> r.queueUrl(sqs.getQueueUrl(q -> q.queueName("t-WorkQueue")).queueUrl()).messageBody("x"));
        }

        String requestId = timedOutRequestId("t-SlowWorker", "sqs:t-WorkQueue");

        assertThat(FUNCTION_LINES).anyMatch(l -> l.startsWith("t-SlowWorker: ")
                && l.endsWith(" " + requestId + " Task timed out after 1.00 seconds"));
    }

    @Test
    void s3Timeout_shouldBePrintedAsLambdaWordsIt_withTheRequestId() {
        try (S3Client s3 = aws.s3()) {
            s3.putObject(r -> r.bucket("t-drop").key("slow.txt"), RequestBody.fromString("x"));
        }

        String requestId = timedOutRequestId("t-SlowUpload", "s3:t-drop/slow.txt");

        assertThat(FUNCTION_LINES).anyMatch(l -> l.startsWith("t-SlowUpload: ")
                && l.endsWith(" " + requestId + " Task timed out after 1.00 seconds"));
    }
}
