package eventjobs.orders.legacy;

import eventjobs.core.JobFailure;
import eventjobs.core.api.ApiError;
import eventjobs.core.events.Violation;
import eventjobs.orders.api.PlaceOrder;

import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Places a legacy order command the way {@code POST /orders} places a request ({@link PlaceOrder}):
 * validated, recorded ACCEPTED once, its OrderPlaced queued for OrderWorkerFunction. The AMQP
 * message id is the idempotency key and the queue the caller, so a redelivered or republished
 * command places nothing new. What a request would get a 4xx for is a permanent failure here
 * (an invalid order, a message id reused for another order); a 503 (recorded, not queued) is
 * retryable, and the retry queues it.
 */
public final class PlaceLegacyOrder {

    /** The order a command placed, and whether an earlier delivery had placed it. */
    public record Placed(String orderId, boolean duplicate) {}

    private final PlaceOrder placeOrder;

    public PlaceLegacyOrder(PlaceOrder placeOrder) {
        this.placeOrder = placeOrder;
    }

    /**
     * @throws JobFailure.Permanent when the command can never be placed
     * @throws JobFailure.Retryable when it was recorded but could not be queued
     */
    public Placed apply(LegacyOrder order) {
        try {
            PlaceOrder.Placed placed = placeOrder.place(order.body(), Optional.of(order.messageId()), "rmq:" + order.source());
            return new Placed(placed.orderId(), placed.replayed());
        } catch (ApiError e) {
            if (e.status() == 422) {
                throw JobFailure.permanent("the message-id " + order.messageId() + " was used before for another order"
                        + " (it is the order's idempotency key): the order placed then is kept", e);
            }
            String reason = e.error() + (e.details().isEmpty() ? "" : ": " + e.details().stream()
                    .map(PlaceLegacyOrder::describe).collect(Collectors.joining("; ")));
            if (e.status() >= 500) {
                throw JobFailure.retryable(reason, e);
            }
            throw JobFailure.permanent(reason, e);
        }
    }

    private static String describe(Violation violation) {
        return (violation.field().isEmpty() ? "" : violation.field() + " ") + violation.message();
    }
}
