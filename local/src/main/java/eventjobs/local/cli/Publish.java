package eventjobs.local.cli;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import eventjobs.local.aws.RabbitMqServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * {@code local/run publish --queue <name> '<body>'}: one message to a queue of the local RabbitMQ
 * broker that {@code local/run start} runs for the template's MQ events, as a producer would send
 * it (persistent, with a message id and a timestamp), confirmed by the broker before it returns.
 * {@code local/run publish --topic <name> '<value>'...}: records to a topic of the local Kafka broker
 * that {@code local/run start} runs for SelfManagedKafka and MSK events (see {@link KafkaPublish}).
 */
@Command(name = "publish", mixinStandardHelpOptions = true, description = {
        "Publish one message to a queue of the local RabbitMQ broker (running under local/run start for MQ events),"
                + " through the default exchange, persistent, with a message id and a timestamp; waits for the broker's confirm.",
        "With --topic, publish records to a topic of the local Kafka broker (running under local/run start for"
                + " SelfManagedKafka and MSK events); prints topic-partition@offset of each. Records with one key go to one"
                + " partition, in order:",
        "  local/run publish --topic stock-movements --key BOOK-001 '{\"movementId\":\"mv-1\",\"sku\":\"BOOK-001\",\"delta\":-2}'"})
final class Publish implements Callable<Integer> {

    @Option(names = "--queue", description = "the RabbitMQ queue (e.g. legacy-orders)")
    String queue;

    @Option(names = "--topic", description = "the Kafka topic (e.g. stock-movements; created with one partition if it does not exist)")
    String topic;

    @Option(names = "--key", description = "Kafka: the records' key (default: none, the producer spreads them)")
    String key;

    @Option(names = "--partition", description = "Kafka: the partition (default: by key)")
    Integer partition;

    @Option(names = "--work-dir", defaultValue = ".eventjobs", description = "Kafka: the --work-dir of local/run start"
            + " (default: ${DEFAULT-VALUE}), where it writes the broker's address")
    java.nio.file.Path workDirectory;

    @Option(names = "--bootstrap-servers", description = "Kafka: publish to this broker instead of the one local/run start runs")
    String bootstrapServers;

    @Option(names = "--amqp-port", defaultValue = "5672", description = "port of the local broker (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--vhost", defaultValue = "/", description = "virtual host (default: ${DEFAULT-VALUE})")
    String virtualHost;

    @Option(names = "--message-id", description = "the AMQP message-id (default: a new UUID)")
    String messageId;

    @Option(names = "--content-type", defaultValue = "application/json", description = "(default: ${DEFAULT-VALUE})")
    String contentType;

    @Option(names = "--header", paramLabel = "NAME=VALUE", description = "a header (repeatable)")
    Map<String, String> headers = new LinkedHashMap<>();

    @Parameters(arity = "1..*", paramLabel = "BODY", description = "the message body, e.g. '{\"customerId\":\"c-1\",...}';"
            + " with --topic, several make several records")
    java.util.List<String> bodies;

    @Override
    public Integer call() throws IOException, InterruptedException, java.util.concurrent.TimeoutException {
        if (topic != null && !topic.isBlank()) {
            KafkaPublish kafka = new KafkaPublish(java.util.Optional.ofNullable(bootstrapServers)
                    .orElseGet(() -> KafkaPublish.runningBroker(workDirectory)));
            kafka.send(topic, java.util.Optional.ofNullable(partition), java.util.Optional.ofNullable(key), headers, bodies)
                    .forEach(System.out::println);
            return 0;
        }
        if (queue == null || queue.isBlank()) {
            throw new Main.UserError("publish needs --queue <name> (a RabbitMQ queue of the template's MQ events)");
        }
        if (bodies.size() != 1) {
            throw new Main.UserError("publish --queue sends one message; give one BODY, not " + bodies.size());
        }
        String body = bodies.getFirst();
        Main.Common.checkPort("--amqp-port", port, false);
        String id = messageId == null ? UUID.randomUUID().toString() : messageId;
        Connection connection;
        try {
            connection = RabbitMqServer.connect(port, virtualHost, "eventjobs-publish");
        } catch (UncheckedIOException e) {
            throw new Main.UserError(e.getMessage() + "; is local/run start running a template with MQ events"
                    + " (--amqp-port of both the same)?");
        }
        try (connection; Channel channel = connection.createChannel()) {
            if (!queueExists(connection, queue)) {
                throw new Main.UserError("the broker on port " + port + " has no queue " + queue
                        + " in vhost " + virtualHost + "; the template's MQ events name the queues local/run start declares");
            }
            channel.confirmSelect();
            channel.basicPublish("", queue, true, new AMQP.BasicProperties.Builder().contentType(contentType)
                    .deliveryMode(2).messageId(id).timestamp(new Date()).headers(Map.copyOf(headers)).build(),
                    body.getBytes(StandardCharsets.UTF_8));
            channel.waitForConfirmsOrDie(10_000);
        }
        System.out.println("published to " + queue + " (vhost " + virtualHost + "), message-id " + id);
        return 0;
    }

    /** A passive declare closes its channel when the queue is missing, so it gets one of its own. */
    private static boolean queueExists(Connection connection, String queue) throws IOException {
        try (Channel probe = connection.createChannel()) {
            probe.queueDeclarePassive(queue);
            return true;
        } catch (IOException missing) {
            return false;
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IOException(e);
        }
    }
}
