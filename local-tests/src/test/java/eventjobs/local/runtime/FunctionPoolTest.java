package eventjobs.local.runtime;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** Real JVMs running the Runtime Interface Client against our Runtime API. */
class FunctionPoolTest {

    private static final JsonMapper JSON = JsonMapper.shared();

    @TempDir
    Path runtimeDirectory;
    private final List<FunctionPool> pools = new ArrayList<>();
    private final List<String> logLines = new CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() {
        pools.forEach(FunctionPool::close);
    }

    private FunctionPool pool(String handlerClass, Duration timeout, int maxInstances) {
        FunctionConfig config = new FunctionConfig(handlerClass + "Function", "eventjobs.local.fixtures." + handlerClass
                + "::handleRequest", FixtureCode.directory(), timeout, 256, Map.of("GREETING", "hello"), maxInstances);
        FunctionPool pool = new FunctionPool(config, runtimeDirectory, (function, line) -> logLines.add(function + ": " + line));
        pools.add(pool);
        return pool;
    }

    private static byte[] json(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void invoke_shouldAnswerAndReuseWarmInstance() {
        FunctionPool echo = pool("Echo", Duration.ofSeconds(10), 1);

        InvocationResult cold = echo.invoke(json("{\"orderId\":\"o-1\"}"));
        InvocationResult warm = echo.invoke(json("{\"orderId\":\"o-2\"}"));

        assertThat(cold.outcome()).isEqualTo(InvocationResult.Outcome.SUCCESS);
        JsonNode first = JSON.readTree(cold.payload());
        JsonNode second = JSON.readTree(warm.payload());
        assertThat(first.at("/input/orderId").asString()).isEqualTo("o-1");
        assertThat(first.get("functionName").asString()).isEqualTo("EchoFunction");
        assertThat(first.get("greeting").asString()).isEqualTo("hello");
        assertThat(first.get("remainingMillis").asInt()).isBetween(1, 10_000);
        assertThat(Path.of(first.get("workingDirectory").asString())).isEqualTo(FixtureCode.directory());
        assertThat(second.get("pid").asLong()).isEqualTo(first.get("pid").asLong());
        assertThat(second.get("requestId").asString()).isNotEqualTo(first.get("requestId").asString());
        assertThat(cold.initDuration()).isPresent();
        assertThat(warm.initDuration()).isEmpty();
        assertThat(logLines).anyMatch(line -> line.startsWith("EchoFunction: echo {orderId=o-1}"));
    }

    @Test
    void invoke_shouldGiveTheFunctionTheCallersRequestId_onEveryInstance() {
        FunctionPool echo = pool("Echo", Duration.ofSeconds(10), 1);
        String requestId = "8f5b7c3e-1d2a-4e6f-9a0b-2c4d6e8f0a1b";

        InvocationResult first = echo.invoke(requestId, json("{}"));
        InvocationResult again = echo.invoke(requestId, json("{}"));

        assertThat(JSON.readTree(first.payload()).get("requestId").asString()).isEqualTo(requestId);
        assertThat(JSON.readTree(again.payload()).get("requestId").asString()).isEqualTo(requestId);
    }

    @Test
    void invoke_shouldGiveInitItsOwnBudget_whenInitTakesLongerThanTheTimeout() {
        // a 1 s function whose init takes 1.5 s: in Lambda the timeout starts after init
        InvocationResult cold = pool("SlowInit", Duration.ofSeconds(1), 1).invoke(json("{}"));

        assertThat(cold.outcome()).as(cold.payloadText()).isEqualTo(InvocationResult.Outcome.SUCCESS);
        assertThat(cold.initDuration()).hasValueSatisfying(init -> assertThat(init).isGreaterThanOrEqualTo(Duration.ofMillis(1_500)));
        assertThat(cold.duration()).isLessThan(Duration.ofSeconds(1));
        assertThat(JSON.readTree(cold.payload()).get("remainingMillis").asInt()).isBetween(1, 1_000);
    }

    @Test
    void invoke_shouldRetryInitWithinTheTimeout_whenInitTakesLongerThanTenSeconds() {
        // Lambda gives an init over 10 s a second chance within the invocation, with the function's timeout
        InvocationResult cold = pool("VerySlowInit", Duration.ofSeconds(5), 1).invoke(json("{}"));

        assertThat(cold.outcome()).as(cold.payloadText()).isEqualTo(InvocationResult.Outcome.SUCCESS);
        assertThat(cold.payloadText()).isEqualTo("\"initialized\"");
        assertThat(logLines).contains("VerySlowInitFunction: INIT_REPORT Init Duration: 10000.00 ms Phase: init Status: timeout");
    }

    @Test
    void invoke_shouldReportFunctionError_whenHandlerThrows() {
        InvocationResult result = pool("Fails", Duration.ofSeconds(10), 1).invoke(json("{\"orderId\":\"o-9\"}"));

        assertThat(result.outcome()).isEqualTo(InvocationResult.Outcome.FUNCTION_ERROR);
        assertThat(result.errorType()).contains("java.lang.IllegalArgumentException");
        assertThat(JSON.readTree(result.payload()).get("errorMessage").asString()).isEqualTo("no such order: o-9");
    }

    @Test
    void invoke_shouldKillInstanceAndReportTimeout_whenFunctionRunsPastTimeout() {
        FunctionPool sleeps = pool("Sleeps", Duration.ofSeconds(2), 1);

        InvocationResult result = sleeps.invoke(json("{}"));

        assertThat(result.outcome()).isEqualTo(InvocationResult.Outcome.TIMEOUT);
        assertThat(JSON.readTree(result.payload()).get("errorMessage").asString()).endsWith("Task timed out after 2.00 seconds");
        assertThat(logLines).anyMatch(line -> line.startsWith("SleepsFunction: ") && line.endsWith(" Task timed out after 2.00 seconds"));
        assertThat(result.errorType()).contains("Sandbox.Timedout");
        assertThat(sleeps.instances()).isZero();
    }

    @Test
    void invoke_shouldReportCrash_whenRuntimeExitsMidInvocation() {
        FunctionPool exits = pool("Exits", Duration.ofSeconds(10), 1);

        InvocationResult result = exits.invoke(json("{}"));

        assertThat(result.outcome()).isEqualTo(InvocationResult.Outcome.CRASH);
        assertThat(JSON.readTree(result.payload()).get("errorMessage").asString()).endsWith("exit status 3");
        assertThat(exits.instances()).isZero();
    }

    @Test
    void invoke_shouldReportInitError_whenStaticInitializerThrows() {
        InvocationResult result = pool("BrokenInit", Duration.ofSeconds(10), 1).invoke(json("{}"));

        assertThat(result.outcome()).isEqualTo(InvocationResult.Outcome.INIT_ERROR);
        assertThat(result.errorType()).contains("java.lang.ExceptionInInitializerError");
        assertThat(result.payloadText()).contains("Error loading class eventjobs.local.fixtures.BrokenInit");
    }

    @Test
    void invoke_shouldFailEachInvocation_whenHandlerClassDoesNotExist() {
        FunctionPool missing = pool("NoSuchHandler", Duration.ofSeconds(10), 1);

        InvocationResult result = missing.invoke(json("{}"));

        assertThat(result.succeeded()).isFalse();
        assertThat(result.payloadText()).contains("NoSuchHandler");
    }

    @Test
    void invoke_shouldNeverRunMoreInstancesThanAllowed() throws Exception {
        FunctionPool echo = pool("Echo", Duration.ofSeconds(20), 2);
        Set<Long> pids = ConcurrentHashMap.newKeySet();
        try (ExecutorService callers = Executors.newFixedThreadPool(5)) {
            List<Future<InvocationResult>> results = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                results.add(callers.submit(() -> echo.invoke(json("{\"sleepMillis\":300}"))));
            }
            for (Future<InvocationResult> result : results) {
                InvocationResult done = result.get();
                assertThat(done.succeeded()).as(done.payloadText()).isTrue();
                pids.add(JSON.readTree(done.payload()).get("pid").asLong());
            }
        }
        // five callers at once: the pool scales to its limit of two instances and no further
        assertThat(pids).hasSize(2);
        assertThat(echo.instances()).isEqualTo(2);
    }

    @Test
    void invoke_shouldInitializeNoMoreJvmsAtOnceThanTheMachineHasCores() throws Exception {
        // six callers at once of a function whose init takes 1.5 s, allowed six instances
        FunctionPool slow = pool("SlowInit", Duration.ofSeconds(20), 6);
        java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
        Thread watcher = Thread.ofPlatform().daemon().start(() -> {
            try {
                while (true) {
                    most.accumulateAndGet(FunctionPool.initializing(), Math::max);
                    Thread.sleep(5);
                }
            } catch (InterruptedException stopped) {
                // the callers are done
            }
        });
        try (ExecutorService callers = Executors.newFixedThreadPool(6)) {
            List<Future<InvocationResult>> results = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                results.add(callers.submit(() -> slow.invoke(json("{}"))));
            }
            for (Future<InvocationResult> result : results) {
                assertThat(result.get().succeeded()).as(result.get().payloadText()).isTrue();
            }
        } finally {
            watcher.interrupt();
        }

        assertThat(most.get()).isBetween(1, FunctionPool.CONCURRENT_INITS);
    }
}
