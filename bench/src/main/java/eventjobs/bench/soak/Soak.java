package eventjobs.bench.soak;

import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.chaos.Chaos;
import eventjobs.local.chaos.ChaosSummary;
import eventjobs.local.stack.LocalRuntime;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code make soak}: the promise under load and faults. Runs template.yaml on the local runtime
 * with chaos mode on, sends orders through the HTTP API from concurrent clients (some keys used
 * again: after the answer, at the same time, with another body), CSV and image uploads (some bad,
 * some twice), report jobs and poison messages, waits until the system is quiet, then checks
 * the tables, queues and buckets (not the logs): see {@link SoakCheck}. Its last line is the
 * verdict; it exits 1 unless nothing was lost, duplicated, unexplained or left unfinished.
 */
@Command(name = "soak", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Runs template.yaml locally under load and injected faults, then checks every outcome.")
public final class Soak implements Callable<Integer> {

    /** The faults of a default run: about one invocation in twelve suffers one. */
    static final String DEFAULT_CHAOS = "kill=0.01,hang=0.005,fail-before=0.01,lose-response=0.02,duplicate=0.03,"
            + "aws-errors=0.01,throttle-invoke=0.03";

    @Option(names = "--orders", description = "Orders through POST /orders (default ${DEFAULT-VALUE}).")
    int orders = 10_000;

    @Option(names = "--files", description = "CSV uploads (default ${DEFAULT-VALUE}).")
    int files = 100;

    @Option(names = "--rows", description = "Rows in each CSV (default ${DEFAULT-VALUE}).")
    int rows = 20;

    @Option(names = "--images", description = "Image uploads (default ${DEFAULT-VALUE}).")
    int images = 50;

    @Option(names = "--reports", description = "Report jobs (default ${DEFAULT-VALUE}).")
    int reports = 50;

    @Option(names = "--clients", description = "Concurrent API clients (default ${DEFAULT-VALUE}).")
    int clients = 8;

    @Option(names = "--seed", description = "Seed of the inputs and of the faults (default ${DEFAULT-VALUE}).")
    long seed = 42;

    @Option(names = "--chaos", description = "Fault rates, as local/run start --chaos takes them, without the seed"
            + " (default ${DEFAULT-VALUE}); 'off' for none.")
    String chaos = DEFAULT_CHAOS;

    @Option(names = "--max-wait", description = "Seconds to wait for quiet after the load (default ${DEFAULT-VALUE}).")
    int maxWaitSeconds = 1200;

    @Option(names = "--break-idempotency", description = "Test switch: the order worker writes its decisions without"
            + " their condition, so duplicate deliveries apply twice; the check must then fail.")
    boolean breakIdempotency;

    @Option(names = "--work-dir", description = "Where functions, logs and the invocation log go (default: a new temp dir).")
    Path workDirectory;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Soak()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path root = Path.of("").toAbsolutePath();
        Path work = workDirectory != null ? Files.createDirectories(workDirectory) : Files.createTempDirectory("eventjobs-soak");
        long started = System.nanoTime();
        SoakPlan plan = SoakPlan.generate(seed, orders, files, rows, images, reports);
        Chaos faults = chaos.equals("off") ? Chaos.seeded(seed) : Chaos.parse("seed=" + seed + "," + chaos);
        System.out.printf(Locale.ROOT, "soak %s, %d cores, Java %s%n", Instant.now(), Runtime.getRuntime().availableProcessors(),
                Runtime.version());
        System.out.printf(Locale.ROOT, "inputs: %d orders (%d bad requests), %d CSV files x %d rows, %d images, %d reports,"
                        + " %d poison messages; chaos %s%n", plan.orders().size(), plan.badPosts().size(), plan.files().size(), rows,
                plan.images().size(), plan.reports().size(), plan.poison().size(), faults.spec());
        System.out.println("invocation log: " + work.resolve("invocations.jsonl") + "   function logs: " + work.resolve("functions.log"));
        if (breakIdempotency) {
            System.out.println("--break-idempotency: OrderWorkerFunction decides WITHOUT its condition; duplicates must be found");
        }
        LocalRuntime.Options.Builder options = LocalRuntime.Options.builder(root.resolve("template.yaml")).stackName("soak")
                .workDirectory(work).chaos(faults);
        if (breakIdempotency) {
            options.environment("OrderWorkerFunction", Map.of("EVENTJOBS_TEST_UNCONDITIONAL_DECISIONS", "true"));
        }
        SoakCheck.Verdict verdict;
        ChaosSummary summary;
        try (PrintStream invocations = new PrintStream(Files.newOutputStream(work.resolve("invocations.jsonl")), true, StandardCharsets.UTF_8);
             PrintStream functionLog = new PrintStream(Files.newOutputStream(work.resolve("functions.log")), true, StandardCharsets.UTF_8);
             EmbeddedAws aws = EmbeddedAws.start(0);
             SqsClient sqs = aws.sqs();
             S3Client s3 = aws.s3()) {
            SoakLog log = new SoakLog(invocations);
            try (LocalRuntime runtime = LocalRuntime.start(options.build(), aws,
                    (function, text) -> functionLog.println("[" + function + "] " + text), log)) {
                URI api = URI.create("http://localhost:" + runtime.api().orElseThrow().port() + "/");
                SoakLoad load = new SoakLoad(plan, new SoakClient(api), runtime.template(), sqs, s3);
                long loadStart = System.nanoTime();
                load.run(clients, new Random(seed));
                double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
                System.out.printf(Locale.ROOT, "load sent in %.0f s (%d API retries after 5xx/429)%n", loadSeconds, load.client().retries());
                SoakCheck check = new SoakCheck(plan, load, runtime.template(), aws, log);
                check.awaitQuiet(maxWaitSeconds);
                verdict = check.verdict();
                summary = runtime.chaosSummary().orElseThrow();
            }
            System.out.printf(Locale.ROOT, "invocations %d, runtime problems %d; faults injected: %s%n", log.invocations(),
                    log.problems(), summary.text());
        }
        verdict.print(System.out);
        long seconds = (System.nanoTime() - started) / 1_000_000_000L;
        System.out.printf(Locale.ROOT, "soak: orders=%d files=%d images=%d reports=%d faults=%d lost=%d duplicates=%d"
                        + " unexplained=%d stuck=%d seconds=%d%n", plan.expectedOrders(), plan.files().size(), plan.images().size(),
                plan.reports().size(), summary.total(), verdict.lost(), verdict.duplicates(), verdict.unexplained(),
                verdict.stuck(), seconds);
        return verdict.clean() ? 0 : 1;
    }

    /** Runs tasks on {@code threads} threads in a seeded order and rethrows the first failure. */
    static void runAll(List<Callable<Void>> tasks, int threads, Random random) throws Exception {
        List<Callable<Void>> shuffled = new ArrayList<>(tasks);
        Collections.shuffle(shuffled, random);
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<Void>> futures = new ArrayList<>();
            for (Callable<Void> task : shuffled) {
                futures.add(pool.submit(task));
            }
            for (Future<Void> future : futures) {
                future.get();
            }
        }
    }

    static void put(S3Client s3, String bucket, String key, byte[] content) {
        s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromBytes(content));
    }
}
