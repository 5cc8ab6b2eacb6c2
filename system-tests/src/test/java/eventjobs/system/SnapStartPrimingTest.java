package eventjobs.system;

import com.amazonaws.services.lambda.crac.Core;
import com.sun.net.httpserver.HttpServer;
import eventjobs.local.template.SamTemplate;
import eventjobs.local.template.Specs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every function primes itself for SnapStart, and priming touches nothing real. Each
 * function's zip is unzipped and its handler built in a JVM of its own, with its template
 * environment and every AWS endpoint pointed at a server here that records what reaches it; the
 * runtime's before-checkpoint and after-restore hooks then run as Lambda runs them.
 */
class SnapStartPrimingTest {

    private static final Path ROOT = Path.of(System.getProperty("eventjobs.root"));
    private static final List<String> requests = new CopyOnWriteArrayList<>();
    private static HttpServer recorder;

    @BeforeAll
    static void startRecorder() throws IOException {
        recorder = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        recorder.createContext("/", exchange -> {
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " "
                    + exchange.getRequestHeaders().getFirst("Authorization"));
            exchange.sendResponseHeaders(500, -1);
            exchange.close();
        });
        recorder.start();
    }

    @AfterAll
    static void stopRecorder() {
        recorder.stop(0);
    }

    @Test
    void everyHandler_shouldRegisterPriming_thatRunsBeforeTheSnapshot_andSendsNothing() throws Exception {
        String endpoint = "http://127.0.0.1:" + recorder.getAddress().getPort();
        Path jni = jniLibrary();
        List<Specs.Function> functions = SamTemplate.load(ROOT.resolve("template.yaml"), "eventjobs", Map.of()).functions();
        assertThat(functions).hasSizeGreaterThanOrEqualTo(7);
        for (Specs.Function function : functions) {
            requests.clear();
            Path code = unzip(ROOT.resolve(function.codeUri()));
            String handler = function.handler().split("::")[0];
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Dorg.crac.Core.Compat=com.amazonaws.services.lambda.crac",
                    "-Dcom.amazonaws.services.lambda.runtime.api.client.runtimeapi.NativeClient.JNI=" + jni,
                    "--enable-native-access=ALL-UNNAMED",
                    "-cp", classPath(code), PrimingProbe.class.getName(), handler));
            ProcessBuilder process = new ProcessBuilder(command).directory(code.toFile());
            Map<String, String> env = process.environment();
            env.clear();
            env.putAll(function.environment());
            env.remove("JAVA_TOOL_OPTIONS");
            env.putAll(Map.of("AWS_REGION", "us-east-1", "AWS_ACCESS_KEY_ID", "test", "AWS_SECRET_ACCESS_KEY", "test",
                    "AWS_ENDPOINT_URL", endpoint, "EVENTJOBS_ENDPOINT_URL", endpoint, "PATH", System.getenv("PATH"),
                    // what Lambda sets while it initializes a version for its snapshot
                    "AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start"));
            Path output = Files.createTempFile("priming-" + function.logicalId(), ".log");
            Process run = process.redirectErrorStream(true).redirectOutput(output.toFile()).start();
            boolean exited = run.waitFor(90, TimeUnit.SECONDS);
            if (!exited) {
                run.destroyForcibly();
            }
            String log = Files.readString(output, StandardCharsets.UTF_8);

            assertThat(exited).as("%s probe finished within 90 s:%n%s", function.logicalId(), log).isTrue();
            assertThat(run.exitValue()).as("%s probe exit code:%n%s", function.logicalId(), log).isZero();
            assertThat(log).as("%s registered priming and it ran", function.logicalId())
                    .contains("SnapStart priming: [").doesNotContain("failed (skipped)")
                    .contains("probe: restored " + handler);
            assertThat(requests).as("requests %s sent while building its clients and priming", function.logicalId())
                    .isEmpty();
        }
    }

    /** The function's code as Lambda lays it out: classes at the root, lib/*.jar; then the runtime's CRaC and the probe. */
    private static String classPath(Path code) throws IOException {
        List<String> entries = new ArrayList<>(List.of(code.toString()));
        try (Stream<Path> jars = Files.list(code.resolve("lib"))) {
            jars.map(Path::toString).sorted().forEach(entries::add);
        }
        entries.add(jarOf(Core.class));
        entries.add(jarOf(PrimingProbe.class));
        return String.join(File.pathSeparator, entries);
    }

    /** The runtime's JNI library, taken out of its jar here (as the local runtime does) rather than to one file in /tmp. */
    private static Path jniLibrary() throws IOException {
        String name = "libaws-lambda-jni.linux-" + (System.getProperty("os.arch").contains("aarch64") ? "aarch_64" : "x86_64") + ".so";
        Path target = Files.createTempDirectory("priming-jni").resolve(name);
        try (var in = Core.class.getClassLoader().getResourceAsStream("jni/" + name)) {
            assertThat(in).as("the runtime's JNI library %s", name).isNotNull();
            Files.copy(in, target);
        }
        return target;
    }

    private static String jarOf(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path unzip(Path zip) throws IOException {
        Path root = Files.createTempDirectory("priming-" + zip.getFileName());
        try (ZipFile file = new ZipFile(zip.toFile())) {
            for (var entry : file.stream().toList()) {
                Path target = root.resolve(entry.getName()).normalize();
                if (entry.isDirectory() || !target.startsWith(root)) {
                    continue;
                }
                Files.createDirectories(target.getParent());
                try (var in = file.getInputStream(entry)) {
                    Files.copy(in, target);
                }
            }
        }
        return root;
    }
}
