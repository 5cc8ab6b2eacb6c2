package eventjobs.local.sources;

import eventjobs.local.runtime.FunctionPool;
import eventjobs.local.runtime.InvocationResult;
import eventjobs.local.sources.DynamoDbStreamEventJson.Batch;
import eventjobs.local.sources.DynamoDbStreamEventJson.StreamedRecord;
import eventjobs.local.template.EventProperties;
import eventjobs.local.template.Specs;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamDescription;
import software.amazon.awssdk.services.dynamodb.model.TrimmedDataAccessException;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * A DynamoDB stream event source mapping, as Lambda runs it
 * (<a href="https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html">AWS docs</a>,
 * <a href="https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html">error handling</a>):
 * the table's stream is read through DescribeStream, GetShardIterator and GetRecords from
 * StartingPosition (TRIM_HORIZON or LATEST), a shard's children only after it is done, each shard
 * polled four times a second while idle. A shard's records go to the function in order, one batch
 * at a time, of up to BatchSize records (and 6 MB), gathered for up to MaximumBatchingWindowInSeconds.
 *
 * <p>A failed batch blocks its shard and is sent again until it succeeds: after a function error
 * it is split in two first when BisectBatchOnFunctionError is set (a split costs no retry, and the
 * halves go in order); with ReportBatchItemFailures, a response naming sequence numbers checkpoints
 * before the lowest one, and only the records from it on are sent again (an unreadable response, or
 * a number not in the batch, fails the whole batch). When the retries pass MaximumRetryAttempts
 * (condition {@code RetryAttemptsExhausted}), or records are older than MaximumRecordAgeInSeconds or
 * the stream's 24 hours (condition {@code RecordAgeExceeded}, those records only), Lambda gives up
 * on them: the OnFailure destination (an SQS queue) gets a record of the batch's shard and sequence
 * range, and the shard goes on after them. Retries wait 0.5 s, then twice as long each time, up to
 * {@value #MAX_RETRY_WAIT_SECONDS} s.
 *
 * <p>The checkpoints live in this object: a new start reads from StartingPosition again. In chaos
 * mode a batch may be delivered twice at once (at-least-once delivery); the checkpoint follows one
 * of the two. Thread-safe; {@link #close()} stops the readers, dropping a batch being retried.
 */
final class DynamoDbStreamSource implements EventSource {

    /** DynamoDB stream events ({@code Type: DynamoDB}): one reader per mapping. */
    static final EventSource.Kind<Mapping> KIND = new EventSource.Kind<>(Mapping::read, DynamoDbStreamSource::create);

    /** Lambda polls each shard four times a second. */
    private static final Duration POLL_INTERVAL = Duration.ofMillis(250);
    /** How often the shards of the stream are listed again, to find new ones. */
    private static final Duration SHARD_REFRESH = Duration.ofSeconds(5);
    /** DynamoDB Streams keeps a record for 24 hours; after that no retry can reach it. */
    static final Duration STREAM_RETENTION = Duration.ofHours(24);
    private static final Duration FIRST_RETRY_WAIT = Duration.ofMillis(500);
    private static final int MAX_RETRY_WAIT_SECONDS = 30;
    /** Lambda's limit on an invocation's payload. */
    private static final int MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
    /** GetRecords' limit. */
    private static final int MAX_RECORDS_PER_READ = 1000;

    /** Where a new mapping starts reading a shard that is open when it starts. */
    enum StartingPosition { TRIM_HORIZON, LATEST }

    /**
     * A DynamoDB event source mapping
     * (<a href="https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-params.html">AWS docs</a>).
     *
     * @param maximumRetryAttempts empty: retry until the records expire (-1)
     * @param maximumRecordAge     empty: only the stream's retention (-1)
     * @param onFailureArn         where records of a batch given up on go
     */
    record Mapping(String name, String tableLogicalId, StartingPosition startingPosition, int batchSize,
                   Duration batchingWindow, boolean bisectOnError, OptionalInt maximumRetryAttempts,
                   Optional<Duration> maximumRecordAge, boolean reportBatchItemFailures, Optional<String> onFailureArn,
                   int parallelizationFactor, boolean enabled) implements EventSource.Event {

        static Mapping read(EventProperties properties) {
            String table = properties.streamTable("Stream");
            String position = properties.string("StartingPosition", "");
            StartingPosition start = switch (position) {
                case "TRIM_HORIZON" -> StartingPosition.TRIM_HORIZON;
                case "LATEST" -> StartingPosition.LATEST;
                default -> throw properties.error("StartingPosition", position.isEmpty() ? "is required (TRIM_HORIZON or LATEST)"
                        : "must be TRIM_HORIZON or LATEST (a DynamoDB stream has no AT_TIMESTAMP), was " + position);
            };
            int batchSize = within(properties, "BatchSize", 100, 1, 10_000);
            int window = within(properties, "MaximumBatchingWindowInSeconds", 0, 0, 300);
            int retries = within(properties, "MaximumRetryAttempts", -1, -1, 10_000);
            int age = within(properties, "MaximumRecordAgeInSeconds", -1, -1, 604_800);
            if (age >= 0 && age < 60) {
                throw properties.error("MaximumRecordAgeInSeconds", "must be -1 (no limit) or 60 to 604800, was " + age);
            }
            String onFailure = properties.nested("DestinationConfig").nested("OnFailure").string("Destination", null);
            return new Mapping(properties.name(), table, start, batchSize, Duration.ofSeconds(window),
                    properties.flag("BisectBatchOnFunctionError", false),
                    retries < 0 ? OptionalInt.empty() : OptionalInt.of(retries),
                    age < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(age)),
                    properties.strings("FunctionResponseTypes").contains("ReportBatchItemFailures"),
                    Optional.ofNullable(onFailure), within(properties, "ParallelizationFactor", 1, 1, 10),
                    properties.flag("Enabled", true));
        }

        private static int within(EventProperties properties, String property, int fallback, int min, int max) {
            int value = properties.integer(property, fallback);
            if (value < min || value > max) {
                throw properties.error(property, "must be " + min + " to " + max + ", was " + value);
            }
            return value;
        }

        /** How old a record may be before it is given up on. */
        Duration maximumAge() {
            return maximumRecordAge.filter(age -> age.compareTo(STREAM_RETENTION) < 0).orElse(STREAM_RETENTION);
        }
    }

    private final Mapping mapping;
    private final Specs.Table table;
    private final FunctionPool function;
    private final DynamoDbClient dynamo;
    private final DynamoDbStreamsClient streams;
    private final SqsClient sqs;
    private final InvocationLog log;
    private final Clock clock;
    private final DeliveryFaults faults;
    private final String trigger;
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private volatile boolean running = true;

    private DynamoDbStreamSource(Mapping mapping, FunctionTarget function, Context context) {
        this.mapping = mapping;
        this.table = context.template().tables().stream().filter(t -> t.logicalId().equals(mapping.tableLogicalId()))
                .findFirst().orElseThrow();
        this.function = function.pool();
        this.dynamo = context.aws().dynamoDb();
        this.streams = context.aws().dynamoDbStreams();
        this.sqs = context.sqs();
        this.log = context.log();
        this.clock = context.clock();
        this.faults = context.faults();
        this.trigger = "dynamodb:" + table.name();
    }

    private static EventSource create(List<Subscription<Mapping>> mappings, Context context) {
        return EventSource.all(mappings.stream()
                .map(m -> (EventSource) new DynamoDbStreamSource(m.event(), m.function(), context)).toList());
    }

    /**
     * Starts reading the stream; a disabled mapping (Enabled: false) reads nothing. Returns once the
     * open shards have their starting positions (so LATEST means "from now"), or the stream could
     * not be read yet (the mapping then keeps trying in the background).
     */
    @Override
    public void start() {
        if (!mapping.enabled()) {
            return;
        }
        if (mapping.parallelizationFactor() > 1) {
            log.problem(trigger, "ParallelizationFactor " + mapping.parallelizationFactor() + " of " + function.config().name()
                    + " runs as 1 locally: one batch per shard at a time");
        }
        Shards shards = new Shards();
        shards.follow();
        threads.add(Thread.ofVirtual().name("ddb-stream-" + table.name()).start(() -> {
            while (running) {
                pause(shards.streamArn.isEmpty() ? Duration.ofSeconds(1) : SHARD_REFRESH);
                shards.follow();
            }
        }));
    }

    /** The stream's shards: each one is read once its parent is done. Used by one thread at a time. */
    private final class Shards {
        private Optional<String> streamArn = Optional.empty();
        private final Set<String> started = new HashSet<>();
        private final Set<String> done = ConcurrentHashMap.newKeySet();
        private boolean first = true;

        /** Lists the shards and starts a reader on each new one whose parent is done. */
        void follow() {
            try {
                if (streamArn.isEmpty()) {
                    streamArn = Optional.ofNullable(dynamo.describeTable(r -> r.tableName(table.name())).table().latestStreamArn());
                    if (streamArn.isEmpty()) {
                        log.problem(trigger, table.name() + " has no stream on the endpoint; " + function.config().name()
                                + " gets nothing until it has one");
                        return;
                    }
                }
                List<Shard> shards = shards(streamArn.get());
                Set<String> listed = shards.stream().map(Shard::shardId).collect(Collectors.toSet());
                for (Shard shard : shards) {
                    boolean parentDone = shard.parentShardId() == null || !listed.contains(shard.parentShardId())
                            || done.contains(shard.parentShardId());
                    if (started.contains(shard.shardId()) || !parentDone) {
                        continue;
                    }
                    boolean closed = shard.sequenceNumberRange().endingSequenceNumber() != null;
                    boolean latest = first && mapping.startingPosition() == StartingPosition.LATEST;
                    if (latest && closed) {
                        started.add(shard.shardId());
                        done.add(shard.shardId()); // nothing of a closed shard is newer than the start
                        continue;
                    }
                    // a shard found later is read whole: all its records are newer than the start
                    ShardReader reader = new ShardReader(streamArn.get(), shard.shardId(),
                            latest ? ShardIteratorType.LATEST : ShardIteratorType.TRIM_HORIZON);
                    started.add(shard.shardId());
                    threads.add(Thread.ofVirtual().name("ddb-stream-" + table.name() + "-" + shard.shardId()).start(() -> {
                        reader.run();
                        done.add(shard.shardId());
                    }));
                }
                first = false;
            } catch (SdkException e) {
                if (running) {
                    log.problem(trigger, "cannot read the stream of " + table.name() + " (retrying): " + e.getMessage());
                }
            } catch (RuntimeException e) {
                log.problem(trigger, "the mapping to " + function.config().name() + " failed listing shards and goes on: " + e);
            }
        }
    }

    private List<Shard> shards(String streamArn) {
        List<Shard> shards = new ArrayList<>();
        String after = null;
        do {
            String start = after;
            StreamDescription description = streams.describeStream(r -> r.streamArn(streamArn).exclusiveStartShardId(start))
                    .streamDescription();
            shards.addAll(description.shards());
            after = description.lastEvaluatedShardId();
        } while (after != null);
        return shards;
    }

    /** Reads one shard to its end (an open shard never ends), delivering its records in batches. */
    private final class ShardReader {
        private final String streamArn;
        private final String shardId;
        private final ShardIteratorType startType;
        private String iterator;
        /** The last sequence number read: where to start again when the iterator expires. */
        private String lastRead;
        private final Deque<StreamedRecord> read = new ArrayDeque<>();

        /** Takes the shard's starting position now. */
        ShardReader(String streamArn, String shardId, ShardIteratorType startType) {
            this.streamArn = streamArn;
            this.shardId = shardId;
            this.startType = startType;
            this.iterator = newIterator();
        }

        void run() {
            Instant windowEnd = Instant.MAX;
            boolean closed = false;
            while (running) {
                try {
                    if (iterator == null && !closed) {
                        iterator = newIterator();
                    }
                    int want = mapping.batchSize() - read.size();
                    boolean gotAll = true;
                    if (!closed && want > 0) {
                        int limit = Math.min(MAX_RECORDS_PER_READ, want);
                        GetRecordsResponse response = getRecords(limit);
                        response.records().forEach(record -> read.add(StreamedRecord.of(record, streamArn)));
                        if (!response.records().isEmpty()) {
                            lastRead = response.records().getLast().dynamodb().sequenceNumber();
                        }
                        iterator = response.nextShardIterator();
                        closed = iterator == null;
                        gotAll = response.records().size() < limit;
                        if (!response.records().isEmpty() && windowEnd.equals(Instant.MAX)) {
                            windowEnd = clock.instant().plus(mapping.batchingWindow());
                        }
                    }
                    boolean full = read.size() >= mapping.batchSize();
                    boolean windowOver = mapping.batchingWindow().isZero() ? gotAll : !clock.instant().isBefore(windowEnd);
                    if (!read.isEmpty() && (full || windowOver || closed)) {
                        Batch batch = nextBatch();
                        deliver(batch);
                        // checkpoint: only now are its records done (a failure above leaves them to send again)
                        for (int i = 0; i < batch.size(); i++) {
                            read.poll();
                        }
                        windowEnd = read.isEmpty() ? Instant.MAX : clock.instant().plus(mapping.batchingWindow());
                        continue;
                    }
                    if (closed && read.isEmpty()) {
                        return;
                    }
                    if (gotAll) {
                        sleep(POLL_INTERVAL);
                    }
                } catch (SdkException e) {
                    if (running) {
                        log.problem(trigger, "cannot read shard " + shardId + " of " + table.name() + " (retrying): " + e.getMessage());
                        sleep(Duration.ofSeconds(1));
                    }
                } catch (RuntimeException e) {
                    // never let one bad batch end the mapping: its records stay, to be sent again
                    log.problem(trigger, "the mapping to " + function.config().name() + " failed on a batch and goes on: " + e);
                    sleep(Duration.ofSeconds(1));
                }
            }
        }

        private String newIterator() {
            ShardIteratorType type = lastRead == null ? startType : ShardIteratorType.AFTER_SEQUENCE_NUMBER;
            String after = lastRead;
            return streams.getShardIterator(r -> r.streamArn(streamArn).shardId(shardId).shardIteratorType(type)
                    .sequenceNumber(type == ShardIteratorType.AFTER_SEQUENCE_NUMBER ? after : null)).shardIterator();
        }

        private GetRecordsResponse getRecords(int limit) {
            try {
                return streams.getRecords(r -> r.shardIterator(iterator).limit(limit));
            } catch (ExpiredIteratorException expired) {
                iterator = newIterator(); // iterators last 15 minutes; a long retry outlives one
                return streams.getRecords(r -> r.shardIterator(iterator).limit(limit));
            } catch (TrimmedDataAccessException trimmed) {
                lastRead = null; // past the stream's retention: start from the oldest record kept
                iterator = streams.getShardIterator(r -> r.streamArn(streamArn).shardId(shardId)
                        .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
                return streams.getRecords(r -> r.shardIterator(iterator).limit(limit));
            }
        }

        /** The next batch, not yet taken from those read: up to BatchSize records, and under the 6 MB payload limit. */
        private Batch nextBatch() {
            List<StreamedRecord> records = new ArrayList<>();
            int bytes = 0;
            for (StreamedRecord record : read) {
                if (records.size() == mapping.batchSize() || (!records.isEmpty() && bytes + record.bytes() + 64 >= MAX_PAYLOAD_BYTES)) {
                    break;
                }
                bytes += record.bytes() + 1;
                records.add(record);
            }
            return new Batch(streamArn, shardId, records);
        }
    }

    /** A batch still to deliver, with the invocations and retries it has had. */
    private record Attempt(Batch batch, int invocations, int retries) {}

    /** What one invocation did with a batch. */
    private sealed interface Outcome {
        record Succeeded() implements Outcome {}

        /** Records from {@code from} on failed (a partial batch response). */
        record FailedFrom(int from) implements Outcome {}

        /** @param functionError the function failed, rather than answering with an unusable response */
        record Failed(boolean functionError, String why) implements Outcome {}
    }

    /** Sends one batch until all its records succeeded or were given up on; returns only then (or at close). */
    private void deliver(Batch batch) {
        Deque<Attempt> todo = new ArrayDeque<>();
        todo.push(new Attempt(batch, 0, 0));
        InvocationResult last = null;
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
            last = invoke(attempt);
            int invocations = attempt.invocations() + 1;
            Outcome outcome = outcome(last, attempt.batch());
            logged(last, attempt, outcome);
            switch (outcome) {
                case Outcome.Succeeded ok -> { }
                case Outcome.FailedFrom partial -> {
                    Batch rest = attempt.batch().slice(partial.from(), attempt.batch().size());
                    retryOrGiveUp(todo, new Attempt(rest, invocations, attempt.retries() + 1), last);
                }
                case Outcome.Failed failed when failed.functionError() && mapping.bisectOnError() && attempt.batch().size() > 1 -> {
                    // a split costs no retry; the first half goes first
                    int half = attempt.batch().size() / 2;
                    todo.push(new Attempt(attempt.batch().slice(half, attempt.batch().size()), invocations, attempt.retries()));
                    todo.push(new Attempt(attempt.batch().slice(0, half), invocations, attempt.retries()));
                }
                case Outcome.Failed failed -> retryOrGiveUp(todo, new Attempt(attempt.batch(), invocations, attempt.retries() + 1), last);
            }
        }
    }

    private void retryOrGiveUp(Deque<Attempt> todo, Attempt retry, InvocationResult last) {
        OptionalInt maximum = mapping.maximumRetryAttempts();
        if (maximum.isPresent() && retry.retries() > maximum.getAsInt()) {
            giveUp(retry.batch(), "RetryAttemptsExhausted", retry.invocations(), last);
            return;
        }
        long wait = Math.min(FIRST_RETRY_WAIT.toMillis() << Math.min(retry.retries() - 1, 10), MAX_RETRY_WAIT_SECONDS * 1000L);
        pause(Duration.ofMillis(wait));
        todo.push(retry);
    }

    /** How many records at the start of the batch are too old to send. */
    private int aged(Batch batch) {
        Instant oldest = clock.instant().minus(mapping.maximumAge());
        int aged = 0;
        while (aged < batch.size() && batch.records().get(aged).arrival().isBefore(oldest)) {
            aged++;
        }
        return aged;
    }

    /** Sends a batch once (twice at once, when chaos duplicates it) and logs what came of it. */
    private InvocationResult invoke(Attempt attempt) {
        byte[] event = attempt.batch().event();
        String note = attempt.batch().describe() + (attempt.retries() > 0 ? ", retry " + attempt.retries() : "");
        if (faults.duplicate(function.config().name(), trigger)) {
            // the same batch to a second invocation at the same time; the checkpoint follows the first
            Thread.ofVirtual().name(trigger + "-duplicate").start(() -> {
                try {
                    InvocationResult twin = function.invoke(event);
                    log.invoked(function.config().name(), trigger, twin, note + " (duplicate delivery)");
                } catch (RuntimeException e) {
                    log.problem(trigger, "a duplicate delivery to " + function.config().name() + " failed: " + e);
                }
            });
        }
        return function.invoke(event);
    }

    private void logged(InvocationResult result, Attempt attempt, Outcome outcome) {
        String note = attempt.batch().describe() + (attempt.retries() > 0 ? ", retry " + attempt.retries() : "");
        log.invoked(function.config().name(), trigger, result, note + switch (outcome) {
            case Outcome.Succeeded ok -> "";
            case Outcome.FailedFrom partial -> ", failed from " + attempt.batch().records().get(partial.from()).sequenceNumber();
            case Outcome.Failed failed -> ", " + failed.why();
        });
    }

    private Outcome outcome(InvocationResult result, Batch batch) {
        if (!result.succeeded()) {
            return new Outcome.Failed(true, "the batch is sent again");
        }
        if (!mapping.reportBatchItemFailures()) {
            return new Outcome.Succeeded();
        }
        List<String> numbers = batch.records().stream().map(StreamedRecord::sequenceNumber).toList();
        Optional<Set<String>> failed = BatchResponse.failedIds(result.payload(), Set.copyOf(numbers));
        if (failed.isEmpty()) {
            return new Outcome.Failed(false, "invalid batchItemFailures response: the whole batch is sent again");
        }
        // Lambda checkpoints before the lowest sequence number reported, whatever else is
        OptionalInt lowest = java.util.stream.IntStream.range(0, numbers.size())
                .filter(i -> failed.get().contains(numbers.get(i))).findFirst();
        return lowest.isEmpty() ? new Outcome.Succeeded() : new Outcome.FailedFrom(lowest.getAsInt());
    }

    /** Lambda gives up on records: the OnFailure destination gets where they are in the stream; the shard goes on. */
    private void giveUp(Batch batch, String condition, int invocations, InvocationResult last) {
        Boolean functionError = last == null ? null : !last.succeeded();
        byte[] record = DynamoDbStreamEventJson.onFailure(batch, UUID.randomUUID().toString(), function.config().arn(),
                condition, invocations, functionError, clock.instant());
        String what = batch.describe() + " of shard " + batch.shardId() + " skipped (" + condition + " after "
                + invocations + (invocations == 1 ? " invocation)" : " invocations)");
        Optional<String> destination = mapping.onFailureArn();
        if (destination.isEmpty()) {
            log.problem(trigger, what + "; no OnFailure destination, so they are dropped");
        } else if (!destination.get().startsWith("arn:aws:sqs:")) {
            log.problem(trigger, what + "; OnFailure " + destination.get() + " is not emulated (SQS queues are), record dropped");
        } else {
            try {
                String queueUrl = sqs.getQueueUrl(r -> r.queueName(destination.get().split(":", 6)[5])).queueUrl();
                sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(new String(record, StandardCharsets.UTF_8)));
                log.problem(trigger, what + "; their place in the stream is in " + destination.get());
            } catch (SdkException e) {
                log.problem(trigger, what + "; could not send the OnFailure record to " + destination.get()
                        + ", it is lost: " + e.getMessage());
            }
        }
    }

    /** Waits, or less when the source is closed meanwhile. */
    private void pause(Duration duration) {
        Instant end = Instant.now().plus(duration);
        while (running && Instant.now().isBefore(end)) {
            sleep(Duration.ofMillis(Math.min(250, Duration.between(Instant.now(), end).toMillis() + 1)));
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        for (Thread thread : threads) {
            try {
                thread.join(Duration.ofSeconds(25));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        dynamo.close();
        streams.close();
    }
}
