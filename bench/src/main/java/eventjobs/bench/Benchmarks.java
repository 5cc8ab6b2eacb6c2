package eventjobs.bench;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import eventjobs.core.events.CloudEvent;
import eventjobs.core.events.EventCodec;
import eventjobs.core.sqs.SqsBatch;
import eventjobs.core.sqs.SqsDeadLetters;
import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.aws.RequestCounter;
import eventjobs.local.runtime.FunctionConfig;
import eventjobs.local.runtime.FunctionLogs;
import eventjobs.local.runtime.FunctionPool;
import eventjobs.local.runtime.InvocationResult;
import eventjobs.local.sources.InvocationLog;
import eventjobs.local.stack.LocalRuntime;
import eventjobs.local.template.Specs;
import eventjobs.orders.DynamoDbOrderStore;
import eventjobs.orders.OrderLine;
import eventjobs.orders.OrderPlaced;
import eventjobs.orders.worker.ConfirmOrder;
import eventjobs.orders.worker.OrderWorkerHandler;
import eventjobs.orders.worker.Pricing;
import eventjobs.testkit.LocalContext;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;

import java.math.BigDecimal;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Currency;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Prints the figures of BENCHMARKS.md, measured in one run on this machine: zip sizes, cold
 * starts (fresh JVM to first response, median of 5, without and with the AOT cache), warm
 * overhead of the Runtime API path, DynamoDB writes per order in the worker, and orders per
 * second through API, queue and worker next to a plain SDK loop on the same emulator, imports and
 * thumbnails, reports from the daily totals next to a scan of the orders, and the start of the
 * local Kafka broker. Run from the
 * repository root: {@code make bench}; arguments pick groups ({@code make bench BENCH="zips cold"}).
 */
public final class Benchmarks {

    private static final String STACK = "bench";
    private static final int COLD_RUNS = 5;

    private Benchmarks() {}

    public static void main(String[] args) throws Exception {
        List<String> groups = List.of("zips", "cold", "warm", "orders", "files", "reports", "kafka");
        if (!groups.containsAll(List.of(args))) {
            throw new IllegalArgumentException("unknown groups " + List.of(args) + "; the groups are " + groups);
        }
        Path root = Path.of("").toAbsolutePath();
        Path work = Files.createTempDirectory("eventjobs-bench");
        System.out.println("eventjobs benchmarks, " + Instant.now() + ", " + Runtime.getRuntime().availableProcessors()
                + " cores, Java " + Runtime.version());
        if (runs(args, "kafka")) {
            KafkaBenchmarks.brokerStart(work);
        }
        try (EmbeddedAws aws = EmbeddedAws.start(0);
             LocalRuntime runtime = LocalRuntime.start(LocalRuntime.Options.builder(root.resolve("template.yaml")).stackName(STACK)
                     .workDirectory(work).build(), aws, FunctionLogs.discard(), InvocationLog.discard())) {
            if (runs(args, "zips")) {
                zipSizes(runtime);
            }
            if (runs(args, "cold")) {
                uploadColdStartFiles(aws);
                ColdStarts coldStarts = new ColdStarts(root, runtime, work, COLD_RUNS, Benchmarks::sampleEvent);
                coldStarts.perFunction();
                coldStarts.jvmOptions("OrderWorkerFunction");
            }
            if (runs(args, "warm")) {
                warmOverhead(work);
            }
            if (runs(args, "orders")) {
                writesPerOrder(aws);
                throughput(runtime, aws);
            }
            if (runs(args, "files")) {
                FileBenchmarks.importParsing();
                FileBenchmarks.importThroughput(aws, STACK);
                FileBenchmarks.thumbnails();
            }
            if (runs(args, "reports")) {
                ReportBenchmarks.postToDone(runtime);
                ReportBenchmarks.largeReport(runtime, aws, STACK);
            }
        }
    }

    /** Whether a group of figures is asked for: all of them without arguments, else those named (zips, cold, warm, orders, files, reports, kafka). */
    private static boolean runs(String[] args, String group) {
        return args.length == 0 || Arrays.asList(args).contains(group);
    }

    private static void zipSizes(LocalRuntime runtime) throws Exception {
        section("Function zip sizes");
        for (Specs.Function function : runtime.template().functions()) {
            System.out.printf(Locale.ROOT, "  %-22s %6.2f MB%n", function.logicalId(), Files.size(function.codeUri()) / 1e6);
        }
    }

    private static byte[] sampleEvent(Path root, String function) throws java.io.IOException {
        return switch (function) {
            case "OrdersApiFunction" -> Files.readString(root.resolve("events/orders-api-post.json"))
                    .replace("7f1c7c9e-3b0c-4d59-9a0e-1d7b5e0c2a11", UUID.randomUUID().toString())
                    .getBytes(StandardCharsets.UTF_8);
            case "OrderWorkerFunction" -> Files.readString(root.resolve("events/order-worker-batch.json"))
                    .replace("0c8a7b52-6a8e-4c43-9a4b-1e2f3a4b5c6d", UUID.randomUUID().toString())
                    .replace("arn:aws:sqs:us-east-1:123456789012:eventjobs-OrdersQueue",
                            "arn:aws:sqs:us-east-1:000000000000:" + STACK + "-OrdersQueue")
                    .getBytes(StandardCharsets.UTF_8);
            case "ReportsApiFunction" -> Files.readString(root.resolve("events/reports-api-post.json"))
                    .replace("5d2f6a1e-report-2026-11", UUID.randomUUID().toString())
                    .getBytes(StandardCharsets.UTF_8);
            case "TotalsFunction" -> Files.readString(root.resolve("events/totals-stream.json"))
                    .replace("0c8a7b52-6a8e-4c43-9a4b-1e2f3a4b5c6d", UUID.randomUUID().toString())
                    .getBytes(StandardCharsets.UTF_8);
            case "ReportWorkerFunction" -> Files.readString(root.resolve("events/report-requested.json"))
                    .replace("8c1d3e0f-5a7b-3c9d-8e2f-1a2b3c4d5e6f", reportJob(root))
                    .getBytes(StandardCharsets.UTF_8);
            case "PaymentWorkerFunction" -> Files.readString(root.resolve("events/payment-worker-batch.json"))
                    .replace("arn:aws:sqs:us-east-1:123456789012:eventjobs-PaymentsQueue",
                            "arn:aws:sqs:us-east-1:000000000000:" + STACK + "-PaymentsQueue")
                    .getBytes(StandardCharsets.UTF_8);
            case "ImportFunction" -> uploadEvent("cold/import-" + coldRun++ + ".csv");
            case "ThumbnailFunction" -> uploadEvent("cold/image-" + coldRun++ + ".png");
            default -> "{}".getBytes(StandardCharsets.UTF_8);
        };
    }

    private static int coldRun;
    private static EmbeddedAws coldAws;

    /** A PENDING job for the worker's cold start to build, as the API would have recorded it. */
    private static String reportJob(Path root) {
        String jobId = UUID.randomUUID().toString();
        try (var dynamo = coldAws.dynamoDb()) {
            new eventjobs.reports.DynamoDbJobStore(dynamo, STACK + "-JobsTable").create(new eventjobs.reports.ReportRequest(jobId,
                    java.time.LocalDate.parse("2026-11-01"), java.time.LocalDate.parse("2026-11-30"),
                    java.util.Optional.of(java.util.Currency.getInstance("EUR"))), "bench", Instant.now(), Instant.now().plus(java.time.Duration.ofHours(1)));
        }
        return jobId;
    }
    private static final Map<String, eventjobs.local.aws.ObjectCreated> COLD_FILES = new java.util.HashMap<>();

    /** Small files for the file functions' cold starts: one per run, since each file is handled once. */
    private static void uploadColdStartFiles(EmbeddedAws aws) throws Exception {
        coldAws = aws;
        try (var s3 = aws.s3()) {
            String bucket = STACK + "-uploads-000000000000-us-east-1";
            byte[] csv = "customer_id,currency,sku,quantity,unit_price\nc-1,EUR,SKU-1,1,1.00\n".getBytes(StandardCharsets.UTF_8);
            byte[] png = FileBenchmarks.image("png", 800, 600);
            // ImportFunction and ThumbnailFunction share one counter
            for (int run = 0; run < 2 * ColdStarts.filesNeeded(COLD_RUNS); run++) {
                for (String key : List.of("cold/import-" + run + ".csv", "cold/image-" + run + ".png")) {
                    byte[] content = key.endsWith(".csv") ? csv : png;
                    // outside imports/ and images/: no notification runs them; each cold start invokes one directly
                    s3.putObject(r -> r.bucket(bucket).key(key), software.amazon.awssdk.core.sync.RequestBody.fromBytes(content));
                    var head = s3.headObject(r -> r.bucket(bucket).key(key));
                    COLD_FILES.put(key, new eventjobs.local.aws.ObjectCreated("ObjectCreated:Put", bucket, key,
                            head.contentLength(), head.eTag().replace("\"", ""), java.util.Optional.empty(), Instant.now(), "127.0.0.1"));
                }
            }
        }
    }

    private static byte[] uploadEvent(String key) {
        return eventjobs.local.sources.S3EventJson.event(COLD_FILES.get(key), "bench", "us-east-1");
    }

    private static void warmOverhead(Path work) throws Exception {
        section("Warm invocation through the Runtime API (no-op handler, 3000 invokes after 500 warm-up)");
        Path code = Files.createDirectories(work.resolve("noop/eventjobs/bench"));
        try (var in = Benchmarks.class.getResourceAsStream("Noop.class")) {
            Files.copy(in, code.resolve("Noop.class"));
        }
        FunctionConfig config = new FunctionConfig("Noop", "eventjobs.bench.Noop::handleRequest", work.resolve("noop"),
                Duration.ofSeconds(10), 512, Map.of(), 1);
        try (FunctionPool pool = new FunctionPool(config, work.resolve("runtime"), FunctionLogs.discard())) {
            byte[] event = "{\"k\":\"v\"}".getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < 500; i++) {
                pool.invoke(event);
            }
            long[] micros = new long[3000];
            for (int i = 0; i < micros.length; i++) {
                long start = System.nanoTime();
                pool.invoke(event);
                micros[i] = (System.nanoTime() - start) / 1000;
            }
            Arrays.sort(micros);
            System.out.printf(Locale.ROOT, "  p50 %.2f ms   p99 %.2f ms   max %.2f ms%n", micros[1500] / 1000.0,
                    micros[2970] / 1000.0, micros[2999] / 1000.0);
        }
    }

    private static void writesPerOrder(EmbeddedAws aws) {
        section("DynamoDB writes per order in OrderWorkerFunction (in-process, counted with an SDK interceptor)");
        RequestCounter counter = new RequestCounter();
        try (DynamoDbClient dynamo = aws.dynamoDb(counter); SqsClient sqs = aws.sqs()) {
            Clock clock = Clock.systemUTC();
            OrderWorkerHandler worker = new OrderWorkerHandler(new SqsBatch(new SqsDeadLetters(sqs, clock)), new EventCodec(),
                    new ConfirmOrder(new DynamoDbOrderStore(dynamo, STACK + "-OrdersTable"), Pricing.withDefaultLimits(), clock));
            EventCodec codec = new EventCodec();
            int orders = 200;
            List<SQSEvent> batches = new ArrayList<>();
            for (int b = 0; b < orders / 10; b++) {
                List<SQSEvent.SQSMessage> messages = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    OrderPlaced order = new OrderPlaced(UUID.randomUUID().toString(), "cust-" + i, Currency.getInstance("EUR"),
                            List.of(new OrderLine("SKU-" + i, 1 + i, new BigDecimal("4.99"))));
                    SQSEvent.SQSMessage message = new SQSEvent.SQSMessage();
                    message.setMessageId(UUID.randomUUID().toString());
                    message.setBody(codec.encode(new CloudEvent("e-" + order.orderId(), "/bench", OrderPlaced.TYPE, clock.instant(), order.toData())));
                    message.setAttributes(Map.of("ApproximateReceiveCount", "1"));
                    message.setEventSourceArn("arn:aws:sqs:us-east-1:000000000000:" + STACK + "-OrdersQueue");
                    messages.add(message);
                }
                SQSEvent event = new SQSEvent();
                event.setRecords(messages);
                batches.add(event);
            }
            LocalContext context = new LocalContext("OrderWorkerFunction", "bench", Instant.MAX, 1024, clock, new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
            batches.forEach(batch -> worker.handleRequest(batch, context));
            long first = counter.count(RequestCounter.DYNAMODB_WRITES);
            counter.clear();
            batches.forEach(batch -> worker.handleRequest(batch, context));
            long duplicates = counter.count(RequestCounter.DYNAMODB_WRITES);
            System.out.printf(Locale.ROOT, "  first delivery     %.2f write requests per order (%d orders, %s)%n",
                    first / (double) orders, orders, "UpdateItem with a condition");
            System.out.printf(Locale.ROOT, "  duplicate delivery %.2f write requests per order (refused by the condition, no change)%n",
                    duplicates / (double) orders);
        }
    }

    private static void throughput(LocalRuntime runtime, EmbeddedAws aws) throws Exception {
        int orders = 500;
        section("Orders per second, " + orders + " orders: POST /orders (8 clients) -> OrdersQueue -> worker -> CONFIRMED");
        HttpClient http = HttpClient.newHttpClient();
        URI post = URI.create("http://localhost:" + runtime.api().orElseThrow().port() + "/orders");
        String body = "{\"customerId\":\"bench\",\"currency\":\"EUR\",\"lines\":[{\"sku\":\"SKU-1\",\"quantity\":1,\"unitPrice\":\"1.00\"}]}";
        try (DynamoDbClient dynamo = aws.dynamoDb(); SqsClient sqs = aws.sqs()) {
            // warm up: instances started and JIT-compiled, as in a steady stream of orders
            for (int i = 0; i < 40; i++) {
                http.send(HttpRequest.newBuilder(post).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding());
            }
            while (confirmed(dynamo) < 40) {
                Thread.sleep(100);
            }
            long confirmedBefore = confirmed(dynamo);
            long start = System.nanoTime();
            try (ExecutorService clients = Executors.newFixedThreadPool(8)) {
                List<Future<Integer>> statuses = new ArrayList<>();
                for (int i = 0; i < orders; i++) {
                    statuses.add(clients.submit(() -> http.send(HttpRequest.newBuilder(post)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding()).statusCode()));
                }
                for (Future<Integer> status : statuses) {
                    if (status.get() != 202) {
                        throw new IllegalStateException("POST /orders answered " + status.get());
                    }
                }
            }
            double accepted = (System.nanoTime() - start) / 1e9;
            while (confirmed(dynamo) - confirmedBefore < orders) {
                Thread.sleep(100);
            }
            double pipeline = (System.nanoTime() - start) / 1e9;
            double pipelineRate = orders / pipeline;
            System.out.printf(Locale.ROOT, "  through the local runtime   %7.1f orders/s (all accepted after %.2f s, all confirmed after %.2f s)%n",
                    pipelineRate, accepted, pipeline);

            String queue = sqs.createQueue(r -> r.queueName("bench-plain-loop")).queueUrl();
            start = System.nanoTime();
            for (int i = 0; i < orders; i++) {
                sqs.sendMessage(r -> r.queueUrl(queue).messageBody(body));
            }
            int received = 0;
            while (received < orders) {
                List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(queue).maxNumberOfMessages(10).waitTimeSeconds(1)).messages();
                received += messages.size();
                if (!messages.isEmpty()) {
                    List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
                    for (Message m : messages) {
                        entries.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(entries.size())).receiptHandle(m.receiptHandle()).build());
                    }
                    sqs.deleteMessageBatch(r -> r.queueUrl(queue).entries(entries));
                }
            }
            double plainRate = orders / ((System.nanoTime() - start) / 1e9);
            System.out.printf(Locale.ROOT, "  plain SDK loop (1 thread: send each, receive 10 + delete batch) %7.1f messages/s%n", plainRate);
            System.out.printf(Locale.ROOT, "  ratio pipeline / plain SQS loop %.2f%n", pipelineRate / plainRate);
            double sameWork = PlainOrderLoop.run(dynamo, sqs, orders, 8, body);
            System.out.printf(Locale.ROOT, "  the same AWS work, plain SDK (8 producers: put, send, mark; %d consumers: receive 10,"
                    + " confirm each, delete batch) %7.1f orders/s%n", PlainOrderLoop.CONSUMERS, sameWork);
            System.out.printf(Locale.ROOT, "  ratio pipeline / the same work without the runtime %.2f%n", pipelineRate / sameWork);
        }
    }

    private static long confirmed(DynamoDbClient dynamo) {
        return dynamo.scanPaginator(r -> r.tableName(STACK + "-OrdersTable").filterExpression("#s = :c")
                        .expressionAttributeNames(Map.of("#s", "status"))
                        .expressionAttributeValues(Map.of(":c", AttributeValue.fromS("CONFIRMED"))).select("COUNT"))
                .stream().mapToLong(page -> page.count()).sum();
    }

    static void section(String title) {
        System.out.println();
        System.out.println(title);
    }
}
