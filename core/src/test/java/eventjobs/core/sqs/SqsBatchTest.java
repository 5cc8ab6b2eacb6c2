package eventjobs.core.sqs;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import eventjobs.core.JobFailure;
import eventjobs.testkit.LocalContext;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Batches are the JSON Lambda sends (test resources sqs/), read with the runtime's own serializers. */
class SqsBatchTest {

    private final List<String> parked = new ArrayList<>();
    private final List<String> handled = new ArrayList<>();
    private final LocalContext context = LocalContext.of("test", Duration.ofSeconds(30));

    @Test
    void process_shouldReportOnlyRetryableFailures_whenBatchMixesOutcomes() {
        SqsBatch batch = new SqsBatch((message, failure) -> parked.add(message.messageId() + ": " + failure.reason()));
        SQSEvent event = EventLoader.loadSQSEvent("sqs/standard-ok-flaky-poison.json");

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

        SQSBatchResponse response = batch.process(EventLoader.loadSQSEvent("sqs/standard-poison.json"), context,
                message -> { throw JobFailure.permanent("not an order"); });

        assertThat(failedIds(response)).containsExactly("poison");
    }

    @Test
    void process_shouldSkipRestOfGroup_whenFifoMessageFails() {
        SqsBatch batch = new SqsBatch((message, failure) -> parked.add(message.messageId()));
        SQSEvent event = EventLoader.loadSQSEvent("sqs/fifo-a2-fails.json");

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
        SQSEvent event = EventLoader.loadSQSEvent("sqs/fifo-a1-poison.json");

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

        SQSBatchResponse response = batch.process(EventLoader.loadSQSEvent("sqs/empty.json"), context, message -> handled.add(message.messageId()));

        assertThat(response.getBatchItemFailures()).isEmpty();
        assertThat(handled).isEmpty();
    }

    @Test
    void process_shouldFailPermanentlyWithReason_whenGivenAnotherTriggersEvent() {
        SqsBatch batch = new SqsBatch((message, failure) -> parked.add(message.messageId()));
        SQSEvent s3Shaped = new SQSEvent();
        SQSEvent.SQSMessage record = new SQSEvent.SQSMessage();
        record.setEventSource("aws:s3");
        s3Shaped.setRecords(List.of(record));

        assertThatThrownBy(() -> batch.process(new SQSEvent(), context, message -> handled.add(message.messageId())))
                .isInstanceOf(JobFailure.Permanent.class).hasMessage("the event is not an SQS event: it has no Records");
        assertThatThrownBy(() -> batch.process(s3Shaped, context, message -> handled.add(message.messageId())))
                .isInstanceOf(JobFailure.Permanent.class)
                .hasMessage("the event is not an SQS event: record 0 has no messageId (its eventSource is aws:s3)");
        assertThat(handled).isEmpty();
    }

    private static List<String> failedIds(SQSBatchResponse response) {
        return response.getBatchItemFailures().stream().map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).toList();
    }
}
