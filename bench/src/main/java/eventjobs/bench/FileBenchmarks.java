package eventjobs.bench;

import eventjobs.core.events.EventCodec;
import eventjobs.core.s3.S3ObjectRef;
import eventjobs.imports.ImportLimits;
import eventjobs.imports.ImportOrders;
import eventjobs.imports.ImportReport;
import eventjobs.local.aws.EmbeddedAws;
import eventjobs.thumbnails.MakeThumbnails;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
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
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

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
                    Clock.systemUTC()).run(new S3ObjectRef("b", "k", bytes.length, "e", Optional.empty(), Instant.EPOCH), new ByteArrayInputStream(bytes));
            rates.add(report.rowsRead() / ((System.nanoTime() - start) / 1e9));
        }
        long peak = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        System.out.printf(Locale.ROOT, "  %,.0f rows/s (median of 3 runs: %s), peak heap %d MB (the %d MB file itself is in memory here)%n",
                rates.stream().sorted().toList().get(1), rates.stream().map(r -> String.format(Locale.ROOT, "%,.0f", r)).toList(),
                peak >> 20, bytes.length >> 20);
    }

    static void importThroughput(EmbeddedAws aws, String stack) throws Exception {
        int rows = 10_000;
        System.out.println();
        System.out.println("Import of a " + rows + "-row upload through the local runtime (S3 put -> notification -> ImportFunction -> OrdersQueue)");
        StringBuilder csv = new StringBuilder("customer_id,currency,sku,quantity,unit_price\n");
        for (int i = 0; i < rows; i++) {
            csv.append("bulk-").append(i).append(",EUR,SKU-").append(i % 100).append(",1,3.00\n");
        }
        String bucket = stack + "-uploads-000000000000-us-east-1";
        String results = stack + "-resultsbucket";
        try (var s3 = aws.s3(); var sqs = aws.sqs()) {
            long start = System.nanoTime();
            s3.putObject(r -> r.bucket(bucket).key("imports/bulk.csv"), RequestBody.fromString(csv.toString()));
            String report = null;
            while (report == null) {
                try {
                    report = s3.getObjectAsBytes(r -> r.bucket(results).key("import-reports/imports/bulk.csv.json")).asUtf8String();
                } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException notYet) {
                    Thread.sleep(50);
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long accepted = JsonMapper.shared().readTree(report).get("accepted").asLong();
            double importRate = accepted / seconds;
            System.out.printf(Locale.ROOT, "  through the local runtime          %,8.0f rows/s (%d rows queued, report after %.2f s)%n",
                    importRate, accepted, seconds);

            String queue = sqs.createQueue(r -> r.queueName("bench-plain-batches")).queueUrl();
            start = System.nanoTime();
            for (int from = 0; from < rows; from += 10) {
                List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    entries.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(i)).messageBody("{\"row\":" + (from + i) + "}").build());
                }
                sqs.sendMessageBatch(r -> r.queueUrl(queue).entries(entries));
            }
            double plainRate = rows / ((System.nanoTime() - start) / 1e9);
            System.out.printf(Locale.ROOT, "  plain SendMessageBatch loop        %,8.0f messages/s%n", plainRate);
            System.out.printf(Locale.ROOT, "  ratio import / plain loop          %.2f%n", importRate / plainRate);
        }
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
