package eventjobs.system;

import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.runtime.FunctionLogs;
import eventjobs.local.sources.AsyncInvoker;
import eventjobs.local.sources.InvocationLog;
import eventjobs.local.stack.LocalRuntime;
import eventjobs.testkit.LocalAws;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.Message;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

/** A report worker that fails every time: the job ends FAILED and AWS's invocation record reaches JobsDLQ. */
class ReportFailureTest {

    private static final Path ROOT = Path.of(System.getProperty("eventjobs.root"));
    private static final JsonMapper JSON = JsonMapper.shared();

    @Test
    void workerFailingEveryTime_shouldEndFailedWithItsRecordInJobsDlq() throws Exception {
        EmbeddedAws aws = LocalAws.shared();
        LocalAws.reset(aws);
        try (LocalRuntime runtime = LocalRuntime.start(LocalRuntime.Options.builder(ROOT.resolve("template.yaml")).stackName("fail")
                .workDirectory(Files.createTempDirectory("report-failure")).retryDelays(AsyncInvoker.RetryDelays.aws().scaled(0.01)).build(),
                aws, FunctionLogs.discard(), InvocationLog.discard());
             var s3 = aws.s3(); var sqs = aws.sqs()) {
            // every attempt fails to write the report: its bucket is gone
            s3.deleteBucket(r -> r.bucket("fail-resultsbucket"));
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://localhost:" + runtime.api().orElseThrow().port();
            HttpResponse<String> accepted = http.send(HttpRequest.newBuilder(URI.create(base + "/reports"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"from\":\"2026-01-01\",\"to\":\"2026-01-02\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(accepted.statusCode()).isEqualTo(202);
            String jobId = JSON.readTree(accepted.body()).get("jobId").asString();

            String dlq = sqs.getQueueUrl(r -> r.queueName("fail-JobsDLQ")).queueUrl();
            List<Message> records = new ArrayList<>();
            await("the invocation record in JobsDLQ").atMost(Duration.ofMinutes(1)).until(() -> {
                records.addAll(sqs.receiveMessage(r -> r.queueUrl(dlq).waitTimeSeconds(1)).messages());
                return !records.isEmpty();
            });

            JsonNode record = JSON.readTree(records.getFirst().body());
            assertThat(record.at("/requestContext/condition").asString()).isEqualTo("RetriesExhausted");
            assertThat(record.at("/requestContext/approximateInvokeCount").asInt()).isEqualTo(3);
            assertThat(record.at("/requestPayload/data/jobId").asString()).isEqualTo(jobId);
            assertThat(record.at("/responseContext/functionError").asString()).isEqualTo("Unhandled");
            JsonNode job = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/jobs/" + jobId)).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            assertThat(job.get("status").asString()).isEqualTo("FAILED");
            assertThat(job.get("reason").asString()).startsWith("the report could not be built");
        }
    }
}
