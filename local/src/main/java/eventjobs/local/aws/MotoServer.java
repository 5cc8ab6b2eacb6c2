package eventjobs.local.aws;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * A {@code moto_server} child process on a free loopback port (DynamoDB, DynamoDB Streams and
 * Secrets Manager; moto serves every service on one port). Its log is a temporary file, removed
 * when it stops. Thread-safe.
 *
 * <p>moto starts with {@code sitecustomize.py} of this package on its {@code PYTHONPATH}: moto's
 * TransactWriteItems deep-copies every table it names before writing (seconds per transaction at
 * 100,000 items), and that file makes it back up only the items it touches, restoring the same
 * state when a transaction is cancelled.
 */
public final class MotoServer implements AutoCloseable {

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final URI endpoint;
    private final Path log;
    private final Thread orphanGuard = new Thread(this::stop, "moto-server-stop");
    private final Path patches;

    private MotoServer(Process process, URI endpoint, Path log, Path patches) {
        this.process = process;
        this.endpoint = endpoint;
        this.log = log;
        this.patches = patches;
    }

    /** A temporary folder holding sitecustomize.py, for moto's PYTHONPATH. */
    private static Path patches() throws IOException {
        Path folder = Files.createTempDirectory("moto-patches-");
        try (var in = MotoServer.class.getResourceAsStream("moto/sitecustomize.py")) {
            if (in == null) {
                throw new IOException("sitecustomize.py is missing from the local runtime's jar");
            }
            Files.copy(in, folder.resolve("sitecustomize.py"));
        }
        return folder;
    }

    /**
     * Starts moto and waits until it answers.
     *
     * @throws IllegalStateException when moto_server is not installed, exits, or does not answer in time
     */
    public static MotoServer start() {
        int port = EmbeddedAws.freePort();
        Path log;
        Process process;
        Path patches;
        try {
            log = Files.createTempFile("moto-server-", ".log");
            patches = patches();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot prepare moto_server's files in the temporary folder", e);
        }
        try {
            ProcessBuilder builder = new ProcessBuilder("moto_server", "-H", "127.0.0.1", "-p", Integer.toString(port))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            // the account every local ARN uses, as LocalStack's
            builder.environment().put("MOTO_ACCOUNT_ID", EmbeddedAws.ACCOUNT_ID);
            builder.environment().merge("PYTHONPATH", patches.toString(),
                    (theirs, ours) -> ours + java.io.File.pathSeparator + theirs);
            process = builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("moto_server is not installed or not on PATH; install it with"
                    + " pip install 'moto[server]' (it serves DynamoDB and Secrets Manager locally)");
        }
        MotoServer moto = new MotoServer(process, URI.create("http://127.0.0.1:" + port), log, patches);
        // a JVM ended by a signal (kill, a test run's timeout) does not close it: its child would outlive it
        Runtime.getRuntime().addShutdownHook(moto.orphanGuard);
        moto.awaitReady();
        return moto;
    }

    public URI endpoint() {
        return endpoint;
    }

    private void awaitReady() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest ping = HttpRequest.newBuilder(endpoint.resolve("/moto-api/")).timeout(Duration.ofSeconds(2)).build();
        Instant deadline = Instant.now().plus(STARTUP_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("moto_server exited with " + process.exitValue() + " on start; its log: " + log);
            }
            try {
                if (http.send(ping, HttpResponse.BodyHandlers.discarding()).statusCode() < 500) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        stop();
        throw new IllegalStateException("moto_server did not answer on " + endpoint + " within "
                + STARTUP_TIMEOUT.toSeconds() + " s; its log: " + log);
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(orphanGuard);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
        stop();
        try {
            Files.deleteIfExists(log);
            try (var files = Files.walk(patches)) {
                for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            }
        } catch (IOException ignored) {
            // a temporary file; the system cleans up what is left
        }
    }

    private void stop() {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
