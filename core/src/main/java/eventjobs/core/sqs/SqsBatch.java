package eventjobs.core.sqs;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;
import eventjobs.core.JobFailure;
import eventjobs.core.Log;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Runs a job over an SQS batch and answers with a partial batch response, so that only the
 * messages that failed are retried. Requires {@code FunctionResponseTypes: [ReportBatchItemFailures]}
 * on the function's SQS event.
 *
 * <p>Per message:
 * <ul>
 *   <li>returns normally: done, SQS deletes it;</li>
 *   <li>throws {@link JobFailure.Permanent}: parked on the dead-letter queue with its reason at
 *       once and not reported as failed, so it burns no retries; if parking fails it is reported
 *       as failed instead, so nothing is lost;</li>
 *   <li>throws anything else: reported in {@code batchItemFailures}, SQS redelivers it after the
 *       visibility timeout and moves it to the DLQ after {@code maxReceiveCount} receives.</li>
 * </ul>
 * On a FIFO queue, once a message of a group fails, the rest of that group in the batch is
 * reported as failed without being processed, which keeps the group in order
 * (<a href="https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html">AWS docs</a>).
 *
 * <p>Thread-safe; messages of one batch are processed one after another, in order.
 */
public final class SqsBatch {

    private final DeadLetters deadLetters;

    public SqsBatch(DeadLetters deadLetters) {
        this.deadLetters = deadLetters;
    }

    /** The outcome of one batch, for logs and tests. */
    public record Summary(int succeeded, int deadLettered, int failed) {}

    /**
     * @throws JobFailure.Permanent when the event is not an SQS event (another trigger's event, or
     *                              no event at all): there is no message to park, so the invocation fails with the reason
     */
    public SQSBatchResponse process(SQSEvent event, Context context, MessageHandler handler) {
        if (event == null || event.getRecords() == null) {
            throw JobFailure.permanent("the event is not an SQS event: it has no Records");
        }
        List<SQSEvent.SQSMessage> records = event.getRecords();
        for (int i = 0; i < records.size(); i++) {
            if (records.get(i) == null || records.get(i).getMessageId() == null) {
                String source = records.get(i) == null ? null : records.get(i).getEventSource();
                throw JobFailure.permanent("the event is not an SQS event: record " + i + " has no messageId"
                        + (source == null ? "" : " (its eventSource is " + source + ")"));
            }
        }
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        Set<String> failedGroups = new HashSet<>();
        int succeeded = 0;
        int deadLettered = 0;
        for (SQSEvent.SQSMessage record : records) {
            QueueMessage message = QueueMessage.from(record);
            String group = message.fromFifoQueue() ? message.messageGroupId().orElse("") : null;
            if (group != null && failedGroups.contains(group)) {
                failures.add(failure(message));
                continue;
            }
            switch (run(handler, message, context)) {
                case SUCCEEDED -> succeeded++;
                case DEAD_LETTERED -> deadLettered++;
                case FAILED -> {
                    failures.add(failure(message));
                    if (group != null) {
                        failedGroups.add(group);
                    }
                }
            }
        }
        Summary summary = new Summary(succeeded, deadLettered, failures.size());
        Log.line(context, LogLevel.INFO, "batch done: " + records.size() + " messages, " + summary);
        return SQSBatchResponse.builder().withBatchItemFailures(failures).build();
    }

    private enum Outcome { SUCCEEDED, DEAD_LETTERED, FAILED }

    private Outcome run(MessageHandler handler, QueueMessage message, Context context) {
        try {
            handler.handle(message);
            return Outcome.SUCCEEDED;
        } catch (JobFailure.Permanent permanent) {
            try {
                deadLetters.park(message, permanent);
                Log.line(context, LogLevel.WARN, "message " + message.messageId() + " dead-lettered: " + permanent.reason());
                return Outcome.DEAD_LETTERED;
            } catch (RuntimeException parkFailed) {
                Log.line(context, LogLevel.ERROR, "message " + message.messageId() + " failed permanently ("
                        + permanent.reason() + ") but could not be dead-lettered, leaving it to SQS redrive: "
                        + parkFailed);
                return Outcome.FAILED;
            }
        } catch (Exception retryable) {
            Log.line(context, LogLevel.WARN, "message " + message.messageId() + " will be retried (receive "
                    + message.receiveCount() + "): " + retryable);
            return Outcome.FAILED;
        }
    }

    private static SQSBatchResponse.BatchItemFailure failure(QueueMessage message) {
        return SQSBatchResponse.BatchItemFailure.builder().withItemIdentifier(message.messageId()).build();
    }
}
