package eventjobs.orders;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Optional;

/**
 * Where captured payments are recorded on their orders: a port of its own, apart from
 * {@link OrderStore}, since only the payment worker records payments. Each write is one
 * conditional write; implementations are thread-safe.
 */
public interface OrderPayments {

    /** Result of recording a captured payment on an order. */
    sealed interface Capture {
        /** This call marked the order PAID. */
        record Captured() implements Capture {}

        /** The order was PAID by this same payment already: a duplicate delivery, nothing changed. */
        record AlreadyCaptured() implements Capture {}

        /**
         * Nothing changed: the order is unknown (empty), not CONFIRMED, paid by another payment, or
         * its total or currency is not the payment's. {@code existing} is the order as it was.
         */
        record Refused(Optional<Order> existing) implements Capture {}
    }

    /**
     * Marks a CONFIRMED order PAID by {@code paymentId}, once: applies only if the order is
     * CONFIRMED, not paid yet, and its total and currency are {@code amount} and {@code currency}
     * (compared as numbers: 25 equals 25.00). One conditional write.
     */
    Capture capture(String orderId, String paymentId, BigDecimal amount, String currency, Instant now);
}
