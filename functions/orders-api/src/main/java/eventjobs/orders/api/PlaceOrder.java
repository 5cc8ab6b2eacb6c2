package eventjobs.orders.api;

import eventjobs.core.api.ApiError;
import eventjobs.core.api.IdempotentRequests;
import eventjobs.core.events.EventCodec;
import eventjobs.core.events.Violation;
import eventjobs.orders.OrderPlaced;
import eventjobs.orders.OrderQueue;
import eventjobs.orders.OrderStatus;
import eventjobs.orders.OrderStore;
import software.amazon.awssdk.core.exception.SdkException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * Takes an order request: validates it, records the order ACCEPTED (a conditional put, so an
 * order id is used once), and queues its OrderPlaced event.
 *
 * <p>With an idempotency key the order id is derived from the caller and the key: the same key
 * with the same body answers as the first time and places nothing new; with another body it is
 * a 422. When queueing fails the order stays recorded but unqueued and the answer is 503; a
 * retry with the same key queues it (the worker absorbs a second copy).
 */
public final class PlaceOrder {

    /** The order the request placed, and whether it was placed by an earlier request. */
    public record Placed(String orderId, boolean replayed) {}

    private final OrderStore orders;
    private final OrderQueue queue;
    private final EventCodec codec;
    private final Clock clock;

    public PlaceOrder(OrderStore orders, OrderQueue queue, EventCodec codec, Clock clock) {
        this.orders = orders;
        this.queue = queue;
        this.codec = codec;
        this.clock = clock;
    }

    /**
     * @param request        the parsed request body
     * @param idempotencyKey the client's Idempotency-Key, if it sent one
     * @param caller         who is calling (the IAM principal), so two callers' keys never collide
     * @throws ApiError 400 for an invalid order, 422 for a reused key, 503 when the order could not be queued
     */
    public Placed place(JsonNode request, Optional<String> idempotencyKey, String caller) {
        if (!request.isObject()) {
            throw ApiError.badRequest("the request body must be a JSON object");
        }
        if (request.has("orderId")) {
            throw ApiError.badRequest("invalid order",
                    List.of(new Violation("/orderId", "is assigned by the server and must not be sent")));
        }
        String orderId = IdempotentRequests.id("", idempotencyKey, caller);
        ObjectNode data = JsonMapper.shared().createObjectNode().put("orderId", orderId);
        data.setAll((ObjectNode) request);
        List<Violation> violations = codec.dataViolations(OrderPlaced.TYPE, data);
        if (!violations.isEmpty()) {
            throw ApiError.badRequest("invalid order", violations);
        }
        OrderPlaced order;
        try {
            order = OrderPlaced.fromData(data);
        } catch (OrderPlaced.InvalidOrder invalid) {
            throw ApiError.badRequest("invalid order", invalid.violations());
        }
        String requestHash = IdempotentRequests.bodyHash(request);
        return switch (orders.accept(order, requestHash, clock.instant())) {
            case OrderStore.Acceptance.Accepted accepted -> {
                enqueue(order);
                yield new Placed(orderId, false);
            }
            case OrderStore.Acceptance.AlreadyAccepted existing -> {
                if (!existing.requestHash().equals(requestHash)) {
                    throw IdempotentRequests.keyReused();
                }
                // its event may never have reached the queue (the first try answered 503): send it
                // again while it is undecided; a second copy is harmless, the worker decides once
                if (existing.existing().status() == OrderStatus.ACCEPTED) {
                    enqueue(order);
                }
                yield new Placed(orderId, true);
            }
        };
    }

    private void enqueue(OrderPlaced order) {
        try {
            queue.send(order);
        } catch (SdkException e) {
            throw new ApiError(503, "the order was recorded but could not be queued; retry the same request"
                    + " with the same Idempotency-Key to complete it", List.of(new Violation("", e.getMessage())));
        }
    }
}
