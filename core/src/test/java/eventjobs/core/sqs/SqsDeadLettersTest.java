package eventjobs.core.sqs;

import eventjobs.core.DeadLetter;
import eventjobs.core.JobFailure;
import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.aws.Queues;
import eventjobs.testkit.LocalAws;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Against ElasticMQ: the DLQ is found through the source queue's RedrivePolicy, as SQS would. */
class SqsDeadLettersTest {

    private final EmbeddedAws aws = LocalAws.shared();
    private SqsClient sqs;
    private final Clock clock = Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC);

    @BeforeEach
    void setUp() {
        LocalAws.reset(aws);
        sqs = aws.sqs();
    }

    @AfterEach
    void tearDown() {
        sqs.close();
    }

    @Test
    void park_shouldSendMessageWithReasonToRedriveTarget() {
        Queues queues = new Queues(sqs);
        Queues.Queue dlq = queues.create("orders-dlq", Map.of());
        Queues.Queue source = queues.createWithRedrive("orders", dlq, 5, 30);
        QueueMessage message = new QueueMessage("m-1", "{\"not\":\"an order\"}", Map.of("traceparent", "00-abc"),
                3, Optional.empty(), source.arn());

        new SqsDeadLetters(sqs, clock).park(message, JobFailure.permanent("data.currency: must be one of EUR, USD"));

        List<Message> parked = sqs.receiveMessage(r -> r.queueUrl(dlq.url()).messageAttributeNames("All")
                .waitTimeSeconds(1)).messages();
        assertThat(parked).hasSize(1);
        Map<String, MessageAttributeValue> attributes = parked.getFirst().messageAttributes();
        assertThat(parked.getFirst().body()).isEqualTo("{\"not\":\"an order\"}");
        assertThat(attributes.get(DeadLetter.REASON).stringValue()).isEqualTo("data.currency: must be one of EUR, USD");
        assertThat(attributes.get(DeadLetter.TYPE).stringValue()).isEqualTo("Permanent");
        assertThat(attributes.get(DeadLetter.SOURCE_QUEUE).stringValue()).isEqualTo(source.arn());
        assertThat(attributes.get(DeadLetter.MESSAGE_ID).stringValue()).isEqualTo("m-1");
        assertThat(attributes.get(DeadLetter.RECEIVE_COUNT).stringValue()).isEqualTo("3");
        assertThat(attributes.get(DeadLetter.FAILED_AT).stringValue()).isEqualTo("2026-01-02T03:04:05Z");
        assertThat(attributes.get("traceparent").stringValue()).isEqualTo("00-abc");
    }

    @Test
    void park_shouldThrow_whenSourceQueueHasNoRedrivePolicy() {
        Queues.Queue source = new Queues(sqs).create("no-dlq", Map.of());
        QueueMessage message = new QueueMessage("m-1", "x", Map.of(), 1, Optional.empty(), source.arn());

        assertThatThrownBy(() -> new SqsDeadLetters(sqs, clock).park(message, JobFailure.permanent("bad")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no RedrivePolicy");
    }
}
