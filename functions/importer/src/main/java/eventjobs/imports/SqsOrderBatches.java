package eventjobs.imports;

import eventjobs.core.events.EventCodec;
import eventjobs.orders.OrderPlaced;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sends orders to the orders queue with SendMessageBatch, ten a call. Entries the queue refuses
 * for its own reasons (throttling, a hiccup) are sent again, up to {@value #ATTEMPTS} times with
 * growing pauses; entries refused as the sender's fault, and those still refused at the end, are
 * returned. A failure of the whole call is thrown, so the invocation is retried.
 */
public final class SqsOrderBatches implements OrderBatches {

    static final int ATTEMPTS = 3;

    private final SqsClient sqs;
    private final String queueUrl;
    private final String source;
    private final EventCodec codec;
    private final Clock clock;
    private final Duration firstPause;

    public SqsOrderBatches(SqsClient sqs, String queueUrl, String source, EventCodec codec, Clock clock, Duration firstPause) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.source = source;
        this.codec = codec;
        this.clock = clock;
        this.firstPause = firstPause;
    }

    @Override
    public List<OrderPlaced> send(List<OrderPlaced> orders) {
        Map<String, OrderPlaced> pending = new LinkedHashMap<>();
        Map<String, String> bodies = new LinkedHashMap<>();
        for (int i = 0; i < orders.size(); i++) {
            pending.put(Integer.toString(i), orders.get(i));
            bodies.put(Integer.toString(i), codec.encode(orders.get(i).event(source, clock.instant())));
        }
        List<OrderPlaced> refused = new ArrayList<>();
        for (int attempt = 1; attempt <= ATTEMPTS && !pending.isEmpty(); attempt++) {
            if (attempt > 1) {
                pause(firstPause.multipliedBy(1L << (attempt - 2)));
            }
            List<SendMessageBatchRequestEntry> entries = pending.keySet().stream()
                    .map(id -> SendMessageBatchRequestEntry.builder().id(id).messageBody(bodies.get(id)).build())
                    .toList();
            List<BatchResultErrorEntry> failed = sqs.sendMessageBatch(r -> r.queueUrl(queueUrl).entries(entries)).failed();
            Map<String, OrderPlaced> again = new LinkedHashMap<>();
            for (BatchResultErrorEntry failure : failed) {
                OrderPlaced order = pending.get(failure.id());
                if (Boolean.TRUE.equals(failure.senderFault())) {
                    refused.add(order);
                } else {
                    again.put(failure.id(), order);
                }
            }
            pending.clear();
            pending.putAll(again);
        }
        refused.addAll(pending.values());
        return refused;
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
