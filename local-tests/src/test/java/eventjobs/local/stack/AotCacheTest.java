package eventjobs.local.stack;

import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.runtime.AotCache;
import eventjobs.local.runtime.FixtureCode;
import eventjobs.local.runtime.InvocationResult;
import eventjobs.local.sources.InvocationLog;
import eventjobs.local.sources.Port;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The AOT cache of function JVMs through the whole runtime: trained by the first instance, used
 * by later starts, replaced when the zip changes, and never in the way of an invocation. Real JVMs;
 * no timings are asserted (BENCHMARKS.md has them).
 */
class AotCacheTest {

    private static EmbeddedAws aws;

    @TempDir
    Path dir;
    private final List<String> log = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() {
        aws = EmbeddedAws.start(0);
    }

    @AfterAll
    static void stop() {
        aws.close();
    }

    @BeforeEach
    void template() throws IOException {
        FixtureCode.zip(dir);
        Files.writeString(dir.resolve("template.yaml"), """
                Resources:
                  Echo:
                    Type: AWS::Serverless::Function
                    Properties:
                      Runtime: java25
                      CodeUri: fixtures.zip
                      Handler: eventjobs.local.fixtures.Echo::handleRequest
                      Timeout: 2
                      ReservedConcurrentExecutions: 2
                  Web:
                    Type: AWS::Serverless::Function
                    Properties:
                      Runtime: java25
                      CodeUri: fixtures.zip
                      Handler: eventjobs.local.fixtures.Http::handleRequest
                """);
    }

    private LocalRuntime runtime(boolean aotCache) {
        log.clear();
        return LocalRuntime.start(LocalRuntime.Options.builder(dir.resolve("template.yaml")).stackName("aot")
                .workDirectory(dir.resolve("work")).apiPort(Port.none()).triggers(false).aotCache(aotCache).build(),
                aws, (function, line) -> log.add(line), InvocationLog.discard());
    }

    private static InvocationResult invoke(LocalRuntime runtime, String event) {
        return runtime.invoke("Echo", event.getBytes(StandardCharsets.UTF_8));
    }

    private List<Path> files(String suffix) throws IOException {
        return files("Echo", suffix);
    }

    private List<Path> files(String function, String suffix) throws IOException {
        Path cacheDirectory = dir.resolve("work/aot").resolve(function);
        if (!Files.isDirectory(cacheDirectory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(cacheDirectory)) {
            return files.filter(file -> file.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }

    private Path firstLibraryOf(String function) throws IOException {
        try (Stream<Path> jars = Files.list(dir.resolve("work/functions").resolve(function).resolve("lib"))) {
            return jars.sorted().findFirst().orElseThrow();
        }
    }

    private List<String> aotLines() {
        return log.stream().filter(line -> line.startsWith("AOT cache:")).toList();
    }

    @Test
    void start_shouldTrainACache_thatTheNextStartUses() throws IOException {
        // given: a first run, whose instance trains and writes the cache when the runtime stops; the
        // function uses classes of its lib/ jars, which are unpacked again at every start
        byte[] request = "{\"rawPath\":\"/things\"}".getBytes(StandardCharsets.UTF_8);
        try (LocalRuntime first = runtime(true)) {
            assertThat(first.functions().get("Web").aotCache()).isEqualTo(AotCache.Status.NOT_YET);
            assertThat(first.invoke("Web", request).succeeded()).isTrue();
        }
        assertThat(aotLines()).anyMatch(line -> line.contains("this instance trains one"))
                .anyMatch(line -> line.startsWith("AOT cache: written " + dir.resolve("work/aot/Web")));
        assertThat(files("Web", ".aot")).hasSize(1);
        assertThat(files("Web", ".tmp")).isEmpty();
        assertThat(log).noneMatch(line -> line.contains("[aot") || line.contains("AOTCache") || line.contains("AOTConfiguration"));
        FileTime unpacked = Files.getLastModifiedTime(firstLibraryOf("Web"));

        // when
        InvocationResult result;
        try (LocalRuntime second = runtime(true)) {
            assertThat(second.functions().get("Web").aotCache()).isEqualTo(AotCache.Status.CACHED);
            result = second.invoke("Web", request);
        }
        // the jars, unpacked again, keep the times the cache recorded (the JVM rejects a cache whose jars changed time)
        assertThat(Files.getLastModifiedTime(firstLibraryOf("Web"))).isEqualTo(unpacked);

        // then: started from the cache, with no complaint from the JVM, and no new training
        assertThat(result.succeeded()).isTrue();
        assertThat(result.payloadText()).contains("\"statusCode\":201");
        assertThat(aotLines()).containsExactly("AOT cache: starting from " + files("Web", ".aot").getFirst());
        assertThat(log).noneMatch(line -> line.contains("[aot"));
    }

    @Test
    void start_shouldTrainANewCache_whenTheZipChanged() throws IOException {
        // given
        try (LocalRuntime first = runtime(true)) {
            invoke(first, "{}");
        }
        List<Path> before = files(".aot");
        assertThat(before).hasSize(1);
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(dir.resolve("fixtures.zip")))) {
            Path code = FixtureCode.directory();
            try (Stream<Path> files = Files.walk(code)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    zip.putNextEntry(new ZipEntry(code.relativize(file).toString()));
                    Files.copy(file, zip);
                    zip.closeEntry();
                }
            }
            zip.putNextEntry(new ZipEntry("changed.txt"));
            zip.write("a new build".getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }

        // when
        try (LocalRuntime second = runtime(true)) {
            assertThat(second.functions().get("Echo").aotCache()).isEqualTo(AotCache.Status.NOT_YET);
            assertThat(invoke(second, "{}").succeeded()).isTrue();
        }

        // then: a new cache replaced the old one
        assertThat(aotLines()).anyMatch(line -> line.contains("this instance trains one"))
                .noneMatch(line -> line.startsWith("AOT cache: starting from"));
        assertThat(files(".aot")).hasSize(1).doesNotContainAnyElementsOf(before);
    }

    @Test
    void invoke_shouldSucceedWithoutTheCache_whenTheCacheFileIsGarbage() throws IOException {
        // given
        try (LocalRuntime first = runtime(true)) {
            invoke(first, "{}");
        }
        Path cache = files(".aot").getFirst();
        Files.write(cache, "not an AOT cache at all".repeat(1000).getBytes(StandardCharsets.UTF_8));

        // when
        InvocationResult result;
        try (LocalRuntime second = runtime(true)) {
            result = invoke(second, "{\"n\":3}");
        }

        // then: the invocation is untouched, the JVM's complaint summarised in one line, the file gone
        assertThat(result.succeeded()).isTrue();
        assertThat(result.payloadText()).contains("\"n\":3");
        assertThat(aotLines()).anyMatch(line -> line.startsWith("AOT cache: the JVM rejected " + cache)
                && line.contains("the next start trains a new one"));
        assertThat(log).noneMatch(line -> line.contains("[aot") || line.startsWith("[") && line.contains("error"));
        assertThat(cache).doesNotExist();
    }

    @Test
    void close_shouldWriteNoCache_whenTheTrainingInstanceWasKilled_andTheNextStartTrainsAgain() throws IOException {
        try (LocalRuntime runtime = runtime(true)) {
            // when: the training instance times out and is killed
            InvocationResult timedOut = invoke(runtime, "{\"sleepMillis\":5000}");
            assertThat(timedOut.outcome()).isEqualTo(InvocationResult.Outcome.TIMEOUT);

            // then
            assertThat(aotLines()).contains("AOT cache: none written (the instance was killed); a later start trains again");
            assertThat(files(".aot")).isEmpty();
            assertThat(invoke(runtime, "{}").succeeded()).isTrue();
        }
        assertThat(aotLines()).filteredOn(line -> line.contains("this instance trains one")).hasSize(2);
        assertThat(files(".aot")).hasSize(1);
        assertThat(files(".tmp")).isEmpty();
        assertThat(files(".config")).isEmpty();
    }

    @Test
    void start_shouldTrainOnce_whenTwoInstancesStartTogether() throws Exception {
        try (LocalRuntime runtime = runtime(true); ExecutorService callers = Executors.newFixedThreadPool(2)) {
            // when: both calls overlap, so each gets an instance of its own
            List<Future<InvocationResult>> calls = List.of(
                    callers.submit(() -> invoke(runtime, "{\"sleepMillis\":1000}")),
                    callers.submit(() -> invoke(runtime, "{\"sleepMillis\":1000}")));
            for (Future<InvocationResult> call : calls) {
                assertThat(call.get().succeeded()).isTrue();
            }
            assertThat(runtime.functions().get("Echo").instances()).isEqualTo(2);
        }

        // then
        assertThat(aotLines()).filteredOn(line -> line.contains("this instance trains one")).hasSize(1);
        assertThat(aotLines()).filteredOn(line -> line.startsWith("AOT cache: written")).hasSize(1);
        assertThat(files(".aot")).hasSize(1);
        assertThat(files(".tmp")).isEmpty();
    }

    @Test
    void start_shouldKeepNoCache_whenTurnedOff() throws IOException {
        try (LocalRuntime runtime = runtime(false)) {
            assertThat(runtime.functions().get("Echo").aotCache()).isEqualTo(AotCache.Status.OFF);
            assertThat(invoke(runtime, "{}").succeeded()).isTrue();
        }

        assertThat(aotLines()).isEmpty();
        assertThat(dir.resolve("work/aot")).doesNotExist();
    }
}
