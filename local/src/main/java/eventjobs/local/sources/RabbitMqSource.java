package eventjobs.local.sources;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import eventjobs.local.aws.RabbitMqServer;
import eventjobs.local.runtime.FunctionPool;
import eventjobs.local.runtime.InvocationResult;
import eventjobs.local.template.EventProperties;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Amazon MQ for RabbitMQ event source mappings ({@code Type: MQ}), as Lambda runs them, on a local
 * broker ({@link RabbitMqServer}) that this source starts and stops: the broker runs only when the
 * template has such an event.
 *
 * <p>Lambda's rules (<a href="https://docs.aws.amazon.com/lambda/latest/dg/with-mq.html">with-mq</a>,
 * <a href="https://docs.aws.amazon.com/lambda/latest/dg/services-mq-params.html">services-mq-params</a>):
 * one consumer per mapping (for RabbitMQ, one execution environment per mapping), batches of up to
 * BatchSize (default 100) messages gathered for up to MaximumBatchingWindowInSeconds (default
 * 500 ms), the function invoked synchronously with the {@code aws:rmq} event; on success the batch
 * is acknowledged, on an error, timeout or crash the whole batch goes back to the broker
 * (negatively acknowledged, requeued) and comes again with {@code redelivered: true}. Lambda has
 * no retry limit of its own for RabbitMQ: the broker's delivery limit and dead-letter exchange
 * end a poison message's retries. So that nothing is retried forever locally, each mapped queue
 * is declared as a quorum queue with {@code x-delivery-limit} {@value #DELIVERY_LIMIT} and
 * {@code x-dead-letter-exchange} {@code <queue>.dead-letter}, which routes to the queue
 * {@code <queue>.parked}; RabbitMQ writes why in the headers {@code x-first-death-reason}
 * ({@code delivery_limit}, {@code rejected}, {@code expired}) and {@code x-death}.
 * Thread-safe; {@link #close()} stops the consumers, then the broker.
 */
public final class RabbitMqSource implements EventSource {

    /** RabbitMQ events ({@code Type: MQ}): one broker for all mappings, one consumer per mapping. */
    static final EventSource.Kind<Mapping> KIND = new EventSource.Kind<>(Mapping::read, RabbitMqSource::create);

    /** Deliveries of a message (the first included) before the broker parks it, as SQS's maxReceiveCount 5 here. */
    public static final int DELIVERY_LIMIT = 5;

    /** The exchange that parks messages of {@code queue}. */
    public static String deadLetterExchange(String queue) {
        return queue + ".dead-letter";
    }

    /** The queue where messages of {@code queue} are parked. */
    public static String parkedQueue(String queue) {
        return queue + ".parked";
    }

    /**
     * An Amazon MQ event source mapping for RabbitMQ
     * (<a href="https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-mq.html">SAM MQ</a>).
     *
     * @param brokerArn   the Broker property, which the event names as its eventSourceArn
     * @param queue       the one queue of Queues
     * @param virtualHost the VIRTUAL_HOST of SourceAccessConfigurations, "/" without one
     */
    record Mapping(String name, String brokerArn, String queue, String virtualHost, int batchSize,
                   Duration batchingWindow, boolean enabled) implements EventSource.Event {

        static Mapping read(EventProperties properties) {
            String broker = properties.string("Broker", "");
            if (broker.isBlank()) {
                throw properties.error("Broker", "is required: the ARN of the Amazon MQ broker");
            }
            List<String> queues = properties.strings("Queues");
            if (queues.size() != 1 || queues.getFirst().isBlank()) {
                throw properties.error("Queues", "must name exactly one queue, as Lambda requires, was " + queues);
            }
            int batchSize = properties.integer("BatchSize", 100);
            if (batchSize < 1 || batchSize > 10_000) {
                throw properties.error("BatchSize", "must be 1 to 10000, was " + batchSize);
            }
            OptionalInt window = properties.integer("MaximumBatchingWindowInSeconds");
            if (window.isPresent() && (window.getAsInt() < 0 || window.getAsInt() > 300)) {
                throw properties.error("MaximumBatchingWindowInSeconds", "must be 0 to 300, was " + window.getAsInt());
            }
            String virtualHost = "/";
            boolean basicAuth = false;
            for (EventProperties access : properties.entries("SourceAccessConfigurations")) {
                switch (access.string("Type", "")) {
                    case "VIRTUAL_HOST" -> virtualHost = access.string("URI", "/");
                    case "BASIC_AUTH" -> basicAuth = true;
                    default -> throw properties.error("SourceAccessConfigurations",
                            "Type must be BASIC_AUTH or VIRTUAL_HOST for RabbitMQ, was " + access.string("Type", "(none)"));
                }
            }
            if (!basicAuth) {
                throw properties.error("SourceAccessConfigurations", "needs a BASIC_AUTH entry (the Secrets Manager"
                        + " secret with the broker user), as Lambda requires for RabbitMQ");
            }
            return new Mapping(properties.name(), broker, queues.getFirst(), virtualHost, batchSize,
                    window.isPresent() ? Duration.ofSeconds(window.getAsInt()) : Duration.ofMillis(500),
                    properties.flag("Enabled", true));
        }

        /** Lambda runs one execution environment per RabbitMQ mapping. */
        @Override
        public OptionalInt maximumConcurrency() {
            return OptionalInt.of(1);
        }
    }

    private final List<Subscription<Mapping>> mappings;
    private final Port port;
    private final String virtualHost;
    private final InvocationLog log;
    private final Clock clock;
    private final List<Thread> consumers = new CopyOnWriteArrayList<>();
    private volatile Optional<RabbitMqServer> server = Optional.empty();
    private volatile boolean running = true;

    private RabbitMqSource(List<Subscription<Mapping>> mappings, Port port, InvocationLog log, Clock clock) {
        this.mappings = mappings;
        this.port = port;
        this.log = log;
        this.clock = clock;
        List<String> hosts = mappings.stream().map(m -> m.event().virtualHost()).distinct().toList();
        if (hosts.size() > 1) {
            throw new IllegalStateException("the local RabbitMQ broker serves one virtual host; the template's MQ events"
                    + " name " + hosts);
        }
        this.virtualHost = hosts.getFirst();
    }

    private static EventSource create(List<Subscription<Mapping>> mappings, Context context) {
        return new RabbitMqSource(mappings, context.amqpPort(), context.log(), context.clock());
    }

    /** Starts the broker, declares each mapped queue with its dead-letter exchange, and starts the consumers. */
    @Override
    public void start() {
        int number = switch (port) {
            case Port.Fixed fixed -> fixed.number();
            case Port.AnyFree any -> 0;
            case Port.None none -> throw new IllegalStateException("the template has MQ events but no AMQP port was given");
        };
        RabbitMqServer broker = RabbitMqServer.start(number, virtualHost);
        server = Optional.of(broker);
        try (Connection connection = broker.connect("eventjobs-declare"); Channel channel = connection.createChannel()) {
            for (Subscription<Mapping> mapping : mappings) {
                declare(channel, mapping.event().queue());
            }
        } catch (IOException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot declare the MQ events' queues on the local broker: " + e.getMessage(), e);
        }
        for (Subscription<Mapping> mapping : mappings) {
            if (mapping.event().enabled()) {
                consumers.add(Thread.ofPlatform().daemon().name("rmq-" + mapping.event().queue())
                        .start(() -> consume(broker, mapping.event(), mapping.function().pool())));
            }
        }
    }

    /** Declares {@code queue} as the template's mappings expect it, with its dead-letter exchange and parked queue. */
    static void declare(Channel channel, String queue) throws IOException {
        channel.exchangeDeclare(deadLetterExchange(queue), "fanout", true);
        channel.queueDeclare(parkedQueue(queue), true, false, false, Map.of());
        channel.queueBind(parkedQueue(queue), deadLetterExchange(queue), "");
        channel.queueDeclare(queue, true, false, false, Map.of(
                "x-queue-type", "quorum",
                "x-dead-letter-exchange", deadLetterExchange(queue),
                // RabbitMQ counts redeliveries: the limit is the deliveries after the first
                "x-delivery-limit", DELIVERY_LIMIT - 1));
    }

    /** Each mapped queue, with the logical id of the function it feeds. */
    public Map<String, String> queues() {
        Map<String, String> queues = new java.util.LinkedHashMap<>();
        mappings.forEach(m -> queues.put(m.event().queue(), m.function().logicalId()));
        return queues;
    }

    /** The local broker, once started. */
    public Optional<RabbitMqServer> server() {
        return server;
    }

    private void consume(RabbitMqServer broker, Mapping mapping, FunctionPool function) {
        String trigger = "rmq:" + mapping.queue();
        while (running) {
            try (Connection connection = broker.connect("lambda-esm-" + mapping.name())) {
                Channel channel = connection.createChannel();
                channel.basicQos(Math.min(mapping.batchSize(), 65_535));
                BlockingQueue<RmqEventJson.Message> delivered = new LinkedBlockingQueue<>();
                channel.basicConsume(mapping.queue(), false, new DefaultConsumer(channel) {
                    @Override
                    public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                        delivered.add(new RmqEventJson.Message(envelope, properties, body));
                    }
                });
                while (running && connection.isOpen()) {
                    List<RmqEventJson.Message> batch = batch(delivered, mapping);
                    if (!batch.isEmpty()) {
                        settle(channel, batch, mapping, function, trigger);
                    }
                }
            } catch (IOException | RuntimeException e) {
                // unacknowledged messages return to the queue when the connection goes
                if (running) {
                    log.problem(trigger, "the mapping to " + function.config().name() + " lost the broker and"
                            + " reconnects (messages in flight return to the queue): " + e);
                    sleep(Duration.ofSeconds(1));
                }
            }
        }
    }

    private List<RmqEventJson.Message> batch(BlockingQueue<RmqEventJson.Message> delivered, Mapping mapping) {
        List<RmqEventJson.Message> batch = new ArrayList<>();
        try {
            RmqEventJson.Message first = delivered.poll(500, TimeUnit.MILLISECONDS);
            if (first == null) {
                return batch;
            }
            batch.add(first);
            Instant windowEnd = clock.instant().plus(mapping.batchingWindow());
            while (batch.size() < mapping.batchSize()) {
                long left = Duration.between(clock.instant(), windowEnd).toMillis();
                RmqEventJson.Message next = left > 0 ? delivered.poll(left, TimeUnit.MILLISECONDS) : delivered.poll();
                if (next == null) {
                    break;
                }
                batch.add(next);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
        return batch;
    }

    private void settle(Channel channel, List<RmqEventJson.Message> batch, Mapping mapping, FunctionPool function,
                        String trigger) throws IOException {
        byte[] event = RmqEventJson.event(mapping.brokerArn(), mapping.queue(), mapping.virtualHost(), batch);
        InvocationResult result = function.invoke(event);
        List<String> ids = batch.stream().map(m -> Optional.ofNullable(m.properties().getMessageId())
                .orElse("tag-" + m.envelope().getDeliveryTag())).toList();
        long redelivered = batch.stream().filter(m -> m.envelope().isRedeliver()).count();
        String detail = batch.size() + " messages" + (redelivered > 0 ? ", " + redelivered + " redelivered" : "");
        if (result.succeeded()) {
            for (RmqEventJson.Message message : batch) {
                channel.basicAck(message.envelope().getDeliveryTag(), false);
            }
            log.invoked(function.config().name(), trigger, result, detail + ", acknowledged", ids);
        } else {
            for (RmqEventJson.Message message : batch) {
                channel.basicNack(message.envelope().getDeliveryTag(), false, true);
            }
            log.invoked(function.config().name(), trigger, result, detail + ", all returned to the queue", ids);
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the consumers (what they hold returns to the queues) and the broker. */
    @Override
    public void close() {
        running = false;
        for (Thread consumer : consumers) {
            try {
                consumer.join(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        server.ifPresent(RabbitMqServer::close);
    }
}
