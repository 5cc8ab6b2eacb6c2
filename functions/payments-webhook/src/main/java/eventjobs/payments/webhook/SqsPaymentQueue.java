package eventjobs.payments.webhook;

import eventjobs.core.events.EventCodec;
import eventjobs.payments.PaymentEvent;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.time.Clock;

/** Sends payment events to PaymentsQueue as {@code eventjobs.payment.received} CloudEvents, validated. Thread-safe. */
public final class SqsPaymentQueue implements PaymentQueue {

    private final SqsClient sqs;
    private final String queueUrl;
    private final EventCodec codec;
    private final Clock clock;

    public SqsPaymentQueue(SqsClient sqs, String queueUrl, EventCodec codec, Clock clock) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.codec = codec;
        this.clock = clock;
    }

    @Override
    public void send(PaymentEvent event) {
        String body = codec.encode(event.event("/webhooks/payments", clock.instant()));
        sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(body));
    }
}
