package eventjobs.reports.api;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import eventjobs.core.events.EventCodec;
import eventjobs.local.aws.EmbeddedAws;
import eventjobs.reports.DynamoDbJobStore;
import eventjobs.reports.JobStatus;
import eventjobs.reports.ReportRequest;
import eventjobs.testkit.LocalAws;
import eventjobs.testkit.LocalContext;
import eventjobs.testkit.Tables;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import tools.jackson.databind.json.JsonMapper;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** ReportsApiHandler on the sample event, with jobs on moto and a real Lambda client. */
class RequestReportTest {

    private final EmbeddedAws aws = LocalAws.shared();
    private static final Duration FINISH_WITHIN = Duration.ofMinutes(65);
    private final Clock clock = Clock.systemUTC();
    private final EventCodec codec = new EventCodec();
    private DynamoDbClient dynamo;
    private DynamoDbJobStore jobs;

    @BeforeEach
    void setUp() {
        LocalAws.reset(aws);
        dynamo = aws.dynamoDb();
        new Tables(dynamo).createWithStringKey("Jobs", "jobId");
        jobs = new DynamoDbJobStore(dynamo, "Jobs");
    }

    @AfterEach
    void tearDown() {
        dynamo.close();
    }

    private ReportsApiHandler handler(RequestReport.Worker worker) {
        return handler(worker, clock);
    }

    private ReportsApiHandler handler(RequestReport.Worker worker, Clock clock) {
        return new ReportsApiHandler(new RequestReport(jobs, worker, codec, 366, FINISH_WITHIN, clock), jobs,
                (key, validFor) -> URI.create("http://example.invalid/" + key), Duration.ofMinutes(15), clock);
    }

    private static APIGatewayV2HTTPEvent sample() {
        return EventLoader.loadApiGatewayHttpEvent(Path.of(System.getProperty("eventjobs.root"), "events", "reports-api-post.json").toString());
    }

    @Test
    void post_shouldAnswer503AndMarkJobFailed_whenTheWorkerCannotBeInvoked_thenStartItOnRetry() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (LambdaClient unreachable = LambdaClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + closedPort))
                .region(Region.US_EAST_1).httpClientBuilder(UrlConnectionHttpClient.builder())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("a", "b")))
                .overrideConfiguration(c -> c.retryStrategy(software.amazon.awssdk.retries.DefaultRetryStrategy.doNotRetry()))
                .build()) {
            APIGatewayV2HTTPResponse failed = handler(ReportsApiHandler.lambdaWorker(unreachable, "ReportWorker", codec, clock))
                    .handleRequest(sample(), LocalContext.of("ReportsApiFunction", Duration.ofSeconds(10)));

            assertThat(failed.getStatusCode()).isEqualTo(503);
            assertThat(failed.getBody()).contains("retry the same request with the same Idempotency-Key");
            String jobId = dynamo.scan(r -> r.tableName("Jobs")).items().getFirst().get("jobId").s();
            assertThat(jobs.find(jobId).orElseThrow().status()).isEqualTo(JobStatus.FAILED);
            assertThat(jobs.find(jobId).orElseThrow().reason().orElseThrow()).startsWith("the report could not be started");

            List<ReportRequest> started = new ArrayList<>();
            APIGatewayV2HTTPResponse retried = handler(started::add)
                    .handleRequest(sample(), LocalContext.of("ReportsApiFunction", Duration.ofSeconds(10)));

            assertThat(retried.getStatusCode()).isEqualTo(202);
            assertThat(JsonMapper.shared().readTree(retried.getBody()).get("jobId").asString()).isEqualTo(jobId);
            assertThat(started).extracting(ReportRequest::jobId).containsExactly(jobId);
            assertThat(jobs.find(jobId).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
            assertThat(dynamo.scan(r -> r.tableName("Jobs")).count()).isEqualTo(1);
        }
    }

    @Test
    void get_shouldAnswerFailed_whenTheJobIsPastItsDeadline_andTheSameRequestStartsItAgain() {
        List<ReportRequest> started = new ArrayList<>();
        String jobId = JsonMapper.shared().readTree(handler(started::add)
                .handleRequest(sample(), LocalContext.of("ReportsApiFunction", Duration.ofSeconds(10))).getBody()).get("jobId").asString();
        APIGatewayV2HTTPEvent get = EventLoader.loadApiGatewayHttpEvent(Path.of(System.getProperty("eventjobs.root"), "events",
                "reports-api-get.json").toString());
        get.setPathParameters(java.util.Map.of("jobId", jobId));
        get.setRawPath("/jobs/" + jobId);
        Clock later = Clock.offset(clock, FINISH_WITHIN.plusSeconds(1));

        var onTime = JsonMapper.shared().readTree(handler(started::add).handleRequest(get,
                LocalContext.of("ReportsApiFunction", Duration.ofSeconds(10))).getBody());
        var overdue = JsonMapper.shared().readTree(handler(started::add, later).handleRequest(get,
                LocalContext.of("ReportsApiFunction", Duration.ofSeconds(10))).getBody());
        APIGatewayV2HTTPResponse again = handler(started::add, later)
                .handleRequest(sample(), LocalContext.of("ReportsApiFunction", Duration.ofSeconds(10)));

        assertThat(onTime.get("status").asString()).isEqualTo("PENDING");
        assertThat(overdue.get("status").asString()).isEqualTo("FAILED");
        assertThat(overdue.get("reason").asString()).startsWith("the report did not finish by ").contains("JobsDLQ");
        assertThat(again.getStatusCode()).isEqualTo(202);
        assertThat(started).extracting(ReportRequest::jobId).containsExactly(jobId, jobId);
        assertThat(jobs.find(jobId).orElseThrow().deadline()).hasValueSatisfying(deadline ->
                assertThat(deadline).isAfter(later.instant().plus(FINISH_WITHIN).minusSeconds(60)));
    }

    @Test
    void post_shouldAnswer422_whenTheKeyComesBackWithAnotherBody() {
        List<ReportRequest> started = new ArrayList<>();
        handler(started::add).handleRequest(sample(), LocalContext.of("ReportsApiFunction", Duration.ofSeconds(10)));
        APIGatewayV2HTTPEvent other = sample();
        other.setBody("{\"from\":\"2026-11-01\",\"to\":\"2026-11-02\"}");

        APIGatewayV2HTTPResponse response = handler(started::add).handleRequest(other, LocalContext.of("ReportsApiFunction", Duration.ofSeconds(10)));

        assertThat(response.getStatusCode()).isEqualTo(422);
        assertThat(started).hasSize(1);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            malformed date   | {"from":"2026-13-01","to":"2026-12-01"}                   | /from
            not a date       | {"from":"yesterday","to":"2026-12-01"}                    | /from
            not a string     | {"from":20260101,"to":"2026-12-01"}                       | /from
            to before from   | {"from":"2026-03-02","to":"2026-03-01"}                   | /to
            range over limit | {"from":"2020-01-01","to":"2026-01-01"}                   | /to
            unknown currency | {"from":"2026-01-01","to":"2026-01-02","currency":"XYZ"}  | /currency
            missing to       | {"from":"2026-01-01"}                                     | /to
            null from        | {"from":null,"to":"2026-01-02"}                           | /from
            unknown field    | {"from":"2026-01-01","to":"2026-01-02","format":"pdf"}    | /format
            job id sent      | {"from":"2026-01-01","to":"2026-01-02","jobId":"mine"}    | /jobId
            """)
    void post_shouldAnswer400NamingTheField_andStartNothing(String name, String body, String field) {
        List<ReportRequest> started = new ArrayList<>();
        APIGatewayV2HTTPEvent request = sample();
        request.setBody(body);

        APIGatewayV2HTTPResponse response = handler(started::add).handleRequest(request, LocalContext.of("ReportsApiFunction", Duration.ofSeconds(10)));

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(400);
        assertThat(JsonMapper.shared().readTree(response.getBody()).get("details").findValuesAsString("field")).containsExactly(field);
        assertThat(started).isEmpty();
        assertThat(dynamo.scan(r -> r.tableName("Jobs")).count()).isZero();
    }

    @Test
    void post_shouldStartTheJob_whenCurrencyIsNull() {
        List<ReportRequest> started = new ArrayList<>();
        APIGatewayV2HTTPEvent request = sample();
        request.setBody("{\"from\":\"2026-01-01\",\"to\":\"2026-01-02\",\"currency\":null}");

        APIGatewayV2HTTPResponse response = handler(started::add).handleRequest(request, LocalContext.of("ReportsApiFunction", Duration.ofSeconds(10)));

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(202);
        assertThat(started).singleElement().extracting(ReportRequest::currency).isEqualTo(java.util.Optional.empty());
    }
}
