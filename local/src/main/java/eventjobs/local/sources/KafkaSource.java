package eventjobs.local.sources;

import eventjobs.local.kafka.KafkaBroker;
import eventjobs.local.runtime.FunctionPool;
import eventjobs.local.runtime.InvocationResult;
import eventjobs.local.template.EventProperties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Kafka event source mappings ({@code Type: SelfManagedKafka} and {@code Type: MSK}), as Lambda runs
 * them (<a href="https://docs.aws.amazon.com/lambda/latest/dg/with-kafka.html">self-managed</a>,
 * <a href="https://docs.aws.amazon.com/lambda/latest/dg/with-msk.html">MSK</a>), on a Kafka broker
 * this source runs in the runtime's JVM ({@link KafkaBroker}): the template's bootstrap servers,
 * cluster ARN and SASL secret name a cluster in the cloud and are not used locally. The broker
 * starts with the source, creates each mapping's topics with {@value #PARTITIONS} partitions, and
 * writes its address to {@code <work dir>/kafka/bootstrap-servers}, where {@code local/run publish}
 * finds it; it stops with the source, and a new start begins empty.
 *
 * <p>Each mapping consumes as its consumer group (ConsumerGroupId, else one of its own), from
 * StartingPosition (TRIM_HORIZON, the default, or LATEST) when the group has no committed offset.
 * A batch holds records of one partition, in offset order: up to BatchSize (default 100), gathered
 * for up to MaximumBatchingWindowInSeconds (default 0.5 s for Kafka). One batch per partition is in
 * flight at a time, so a partition's records reach the function in order, while other partitions go
 * on; the group's offset moves past a batch only when it is done.
 *
 * <p>A failed batch blocks its partition and is sent again until it succeeds (retries wait 0.5 s,
 * doubling up to {@value #MAX_RETRY_WAIT_SECONDS} s), or, with the
 * <a href="https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html">error handling controls</a>,
 * until it was retried MaximumRetryAttempts times (condition {@code RetryAttemptsExhausted}; with an
 * OnFailure destination and no limit set, Lambda stops at {@value #RETRIES_WITH_DESTINATION}) or its
 * records are older than MaximumRecordAgeInSeconds ({@code RecordAgeExceeded}); with
 * BisectBatchOnFunctionError a failing batch is split in two first, which costs no retry. A batch
 * given up on is skipped: the OnFailure destination (an SQS queue) gets Lambda's record of it
 * (topic-partition, offsets, timestamps, batch size), not its records
 * (<a href="https://docs.aws.amazon.com/lambda/latest/dg/with-msk-on-failure.html">AWS docs</a>).
 * ReportBatchItemFailures is not emulated: a response is ignored, as without it.
 *
 * <p>Thread-safe; {@link #close()} stops the consumers (a batch being retried is dropped, and comes
 * back at the next start only if the broker kept it, which it does not) and then the broker.
 */
public final class KafkaSource implements EventSource {

    /** Kafka events: one broker for all, one consumer per mapping. */
    static final EventSource.Kind<Mapping> KIND = new EventSource.Kind<>(Mapping::read, KafkaSource::create);

    /** Partitions of each topic the broker creates for a mapping. */
    public static final int PARTITIONS = 3;
    /** Where the running broker's address is written, under the work directory. */
    public static final Path BOOTSTRAP_FILE = Path.of("kafka", "bootstrap-servers");
    static final int RETRIES_WITH_DESTINATION = 10;
    private static final Duration FIRST_RETRY_WAIT = Duration.ofMillis(500);
    private static final int MAX_RETRY_WAIT_SECONDS = 30;
    /** Lambda's limit on an invocation's payload. */
    private static final int MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
    private static final Duration POLL = Duration.ofMillis(100);

    /** Where a mapping starts when its consumer group has no committed offset. */
    enum StartingPosition { TRIM_HORIZON, LATEST }

    /**
     * A Kafka event source mapping
     * (<a href="https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-selfmanagedkafka.html">SelfManagedKafka</a>,
     * <a href="https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-msk.html">MSK</a>).
     *
     * @param clusterArn           the MSK cluster (Stream); empty for a self-managed cluster
     * @param consumerGroupId      empty: one of the mapping's own
     * @param maximumRetryAttempts empty: retry until success (-1)
     * @param maximumRecordAge     empty: no limit (-1)
     * @param onFailureArn         where records of a batch given up on go
     */
    record Mapping(String name, Optional<String> clusterArn, List<String> topics, Optional<String> consumerGroupId,
                   StartingPosition startingPosition, int batchSize, Duration batchingWindow, boolean bisectOnError,
                   OptionalInt maximumRetryAttempts, Optional<Duration> maximumRecordAge, Optional<String> onFailureArn,
                   boolean reportBatchItemFailures, boolean enabled) implements EventSource.Event {

        static Mapping read(EventProperties properties) {
            boolean msk = properties.type().equals("MSK");
            List<String> topics = properties.strings("Topics");
            if (topics.size() != 1) {
                throw properties.error("Topics", "must name exactly one topic, was " + topics);
            }
            Optional<String> cluster = Optional.empty();
            if (msk) {
                String arn = properties.string("Stream", "");
                if (!arn.startsWith("arn:")) {
                    throw properties.error("Stream", "must be the ARN of an MSK cluster, was " + (arn.isEmpty() ? "missing" : arn));
                }
                cluster = Optional.of(arn);
            } else if (properties.strings("KafkaBootstrapServers").isEmpty()) {
                throw properties.error("KafkaBootstrapServers", "is required (host:port of the cluster's brokers)");
            }
            String position = properties.string("StartingPosition", msk ? "" : "TRIM_HORIZON");
            StartingPosition start = switch (position) {
                case "TRIM_HORIZON" -> StartingPosition.TRIM_HORIZON;
                case "LATEST" -> StartingPosition.LATEST;
                default -> throw properties.error("StartingPosition", position.isEmpty() ? "is required (TRIM_HORIZON or LATEST)"
                        : "must be TRIM_HORIZON or LATEST locally, was " + position);
            };
            int retries = within(properties, "MaximumRetryAttempts", -1, -1, 10_000);
            int age = within(properties, "MaximumRecordAgeInSeconds", -1, -1, 604_800);
            if (age >= 0 && age < 60) {
                throw properties.error("MaximumRecordAgeInSeconds", "must be -1 (no limit) or 60 to 604800, was " + age);
            }
            Optional<String> onFailure = Optional.ofNullable(
                    properties.nested("DestinationConfig").nested("OnFailure").string("Destination", null));
            // "When you configure both infinite retries and an on-failure destination, Lambda automatically
            // applies a maximum of 10 retry attempts" (kafka-retry-configurations)
            OptionalInt maximumRetries = retries >= 0 ? OptionalInt.of(retries)
                    : onFailure.isPresent() ? OptionalInt.of(RETRIES_WITH_DESTINATION) : OptionalInt.empty();
            return new Mapping(properties.name(), cluster, topics,
                    Optional.ofNullable(properties.string("ConsumerGroupId", null)), start,
                    within(properties, "BatchSize", 100, 1, 10_000),
                    properties.integer("MaximumBatchingWindowInSeconds").isPresent()
                            ? Duration.ofSeconds(within(properties, "MaximumBatchingWindowInSeconds", 0, 0, 300))
                            : Duration.ofMillis(500),
                    properties.flag("BisectBatchOnFunctionError", false), maximumRetries,
                    age < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(age)), onFailure,
                    properties.strings("FunctionResponseTypes").contains("ReportBatchItemFailures"),
                    properties.flag("Enabled", true));
        }

        private static int within(EventProperties properties, String property, int fallback, int min, int max) {
            int value = properties.integer(property, fallback);
            if (value < min || value > max) {
                throw properties.error(property, "must be " + min + " to " + max + ", was " + value);
            }
            return value;
        }
    }

    private final List<Subscription<Mapping>> mappings;
    private final Context context;
    private final List<Consumer> consumers = new CopyOnWriteArrayList<>();
    private volatile KafkaBroker broker;
    private volatile boolean running = true;

    private KafkaSource(List<Subscription<Mapping>> mappings, Context context) {
        this.mappings = List.copyOf(mappings);
        this.context = context;
    }

    private static EventSource create(List<Subscription<Mapping>> mappings, Context context) {
        return new KafkaSource(mappings, context);
    }

    /** Starts the broker, creates the topics and starts a consumer per enabled mapping; returns once each has its partitions. */
    @Override
    public synchronized void start() {
        broker = KafkaBroker.start(context.workDirectory().resolve("kafka").resolve("data"));
        broker.createTopics(topics(), PARTITIONS);
        writeBootstrapFile();
        for (Subscription<Mapping> subscription : mappings) {
            if (subscription.event().reportBatchItemFailures()) {
                context.log().problem(trigger(subscription.event()), "ReportBatchItemFailures of " + subscription.function().name()
                        + " is not emulated for Kafka: a response is ignored, a failed invocation fails the batch");
            }
            if (subscription.event().enabled()) {
                Consumer consumer = new Consumer(subscription.event(), subscription.function().pool());
                consumers.add(consumer);
                consumer.start();
            }
        }
    }

    /** Where Kafka clients connect, once started. */
    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    /** The topics of the mappings, which the broker creates. */
    public List<String> topics() {
        return mappings.stream().flatMap(m -> m.event().topics().stream()).distinct().toList();
    }

    /** The running broker, once started. */
    public KafkaBroker broker() {
        return broker;
    }

    private void writeBootstrapFile() {
        Path file = context.workDirectory().resolve(BOOTSTRAP_FILE);
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, broker.bootstrapServers() + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static String trigger(Mapping mapping) {
        return "kafka:" + mapping.topics().getFirst();
    }

    /** One mapping's consumer: a thread that polls, and a virtual thread per batch in flight. */
    private final class Consumer {
        private final Mapping mapping;
        private final FunctionPool function;
        private final String trigger;
        private final KafkaEventJson.Origin origin;
        private final Clock clock = context.clock();
        private final Map<TopicPartition, Deque<ConsumerRecord<byte[], byte[]>>> buffers = new HashMap<>();
        private final Map<TopicPartition, Instant> windowEnds = new HashMap<>();
        private final Set<TopicPartition> busy = new HashSet<>();
        /** Partitions whose batch is done, with the offset to commit; filled by batch threads, read by the poller. */
        private final Queue<Map.Entry<TopicPartition, Long>> done = new ConcurrentLinkedQueue<>();
        private final List<Thread> inFlight = new CopyOnWriteArrayList<>();
        private KafkaConsumer<byte[], byte[]> kafka;
        private Thread poller;

        Consumer(Mapping mapping, FunctionPool function) {
            this.mapping = mapping;
            this.function = function;
            this.trigger = trigger(mapping);
            this.origin = new KafkaEventJson.Origin(mapping.clusterArn(), broker.bootstrapServers());
        }

        void start() {
            Map<String, Object> config = new HashMap<>();
            config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            config.put(ConsumerConfig.GROUP_ID_CONFIG, mapping.consumerGroupId().orElse(function.config().name() + "-" + mapping.name()));
            config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                    mapping.startingPosition() == StartingPosition.LATEST ? "latest" : "earliest");
            config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.min(mapping.batchSize(), 1000));
            kafka = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : mapping.topics()) {
                kafka.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            }
            // assigned, not subscribed: one consumer per group has every partition, with no rebalance to wait for
            kafka.assign(partitions);
            partitions.forEach(kafka::position); // fixes where LATEST starts: now
            poller = Thread.ofPlatform().daemon().name("kafka-" + mapping.topics().getFirst() + "-" + function.config().name())
                    .start(this::poll);
        }

        private void poll() {
            try {
                while (running) {
                    try {
                        for (ConsumerRecord<byte[], byte[]> record : kafka.poll(POLL)) {
                            TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                            Deque<ConsumerRecord<byte[], byte[]>> buffer = buffers.computeIfAbsent(partition, p -> new ArrayDeque<>());
                            if (buffer.isEmpty()) {
                                windowEnds.put(partition, clock.instant().plus(mapping.batchingWindow()));
                            }
                            buffer.add(record);
                            if (buffer.size() >= mapping.batchSize()) {
                                kafka.pause(List.of(partition)); // enough for a batch: fetch no more of it for now
                            }
                        }
                        commitDone();
                        dispatch();
                    } catch (KafkaException e) {
                        if (running) {
                            context.log().problem(trigger, "cannot read " + mapping.topics() + " (retrying): " + e.getMessage());
                            sleep(Duration.ofSeconds(1));
                        }
                    } catch (RuntimeException e) {
                        context.log().problem(trigger, "the mapping to " + function.config().name() + " failed and goes on: " + e);
                        sleep(Duration.ofSeconds(1));
                    }
                }
            } finally {
                kafka.close(Duration.ofSeconds(5));
            }
        }

        /** Commits the offsets of finished batches, so the group moves past them, and frees their partitions. */
        private void commitDone() {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            for (Map.Entry<TopicPartition, Long> entry = done.poll(); entry != null; entry = done.poll()) {
                offsets.put(entry.getKey(), new OffsetAndMetadata(entry.getValue()));
                busy.remove(entry.getKey());
                if (buffers.getOrDefault(entry.getKey(), new ArrayDeque<>()).size() < mapping.batchSize()) {
                    kafka.resume(List.of(entry.getKey()));
                }
            }
            if (!offsets.isEmpty()) {
                kafka.commitSync(offsets);
            }
        }

        /** Starts a batch on each free partition whose batch is full or whose window is over. */
        private void dispatch() {
            Instant now = clock.instant();
            for (var entry : buffers.entrySet()) {
                TopicPartition partition = entry.getKey();
                Deque<ConsumerRecord<byte[], byte[]>> buffer = entry.getValue();
                if (buffer.isEmpty() || busy.contains(partition)
                        || (buffer.size() < mapping.batchSize() && now.isBefore(windowEnds.get(partition)))) {
                    continue;
                }
                List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
                List<ObjectNode> json = new ArrayList<>();
                int bytes = 0;
                while (!buffer.isEmpty() && records.size() < mapping.batchSize()) {
                    ObjectNode node = KafkaEventJson.record(buffer.peek());
                    int size = node.toString().length() + 1;
                    if (!records.isEmpty() && bytes + size + 256 >= MAX_PAYLOAD_BYTES) {
                        break;
                    }
                    bytes += size;
                    records.add(buffer.poll());
                    json.add(node);
                }
                if (buffer.size() < mapping.batchSize()) {
                    kafka.resume(List.of(partition));
                }
                windowEnds.put(partition, now.plus(mapping.batchingWindow()));
                busy.add(partition);
                Batch batch = new Batch(partition, records, json);
                inFlight.add(Thread.ofVirtual().name(trigger + "-" + partition.partition()).start(() -> {
                    try {
                        deliver(batch);
                        if (running) {
                            done.add(Map.entry(partition, batch.records().getLast().offset() + 1));
                        }
                    } finally {
                        inFlight.remove(Thread.currentThread());
                    }
                }));
            }
        }

        /** Sends one batch until all its records succeeded or were given up on; returns only then (or at close). */
        private void deliver(Batch batch) {
            Deque<Attempt> todo = new ArrayDeque<>();
            todo.push(new Attempt(batch, 0, 0));
            Optional<InvocationResult> last = Optional.empty();
            while (!todo.isEmpty() && running) {
                Attempt attempt = todo.pop();
                int aged = aged(attempt.batch());
                if (aged > 0) {
                    giveUp(attempt.batch().slice(0, aged), "RecordAgeExceeded", attempt.invocations(), last);
                    if (aged < attempt.batch().size()) {
                        todo.push(new Attempt(attempt.batch().slice(aged, attempt.batch().size()), attempt.invocations(),
                                attempt.retries()));
                    }
                    continue;
                }
                InvocationResult result = invoke(attempt);
                last = Optional.of(result);
                int invocations = attempt.invocations() + 1;
                String note = attempt.batch().describe() + (attempt.retries() > 0 ? ", retry " + attempt.retries() : "");
                if (result.succeeded()) {
                    context.log().invoked(function.config().name(), trigger, result, note);
                } else if (mapping.bisectOnError() && attempt.batch().size() > 1) {
                    context.log().invoked(function.config().name(), trigger, result, note + ", split in two and sent again");
                    int half = attempt.batch().size() / 2; // a split costs no retry; the first half goes first
                    todo.push(new Attempt(attempt.batch().slice(half, attempt.batch().size()), invocations, attempt.retries()));
                    todo.push(new Attempt(attempt.batch().slice(0, half), invocations, attempt.retries()));
                } else {
                    context.log().invoked(function.config().name(), trigger, result, note + ", the batch is sent again");
                    Attempt retry = new Attempt(attempt.batch(), invocations, attempt.retries() + 1);
                    OptionalInt maximum = mapping.maximumRetryAttempts();
                    if (maximum.isPresent() && retry.retries() > maximum.getAsInt()) {
                        giveUp(retry.batch(), "RetryAttemptsExhausted", retry.invocations(), last);
                    } else {
                        pause(Duration.ofMillis(Math.min(FIRST_RETRY_WAIT.toMillis() << Math.min(retry.retries() - 1, 10),
                                MAX_RETRY_WAIT_SECONDS * 1000L)));
                        todo.push(retry);
                    }
                }
            }
        }

        /** How many records at the start of the batch are older than MaximumRecordAgeInSeconds. */
        private int aged(Batch batch) {
            if (mapping.maximumRecordAge().isEmpty()) {
                return 0;
            }
            long oldest = clock.instant().minus(mapping.maximumRecordAge().get()).toEpochMilli();
            int aged = 0;
            while (aged < batch.size() && batch.records().get(aged).timestamp() < oldest) {
                aged++;
            }
            return aged;
        }

        /** Sends a batch once (twice at once, when chaos duplicates it). */
        private InvocationResult invoke(Attempt attempt) {
            byte[] event = attempt.batch().event(origin);
            if (context.faults().duplicate(function.config().name(), trigger)) {
                Thread.ofVirtual().name(trigger + "-duplicate").start(() -> {
                    try {
                        context.log().invoked(function.config().name(), trigger, function.invoke(event),
                                attempt.batch().describe() + " (duplicate delivery)");
                    } catch (RuntimeException e) {
                        context.log().problem(trigger, "a duplicate delivery to " + function.config().name() + " failed: " + e);
                    }
                });
            }
            return function.invoke(event);
        }

        /** Lambda gives up on records: the OnFailure destination gets where they are; the partition goes on. */
        private void giveUp(Batch batch, String condition, int invocations, Optional<InvocationResult> last) {
            byte[] record = KafkaEventJson.onFailure(origin, batch.topicPartition(), batch.records(), batch.event(origin).length,
                    UUID.randomUUID().toString(), function.config().arn(), condition, invocations,
                    last.map(result -> !result.succeeded()), clock.instant());
            String what = batch.describe() + " skipped (" + condition + " after " + invocations
                    + (invocations == 1 ? " invocation)" : " invocations)");
            Optional<String> destination = mapping.onFailureArn();
            if (destination.isEmpty()) {
                context.log().problem(trigger, what + "; no OnFailure destination, so they are dropped");
            } else if (!destination.get().startsWith("arn:aws:sqs:")) {
                context.log().problem(trigger, what + "; OnFailure " + destination.get()
                        + " is not emulated (SQS queues are), record dropped");
            } else {
                SqsClient sqs = context.sqs();
                try {
                    String queueUrl = sqs.getQueueUrl(r -> r.queueName(destination.get().split(":", 6)[5])).queueUrl();
                    sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(new String(record, StandardCharsets.UTF_8)));
                    context.log().problem(trigger, what + "; where they are is in " + destination.get());
                } catch (SdkException e) {
                    context.log().problem(trigger, what + "; could not send the OnFailure record to " + destination.get()
                            + ", it is lost: " + e.getMessage());
                }
            }
        }

        void close() {
            for (Thread thread : inFlight) {
                join(thread);
            }
            if (poller != null) {
                join(poller);
            }
        }
    }

    /** Records of one partition, in offset order, and each as the event holds it. */
    private record Batch(TopicPartition partition, List<ConsumerRecord<byte[], byte[]>> records, List<ObjectNode> json) {
        Batch {
            records = List.copyOf(records);
            json = List.copyOf(json);
        }

        String topicPartition() {
            return partition.topic() + "-" + partition.partition();
        }

        int size() {
            return records.size();
        }

        Batch slice(int from, int to) {
            return new Batch(partition, records.subList(from, to), json.subList(from, to));
        }

        byte[] event(KafkaEventJson.Origin origin) {
            return KafkaEventJson.event(origin, topicPartition(), json);
        }

        String describe() {
            return topicPartition() + (size() == 1 ? " offset " + records.getFirst().offset()
                    : " offsets " + records.getFirst().offset() + ".." + records.getLast().offset());
        }
    }

    /** A batch still to deliver, with the invocations and retries it has had. */
    private record Attempt(Batch batch, int invocations, int retries) {}

    /** Waits, or less when the source is closed meanwhile. */
    private void pause(Duration duration) {
        Instant end = Instant.now().plus(duration);
        while (running && Instant.now().isBefore(end)) {
            sleep(Duration.ofMillis(Math.min(100, Duration.between(Instant.now(), end).toMillis() + 1)));
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void join(Thread thread) {
        try {
            thread.join(Duration.ofSeconds(25));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the consumers, then the broker; the bootstrap file goes with it. */
    @Override
    public synchronized void close() {
        running = false;
        consumers.forEach(Consumer::close);
        if (broker != null) {
            try {
                Files.deleteIfExists(context.workDirectory().resolve(BOOTSTRAP_FILE));
            } catch (IOException ignored) {
                // a stale file names a port nothing answers on; publish says so
            }
            broker.close();
            broker = null;
        }
    }
}
