package eventjobs.imports;

import eventjobs.core.events.EventCodec;
import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.aws.Queues;
import eventjobs.orders.OrderLine;
import eventjobs.orders.OrderPlaced;
import eventjobs.testkit.LocalAws;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** SendMessageBatch against ElasticMQ, with the first answers partly refused as SQS may. */
class SqsOrderBatchesTest {

    private final EmbeddedAws aws = LocalAws.shared();
    private SqsClient sqs;
    private Queues.Queue queue;

    @BeforeEach
    void setUp() {
        LocalAws.reset(aws);
        sqs = aws.sqs();
        queue = new Queues(sqs).create("OrdersQueue", Map.of());
    }

    @AfterEach
    void tearDown() {
        sqs.close();
    }

    private static List<OrderPlaced> orders(int count) {
        return IntStream.range(0, count).mapToObj(i -> new OrderPlaced("o-" + i, "c-" + i, Currency.getInstance("EUR"),
                List.of(new OrderLine("S", 1, BigDecimal.ONE)))).toList();
    }

    /** Really sends what it lets through; refuses the entries whose ids it is told to, the first time only. */
    private SqsClient refusingFirst(Set<String> refuse, boolean senderFault, List<Integer> attempts) {
        return new SqsClient() {
            private boolean refused;

            @Override
            public SendMessageBatchResponse sendMessageBatch(SendMessageBatchRequest request) {
                attempts.add(request.entries().size());
                if (refused) {
                    return sqs.sendMessageBatch(request);
                }
                refused = true;
                List<SendMessageBatchRequestEntry> through = request.entries().stream().filter(e -> !refuse.contains(e.id())).toList();
                SendMessageBatchResponse sent = sqs.sendMessageBatch(request.toBuilder().entries(through).build());
                List<BatchResultErrorEntry> failed = new ArrayList<>(sent.failed());
                refuse.forEach(id -> failed.add(BatchResultErrorEntry.builder().id(id).code("ServiceUnavailable")
                        .senderFault(senderFault).message("try again").build()));
                return sent.toBuilder().failed(failed).build();
            }

            @Override
            public String serviceName() {
                return "sqs";
            }

            @Override
            public void close() {
            }
        };
    }

    private Set<String> queuedBodies() {
        Set<String> bodies = new HashSet<>();
        for (List<software.amazon.awssdk.services.sqs.model.Message> batch; !(batch = sqs.receiveMessage(r -> r.queueUrl(queue.url())
                .maxNumberOfMessages(10).waitTimeSeconds(1)).messages()).isEmpty(); ) {
            batch.forEach(m -> bodies.add(m.body()));
        }
        return bodies;
    }

    @Test
    void send_shouldRetryOnlyTheEntriesSqsRefused_untilAllAreQueued() {
        List<Integer> attempts = new ArrayList<>();
        SqsOrderBatches batches = new SqsOrderBatches(refusingFirst(Set.of("2", "7"), false, attempts), queue.url(), "/import",
                new EventCodec(), Clock.systemUTC(), Duration.ofMillis(5));

        List<OrderPlaced> unsent = batches.send(orders(10));

        assertThat(unsent).isEmpty();
        assertThat(attempts).containsExactly(10, 2);
        assertThat(queuedBodies()).hasSize(10);
    }

    @Test
    void send_shouldReturnEntriesRefusedAsTheSendersFault_withoutRetrying() {
        List<Integer> attempts = new ArrayList<>();
        SqsOrderBatches batches = new SqsOrderBatches(refusingFirst(Set.of("4"), true, attempts), queue.url(), "/import",
                new EventCodec(), Clock.systemUTC(), Duration.ofMillis(5));

        List<OrderPlaced> unsent = batches.send(orders(10));

        assertThat(unsent).extracting(OrderPlaced::orderId).containsExactly("o-4");
        assertThat(attempts).containsExactly(10);
        assertThat(queuedBodies()).hasSize(9);
    }

    @Test
    void send_shouldThrow_whenTheWholeCallFails() {
        SqsOrderBatches batches = new SqsOrderBatches(sqs, queue.url() + "-gone", "/import", new EventCodec(),
                Clock.systemUTC(), Duration.ofMillis(5));

        assertThatThrownBy(() -> batches.send(orders(3))).isInstanceOf(SdkException.class);
    }
}
