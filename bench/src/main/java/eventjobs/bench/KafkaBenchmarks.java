package eventjobs.bench;

import eventjobs.local.kafka.KafkaBroker;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * What the local runtime's Kafka broker costs when a template has a Kafka event: how long
 * {@link KafkaBroker#start} takes (formatting an empty data directory, KRaft controller and broker
 * up, answering a client), and the heap, process memory and threads it adds once started.
 */
final class KafkaBenchmarks {

    private static final int RUNS = 3;

    private KafkaBenchmarks() {}

    static void brokerStart(Path work) throws IOException {
        Benchmarks.section("Kafka broker in the runtime's JVM (KRaft, one node), " + RUNS + " starts");
        List<Long> millis = new ArrayList<>();
        for (int run = 0; run < RUNS; run++) {
            Path data = Files.createTempDirectory(work, "kafka");
            long heapBefore = usedHeapAfterGc();
            int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
            long rssBefore = residentBytes();
            long start = System.nanoTime();
            try (KafkaBroker broker = KafkaBroker.start(data)) {
                millis.add((System.nanoTime() - start) / 1_000_000);
                long heap = usedHeapAfterGc() - heapBefore;
                int threads = ManagementFactory.getThreadMXBean().getThreadCount() - threadsBefore;
                System.out.printf(Locale.ROOT, "  start %d: %5d ms to answer a client; heap kept %5.1f MB; process memory %+.1f MB;"
                        + " threads +%d%n", run + 1, millis.getLast(), heap / 1e6, (residentBytes() - rssBefore) / 1e6, threads);
            }
        }
        Collections.sort(millis);
        System.out.printf(Locale.ROOT, "  median start: %d ms%n", millis.get(RUNS / 2));
    }

    /** The process's resident memory (Linux: VmRSS), 0 where /proc is not there. */
    private static long residentBytes() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                    .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024).findFirst().orElse(0);
        } catch (IOException e) {
            return 0;
        }
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 2; i++) {
            System.gc();
        }
        Runtime runtime = Runtime.getRuntime();
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
