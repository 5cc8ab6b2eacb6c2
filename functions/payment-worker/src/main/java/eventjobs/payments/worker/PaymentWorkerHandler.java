package eventjobs.payments.worker;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;
import eventjobs.core.Env;
import eventjobs.core.Log;
import eventjobs.core.aws.AwsClients;
import eventjobs.core.snapstart.Priming;
import eventjobs.core.events.EventCodec;
import eventjobs.core.sqs.SqsBatch;
import eventjobs.core.sqs.SqsDeadLetters;
import eventjobs.orders.DynamoDbOrderStore;
import eventjobs.payments.PaymentCaptured;
import eventjobs.payments.PaymentEvent;

import java.time.Clock;

/**
 * PaymentWorkerFunction: consumes the payment events PaymentsWebhookFunction queued on
 * PaymentsQueue. A {@value PaymentEvent#CAPTURED} marks its order PAID ({@link CapturePayment});
 * every other type is acknowledged and ignored with a log line, since a provider sends whatever
 * its webhook subscribes to and none of it is lost by ignoring it (subscribe to
 * {@value PaymentEvent#CAPTURED} only). A message that is not a valid payment event, or a payment
 * that cannot apply, goes to PaymentsDLQ with its reason; a failed write is retried by SQS.
 * Environment: {@code ORDERS_TABLE}.
 */
public class PaymentWorkerHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {

    private final SqsBatch batch;
    private final EventCodec codec;
    private final CapturePayment capturePayment;

    /** Set by the Lambda constructor only: keeps the SnapStart hooks referenced (CRaC holds them weakly). */
    private Priming priming;

    /** Used by Lambda: builds the clients once per execution environment. */
    public PaymentWorkerHandler() {
        Env env = Env.fromSystem();
        AwsClients aws = AwsClients.fromEnvironment();
        Clock clock = Clock.systemUTC();
        this(new SqsBatch(new SqsDeadLetters(aws.sqs(), clock)), new EventCodec(),
                new CapturePayment(new DynamoDbOrderStore(aws.dynamoDb(), env.require("ORDERS_TABLE")), clock));
        this.priming = Priming.register(aws, Priming.dynamoDb(), Priming.sqs());
    }

    public PaymentWorkerHandler(SqsBatch batch, EventCodec codec, CapturePayment capturePayment) {
        this.batch = batch;
        this.codec = codec;
        this.capturePayment = capturePayment;
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return batch.process(event, context, message -> {
            PaymentEvent payment = PaymentEvent.fromData(codec.decode(message.body(), PaymentEvent.TYPE).data());
            if (!PaymentEvent.CAPTURED.equals(payment.type())) {
                Log.line(context, LogLevel.INFO, "payment event " + payment.id() + " of type " + payment.type()
                        + " ignored: only " + PaymentEvent.CAPTURED + " is applied");
                return;
            }
            CapturePayment.Result result = capturePayment.apply(PaymentCaptured.from(payment));
            Log.line(context, LogLevel.INFO, "order " + result.orderId() + " PAID by payment " + result.paymentId()
                    + (result.duplicate() ? " (duplicate delivery, already paid)" : ""));
        });
    }
}
