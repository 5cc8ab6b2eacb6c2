package eventjobs.core.sqs;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import eventjobs.core.JobFailure;
import eventjobs.testkit.LocalContext;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SqsBatchTest {

    private static final String STANDARD = "arn:aws:sqs:us-east-1:000000000000:orders";
    private static final String FIFO = "arn:aws:sqs:us-east-1:000000000000:orders.fifo";

    private final List<String> parked = new ArrayList<>();
    private final List<String> handled = new ArrayList<>();
    private final LocalContext context = LocalContext.of("test", Duration.ofSeconds(30));

    @Test
    void process_shouldReportOnlyRetryableFailures_whenBatchMixesOutcomes() {
        SqsBatch batch = new SqsBatch((message, failure) -> parked.add(message.messageId() + ": " + failure.reason()));
        SQSEvent event = event(STANDARD, message("ok", null), message("flaky", null), message("poison", null));

        SQSBatchResponse response = batch.process(event, context, message -> {
            handled.add(message.messageId());
            switch (message.body()) {
                case "flaky" -> throw new IllegalStateException("dependency down");
                case "poison" -> throw JobFailure.permanent("not an order");
                default -> { }
            }
        });

        assertThat(failedIds(response)).containsExactly("flaky");
        assertThat(parked).containsExactly("poison: not an order");
        assertThat(handled).containsExactly("ok", "flaky", "poison");
    }

    @Test
    void process_shouldReportPermanentFailureAsFailed_whenDeadLetterQueueCannotTakeIt() {
        SqsBatch batch = new SqsBatch((message, failure) -> { throw new IllegalStateException("DLQ unreachable"); });

        SQSBatchResponse response = batch.process(event(STANDARD, message("poison", null)), context,
                message -> { throw JobFailure.permanent("not an order"); });

        assertThat(failedIds(response)).containsExactly("poison");
    }

    @Test
    void process_shouldSkipRestOfGroup_whenFifoMessageFails() {
        SqsBatch batch = new SqsBatch((message, failure) -> parked.add(message.messageId()));
        SQSEvent event = event(FIFO, message("a1", "a"), message("b1", "b"), message("a2-fails", "a"),
                message("a3", "a"), message("b2", "b"));

        SQSBatchResponse response = batch.process(event, context, message -> {
            handled.add(message.messageId());
            if (message.body().endsWith("fails")) {
                throw new IllegalStateException("boom");
            }
        });

        assertThat(handled).containsExactly("a1", "b1", "a2-fails", "b2");
        assertThat(failedIds(response)).containsExactly("a2-fails", "a3");
    }

    @Test
    void process_shouldKeepGoingInGroup_whenFifoMessageIsDeadLettered() {
        SqsBatch batch = new SqsBatch((message, failure) -> parked.add(message.messageId()));
        SQSEvent event = event(FIFO, message("a1-poison", "a"), message("a2", "a"));

        SQSBatchResponse response = batch.process(event, context, message -> {
            handled.add(message.messageId());
            if (message.body().endsWith("poison")) {
                throw JobFailure.permanent("bad");
            }
        });

        assertThat(failedIds(response)).isEmpty();
        assertThat(parked).containsExactly("a1-poison");
        assertThat(handled).containsExactly("a1-poison", "a2");
    }

    @Test
    void process_shouldSucceedWithNoFailures_whenBatchIsEmpty() {
        SqsBatch batch = new SqsBatch((message, failure) -> parked.add(message.messageId()));

        SQSBatchResponse response = batch.process(new SQSEvent(), context, message -> handled.add(message.messageId()));

        assertThat(response.getBatchItemFailures()).isEmpty();
        assertThat(handled).isEmpty();
    }

    private static List<String> failedIds(SQSBatchResponse response) {
        return response.getBatchItemFailures().stream().map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).toList();
    }

    private static SQSEvent.SQSMessage message(String id, String group) {
        SQSEvent.SQSMessage message = new SQSEvent.SQSMessage();
        message.setMessageId(id);
        message.setBody(id);
        message.setAttributes(group == null ? Map.of("ApproximateReceiveCount", "1")
                : Map.of("ApproximateReceiveCount", "1", "MessageGroupId", group));
        return message;
    }

    private static SQSEvent event(String arn, SQSEvent.SQSMessage... messages) {
        for (SQSEvent.SQSMessage message : messages) {
            message.setEventSourceArn(arn);
        }
        SQSEvent event = new SQSEvent();
        event.setRecords(List.of(messages));
        return event;
    }
}
