package eventjobs.orders;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Optional;

/** Where orders live. Each write is one conditional write; implementations are thread-safe. */
public interface OrderStore {

    /** Result of recording an order as ACCEPTED. */
    sealed interface Acceptance {
        /** The order is new and now recorded. */
        record Accepted() implements Acceptance {}

        /** The order id was taken already, by the request with {@code requestHash}. */
        record AlreadyAccepted(Order existing, String requestHash) implements Acceptance {}
    }

    /** Records {@code order} as ACCEPTED unless its id exists (one conditional put). */
    Acceptance accept(OrderPlaced order, String requestHash, Instant now);

    /** Result of recording the worker's decision. */
    sealed interface Decision {
        /** This call decided the order. */
        record Decided() implements Decision {}

        /** The same order had been decided already: a duplicate delivery, nothing changed. */
        record AlreadyDecided() implements Decision {}

        /**
         * The order id is taken by an order with other content (a producer reused the id):
         * nothing changed. Hashes are {@link OrderPlaced#contentHash()}.
         */
        record ContentDiffers(String storedHash, String hash) implements Decision {}
    }

    /**
     * Records the worker's decision, once: applies only if the order is ACCEPTED, FAILED (its
     * message was parked, then redriven) or not yet known (orders may arrive from other producers
     * than the API), and only if a stored order has the same content. One conditional write.
     */
    Decision decide(OrderPlaced order, OrderStatus decision, BigDecimal total, Optional<String> reason, Instant now);

    Optional<Order> find(String orderId);

    /** An order the worker has not decided yet, and how often it was sent again. */
    record Undecided(Order order, int resends) {}

    /** ACCEPTED orders waiting since before {@code before} (sent or last sent again then), read page by page. */
    java.util.stream.Stream<Undecided> undecidedSince(Instant before);

    /** Notes that the order's event was sent again at {@code now}; false if it was decided meanwhile. */
    boolean resent(String orderId, Instant now);

    /** Marks an order the worker never decided as FAILED with {@code reason}; false if it was decided meanwhile. */
    boolean fail(String orderId, String reason, Instant now);
}
