package eventjobs.orders;

import eventjobs.core.events.CloudEvent;
import eventjobs.core.events.EventType;
import eventjobs.core.events.Violation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;

/**
 * A customer placed an order: the data of an {@code eventjobs.order.placed} event
 * ({@code events/schemas/order-placed.v1.json}).
 */
public record OrderPlaced(String orderId, String customerId, Currency currency, List<OrderLine> lines) {

    public static final EventType TYPE = new EventType("eventjobs.order.placed", "order-placed.v1");

    public OrderPlaced {
        lines = List.copyOf(lines);
    }

    /** A valid order that names no real customer or product: what SnapStart priming encodes and decodes. */
    public static OrderPlaced sample() {
        return new OrderPlaced("priming", "priming", Currency.getInstance("EUR"),
                List.of(new OrderLine("PRIMING-1", 1, new BigDecimal("1.00"))));
    }

    /**
     * Reads event data that already passed the schema, and checks what a schema cannot: that
     * no price has more decimals than its currency has (no "100.5" yen).
     *
     * @throws InvalidOrder with the offending fields
     */
    public static OrderPlaced fromData(JsonNode data) {
        Currency currency = Currency.getInstance(data.get("currency").asString());
        List<OrderLine> lines = new ArrayList<>();
        List<Violation> violations = new ArrayList<>();
        JsonNode lineNodes = data.get("lines");
        for (int i = 0; i < lineNodes.size(); i++) {
            JsonNode line = lineNodes.get(i);
            BigDecimal unitPrice = new BigDecimal(line.get("unitPrice").asString());
            if (unitPrice.scale() > currency.getDefaultFractionDigits()) {
                violations.add(new Violation("/lines/" + i + "/unitPrice", "has more decimals than "
                        + currency.getCurrencyCode() + " allows (" + currency.getDefaultFractionDigits() + ")"));
            }
            lines.add(new OrderLine(line.get("sku").asString(), line.get("quantity").asInt(), unitPrice));
        }
        if (!violations.isEmpty()) {
            throw new InvalidOrder(violations);
        }
        return new OrderPlaced(data.get("orderId").asString(), data.get("customerId").asString(), currency, lines);
    }

    /**
     * This order as an event from {@code source}. The event id is derived from the order id, so
     * that sending the same order twice yields the same event.
     */
    public CloudEvent event(String source, Instant time) {
        return new CloudEvent("order-placed-" + orderId, source, TYPE, time, toData());
    }

    /**
     * A SHA-256 of what the order is (id, customer, currency, lines), the same for the same order
     * whoever sends it, so that an order id reused for different content can be told from a
     * duplicate delivery.
     */
    public String contentHash() {
        return eventjobs.core.Hashing.sha256(JsonMapper.shared().writeValueAsString(toData()));
    }

    public ObjectNode toData() {
        ObjectNode data = JsonMapper.shared().createObjectNode()
                .put("orderId", orderId)
                .put("customerId", customerId)
                .put("currency", currency.getCurrencyCode());
        ArrayNode lineNodes = data.putArray("lines");
        for (OrderLine line : lines) {
            lineNodes.addObject()
                    .put("sku", line.sku())
                    .put("quantity", line.quantity())
                    .put("unitPrice", line.unitPrice().toPlainString());
        }
        return data;
    }

    /** An order that is well-formed JSON but not a possible order. */
    public static final class InvalidOrder extends IllegalArgumentException {
        private final transient List<Violation> violations;

        public InvalidOrder(List<Violation> violations) {
            super("invalid order: " + violations);
            this.violations = List.copyOf(violations);
        }

        public List<Violation> violations() {
            return violations;
        }
    }
}
