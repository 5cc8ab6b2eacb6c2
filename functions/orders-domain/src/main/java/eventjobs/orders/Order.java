package eventjobs.orders;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Currency;
import java.util.List;
import java.util.Optional;

/**
 * An order as stored: what was placed, where it stands, the decision once made, and its payment
 * once captured ({@link #status()} is then PAID).
 */
public record Order(String orderId, OrderStatus status, String customerId, Currency currency, List<OrderLine> lines,
                    Optional<BigDecimal> total, Optional<String> reason,
                    Optional<Instant> acceptedAt, Optional<Instant> decidedAt, Optional<Payment> payment) {

    public Order {
        lines = List.copyOf(lines);
    }

    /** An order with no payment. */
    public Order(String orderId, OrderStatus status, String customerId, Currency currency, List<OrderLine> lines,
                 Optional<BigDecimal> total, Optional<String> reason,
                 Optional<Instant> acceptedAt, Optional<Instant> decidedAt) {
        this(orderId, status, customerId, currency, lines, total, reason, acceptedAt, decidedAt, Optional.empty());
    }

    /** The OrderPlaced event this order was placed with (to send it again). */
    public OrderPlaced placed() {
        return new OrderPlaced(orderId, customerId, currency, lines);
    }
}
