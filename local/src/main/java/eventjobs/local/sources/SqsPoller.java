package eventjobs.local.sources;

import eventjobs.local.runtime.FunctionPool;
import eventjobs.local.runtime.InvocationResult;
import eventjobs.local.template.EventProperties;
import eventjobs.local.template.SamTemplate;
import eventjobs.local.template.Specs;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * An SQS event source mapping, as Lambda runs it
 * (<a href="https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html">AWS docs</a>):
 * pollers receive batches of up to BatchSize messages (waiting up to MaximumBatchingWindowInSeconds
 * to fill one), invoke the function synchronously, and delete what succeeded. On an error,
 * timeout or crash nothing is deleted: the visibility timeout brings the messages back and the
 * queue's redrive policy moves them to its DLQ. Like Lambda, it scales with the backlog: one
 * poller to start, another each time a full batch arrives, up to MaximumConcurrency (or
 * {@value #DEFAULT_CONCURRENCY}); a poller that finds the queue empty stops while others run.
 * Thread-safe; {@link #close()} stops the pollers.
 */
final class SqsPoller implements EventSource {

    /** SQS events ({@code Type: SQS}): one poller per mapping. */
    static final EventSource.Kind<Mapping> KIND = new EventSource.Kind<>(Mapping::read, SqsPoller::create);

    /** How many batches Lambda processes at once for a queue when the mapping sets no limit. */
    private static final int DEFAULT_CONCURRENCY = 5;

    /** An SQS event source mapping (<a href="https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html">AWS docs</a>). */
    record Mapping(String name, String queueLogicalId, int batchSize, Duration batchingWindow,
                   boolean reportBatchItemFailures, OptionalInt maximumConcurrency, boolean enabled)
            implements EventSource.Event {

        static Mapping read(EventProperties properties) {
            return new Mapping(properties.name(), properties.queue("Queue"), properties.integer("BatchSize", 10),
                    Duration.ofSeconds(properties.integer("MaximumBatchingWindowInSeconds", 0)),
                    properties.strings("FunctionResponseTypes").contains("ReportBatchItemFailures"),
                    properties.nested("ScalingConfig").integer("MaximumConcurrency"), properties.flag("Enabled", true));
        }
    }

    private final SqsClient sqs;
    private final Mapping mapping;
    private final String queueUrl;
    private final String queueArn;
    private final String queueName;
    private final FunctionPool function;
    private final InvocationLog log;
    private final Clock clock;
    private final DeliveryFaults faults;
    private final List<Thread> pollers = new CopyOnWriteArrayList<>();
    /** Receipt handles of received messages not deleted yet, by message id. */
    private final Map<String, String> held = new ConcurrentHashMap<>();
    private final AtomicInteger active = new AtomicInteger();
    private final int maxPollers;
    private volatile boolean running = true;

    SqsPoller(SqsClient sqs, Mapping mapping, Specs.Queue queue, String queueUrl, FunctionPool function,
              InvocationLog log, Clock clock) {
        this(sqs, mapping, queue, queueUrl, function, log, clock, DeliveryFaults.NONE);
    }

    SqsPoller(SqsClient sqs, Mapping mapping, Specs.Queue queue, String queueUrl, FunctionPool function,
              InvocationLog log, Clock clock, DeliveryFaults faults) {
        this.faults = faults;
        this.sqs = sqs;
        this.mapping = mapping;
        this.queueUrl = queueUrl;
        this.queueArn = queue.arn();
        this.queueName = queue.name();
        this.function = function;
        this.log = log;
        this.clock = clock;
        this.maxPollers = Math.min(mapping.maximumConcurrency().orElse(DEFAULT_CONCURRENCY), function.config().maxInstances());
    }

    private static EventSource create(List<Subscription<Mapping>> mappings, Context context) {
        return EventSource.all(mappings.stream().map(m -> {
            Specs.Queue queue = context.template().queue(m.event().queueLogicalId()).orElseThrow();
            return new SqsPoller(context.sqs(), m.event(), queue, context.template().queueUrl(queue.logicalId()),
                    m.function().pool(), context.log(), context.clock(), context.faults());
        }).toList());
    }

    /** Starts the pollers; a disabled mapping (Enabled: false) starts none. */
    @Override
    public void start() {
        if (!mapping.enabled()) {
            return;
        }
        active.set(1);
        spawn();
    }

    private void spawn() {
        pollers.add(Thread.ofVirtual().name("sqs-" + queueName + "-" + pollers.size()).start(this::poll));
    }

    private void poll() {
        while (running) {
            try {
                List<Message> batch = receiveBatch();
                if (batch.isEmpty()) {
                    int now = active.get();
                    if (now > 1 && active.compareAndSet(now, now - 1)) {
                        return;
                    }
                    continue;
                }
                int now = active.get();
                if (batch.size() >= Math.min(10, mapping.batchSize()) && now < maxPollers
                        && active.compareAndSet(now, now + 1)) {
                    spawn();
                }
                if (running) {
                    process(batch);
                }
            } catch (SdkException e) {
                if (running) {
                    sleep(Duration.ofSeconds(1));
                }
            } catch (RuntimeException e) {
                // never let one bad batch end the mapping: its messages come back after the visibility timeout
                log.problem("sqs:" + queueName, "the mapping to " + function.config().name()
                        + " failed on a batch and goes on (its messages return after the visibility timeout): " + e);
                sleep(Duration.ofSeconds(1));
            }
        }
    }

    private List<Message> receiveBatch() {
        List<Message> batch = new ArrayList<>();
        Instant windowEnd = Instant.MAX;
        while (running && batch.size() < mapping.batchSize()) {
            int waitSeconds;
            if (batch.isEmpty()) {
                // a short long-poll, so that close() is never kept waiting long
                waitSeconds = 2;
            } else {
                long left = Duration.between(clock.instant(), windowEnd).toMillis();
                if (left <= 0) {
                    break;
                }
                waitSeconds = (int) Math.min(20, (left + 999) / 1000);
            }
            int want = Math.min(10, mapping.batchSize() - batch.size());
            List<Message> received = sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(want)
                    .waitTimeSeconds(waitSeconds)
                    .messageSystemAttributeNames(MessageSystemAttributeName.ALL)
                    .messageAttributeNames("All")).messages();
            if (batch.isEmpty()) {
                if (received.isEmpty()) {
                    return batch;
                }
                windowEnd = clock.instant().plus(mapping.batchingWindow());
            }
            received.forEach(message -> held.put(message.messageId(), message.receiptHandle()));
            batch.addAll(received);
            if (mapping.batchingWindow().isZero()) {
                break;
            }
        }
        return batch;
    }

    private void process(List<Message> batch) {
        byte[] event = SqsEventJson.event(batch, queueArn, SamTemplate.REGION);
        if (!faults.duplicate(function.config().name(), "sqs:" + queueName)) {
            settle(batch, event, "");
            return;
        }
        // the same messages, with the same receipt handles, to a second invocation at the same time
        Thread twin = Thread.ofVirtual().name("sqs-" + queueName + "-duplicate").start(() -> {
            try {
                settle(batch, event, " (duplicate delivery)");
            } catch (RuntimeException e) {
                log.problem("sqs:" + queueName, "a duplicate delivery to " + function.config().name() + " failed: " + e);
            }
        });
        try {
            settle(batch, event, "");
        } finally {
            try {
                twin.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Invokes the function with one batch and deletes what succeeded. */
    private void settle(List<Message> batch, byte[] event, String note) {
        InvocationResult result = function.invoke(event);
        Set<String> ids = batch.stream().map(Message::messageId).collect(Collectors.toSet());
        List<Message> done;
        String detail;
        if (!result.succeeded()) {
            done = List.of();
            detail = batch.size() + " messages, none deleted (they return after the visibility timeout)";
        } else if (!mapping.reportBatchItemFailures()) {
            done = batch;
            detail = batch.size() + " messages";
        } else {
            Optional<Set<String>> failed = BatchResponse.failedIds(result.payload(), ids);
            if (failed.isEmpty()) {
                done = List.of();
                detail = batch.size() + " messages, invalid batchItemFailures response: whole batch failed";
            } else {
                done = batch.stream().filter(m -> !failed.get().contains(m.messageId())).toList();
                detail = batch.size() + " messages" + (failed.get().isEmpty() ? "" : ", " + failed.get().size() + " failed");
            }
        }
        log.invoked(function.config().name(), "sqs:" + queueName, result, detail + note,
                batch.stream().map(Message::messageId).toList());
        delete(done);
    }

    private void delete(List<Message> messages) {
        for (int from = 0; from < messages.size(); from += 10) {
            List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
            for (Message message : messages.subList(from, Math.min(messages.size(), from + 10))) {
                entries.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(entries.size()))
                        .receiptHandle(message.receiptHandle()).build());
            }
            sqs.deleteMessageBatch(r -> r.queueUrl(queueUrl).entries(entries));
        }
        messages.forEach(message -> held.remove(message.messageId()));
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
        for (Thread poller : pollers) {
            try {
                poller.join(Duration.ofSeconds(25));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        release();
    }

    /**
     * A graceful stop gives back what the mapping still holds: messages in flight, or waiting out
     * their visibility timeout after a failed batch, are visible again at once (so a state
     * snapshot keeps them). A handle that went stale (the message was received again or moved to
     * its DLQ) is refused by SQS, which is fine.
     */
    private void release() {
        List<String> handles = List.copyOf(held.values());
        for (int from = 0; from < handles.size(); from += 10) {
            List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
            for (String handle : handles.subList(from, Math.min(handles.size(), from + 10))) {
                entries.add(ChangeMessageVisibilityBatchRequestEntry.builder().id(Integer.toString(entries.size()))
                        .receiptHandle(handle).visibilityTimeout(0).build());
            }
            try {
                sqs.changeMessageVisibilityBatch(r -> r.queueUrl(queueUrl).entries(entries));
            } catch (SdkException endpointGone) {
                return;
            }
        }
        held.clear();
    }
}
