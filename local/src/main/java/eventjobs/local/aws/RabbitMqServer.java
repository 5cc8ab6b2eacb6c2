package eventjobs.local.aws;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A RabbitMQ broker (the Debian {@code rabbitmq-server} package, 3.10) as a child process, in
 * place of an Amazon MQ for RabbitMQ broker: AMQP 0-9-1 on a loopback port, a node of its own
 * ({@code eventjobs-<port>@localhost}) with its own data directory, Erlang cookie and port mapper
 * ({@code epmd} on a free loopback port, stopped with it), so that it never meets a system broker
 * or another runtime's. Its data directory is temporary: every start begins empty. One virtual
 * host, the one the template's mappings name; the user is RabbitMQ's {@code guest}, which the
 * broker accepts on loopback only. Thread-safe.
 *
 * <p>Chosen over Apache Qpid Broker-J 9.2.1 in-process by measuring (README, "RabbitMQ triggers"):
 * Qpid cannot start on JDK 25 ({@code Subject.getSubject} is gone) and refuses
 * {@code x-dead-letter-exchange}, {@code x-queue-type} and {@code x-delivery-limit}.
 */
public final class RabbitMqServer implements AutoCloseable {

    /** The user a local client connects as; the broker accepts it from loopback only. */
    public static final String USER = "guest";
    public static final String PASSWORD = "guest";

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);
    private static final List<Path> SERVER_SCRIPTS = List.of(
            // Debian's /usr/sbin/rabbitmq-server switches to the rabbitmq user and drops our environment
            Path.of("/usr/lib/rabbitmq/bin/rabbitmq-server"),
            Path.of("/usr/local/sbin/rabbitmq-server"),
            Path.of("/opt/homebrew/sbin/rabbitmq-server"));
    private static final String INSTALL_HINT = "install it with apt-get install rabbitmq-server (the local"
            + " runtime runs it as a child process for Type: MQ events; nothing of the system service is used)";

    private final Process process;
    private final int port;
    private final String virtualHost;
    private final Path directory;
    private final int epmdPort;

    private final Thread orphanGuard = new Thread(this::stop, "rabbitmq-server-stop");

    private RabbitMqServer(Process process, int port, String virtualHost, Path directory, int epmdPort) {
        this.process = process;
        this.port = port;
        this.virtualHost = virtualHost;
        this.directory = directory;
        this.epmdPort = epmdPort;
    }

    /** Whether a {@code rabbitmq-server} this class can run is installed. */
    public static boolean installed() {
        return script().isPresent();
    }

    /**
     * Starts a broker and waits until it accepts an AMQP connection.
     *
     * @param port        the AMQP port, 0 for any free one
     * @param virtualHost the virtual host to create ("/" is RabbitMQ's default)
     * @throws IllegalStateException when rabbitmq-server is not installed, exits, or does not answer in time
     */
    public static RabbitMqServer start(int port, String virtualHost) {
        Path script = script().orElseThrow(() -> new IllegalStateException("rabbitmq-server is not installed; " + INSTALL_HINT));
        // a port found free may be taken by another process before the broker listens on it: then
        // the broker stops at once (eaddrinuse), and it is started again on other free ports
        for (int attempt = 1; ; attempt++) {
            try {
                return start(script, port, virtualHost);
            } catch (PortTaken e) {
                if (attempt == PORT_ATTEMPTS) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            }
        }
    }

    /** How many times a broker is started on other free ports when one it was given is taken. */
    private static final int PORT_ATTEMPTS = 3;

    /** The broker stopped on start because a port it was given to listen on was taken meanwhile. */
    private static final class PortTaken extends RuntimeException {
        PortTaken(String message) {
            super(message);
        }
    }

    private static RabbitMqServer start(Path script, int port, String virtualHost) {
        int amqpPort = port == 0 ? EmbeddedAws.freePort() : port;
        int distPort = EmbeddedAws.freePort();
        int epmdPort = EmbeddedAws.freePort();
        Path directory;
        Process process;
        try {
            directory = Files.createTempDirectory("eventjobs-rabbitmq-");
            Files.writeString(directory.resolve("rabbitmq.conf"), String.join("\n",
                    "listeners.tcp.default = 127.0.0.1:" + amqpPort,
                    "default_vhost = " + virtualHost,
                    "default_user = " + USER,
                    "default_pass = " + PASSWORD,
                    // a nearly full disk must not block publishers of a local run
                    "disk_free_limit.absolute = 1MB",
                    ""));
            Files.writeString(directory.resolve("enabled_plugins"), "[].\n");
            Files.writeString(directory.resolve("rabbitmq-env.conf"), "");
            ProcessBuilder builder = new ProcessBuilder(script.toString())
                    .directory(directory.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(directory.resolve("console.log").toFile());
            Map<String, String> env = builder.environment();
            // the cookie is written to $HOME: ours, not the user's
            env.put("HOME", directory.toString());
            env.put("RABBITMQ_NODENAME", "eventjobs-" + amqpPort + "@localhost");
            env.put("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1");
            env.put("RABBITMQ_NODE_PORT", Integer.toString(amqpPort));
            env.put("RABBITMQ_DIST_PORT", Integer.toString(distPort));
            env.put("RABBITMQ_MNESIA_BASE", directory.resolve("mnesia").toString());
            env.put("RABBITMQ_LOG_BASE", directory.toString());
            env.put("RABBITMQ_LOGS", directory.resolve("rabbit.log").toString());
            env.put("RABBITMQ_PID_FILE", directory.resolve("rabbit.pid").toString());
            env.put("RABBITMQ_CONF_ENV_FILE", directory.resolve("rabbitmq-env.conf").toString());
            env.put("RABBITMQ_CONFIG_FILE", directory.resolve("rabbitmq.conf").toString());
            env.put("RABBITMQ_ADVANCED_CONFIG_FILE", directory.resolve("advanced.config").toString());
            env.put("RABBITMQ_ENABLED_PLUGINS_FILE", directory.resolve("enabled_plugins").toString());
            env.put("RABBITMQ_ENABLED_PLUGINS", "");
            // a port mapper of its own, on loopback, that close() stops; distribution on loopback too
            env.put("ERL_EPMD_PORT", Integer.toString(epmdPort));
            env.put("ERL_EPMD_ADDRESS", "127.0.0.1");
            // schedulers that sleep when idle instead of spinning: a local broker is mostly idle, and a
            // spinning one takes CPU from the functions beside it
            env.put("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", "-kernel inet_dist_use_interface {127,0,0,1}"
                    + " +sbwt none +sbwtdcpu none +sbwtdio none");
            process = builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + script + ": " + e.getMessage() + "; " + INSTALL_HINT, e);
        }
        RabbitMqServer server = new RabbitMqServer(process, amqpPort, virtualHost, directory, epmdPort);
        // a JVM ended by a signal (kill, a test run's timeout) does not close it: the broker would outlive it
        Runtime.getRuntime().addShutdownHook(server.orphanGuard);
        try {
            server.awaitReady();
        } catch (IllegalStateException e) {
            server.close();
            if (port == 0 && e.getMessage().contains("eaddrinuse")) {
                throw new PortTaken(e.getMessage());
            }
            throw e;
        }
        return server;
    }

    private static java.util.Optional<Path> script() {
        return SERVER_SCRIPTS.stream().filter(Files::isExecutable).findFirst();
    }

    public int port() {
        return port;
    }

    public String virtualHost() {
        return virtualHost;
    }

    /** The broker's AMQP URI, with the local user, for clients and messages. */
    public URI uri() {
        String vhost = virtualHost.equals("/") ? "%2F" : java.net.URLEncoder.encode(virtualHost, java.nio.charset.StandardCharsets.UTF_8);
        return URI.create("amqp://" + USER + ":" + PASSWORD + "@127.0.0.1:" + port + "/" + vhost);
    }

    /** A new connection to the broker's virtual host; the caller closes it. */
    public Connection connect(String connectionName) {
        return connect(port, virtualHost, connectionName);
    }

    /**
     * A connection to a local broker on {@code port}.
     *
     * @throws UncheckedIOException when nothing answers there
     */
    public static Connection connect(int port, String virtualHost, String connectionName) {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(port);
        factory.setUsername(USER);
        factory.setPassword(PASSWORD);
        factory.setVirtualHost(virtualHost);
        factory.setConnectionTimeout(5_000);
        try {
            return factory.newConnection(connectionName);
        } catch (IOException e) {
            throw new UncheckedIOException("no RabbitMQ broker answers on 127.0.0.1:" + port + " (vhost " + virtualHost
                    + "): " + e.getMessage(), e);
        } catch (TimeoutException e) {
            throw new UncheckedIOException(new IOException("RabbitMQ on 127.0.0.1:" + port + " did not answer in time", e));
        }
    }

    private void awaitReady() {
        Instant deadline = Instant.now().plus(STARTUP_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                String log = tail();
                deleteDirectory();
                throw new IllegalStateException("rabbitmq-server exited with " + process.exitValue() + " on start: " + log);
            }
            try (Connection ignored = connect("eventjobs-ready")) {
                return;
            } catch (UncheckedIOException | IOException notYet) {
                sleep(Duration.ofMillis(100));
            }
        }
        String log = tail();
        close();
        throw new IllegalStateException("rabbitmq-server did not answer on port " + port + " within "
                + STARTUP_TIMEOUT.toSeconds() + " s: " + log);
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(directory.resolve("console.log"));
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** Stops the broker and its port mapper, and removes its data. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(orphanGuard);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
        stop();
    }

    private void stop() {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        stopEpmd();
        deleteDirectory();
    }

    /** The broker started epmd as a daemon (not our child); only epmd itself can stop it by its port. */
    private void stopEpmd() {
        for (String epmd : List.of("epmd", "/usr/lib/erlang/bin/epmd")) {
            try {
                ProcessBuilder builder = new ProcessBuilder(epmd, "-kill").redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
                builder.environment().put("ERL_EPMD_PORT", Integer.toString(epmdPort));
                Process kill = builder.start();
                if (kill.waitFor(5, TimeUnit.SECONDS)) {
                    return;
                }
                kill.destroyForcibly();
            } catch (IOException notThere) {
                // try the next place
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void deleteDirectory() {
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory; the system cleans up what is left
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
