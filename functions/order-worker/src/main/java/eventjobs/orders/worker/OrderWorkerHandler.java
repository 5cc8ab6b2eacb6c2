package eventjobs.orders.worker;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;
import eventjobs.core.Env;
import eventjobs.core.JobFailure;
import eventjobs.core.Log;
import eventjobs.core.aws.AwsClients;
import eventjobs.core.events.EventCodec;
import eventjobs.core.snapstart.Priming;
import eventjobs.core.sqs.SqsBatch;
import eventjobs.core.sqs.SqsDeadLetters;
import eventjobs.orders.DynamoDbOrderStore;
import eventjobs.orders.OrderPlaced;

import java.time.Clock;
import java.time.Instant;

/**
 * OrderWorkerFunction: consumes OrderPlaced events from OrdersQueue and decides each order once.
 * A message that is not a valid OrderPlaced goes to OrdersDLQ with its reason; a failed write is
 * retried by SQS. Environment: {@code ORDERS_TABLE}, optional {@code ORDER_LIMITS}
 * ({@code EUR=10000,USD=10000,...}).
 */
public class OrderWorkerHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {

    private final SqsBatch batch;
    private final EventCodec codec;
    private final ConfirmOrder confirmOrder;

    /** Set by the Lambda constructor only: keeps the SnapStart hooks referenced (CRaC holds them weakly). */
    private Priming priming;

    /** Used by Lambda: builds the clients once per execution environment. */
    public OrderWorkerHandler() {
        Env env = Env.fromSystem();
        AwsClients aws = AwsClients.fromEnvironment();
        Clock clock = Clock.systemUTC();
        Pricing pricing = env.optional("ORDER_LIMITS").map(Pricing::parse).orElseGet(Pricing::withDefaultLimits);
        DynamoDbOrderStore store = new DynamoDbOrderStore(aws.dynamoDb(), env.require("ORDERS_TABLE"));
        if (unconditionalDecisions(env)) {
            System.err.println("WARN " + UNCONDITIONAL_DECISIONS + " is set: decisions are written WITHOUT their condition,"
                    + " duplicate deliveries are applied again (test switch, local endpoints only)");
            store = store.withoutDecisionCondition();
        }
        EventCodec codec = new EventCodec();
        this(new SqsBatch(new SqsDeadLetters(aws.sqs(), clock)), codec, new ConfirmOrder(store, pricing, clock));
        this.priming = Priming.register(aws, Priming.events(codec, () -> OrderPlaced.sample().event("/priming", Instant.EPOCH)),
                Priming.dynamoDb(), Priming.sqs());
    }

    /**
     * Test switch: when set, and only against a local endpoint, decisions are written without their
     * condition. {@code make soak -- --break-idempotency} sets it to show that the soak's check
     * catches the duplicate effects that follow. Not declared in the template.
     */
    static final String UNCONDITIONAL_DECISIONS = "EVENTJOBS_TEST_UNCONDITIONAL_DECISIONS";

    static boolean unconditionalDecisions(Env env) {
        boolean local = env.optional(AwsClients.ENDPOINT_VARIABLE).or(() -> env.optional("AWS_ENDPOINT_URL")).isPresent();
        return local && env.optional(UNCONDITIONAL_DECISIONS).filter("true"::equals).isPresent();
    }

    public OrderWorkerHandler(SqsBatch batch, EventCodec codec, ConfirmOrder confirmOrder) {
        this.batch = batch;
        this.codec = codec;
        this.confirmOrder = confirmOrder;
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return batch.process(event, context, message -> {
            OrderPlaced order;
            try {
                order = OrderPlaced.fromData(codec.decode(message.body(), OrderPlaced.TYPE).data());
            } catch (OrderPlaced.InvalidOrder invalid) {
                throw JobFailure.permanent(invalid.getMessage());
            }
            ConfirmOrder.Result result = confirmOrder.apply(order);
            Log.line(context, LogLevel.INFO, "order " + result.orderId() + " " + result.status()
                    + (result.duplicate() ? " (duplicate delivery, already decided)" : ""));
        });
    }
}
