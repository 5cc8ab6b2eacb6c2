package eventjobs.bench;

import eventjobs.core.events.EventCodec;
import eventjobs.core.s3.S3ObjectRef;
import eventjobs.imports.ImportLimits;
import eventjobs.imports.ImportOrders;
import eventjobs.imports.ImportReport;
import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.aws.ObjectCreated;
import eventjobs.local.runtime.FunctionLogs;
import eventjobs.local.sources.InvocationLog;
import eventjobs.local.sources.Port;
import eventjobs.local.sources.S3EventJson;
import eventjobs.local.stack.LocalRuntime;
import eventjobs.orders.OrderLine;
import eventjobs.orders.OrderPlaced;
import eventjobs.thumbnails.MakeThumbnails;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryType;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/** Figures of the file pipeline: import parsing, import through the runtime, thumbnails. */
public final class FileBenchmarks {

    private FileBenchmarks() {}

    static void importParsing() {
        int rows = 1_000_000;
        System.out.println();
        System.out.println("Import parse + validate, in-process, " + rows + " generated rows, queue replaced by a counter");
        StringBuilder csv = new StringBuilder("customer_id,currency,sku,quantity,unit_price\n");
        for (int i = 0; i < rows; i++) {
            csv.append("customer-").append(i).append(",EUR,SKU-").append(i % 1000).append(',').append(1 + i % 9).append(",12.50\n");
        }
        byte[] bytes = csv.toString().getBytes(StandardCharsets.UTF_8);
        csv.setLength(0);
        ManagementFactory.getMemoryPoolMXBeans().forEach(pool -> pool.resetPeakUsage());
        List<Double> rates = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            long start = System.nanoTime();
            ImportReport report = new ImportOrders(orders -> List.of(), new EventCodec(), new ImportLimits(Long.MAX_VALUE, Long.MAX_VALUE, 65536),
                    ImportOrders.SENDS_IN_FLIGHT, Clock.systemUTC()).run(new S3ObjectRef("b", "k", bytes.length, "e", Optional.empty(), Instant.EPOCH), new ByteArrayInputStream(bytes));
            rates.add(report.rowsRead() / ((System.nanoTime() - start) / 1e9));
        }
        long peak = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        System.out.printf(Locale.ROOT, "  %,.0f rows/s (median of 3 runs: %s), peak heap %d MB (the %d MB file itself is in memory here)%n",
                rates.stream().sorted().toList().get(1), rates.stream().map(r -> String.format(Locale.ROOT, "%,.0f", r)).toList(),
                peak >> 20, bytes.length >> 20);
    }

    /**
     * A 1,000,000-row upload through the local runtime, next to a plain parallel SendMessageBatch
     * loop on the same endpoint, with as many threads as the import has sends under way, and
     * messages of the same size. The import runs in a runtime of its own with triggers off, so that
     * OrderWorkerFunction does not confirm a million orders on moto meanwhile; the benchmark puts
     * the object and delivers S3's notification itself, as an asynchronous invoke. ElasticMQ runs
     * in this JVM and gets faster as it is compiled: a first loop, not counted, warms it up, and the
     * plain loop runs before and after the import, which is compared with the mean of the two.
     */
    static void importThroughput(EmbeddedAws aws, String stack) throws Exception {
        int rows = 1_000_000;
        String importStack = stack + "-imports";
        System.out.println();
        System.out.println("Import of a " + rows + "-row upload through the local runtime (S3 put -> notification -> ImportFunction"
                + " parts -> OrdersQueue -> report)");
        StringBuilder csv = new StringBuilder("customer_id,currency,sku,quantity,unit_price\n");
        for (int i = 0; i < rows; i++) {
            csv.append("bulk-").append(i).append(",EUR,SKU-").append(i % 100).append(",1,3.00\n");
        }
        byte[] content = csv.toString().getBytes(StandardCharsets.UTF_8);
        csv.setLength(0);
        String bucket = importStack + "-uploads-000000000000-us-east-1";
        String key = "imports/bulk.csv";
        String body = new EventCodec().encode(new OrderPlaced(UUID.randomUUID().toString(), "bulk-123456", Currency.getInstance("EUR"),
                List.of(new OrderLine("SKU-12", 1, new BigDecimal("3.00")))).event("/import", Instant.now()));
        try (LocalRuntime runtime = LocalRuntime.start(LocalRuntime.Options.builder(Path.of("template.yaml").toAbsolutePath())
                     .stackName(importStack).workDirectory(Files.createTempDirectory("eventjobs-bench-imports")).apiPort(Port.none())
                     .triggers(false).build(), aws, FunctionLogs.discard(), InvocationLog.discard());
             var s3 = aws.s3(); var sqs = aws.sqs()) {
            int plainMessages = 500_000;
            System.out.printf(Locale.ROOT, "  warm-up: plain loop, %d threads      %,8.0f messages/s (200,000 messages, not counted)%n",
                    ImportOrders.SENDS_IN_FLIGHT, plainParallelSends(sqs, 200_000, body));
            double plainBefore = plainParallelSends(sqs, plainMessages, body);
            long start = System.nanoTime();
            s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromBytes(content));
            var head = s3.headObject(r -> r.bucket(bucket).key(key));
            runtime.invokeAsync("ImportFunction", S3EventJson.event(new ObjectCreated("ObjectCreated:Put", bucket, key,
                    head.contentLength(), head.eTag().replace("\"", ""), Optional.empty(), Instant.now(), "127.0.0.1"),
                    "bench", "us-east-1"));
            String report = null;
            while (report == null) {
                try {
                    report = s3.getObjectAsBytes(r -> r.bucket(importStack + "-resultsbucket").key("import-reports/" + key + ".json"))
                            .asUtf8String();
                } catch (NoSuchKeyException notYet) {
                    Thread.sleep(200);
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            JsonNode parsed = JsonMapper.shared().readTree(report);
            long accepted = parsed.get("accepted").asLong();
            double importRate = accepted / seconds;
            System.out.printf(Locale.ROOT, "  through the local runtime            %,8.0f rows/s (%s: %,d of %,d rows queued in %d parts, report after %.1f s)%n",
                    importRate, parsed.get("status").asString(), accepted, parsed.get("rowsRead").asLong(), parsed.get("parts").asInt(), seconds);
            String orders = sqs.getQueueUrl(r -> r.queueName(importStack + "-OrdersQueue")).queueUrl();
            sqs.purgeQueue(r -> r.queueUrl(orders));

            double plainAfter = plainParallelSends(sqs, plainMessages, body);
            double plainRate = (plainBefore + plainAfter) / 2;
            System.out.printf(Locale.ROOT, "  plain SendMessageBatch loop, %d threads %,8.0f messages/s (%,.0f before the import, %,.0f after; %,d messages of %d bytes each time)%n",
                    ImportOrders.SENDS_IN_FLIGHT, plainRate, plainBefore, plainAfter, plainMessages, body.length());
            System.out.printf(Locale.ROOT, "  ratio import / plain loop            %.2f%n", importRate / plainRate);
        }
    }

    /** {@code messages} copies of {@code body} sent ten a call from as many threads as the import sends at once; messages/s. */
    private static double plainParallelSends(SqsClient sqs, int messages, String body) throws Exception {
        String queue = sqs.createQueue(r -> r.queueName("bench-plain-batches")).queueUrl();
        List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            entries.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(i)).messageBody(body).build());
        }
        AtomicInteger batchesLeft = new AtomicInteger(messages / 10);
        long start = System.nanoTime();
        try (ExecutorService threads = Executors.newFixedThreadPool(ImportOrders.SENDS_IN_FLIGHT)) {
            List<Future<?>> senders = new ArrayList<>();
            for (int t = 0; t < ImportOrders.SENDS_IN_FLIGHT; t++) {
                senders.add(threads.submit(() -> {
                    while (batchesLeft.getAndDecrement() > 0) {
                        sqs.sendMessageBatch(r -> r.queueUrl(queue).entries(entries));
                    }
                }));
            }
            for (Future<?> sender : senders) {
                sender.get();
            }
        }
        double rate = messages / ((System.nanoTime() - start) / 1e9);
        sqs.purgeQueue(r -> r.queueUrl(queue));
        return rate;
    }

    static void thumbnails() throws IOException {
        int images = 20;
        System.out.println();
        System.out.println("Thumbnails, in-process: " + images + " JPEG photos of 1600x1200, widths 128 and 512");
        List<byte[]> photos = new ArrayList<>();
        for (int i = 0; i < images; i++) {
            photos.add(image("jpg", 1600, 1200));
        }
        MakeThumbnails make = new MakeThumbnails(20L << 20, 40_000_000, List.of(128, 512));
        make.apply(new S3ObjectRef("b", "warm.jpg", 0, "e", Optional.empty(), Instant.EPOCH), photos.getFirst());
        long start = System.nanoTime();
        for (int i = 0; i < images; i++) {
            make.apply(new S3ObjectRef("b", "p" + i + ".jpg", 0, "e", Optional.empty(), Instant.EPOCH), photos.get(i));
        }
        System.out.printf(Locale.ROOT, "  %.1f images/s (2 thumbnails each)%n", images / ((System.nanoTime() - start) / 1e9));
    }

    public static byte[] image(String format, int width, int height) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        var g = image.createGraphics();
        g.setPaint(new GradientPaint(0, 0, Color.ORANGE, width, height, Color.BLUE));
        g.fillRect(0, 0, width, height);
        g.setColor(Color.WHITE);
        g.fillOval(width / 4, height / 4, width / 2, height / 2);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, format, out);
        return out.toByteArray();
    }
}
