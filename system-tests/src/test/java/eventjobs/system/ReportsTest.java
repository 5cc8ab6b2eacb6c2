package eventjobs.system;

import eventjobs.core.events.EventCodec;
import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.runtime.FunctionLogs;
import eventjobs.local.sources.InvocationLog;
import eventjobs.local.stack.LocalRuntime;
import eventjobs.reports.ReportRequest;
import eventjobs.testkit.BulkOrders;
import eventjobs.testkit.ConfirmedOrdersScan;
import eventjobs.testkit.LocalAws;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reports through the local runtime: POST, follow the job, download the CSV, whose totals
 * TotalsFunction keeps from the orders table's stream and which equal a scan of the orders; bad requests.
 */
class ReportsTest {

    private static final Path ROOT = Path.of(System.getProperty("eventjobs.root"));
    private static final String STACK = "rep";
    private static final JsonMapper JSON = JsonMapper.shared();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static LocalRuntime runtime;
    private static S3Client s3;
    private static DynamoDbClient dynamo;

    @BeforeAll
    static void start() throws Exception {
        EmbeddedAws aws = LocalAws.shared();
        LocalAws.reset(aws);
        runtime = LocalRuntime.start(LocalRuntime.Options.builder(ROOT.resolve("template.yaml")).stackName(STACK)
                .workDirectory(Files.createTempDirectory("reports")).build(), aws, FunctionLogs.discard(), InvocationLog.discard());
        s3 = aws.s3();
        dynamo = aws.dynamoDb();
        for (String order : List.of(
                "{\"customerId\":\"r1\",\"currency\":\"EUR\",\"lines\":[{\"sku\":\"A\",\"quantity\":2,\"unitPrice\":\"12.50\"}]}",
                "{\"customerId\":\"r2\",\"currency\":\"EUR\",\"lines\":[{\"sku\":\"B\",\"quantity\":1,\"unitPrice\":\"10.00\"}]}",
                "{\"customerId\":\"r3\",\"currency\":\"EUR\",\"lines\":[{\"sku\":\"C\",\"quantity\":3,\"unitPrice\":\"1.00\"}]}",
                "{\"customerId\":\"r4\",\"currency\":\"USD\",\"lines\":[{\"sku\":\"D\",\"quantity\":1,\"unitPrice\":\"5.00\"}]}")) {
            assertThat(http("POST", "/orders", order).statusCode()).isEqualTo(202);
        }
        await("4 confirmed orders").atMost(Duration.ofMinutes(1)).until(() -> dynamo.scan(r -> r.tableName(STACK + "-OrdersTable")).items().stream()
                .filter(i -> i.get("status").s().equals("CONFIRMED")).count() == 4);
        awaitTotals(4);
    }

    /** Waits until TotalsFunction has counted this many confirmed orders in all (reports read its totals). */
    private static void awaitTotals(long orders) {
        await(orders + " orders in the daily totals").atMost(Duration.ofMinutes(2)).until(() -> dynamo.scan(r -> r.tableName(STACK + "-DailyTotalsTable"))
                .items().stream().mapToLong(i -> Long.parseLong(i.get("orders").n())).sum() == orders);
    }

    @AfterAll
    static void stop() {
        runtime.close();
        s3.close();
        dynamo.close();
    }

    private static HttpResponse<String> http(String method, String path, String body) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + runtime.api().orElseThrow().port() + path))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            if (body != null) {
                request.header("Content-Type", "application/json");
            }
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode awaitJob(String location, String status) {
        await("job " + location + " " + status).atMost(Duration.ofMinutes(1)).until(() -> JSON.readTree(http("GET", location, null).body()).get("status").asString().equals(status));
        return JSON.readTree(http("GET", location, null).body());
    }

    private static String today() {
        return LocalDate.now(ZoneOffset.UTC).toString();
    }

    private static String download(JsonNode job) throws Exception {
        HttpResponse<String> csv = HTTP.send(HttpRequest.newBuilder(URI.create(job.at("/download/url").asString())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(csv.statusCode()).isEqualTo(200);
        return csv.body();
    }

    @Test
    void report_shouldBeDownloadable_withTheTotalsOfTheConfirmedOrders() throws Exception {
        HttpResponse<String> accepted = http("POST", "/reports", "{\"from\":\"" + today() + "\",\"to\":\"" + today() + "\"}");

        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String location = accepted.headers().firstValue("Location").orElseThrow();
        assertThat(JSON.readTree(accepted.body()).get("status").asString()).isEqualTo("PENDING");
        JsonNode done = awaitJob(location, "DONE");
        assertThat(done.at("/download/expiresAt").asString()).isNotBlank();
        assertThat(download(done)).isEqualTo("day,currency,orders,items,revenue\n"
                + today() + ",EUR,3,6,38.00\n"
                + today() + ",USD,1,1,5.00\n");
    }

    @Test
    void report_shouldKeepOnlyTheCurrencyAskedFor() throws Exception {
        String location = http("POST", "/reports", "{\"from\":\"" + today() + "\",\"to\":\"" + today() + "\",\"currency\":\"USD\"}")
                .headers().firstValue("Location").orElseThrow();

        assertThat(download(awaitJob(location, "DONE"))).isEqualTo("day,currency,orders,items,revenue\n" + today() + ",USD,1,1,5.00\n");
    }

    @Test
    void emptyRange_shouldGiveAHeaderOnlyReport() throws Exception {
        String location = http("POST", "/reports", "{\"from\":\"2001-01-01\",\"to\":\"2001-01-31\"}").headers().firstValue("Location").orElseThrow();

        assertThat(download(awaitJob(location, "DONE"))).isEqualTo("day,currency,orders,items,revenue\n");
    }

    @Test
    void sameJobInvokedTwice_shouldProduceOneReport() throws Exception {
        String location = http("POST", "/reports", "{\"from\":\"2002-02-01\",\"to\":\"2002-02-02\"}").headers().firstValue("Location").orElseThrow();
        JsonNode done = awaitJob(location, "DONE");
        String jobId = done.get("jobId").asString();
        var firstWrite = s3.headObject(r -> r.bucket(STACK + "-resultsbucket").key("reports/" + jobId + ".csv")).lastModified();
        String event = new EventCodec().encode(new ReportRequest(jobId, LocalDate.parse("2002-02-01"), LocalDate.parse("2002-02-02"),
                Optional.empty()).event("/test", Clock.systemUTC().instant()));

        Thread.sleep(1100); // S3 keeps Last-Modified in whole seconds: a second write would show
        var again = runtime.invoke("ReportWorkerFunction", event.getBytes(StandardCharsets.UTF_8));

        assertThat(again.payloadText()).contains("DONE");
        assertThat(s3.headObject(r -> r.bucket(STACK + "-resultsbucket").key("reports/" + jobId + ".csv")).lastModified()).isEqualTo(firstWrite);
        assertThat(JSON.readTree(http("GET", location, null).body()).get("updatedAt").asString()).isEqualTo(done.get("updatedAt").asString());
    }

    @Test
    void report_shouldEqualAScanOfTheConfirmedOrders_onTheSameData() throws Exception {
        // 900 orders decided over March 2025 in three currencies, 810 of them confirmed, written as the worker would
        int confirmed = BulkOrders.write(dynamo, STACK + "-OrdersTable", "march", 900, Instant.parse("2025-03-01T00:00:00Z"),
                Duration.ofDays(31));
        awaitTotals(4 + confirmed);
        String scanned = ConfirmedOrdersScan.csv(dynamo, STACK + "-OrdersTable", LocalDate.parse("2025-02-27"),
                LocalDate.parse("2025-04-02"), Optional.empty());
        String scannedYen = ConfirmedOrdersScan.csv(dynamo, STACK + "-OrdersTable", LocalDate.parse("2025-03-10"),
                LocalDate.parse("2025-03-12"), Optional.of(java.util.Currency.getInstance("JPY")));

        String all = download(awaitJob(http("POST", "/reports", "{\"from\":\"2025-02-27\",\"to\":\"2025-04-02\"}")
                .headers().firstValue("Location").orElseThrow(), "DONE"));
        String yen = download(awaitJob(http("POST", "/reports", "{\"from\":\"2025-03-10\",\"to\":\"2025-03-12\",\"currency\":\"JPY\"}")
                .headers().firstValue("Location").orElseThrow(), "DONE"));

        assertThat(all).isEqualTo(scanned);
        assertThat(all.lines()).hasSize(1 + 31 * 3);
        assertThat(yen).isEqualTo(scannedYen).contains("2025-03-11,JPY,");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            malformed date   | {"from":"2026-13-01","to":"2026-12-01"}                   | /from
            not a date       | {"from":"yesterday","to":"2026-12-01"}                    | /from
            to before from   | {"from":"2026-03-02","to":"2026-03-01"}                   | /to
            range over limit | {"from":"2020-01-01","to":"2026-01-01"}                   | /to
            unknown currency | {"from":"2026-01-01","to":"2026-01-02","currency":"XYZ"}  | /currency
            missing to       | {"from":"2026-01-01"}                                     | /to
            unknown field    | {"from":"2026-01-01","to":"2026-01-02","format":"pdf"}    | /format
            """)
    void badRequest_shouldAnswer400AndRecordNoJob(String name, String body, String field) {
        int jobsBefore = dynamo.scan(r -> r.tableName(STACK + "-JobsTable")).count();

        HttpResponse<String> response = http("POST", "/reports", body);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).get("details").findValuesAsString("field")).contains(field);
        assertThat(dynamo.scan(r -> r.tableName(STACK + "-JobsTable")).count()).isEqualTo(jobsBefore);
    }

    @Test
    void unknownJob_shouldAnswer404() {
        HttpResponse<String> response = http("GET", "/jobs/no-such-job", null);

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(response.body()).get("error").asString()).isEqualTo("no job no-such-job");
    }
}
