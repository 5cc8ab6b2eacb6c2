package eventjobs.orders;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Currency;
import java.util.List;
import java.util.Optional;

/** An order as stored: what was placed, where it stands, and the decision once made. */
public record Order(String orderId, OrderStatus status, String customerId, Currency currency, List<OrderLine> lines,
                    Optional<BigDecimal> total, Optional<String> reason,
                    Optional<Instant> acceptedAt, Optional<Instant> decidedAt) {

    public Order {
        lines = List.copyOf(lines);
    }

    /** The OrderPlaced event this order was placed with (to send it again). */
    public OrderPlaced placed() {
        return new OrderPlaced(orderId, customerId, currency, lines);
    }
}
