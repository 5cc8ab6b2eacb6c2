package eventjobs.local.sources;

import eventjobs.local.runtime.FunctionPool;
import eventjobs.local.runtime.InvocationResult;
import eventjobs.local.template.Specs;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
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
public final class SqsPoller implements AutoCloseable {

    /** How many batches Lambda processes at once for a queue when the mapping sets no limit. */
    private static final int DEFAULT_CONCURRENCY = 5;

    private final SqsClient sqs;
    private final Specs.SqsEvent mapping;
    private final String queueUrl;
    private final String queueArn;
    private final String queueName;
    private final FunctionPool function;
    private final InvocationLog log;
    private final List<Thread> pollers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicInteger active = new java.util.concurrent.atomic.AtomicInteger();
    private int maxPollers;
    private volatile boolean running = true;

    public SqsPoller(SqsClient sqs, Specs.SqsEvent mapping, String queueUrl, String queueArn, FunctionPool function,
                     InvocationLog log) {
        this.sqs = sqs;
        this.mapping = mapping;
        this.queueUrl = queueUrl;
        this.queueArn = queueArn;
        this.queueName = queueArn.substring(queueArn.lastIndexOf(':') + 1);
        this.function = function;
        this.log = log;
    }

    /** Starts the pollers; a disabled mapping (Enabled: false) starts none. */
    public SqsPoller start() {
        if (!mapping.enabled()) {
            return this;
        }
        maxPollers = Math.min(mapping.maximumConcurrency().orElse(DEFAULT_CONCURRENCY), function.config().maxInstances());
        active.set(1);
        spawn();
        return this;
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
                System.err.println("eventjobs-local: SQS mapping of " + queueName + " to " + function.config().name()
                        + " failed on a batch and goes on: " + e);
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
                long left = Duration.between(Instant.now(), windowEnd).toMillis();
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
                windowEnd = Instant.now().plus(mapping.batchingWindow());
            }
            batch.addAll(received);
            if (mapping.batchingWindow().isZero()) {
                break;
            }
        }
        return batch;
    }

    private void process(List<Message> batch) {
        byte[] event = SqsEventJson.event(batch, queueArn, "us-east-1");
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
        log.invoked(function.config().name(), "sqs:" + queueName, result, detail);
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
    }
}
