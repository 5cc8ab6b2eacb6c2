package eventjobs.local.runtime;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One execution environment: a JVM running the Runtime Interface Client in the function's
 * unzipped code, talking to its own {@link RuntimeApi}. It serves one invocation at a time and
 * stays warm between them. It dies when an invocation times out (it is killed, as Lambda does)
 * or its process exits; a dead instance is not reused. Thread-safe.
 */
public final class FunctionInstance implements AutoCloseable {

    /** Lambda's init phase budget, apart from the function's timeout. */
    static final Duration INIT_BUDGET = Duration.ofSeconds(10);

    private final FunctionConfig config;
    private final RuntimeApi api;
    private final Process process;
    private final Instant startedAt;
    private final FunctionLogs logs;
    private final AotCache.Watch aot;
    /** Completes when the process is gone and all it printed is read; then what it did to the AOT cache is settled. */
    private final CompletableFuture<Void> ended;
    private volatile boolean initReported;
    private volatile boolean killed;

    private FunctionInstance(FunctionConfig config, RuntimeApi api, Process process, Instant startedAt, FunctionLogs logs,
                             AotCache.Watch aot, CompletableFuture<Void> gone) {
        this.config = config;
        this.api = api;
        this.process = process;
        this.startedAt = startedAt;
        this.logs = logs;
        this.aot = aot;
        this.ended = gone.handle((ignored, failure) -> {
            aot.ended(killed);
            return null;
        });
    }

    /**
     * Starts the JVM; it initializes while the first invocation is on its way.
     *
     * @param runtimeDirectory where shared runtime files (the JNI library) are kept
     * @param aot              the function's AOT cache: whether this JVM starts from it, trains it or neither
     */
    public static FunctionInstance start(FunctionConfig config, Path runtimeDirectory, FunctionLogs logs, AotCache aot) {
        RuntimeApi api;
        try {
            api = new RuntimeApi();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a Runtime API port for " + config.name(), e);
        }
        List<String> options = jvmOptions(config, runtimeDirectory);
        AotCache.Start plan;
        try {
            plan = aot.next(config, options, logs);
        } catch (RuntimeException e) {
            api.close();
            throw e;
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(options);
        command.addAll(plan.options());
        command.add("-cp");
        command.add(Stream.concat(Stream.of(RuntimeClasspath.classpath()), plan.classpath().stream().map(Path::toString))
                .collect(Collectors.joining(File.pathSeparator)));
        command.add(RuntimeClasspath.MAIN_CLASS);
        command.add(config.handler());
        ProcessBuilder builder = new ProcessBuilder(command)
                // the client loads the function from its working directory (user.dir) and user.dir/lib
                .directory(config.codeDirectory().toFile());
        builder.environment().clear();
        builder.environment().putAll(environment(config, api.address()));
        AotCache.Watch watch = aot.watch(plan, config.name(), logs);
        Instant startedAt = Instant.now();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            api.close();
            watch.ended(true);
            throw new UncheckedIOException("cannot start a JVM for " + config.name(), e);
        }
        CompletableFuture<Void> out = pump(process.getInputStream(), config.name(), logs, watch);
        CompletableFuture<Void> err = pump(process.getErrorStream(), config.name(), logs, watch);
        return new FunctionInstance(config, api, process, startedAt, logs, watch, CompletableFuture.allOf(process.onExit(), out, err));
    }

    /**
     * What Lambda's Java runtime does: heap bounded by the memory setting, serial GC; CDS stays on (the
     * JVM's default); and without SnapStart, tiered compilation stopped at C1 unless the function's
     * JAVA_TOOL_OPTIONS sets it (the JVM reads JAVA_TOOL_OPTIONS before its command line, so the
     * default is left out then).
     */
    static List<String> jvmOptions(FunctionConfig config, Path runtimeDirectory) {
        List<String> options = new java.util.ArrayList<>(List.of("-XX:MaxHeapSize=" + (config.memoryMb() * 85 / 100) + "m",
                "-XX:+UseSerialGC", "-XX:-UsePerfData", "--enable-native-access=ALL-UNNAMED",
                "-D" + RuntimeClasspath.JNI_PROPERTY + "=" + RuntimeClasspath.jniLibrary(runtimeDirectory)));
        if (!config.snapStart() && !config.environment().getOrDefault("JAVA_TOOL_OPTIONS", "").contains("Tiered")) {
            options.add(0, "-XX:TieredStopAtLevel=1");
        }
        return List.copyOf(options);
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** Completes when the init phase is over: the runtime asked for its first event, reported an init error, or exited. */
    CompletableFuture<Object> initDone() {
        return CompletableFuture.anyOf(api.firstPoll(), api.initError(), process.onExit());
    }

    public long pid() {
        return process.pid();
    }

    /** A request id in Lambda's format (a UUID). */
    public static String newRequestId() {
        return UUID.randomUUID().toString();
    }

    /**
     * Runs one invocation to its end: a response, an error, a timeout or a crash. As in Lambda, a
     * cold instance's init has its own budget ({@link #INIT_BUDGET}) and the function's timeout
     * starts when the runtime takes the event.
     *
     * @param requestId what the function sees as {@code context.getAwsRequestId()}; the retries of
     *                  an asynchronous event share one
     */
    public InvocationResult invoke(String requestId, byte[] event) {
        return invoke(requestId, event, InvocationFaults.Kind.NONE);
    }

    /**
     * Like {@link #invoke(String, byte[])}, suffering {@code fault} on purpose (chaos mode): the
     * outcome is then what Lambda reports for that failure.
     */
    InvocationResult invoke(String requestId, byte[] event, InvocationFaults.Kind fault) {
        Instant begin = Instant.now();
        boolean cold = !initReported;
        initReported = true;
        if (fault == InvocationFaults.Kind.FAIL_BEFORE) {
            // the event never reaches the handler
            kill();
            return killed(requestId, begin, cold);
        }
        CompletableFuture<Instant> delivered = new CompletableFuture<>();
        CompletableFuture<RuntimeApi.Reply> reply = new CompletableFuture<>();
        boolean withheld = fault == InvocationFaults.Kind.KILL || fault == InvocationFaults.Kind.HANG;
        api.submit(new RuntimeApi.Pending(requestId, event, config.timeout(), config.arn(),
                "Root=1-" + Long.toHexString(begin.getEpochSecond()) + "-" + requestId.replace("-", "").substring(0, 24)
                        + ";Sampled=0", delivered, reply, withheld));
        Optional<Instant> retriedInit = Optional.empty();
        if (!awaitStep(delivered, (cold ? startedAt : begin).plus(INIT_BUDGET))) {
            if (!cold) {
                return timedOut(requestId, "Init timed out after " + seconds(INIT_BUDGET) + " seconds", begin, cold);
            }
            // Lambda retries an init that took over 10 s within the invocation, with the function's timeout
            // (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html); here the init goes on
            // rather than starting again
            logs.line(config.name(), String.format(java.util.Locale.ROOT,
                    "INIT_REPORT Init Duration: %.2f ms Phase: init Status: timeout", (double) INIT_BUDGET.toMillis()));
            retriedInit = Optional.of(Instant.now().plus(config.timeout()));
            if (!awaitStep(delivered, retriedInit.get())) {
                return timedOut(requestId, "Task timed out after " + seconds(config.timeout()) + " seconds", begin, cold);
            }
        }
        if (fault == InvocationFaults.Kind.KILL && delivered.isDone()) {
            // the runtime took the event; whatever the handler answers is withheld
            kill();
            return killed(requestId, begin, cold);
        }
        Instant taken = delivered.getNow(Instant.now().plus(config.timeout()));
        Instant deadline = retriedInit.filter(limit -> limit.isBefore(taken)).orElse(taken);
        if (!awaitStep(reply, deadline)) {
            return timedOut(requestId, "Task timed out after " + seconds(config.timeout()) + " seconds", begin, cold);
        }
        if (fault == InvocationFaults.Kind.LOSE_RESPONSE && reply.isDone()) {
            // the handler ran to its end; its answer goes nowhere
            kill();
            return killed(requestId, begin, cold);
        }
        if (reply.isDone()) {
            RuntimeApi.Reply answer = reply.join();
            return answer.error()
                    ? result(requestId, InvocationResult.Outcome.FUNCTION_ERROR, answer.body(), errorTypeOf(answer), begin, cold)
                    : result(requestId, InvocationResult.Outcome.SUCCESS, answer.body(), null, begin, cold);
        }
        if (api.initError().isDone()) {
            kill();
            RuntimeApi.Reply answer = api.initError().join();
            return result(requestId, InvocationResult.Outcome.INIT_ERROR, answer.body(), errorTypeOf(answer), begin, cold);
        }
        // the process exited before answering
        awaitExit();
        return result(requestId, InvocationResult.Outcome.CRASH, error("Runtime.ExitError", "RequestId: " + requestId
                + " Error: Runtime exited with error: exit status " + process.exitValue()), "Runtime.ExitError", begin, cold);
    }

    /** The outcome of an instance killed during an invocation, as Lambda words a runtime killed by a signal. */
    private InvocationResult killed(String requestId, Instant begin, boolean cold) {
        logs.line(config.name(), Instant.now() + " " + requestId + " Error: Runtime exited with error: signal: killed");
        return result(requestId, InvocationResult.Outcome.CRASH, error("Runtime.ExitError", "RequestId: " + requestId
                + " Error: Runtime exited with error: signal: killed"), "Runtime.ExitError", begin, cold);
    }

    /** Stops the instance and says so in the function's log, as Lambda does. */
    private InvocationResult timedOut(String requestId, String message, Instant begin, boolean cold) {
        kill();
        logs.line(config.name(), Instant.now() + " " + requestId + " " + message);
        return result(requestId, InvocationResult.Outcome.TIMEOUT, error("Sandbox.Timedout", "RequestId: " + requestId
                + " Error: " + message), "Sandbox.Timedout", begin, cold);
    }

    /**
     * Waits until {@code step} completes, the runtime reports an init error or the process exits;
     * false when none of them happened by {@code deadline}.
     */
    private boolean awaitStep(CompletableFuture<?> step, Instant deadline) {
        try {
            CompletableFuture.anyOf(step, api.initError(), process.onExit())
                    .get(Math.max(1, Duration.between(Instant.now(), deadline).toMillis()), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
            throw new IllegalStateException("interrupted while invoking " + config.name(), e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    private InvocationResult result(String requestId, InvocationResult.Outcome outcome, byte[] payload, String errorType,
                                    Instant begin, boolean cold) {
        Instant end = Instant.now();
        Optional<Duration> init = Optional.empty();
        Instant invokeStart = begin;
        if (cold && api.firstPoll().isDone()) {
            Instant firstPoll = api.firstPoll().join();
            init = Optional.of(Duration.between(startedAt, firstPoll));
            invokeStart = firstPoll.isAfter(begin) ? firstPoll : begin;
        } else if (cold) {
            init = Optional.of(Duration.between(startedAt, end));
        }
        return new InvocationResult(requestId, outcome, payload, Optional.ofNullable(errorType),
                Duration.between(invokeStart, end), init);
    }

    private static String errorTypeOf(RuntimeApi.Reply reply) {
        // the client sends the exception class in the body and Runtime.* in the header
        String body = new String(reply.body(), StandardCharsets.UTF_8);
        int at = body.indexOf("\"errorType\"");
        if (at >= 0) {
            int start = body.indexOf('"', body.indexOf(':', at) + 1);
            int end = body.indexOf('"', start + 1);
            if (start > 0 && end > start) {
                return body.substring(start + 1, end);
            }
        }
        return reply.errorType();
    }

    private static byte[] error(String type, String message) {
        return ("{\"errorType\":\"" + type + "\",\"errorMessage\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    private static String seconds(Duration duration) {
        return String.format(java.util.Locale.ROOT, "%.2f", duration.toMillis() / 1000.0);
    }

    private static Map<String, String> environment(FunctionConfig config, String runtimeApi) {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("LANG", "en_US.UTF-8");
        env.put("TZ", ":UTC");
        env.put("HOME", System.getProperty("java.io.tmpdir"));
        env.putAll(config.environment());
        env.put("AWS_LAMBDA_RUNTIME_API", runtimeApi);
        env.put("AWS_LAMBDA_FUNCTION_NAME", config.name());
        env.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(config.memoryMb()));
        env.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + config.name());
        env.put("AWS_LAMBDA_LOG_STREAM_NAME", "local/" + UUID.randomUUID());
        env.put("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
        env.put("AWS_EXECUTION_ENV", "AWS_Lambda_java25");
        env.put("LAMBDA_TASK_ROOT", config.codeDirectory().toString());
        env.put("_HANDLER", config.handler());
        env.putIfAbsent("AWS_REGION", "us-east-1");
        env.putIfAbsent("AWS_DEFAULT_REGION", env.get("AWS_REGION"));
        return env;
    }

    private static CompletableFuture<Void> pump(InputStream stream, String function, FunctionLogs logs, AotCache.Watch aot) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofVirtual().name(function + "-log").start(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null; ) {
                    if (!aot.takes(line)) {
                        logs.line(function, line);
                    }
                }
            } catch (IOException closed) {
                // the process is gone
            } finally {
                done.complete(null);
            }
        });
        return done;
    }

    private void kill() {
        killed = true;
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        awaitExit();
    }

    private void awaitExit() {
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops the JVM: at once, or, when it trains the AOT cache, gracefully, waiting (up to
     * {@link AotCache#WRITE_BUDGET}) while it writes the cache.
     */
    @Override
    public void close() {
        if (process.isAlive() && aot.training()) {
            logs.line(config.name(), "AOT cache: stopping the training instance; its JVM writes the cache now");
            aot.stopping();
            // a signal only: Process.destroy() would also close our end of its pipes, and the JVM, still
            // writing what it did, would die of SIGPIPE before the cache is done
            process.toHandle().destroy();
            if (!await(ended, AotCache.WRITE_BUDGET)) {
                kill();
            }
        } else if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(2, TimeUnit.SECONDS)) {
                    kill();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                kill();
            }
        }
        // the cache settled (renamed or cleaned up) before the instance counts as closed
        await(ended, Duration.ofSeconds(5));
        api.close();
    }

    private static boolean await(CompletableFuture<?> future, Duration limit) {
        try {
            future.get(limit.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return future.isDone();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
