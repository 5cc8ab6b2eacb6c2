package eventjobs.bench;

import eventjobs.local.runtime.AotCache;
import eventjobs.local.runtime.FunctionConfig;
import eventjobs.local.runtime.FunctionLogs;
import eventjobs.local.runtime.FunctionPool;
import eventjobs.local.runtime.InvocationFaults;
import eventjobs.local.runtime.InvocationResult;
import eventjobs.local.stack.LocalRuntime;
import eventjobs.local.template.Specs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * Cold starts through the local runtime's own pools: a fresh JVM for each run, timed from the
 * pool's invoke to the first response, without the AOT cache (as Lambda starts a JVM) and with
 * it (after one training JVM wrote it), the two kinds of run taking turns so that a noisy machine
 * weighs on both alike. Then, for one function, JVM options on top of each.
 */
final class ColdStarts {

    /** The sample event of a function for one run (a new id each time, so each run writes). */
    @FunctionalInterface
    interface Events {
        byte[] next(Path root, String function) throws IOException;
    }

    /**
     * One cold start: the whole first response, and init within it (JVM start to the first /next);
     * or a failure (a timeout on a machine too busy), which is counted and left out of medians.
     */
    record Run(long totalMillis, long initMillis, boolean failed) {}

    private final Path root;
    private final LocalRuntime runtime;
    private final Path work;
    private final int runs;
    private final Events events;

    ColdStarts(Path root, LocalRuntime runtime, Path work, int runs, Events events) {
        this.root = root;
        this.runtime = runtime;
        this.work = work;
        this.runs = runs;
        this.events = events;
    }

    private static final int TRAINING_ATTEMPTS = 3;

    /** Events of a file-triggered function a whole benchmark takes: the trainings and the runs with and without. */
    static int filesNeeded(int runs) {
        return 2 * runs + TRAINING_ATTEMPTS;
    }

    void perFunction() throws IOException {
        Benchmarks.section("Cold start: fresh JVM to first response, median of " + runs + " each, without and with the AOT cache,"
                + " runs taking turns (init = JVM start to the first /next; training = the JVM that wrote the cache)");
        System.out.printf(Locale.ROOT, "  %-22s %-24s %-24s %6s   %s%n", "", "without cache (init)", "with cache (init)",
                "ratio", "training JVM: first response, cache written after stop, size");
        for (Specs.Function function : runtime.template().functions()) {
            FunctionConfig config = runtime.functions().get(function.logicalId()).config();
            Comparison comparison = compare(function.logicalId(), config, work.resolve("cold-aot").resolve(function.logicalId()),
                    AotCache.sha256(function.codeUri()));
            System.out.printf(Locale.ROOT, "  %-22s %-24s %-24s %6.2f   %s   without %s, with %s%n", function.logicalId(),
                    comparison.without().text(), comparison.with().text(), comparison.ratio(), comparison.training(),
                    comparison.without().totals(), comparison.with().totals());
        }
    }

    /**
     * The function's cold start with JVM options on top: the template's JAVA_TOOL_OPTIONS (C1
     * only), full tiered compilation, and class data sharing off, each without and with a cache.
     */
    void jvmOptions(String logicalId) throws IOException {
        Benchmarks.section(logicalId + ": JVM options on top, median of " + runs + " each (JAVA_TOOL_OPTIONS of the function)");
        FunctionConfig template = runtime.functions().get(logicalId).config();
        Specs.Function function = runtime.template().function(logicalId).orElseThrow();
        String templateOptions = template.environment().getOrDefault("JAVA_TOOL_OPTIONS", "");
        Map<String, String> variants = new LinkedHashMap<>();
        variants.put("template: " + templateOptions, templateOptions);
        variants.put("full tiered (no JAVA_TOOL_OPTIONS)", "");
        variants.put("-Xshare:off + template's", (templateOptions + " -Xshare:off").trim());
        int variant = 0;
        for (Map.Entry<String, String> entry : variants.entrySet()) {
            Map<String, String> environment = new HashMap<>(template.environment());
            environment.put("JAVA_TOOL_OPTIONS", entry.getValue());
            FunctionConfig config = new FunctionConfig(template.name(), template.handler(), template.codeDirectory(),
                    template.timeout(), template.memoryMb(), environment, template.maxInstances(), template.snapStart());
            Path cacheDirectory = work.resolve("options-aot").resolve(Integer.toString(variant++));
            if (entry.getValue().contains("-Xshare")) {
                Stats without = measure(logicalId, config, AotCache.off());
                System.out.printf(Locale.ROOT, "  %-44s without %-22s with: none (the JVM refuses -Xshare with an AOT cache)   %s%n",
                        entry.getKey(), without.text(), without.totals());
                continue;
            }
            Comparison comparison = compare(logicalId, config, cacheDirectory, AotCache.sha256(function.codeUri()));
            System.out.printf(Locale.ROOT, "  %-44s without %-22s with %-22s ratio %.2f   without %s, with %s%n", entry.getKey(),
                    comparison.without().text(), comparison.with().text(), comparison.ratio(),
                    comparison.without().totals(), comparison.with().totals());
        }
    }

    private record Comparison(Stats without, Stats with, String training) {
        double ratio() {
            return with.medianTotal() / (double) without.medianTotal();
        }
    }

    private record Stats(List<Run> runs) {
        private List<Run> succeeded() {
            return runs.stream().filter(run -> !run.failed()).toList();
        }

        long medianTotal() {
            return median(succeeded().stream().map(Run::totalMillis).toList());
        }

        long medianInit() {
            return median(succeeded().stream().map(Run::initMillis).toList());
        }

        String text() {
            long failed = runs.size() - succeeded().size();
            return String.format(Locale.ROOT, "%5d ms (%4d ms)", medianTotal(), medianInit())
                    + (failed == 0 ? "" : " " + failed + " failed");
        }

        List<String> totals() {
            return runs.stream().map(run -> run.failed() ? "failed" : Long.toString(run.totalMillis())).toList();
        }
    }

    private Comparison compare(String logicalId, FunctionConfig config, Path cacheDirectory, String codeSha256) throws IOException {
        AotCache cache = AotCache.in(cacheDirectory, codeSha256);
        List<String> aotLines = new CopyOnWriteArrayList<>();
        FunctionLogs logs = (function, line) -> {
            if (line.startsWith("AOT cache:")) {
                aotLines.add(line);
            }
        };
        // on a machine too busy the training JVM's first invocation may time out, and a killed JVM writes nothing
        String trainingText = "";
        for (int attempt = 1; attempt <= TRAINING_ATTEMPTS && trainingText.isEmpty(); attempt++) {
            FunctionPool training = new FunctionPool(config, work.resolve("runtime"), logs, InvocationFaults.NONE, cache);
            Run trained;
            long stopped;
            try {
                trained = invoke(logicalId, training);
            } finally {
                stopped = System.nanoTime();
                training.close();
            }
            double writeSeconds = (System.nanoTime() - stopped) / 1e9;
            Optional<Path> file = cacheFile(cacheDirectory);
            if (file.isPresent()) {
                trainingText = String.format(Locale.ROOT, "%5d ms, %4.1f s, %4.1f MB", trained.totalMillis(), writeSeconds,
                        Files.size(file.get()) / 1e6) + (attempt > 1 ? " (attempt " + attempt + ")" : "");
            }
        }
        if (trainingText.isEmpty()) {
            throw new IllegalStateException(logicalId + ": no training JVM wrote an AOT cache: " + aotLines);
        }
        List<Run> without = new ArrayList<>();
        List<Run> with = new ArrayList<>();
        for (int run = 0; run < runs; run++) {
            without.add(fresh(logicalId, config, AotCache.off(), logs));
            with.add(fresh(logicalId, config, cache, logs));
        }
        if (aotLines.stream().anyMatch(line -> line.contains("rejected"))) {
            throw new IllegalStateException(logicalId + ": the JVM rejected its AOT cache: " + aotLines);
        }
        return new Comparison(new Stats(without), new Stats(with), trainingText);
    }

    private Stats measure(String logicalId, FunctionConfig config, AotCache cache) throws IOException {
        List<Run> measured = new ArrayList<>();
        for (int run = 0; run < runs; run++) {
            measured.add(fresh(logicalId, config, cache, FunctionLogs.discard()));
        }
        return new Stats(measured);
    }

    private Run fresh(String logicalId, FunctionConfig config, AotCache cache, FunctionLogs logs) throws IOException {
        try (FunctionPool pool = new FunctionPool(config, work.resolve("runtime"), logs, InvocationFaults.NONE, cache)) {
            return invoke(logicalId, pool);
        }
    }

    private Run invoke(String logicalId, FunctionPool pool) throws IOException {
        byte[] event = events.next(root, logicalId);
        long start = System.nanoTime();
        InvocationResult result = pool.invoke(event);
        long total = (System.nanoTime() - start) / 1_000_000;
        if (!result.succeeded()) {
            System.out.println("  (" + logicalId + ": a cold start failed: " + result.payloadText() + ")");
            return new Run(total, 0, true);
        }
        return new Run(total, result.initDuration().orElseThrow().toMillis(), false);
    }

    private static Optional<Path> cacheFile(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".aot")).findFirst();
        }
    }

    /** The middle value (the upper one of an even count); -1 when every run failed. */
    private static long median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.isEmpty() ? -1 : sorted.get(sorted.size() / 2);
    }
}
