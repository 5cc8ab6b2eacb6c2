package eventjobs.orders.legacy;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.RabbitMQEvent;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;
import eventjobs.core.DeadLetter;
import eventjobs.core.Env;
import eventjobs.core.JobFailure;
import eventjobs.core.Log;
import eventjobs.core.async.FailureQueue;
import eventjobs.core.async.SqsFailureQueue;
import eventjobs.core.aws.AwsClients;
import eventjobs.core.events.EventCodec;
import eventjobs.core.snapstart.Priming;
import eventjobs.orders.DynamoDbOrderStore;
import eventjobs.orders.SqsOrderQueue;
import eventjobs.orders.api.PlaceOrder;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * LegacyOrdersFunction: order commands a legacy shop publishes on the RabbitMQ queue
 * {@code legacy-orders}, read through an Amazon MQ event source mapping ({@code aws:rmq}) and
 * placed as {@code POST /orders} places them ({@link PlaceLegacyOrder}), once per AMQP message id.
 *
 * <p>Failures follow Lambda's rule for RabbitMQ, where the function cannot fail one message of a
 * batch: any exception returns the whole batch to the broker, which redelivers it (the messages
 * placed before are absorbed as duplicates) until the broker's delivery limit parks it through
 * its dead-letter exchange. So a message that can never be placed (no message id, not JSON, an
 * invalid order, a message id reused for another order) is not thrown: it is parked at once on
 * LegacyOrdersDLQ, as a one-message {@code aws:rmq} event with {@code failure-*} attributes
 * (replayable by invoking this function with it), and the rest of the batch goes on. Only
 * retryable failures (DynamoDB or SQS unavailable) fail the batch.
 * Environment: {@code ORDERS_TABLE}, {@code ORDERS_QUEUE_URL}, {@code FAILURES_QUEUE_URL}.
 */
public class LegacyOrdersHandler implements RequestHandler<RabbitMQEvent, Void> {

    private static final JsonMapper JSON = JsonMapper.shared();

    private final PlaceLegacyOrder placeLegacyOrder;
    private final FailureQueue failures;
    private final Clock clock;

    /** Set by the Lambda constructor only: keeps the SnapStart hooks referenced (CRaC holds them weakly). */
    private Priming priming;

    /** Used by Lambda: builds the clients once per execution environment. */
    public LegacyOrdersHandler() {
        Env env = Env.fromSystem();
        AwsClients aws = AwsClients.fromEnvironment();
        Clock clock = Clock.systemUTC();
        EventCodec codec = new EventCodec();
        PlaceOrder placeOrder = new PlaceOrder(new DynamoDbOrderStore(aws.dynamoDb(), env.require("ORDERS_TABLE")),
                new SqsOrderQueue(aws.sqs(), env.require("ORDERS_QUEUE_URL"), "/legacy-orders", codec, clock), codec, clock);
        this(new PlaceLegacyOrder(placeOrder), new SqsFailureQueue(aws.sqs(), env.require("FAILURES_QUEUE_URL")), clock);
        this.priming = Priming.register(aws, Priming.dynamoDb(), Priming.sqs());
    }

    public LegacyOrdersHandler(PlaceLegacyOrder placeLegacyOrder, FailureQueue failures, Clock clock) {
        this.placeLegacyOrder = placeLegacyOrder;
        this.failures = failures;
        this.clock = clock;
    }

    @Override
    public Void handleRequest(RabbitMQEvent event, Context context) {
        if (event == null || event.getRmqMessagesByQueue() == null || event.getRmqMessagesByQueue().isEmpty()) {
            throw new IllegalArgumentException("the event is not an Amazon MQ for RabbitMQ event: it has no rmqMessagesByQueue");
        }
        for (Map.Entry<String, List<RabbitMQEvent.RabbitMessage>> queue : event.getRmqMessagesByQueue().entrySet()) {
            for (RabbitMQEvent.RabbitMessage message : queue.getValue()) {
                Optional<String> messageId = Optional.ofNullable(message.getBasicProperties())
                        .map(RabbitMQEvent.BasicProperties::getMessageId);
                try {
                    LegacyOrder order = LegacyOrder.read(queue.getKey(), messageId, message.getData());
                    PlaceLegacyOrder.Placed placed = placeLegacyOrder.apply(order);
                    Log.line(context, LogLevel.INFO, "message " + order.messageId() + " from " + queue.getKey()
                            + (placed.duplicate() ? ": order " + placed.orderId() + " was placed before (duplicate delivery)"
                            : ": order " + placed.orderId() + " placed"));
                } catch (JobFailure.Permanent failure) {
                    failures.park(single(event, queue.getKey(), message), DeadLetter.of(failure,
                            new DeadLetter.Origin.Invocation(context.getFunctionName(), context.getAwsRequestId()), clock.instant()));
                    Log.line(context, LogLevel.WARN, "message " + messageId.orElse("(no message-id)") + " from "
                            + queue.getKey() + " parked on the failures queue: " + failure.reason());
                }
            }
        }
        return null;
    }

    /** The event this function would get for {@code message} alone: what a replay invokes it with. */
    private static String single(RabbitMQEvent event, String queue, RabbitMQEvent.RabbitMessage message) {
        ObjectNode single = JSON.createObjectNode().put("eventSource", event.getEventSource())
                .put("eventSourceArn", event.getEventSourceArn());
        single.putObject("rmqMessagesByQueue").putArray(queue).add(JSON.valueToTree(message));
        return JSON.writeValueAsString(single);
    }
}
