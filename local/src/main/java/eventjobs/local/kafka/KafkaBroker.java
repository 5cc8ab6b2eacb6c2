package eventjobs.local.kafka;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;

/**
 * One Apache Kafka broker in this JVM, in KRaft mode (it is its own controller), on loopback: what
 * the local runtime runs when the template has a Kafka event ({@code SelfManagedKafka} or
 * {@code MSK}), so that the mapping and {@code local/run publish} speak to a real Kafka without
 * Docker. Its log lives in a data directory that is emptied at each start (a new start begins
 * empty, like the rest of the local state). Plaintext, no authentication: the SASL/SCRAM secret of
 * the template is not checked locally.
 *
 * <p>Thread-safe; whoever starts one closes it.
 */
public final class KafkaBroker implements AutoCloseable {

    private final KafkaRaftServer server;
    private final String bootstrapServers;
    private final Path dataDirectory;

    private KafkaBroker(KafkaRaftServer server, String bootstrapServers, Path dataDirectory) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
        this.dataDirectory = dataDirectory;
    }

    /**
     * Formats {@code dataDirectory} (deleting what it held) and starts a broker on a free loopback
     * port; returns once the broker answers.
     *
     * @throws IllegalStateException when the broker does not come up within 60 seconds
     */
    public static KafkaBroker start(Path dataDirectory) {
        int port = freePort();
        int controllerPort = freePort();
        Path logs = dataDirectory.resolve("logs");
        empty(dataDirectory);
        Properties config = new Properties();
        config.putAll(Map.ofEntries(
                Map.entry("process.roles", "broker,controller"),
                Map.entry("node.id", "1"),
                Map.entry("controller.quorum.voters", "1@127.0.0.1:" + controllerPort),
                Map.entry("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort),
                Map.entry("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port),
                Map.entry("controller.listener.names", "CONTROLLER"),
                Map.entry("inter.broker.listener.name", "PLAINTEXT"),
                Map.entry("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"),
                Map.entry("log.dirs", logs.toString()),
                // one broker: every internal topic has one replica
                Map.entry("offsets.topic.replication.factor", "1"),
                Map.entry("offsets.topic.num.partitions", "1"),
                Map.entry("transaction.state.log.replication.factor", "1"),
                Map.entry("transaction.state.log.min.isr", "1"),
                Map.entry("share.coordinator.state.topic.replication.factor", "1"),
                Map.entry("share.coordinator.state.topic.min.isr", "1"),
                Map.entry("group.initial.rebalance.delay.ms", "0"),
                // small on a developer's machine: few threads, the log cleaner's buffer at 2 MB, not 128
                Map.entry("num.network.threads", "2"),
                Map.entry("num.io.threads", "2"),
                Map.entry("background.threads", "2"),
                Map.entry("num.recovery.threads.per.data.dir", "1"),
                Map.entry("log.cleaner.threads", "1"),
                Map.entry("log.cleaner.dedupe.buffer.size", Integer.toString(2 * 1024 * 1024)),
                Map.entry("auto.create.topics.enable", "true"),
                Map.entry("num.partitions", "1")));
        format(config, dataDirectory);
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(config, false), Time.SYSTEM);
        KafkaBroker broker = new KafkaBroker(server, "127.0.0.1:" + port, dataDirectory);
        try {
            server.startup();
            broker.awaitReady(Duration.ofSeconds(60));
            return broker;
        } catch (RuntimeException e) {
            broker.close();
            throw e;
        }
    }

    private static void format(Properties config, Path dataDirectory) {
        Path file = dataDirectory.resolve("server.properties");
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try {
            Files.createDirectories(dataDirectory);
            try (var out = Files.newBufferedWriter(file)) {
                config.store(out, "the local runtime's Kafka broker");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        int status = StorageTool.execute(new String[] {"format", "--config", file.toString(),
                "--cluster-id", Uuid.randomUuid().toString(), "--ignore-formatted"}, new PrintStream(output, true, StandardCharsets.UTF_8));
        if (status != 0) {
            throw new IllegalStateException("cannot format the Kafka data directory " + dataDirectory + ": "
                    + output.toString(StandardCharsets.UTF_8).strip());
        }
    }

    private void awaitReady(Duration timeout) {
        Instant end = Instant.now().plus(timeout);
        try (Admin admin = admin()) {
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get().isEmpty()) {
                        return;
                    }
                } catch (ExecutionException notYet) {
                    if (Instant.now().isAfter(end)) {
                        throw new IllegalStateException("the Kafka broker on " + bootstrapServers + " did not answer within "
                                + timeout.toSeconds() + " s", notYet.getCause());
                    }
                }
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the Kafka broker", e);
        }
    }

    /** An admin client on this broker; the caller closes it. */
    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
    }

    /**
     * Creates each topic with {@code partitions} partitions, unless it exists (then it stays as it is).
     *
     * @throws IllegalStateException when the broker refuses
     */
    public void createTopics(Collection<String> topics, int partitions) {
        try (Admin admin = admin()) {
            List<NewTopic> wanted = topics.stream().distinct().map(topic -> new NewTopic(topic, partitions, (short) 1)).toList();
            for (var result : admin.createTopics(wanted).values().entrySet()) {
                try {
                    result.getValue().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + result.getKey() + ": " + e.getCause().getMessage(), e);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted creating topics", e);
        }
    }

    /** Where clients connect: {@code 127.0.0.1:<port>}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    /** Stops the broker and waits until it has. */
    @Override
    public synchronized void close() {
        server.shutdown();
        server.awaitShutdown();
    }

    private static void empty(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot empty the Kafka data directory " + directory, e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }
}
