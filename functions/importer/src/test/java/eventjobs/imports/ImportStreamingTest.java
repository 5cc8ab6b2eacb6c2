package eventjobs.imports;

import eventjobs.core.s3.S3ObjectRef;
import eventjobs.core.events.EventCodec;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryType;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs in its own JVM with -Xmx64m (see this module's pom): an import four times the size of the
 * heap must be read in constant memory, with its sends under way at once. The queue is a counter,
 * because the property is memory, not the emulator's speed.
 */
class ImportStreamingTest {

    private static final long SIZE = 256L << 20;

    @Test
    void run_shouldStreamAFileFourTimesTheHeap_inConstantMemory() {
        assertThat(Runtime.getRuntime().maxMemory()).as("this test must run with -Xmx64m").isLessThanOrEqualTo(SIZE / 4);
        AtomicLong sent = new AtomicLong();
        GeneratedCsv csv = new GeneratedCsv(SIZE);
        ImportOrders importer = new ImportOrders(orders -> {
            sent.addAndGet(orders.size());
            return List.of();
        }, new EventCodec(), new ImportLimits(Long.MAX_VALUE, Long.MAX_VALUE, 64 * 1024), ImportOrders.SENDS_IN_FLIGHT,
                Clock.systemUTC());

        ImportReport report = importer.run(new S3ObjectRef("uploads", "imports/huge.csv", SIZE, "e", Optional.empty(), Instant.EPOCH), csv);

        long peakHeap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(pool -> pool.getType() == MemoryType.HEAP)
                .mapToLong(pool -> pool.getPeakUsage().getUsed()).sum();
        System.out.printf("%d MiB import: %d rows, peak heap %d MB of %d MB%n", SIZE >> 20, report.rowsRead(), peakHeap >> 20,
                Runtime.getRuntime().maxMemory() >> 20);
        assertThat(report.status()).isEqualTo(ImportReport.Status.COMPLETED);
        assertThat(report.rowsRead()).isEqualTo(csv.rows()).isGreaterThan(2_500_000);
        assertThat(report.accepted()).isEqualTo(csv.rows());
        assertThat(sent.get()).isEqualTo(csv.rows());
    }

}
