package eventjobs.bench;

import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.stack.LocalRuntime;
import eventjobs.reports.DayTotal;
import eventjobs.reports.DynamoDbDailyTotals;
import eventjobs.reports.DynamoDbJobStore;
import eventjobs.reports.ReportRequest;
import eventjobs.reports.worker.BuildReport;
import eventjobs.testkit.ConfirmedOrdersScan;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;
import tools.jackson.databind.json.JsonMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/** Figures of the reports: POST to DONE locally, and a report over 100,000 orders from the daily totals next to a scan. */
final class ReportBenchmarks {

    private ReportBenchmarks() {}

    static void postToDone(LocalRuntime runtime) throws Exception {
        System.out.println();
        System.out.println("Report, POST /reports to DONE through the local runtime (a one-day report, median of 5)");
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://localhost:" + runtime.api().orElseThrow().port();
        List<Long> millis = new ArrayList<>();
        for (int run = 0; run < 5; run++) {
            long start = System.nanoTime();
            String body = http.send(HttpRequest.newBuilder(URI.create(base + "/reports")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"from\":\"" + LocalDate.now() + "\",\"to\":\"" + LocalDate.now() + "\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            URI job = URI.create(base + JsonMapper.shared().readTree(body).at("/links/self").asString());
            while (!JsonMapper.shared().readTree(http.send(HttpRequest.newBuilder(job).build(), HttpResponse.BodyHandlers.ofString()).body())
                    .get("status").asString().equals("DONE")) {
                Thread.sleep(10);
            }
            millis.add((System.nanoTime() - start) / 1_000_000);
        }
        System.out.printf(Locale.ROOT, "  %d ms   runs %s (the first includes both functions' cold starts)%n",
                millis.stream().sorted().toList().get(2), millis);
    }

    /**
     * 100,000 confirmed orders written into OrdersTable (as the worker stores them): how long
     * TotalsFunction takes to count them from the stream, then the report over them from the daily
     * totals (in-process, and POST /reports to DONE through the local runtime) next to the old way,
     * a scan of the orders through ByStatusDecidedAt, on the same data; the two CSVs must be equal.
     */
    static void largeReport(LocalRuntime runtime, EmbeddedAws aws, String stack) throws Exception {
        int orders = 100_000;
        System.out.println();
        System.out.println("Report over " + orders + " confirmed orders in range (30 days, two currencies; orders on moto via the gateway)");
        try (var dynamo = aws.dynamoDb()) {
            String table = stack + "-OrdersTable";
            LocalDate from = LocalDate.parse("2025-03-01");
            LocalDate to = LocalDate.parse("2025-03-31");
            DynamoDbDailyTotals totals = new DynamoDbDailyTotals(dynamo, stack + "-DailyTotalsTable", stack + "-IdempotencyTable");
            long start = System.nanoTime();
            Instant day0 = Instant.parse("2025-03-01T00:00:00Z");
            for (int first = 0; first < orders; first += 25) {
                List<WriteRequest> writes = new ArrayList<>();
                for (int i = first; i < first + 25; i++) {
                    Instant decided = day0.plusSeconds((long) i * 26); // spread over 30 days
                    Map<String, AttributeValue> item = Map.of(
                            "orderId", AttributeValue.fromS("bulk-" + i),
                            "status", AttributeValue.fromS("CONFIRMED"),
                            "customerId", AttributeValue.fromS("c-" + i),
                            "currency", AttributeValue.fromS(i % 3 == 0 ? "USD" : "EUR"),
                            "lines", AttributeValue.fromL(List.of(AttributeValue.fromM(Map.of("sku", AttributeValue.fromS("S"),
                                    "quantity", AttributeValue.fromN("2"), "unitPrice", AttributeValue.fromS("4.50"))))),
                            "total", AttributeValue.fromN("9.00"),
                            "decidedAt", AttributeValue.fromS(decided.toString()));
                    writes.add(WriteRequest.builder().putRequest(PutRequest.builder().item(item).build()).build());
                }
                dynamo.batchWriteItem(r -> r.requestItems(Map.of(table, writes)));
            }
            double loading = (System.nanoTime() - start) / 1e9;
            while (totals.between(from, to, Optional.empty()).stream().mapToLong(DayTotal::orders).sum() < orders) {
                Thread.sleep(200);
            }
            double counted = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "  writing them took %.1f s; TotalsFunction had counted them all %.1f s after the first"
                    + " write (%,.0f orders/s through the stream)%n", loading, counted, orders / counted);

            DynamoDbJobStore jobs = new DynamoDbJobStore(dynamo, stack + "-JobsTable");
            ReportRequest request = new ReportRequest("bench-large", from, to, Optional.empty());
            jobs.create(request, "bench", Instant.now(), Instant.now().plus(java.time.Duration.ofHours(1)));
            AtomicReference<byte[]> report = new AtomicReference<>();
            BuildReport build = new BuildReport(totals, jobs, (key, csv) -> report.set(csv), Clock.systemUTC());
            start = System.nanoTime();
            build.apply(request);
            double fromTotals = (System.nanoTime() - start) / 1e9;
            double throughRuntime = postToDone(runtime, from, to);

            start = System.nanoTime();
            String scanned = ConfirmedOrdersScan.csv(dynamo, table, from, to, Optional.empty());
            double scan = (System.nanoTime() - start) / 1e9;
            String kept = new String(report.get(), StandardCharsets.UTF_8);
            System.out.printf(Locale.ROOT, "  from DailyTotals:  %7.2f s in-process (%d day x currency rows); POST /reports to DONE"
                    + " through the local runtime %.2f s%n", fromTotals, kept.lines().count() - 1, throughRuntime);
            System.out.printf(Locale.ROOT, "  old scan of the orders (ByStatusDecidedAt, same data): %7.1f s (%,.0f orders/s)%n",
                    scan, orders / scan);
            System.out.println("  same CSV: " + (kept.equals(scanned) ? "yes" : "NO\n" + kept + "\n---\n" + scanned));
        }
    }

    /** Seconds from POST /reports to its job DONE. */
    private static double postToDone(LocalRuntime runtime, LocalDate from, LocalDate to) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://localhost:" + runtime.api().orElseThrow().port();
        long start = System.nanoTime();
        String body = http.send(HttpRequest.newBuilder(URI.create(base + "/reports")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"from\":\"" + from + "\",\"to\":\"" + to + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        URI job = URI.create(base + JsonMapper.shared().readTree(body).at("/links/self").asString());
        while (!JsonMapper.shared().readTree(http.send(HttpRequest.newBuilder(job).build(), HttpResponse.BodyHandlers.ofString()).body())
                .get("status").asString().equals("DONE")) {
            Thread.sleep(10);
        }
        return (System.nanoTime() - start) / 1e9;
    }
}
