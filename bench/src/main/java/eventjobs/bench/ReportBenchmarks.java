package eventjobs.bench;

import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.stack.LocalRuntime;
import eventjobs.orders.DynamoDbOrderStore;
import eventjobs.reports.DynamoDbJobStore;
import eventjobs.reports.ReportRequest;
import eventjobs.reports.worker.BuildReport;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;
import tools.jackson.databind.json.JsonMapper;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** Figures of the reports: POST to DONE locally, and a report over 100,000 orders. */
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

    static void largeReport(EmbeddedAws aws, String stack) {
        int orders = 100_000;
        System.out.println();
        System.out.println("Report over " + orders + " confirmed orders in range (in-process worker, orders on moto via the gateway)");
        try (var dynamo = aws.dynamoDb()) {
            String table = stack + "-OrdersTable";
            long start = System.nanoTime();
            Instant day0 = Instant.parse("2025-03-01T00:00:00Z");
            for (int from = 0; from < orders; from += 25) {
                List<WriteRequest> writes = new ArrayList<>();
                for (int i = from; i < from + 25; i++) {
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
            System.out.printf(Locale.ROOT, "  (loading them took %.1f s)%n", (System.nanoTime() - start) / 1e9);

            DynamoDbJobStore jobs = new DynamoDbJobStore(dynamo, stack + "-JobsTable");
            ReportRequest request = new ReportRequest("bench-large", LocalDate.parse("2025-03-01"), LocalDate.parse("2025-03-31"), Optional.empty());
            jobs.create(request, "bench", Instant.now(), Instant.now().plus(java.time.Duration.ofHours(1)));
            AtomicInteger bytes = new AtomicInteger();
            BuildReport build = new BuildReport(new DynamoDbOrderStore(dynamo, table), jobs, (key, csv) -> bytes.set(csv.length),
                    Clock.systemUTC());
            System.gc();
            ManagementFactory.getMemoryPoolMXBeans().forEach(pool -> pool.resetPeakUsage());
            long heapBefore = heapUsed();
            start = System.nanoTime();
            build.apply(request);
            double seconds = (System.nanoTime() - start) / 1e9;
            long peak = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                    .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
            System.out.printf(Locale.ROOT, "  %.1f s (%,.0f orders/s), report %d bytes (%d day x currency rows), peak heap %d MB (%d MB before)%n",
                    seconds, orders / seconds, bytes.get(), jobs.find("bench-large").orElseThrow().rows().orElse(0L),
                    peak >> 20, heapBefore >> 20);
        }
    }

    private static long heapUsed() {
        return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .mapToLong(p -> p.getUsage().getUsed()).sum();
    }
}
