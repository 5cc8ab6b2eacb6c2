package eventjobs.orders;

import eventjobs.core.events.EventCodec;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.time.Clock;

/**
 * Sends OrderPlaced events to the orders queue, validated against their schema.
 */
public final class SqsOrderQueue implements OrderQueue {

    private final SqsClient sqs;
    private final String queueUrl;
    private final String source;
    private final EventCodec codec;
    private final Clock clock;

    /** @param source the CloudEvents source of the producer, e.g. {@code /orders-api} */
    public SqsOrderQueue(SqsClient sqs, String queueUrl, String source, EventCodec codec, Clock clock) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.source = source;
        this.codec = codec;
        this.clock = clock;
    }

    @Override
    public void send(OrderPlaced order) {
        String body = codec.encode(order.event(source, clock.instant()));
        sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(body));
    }
}
