package eventjobs.orders;

import eventjobs.core.idempotency.ConditionalWrites;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.Currency;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Orders in a DynamoDB table keyed by the string {@code orderId}. The order record is its own
 * idempotency record (fused): accepting is a put conditional on the id being new, deciding is
 * an update conditional on the order not being decided yet, recording a payment an update
 * conditional on the order being CONFIRMED, unpaid and of the payment's total. Thread-safe.
 */
public final class DynamoDbOrderStore implements OrderStore, OrderPayments {

    static final String ORDER_ID = "orderId";
    static final String STATUS = "status";
    static final String CUSTOMER_ID = "customerId";
    static final String CURRENCY = "currency";
    static final String LINES = "lines";
    static final String TOTAL = "total";
    static final String REASON = "reason";
    static final String REQUEST_HASH = "requestHash";
    /** {@link OrderPlaced#contentHash()}; orders stored before it existed lack it and are compared field by field. */
    static final String CONTENT_HASH = "contentHash";
    static final String ACCEPTED_AT = "acceptedAt";
    static final String DECIDED_AT = "decidedAt";
    /** Set while an order waits for its decision (sparse: only undecided orders are in {@link #BY_STATUS_PENDING_SINCE}). */
    static final String PENDING_SINCE = "pendingSince";
    static final String RESENDS = "resends";
    /** Set when a payment was captured ({@link OrderStatus#PAID}); {@link #STATUS} keeps the decision, CONFIRMED. */
    static final String PAID_AT = "paidAt";
    static final String PAYMENT_ID = "paymentId";
    static final String PAID_AMOUNT = "paidAmount";
    /**
     * How many decisions were recorded for the order: 1 once decided, always, since the decision's
     * write is conditional. Anything else is a duplicate effect, which the fault soak counts.
     */
    public static final String DECISIONS = "decisions";

    /** The sparse index of undecided orders: partition status, sort pendingSince (ISO-8601). */
    public static final String BY_STATUS_PENDING_SINCE = "ByStatusPendingSince";

    private final DynamoDbClient dynamo;
    private final String table;
    private final boolean decisionCondition;

    public DynamoDbOrderStore(DynamoDbClient dynamo, String table) {
        this(dynamo, table, true);
    }

    private DynamoDbOrderStore(DynamoDbClient dynamo, String table, boolean decisionCondition) {
        this.dynamo = dynamo;
        this.table = table;
        this.decisionCondition = decisionCondition;
    }

    /**
     * Test only: a store whose decisions are written without their condition, so a duplicate
     * delivery is applied again. It exists to show that the fault soak's check catches duplicate
     * effects; nothing else may use it.
     */
    public DynamoDbOrderStore withoutDecisionCondition() {
        return new DynamoDbOrderStore(dynamo, table, false);
    }

    @Override
    public Acceptance accept(OrderPlaced order, String requestHash, Instant now) {
        Map<String, AttributeValue> item = orderAttributes(order);
        item.put(STATUS, s(OrderStatus.ACCEPTED.name()));
        item.put(REQUEST_HASH, s(requestHash));
        item.put(ACCEPTED_AT, s(now.toString()));
        item.put(PENDING_SINCE, s(now.toString()));
        PutItemRequest put = PutItemRequest.builder().tableName(table).item(item)
                .conditionExpression("attribute_not_exists(#id)")
                .expressionAttributeNames(Map.of("#id", ORDER_ID))
                .build();
        return switch (ConditionalWrites.put(dynamo, put)) {
            case ConditionalWrites.Outcome.Applied applied -> new Acceptance.Accepted();
            case ConditionalWrites.Outcome.Refused refused -> new Acceptance.AlreadyAccepted(
                    orderFrom(refused.existing()),
                    refused.existing().getOrDefault(REQUEST_HASH, s("")).s());
        };
    }

    @Override
    public Decision decide(OrderPlaced order, OrderStatus decision, BigDecimal total, Optional<String> reason,
                           Instant now) {
        String hash = order.contentHash();
        Map<String, String> names = new HashMap<>(Map.of("#id", ORDER_ID, "#status", STATUS,
                "#customerId", CUSTOMER_ID, "#currency", CURRENCY, "#lines", LINES, "#total", TOTAL,
                "#decidedAt", DECIDED_AT, "#pendingSince", PENDING_SINCE));
        names.put("#contentHash", CONTENT_HASH);
        names.put("#decisions", DECISIONS);
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":decision", s(decision.name()),
                ":customerId", s(order.customerId()),
                ":currency", s(order.currency().getCurrencyCode()), ":lines", lines(order.lines()),
                ":total", n(total), ":now", s(now.toString())));
        values.put(":contentHash", s(hash));
        values.put(":one", AttributeValue.fromN("1"));
        StringBuilder update = new StringBuilder("SET #status = :decision, #customerId = :customerId,"
                + " #currency = :currency, #lines = :lines, #total = :total, #decidedAt = :now, #contentHash = :contentHash");
        if (reason.isPresent()) {
            names.put("#reason", REASON);
            values.put(":reason", s(reason.get()));
            update.append(", #reason = :reason");
        }
        update.append(" REMOVE #pendingSince ADD #decisions :one");
        UpdateItemRequest.Builder request = UpdateItemRequest.builder().tableName(table)
                .key(Map.of(ORDER_ID, s(order.orderId())))
                .updateExpression(update.toString());
        if (!decisionCondition) {
            names.remove("#id");
            dynamo.updateItem(request.expressionAttributeNames(names).expressionAttributeValues(values).build());
            return new Decision.Decided();
        }
        values.put(":accepted", s(OrderStatus.ACCEPTED.name()));
        values.put(":failed", s(OrderStatus.FAILED.name()));
        request.conditionExpression("attribute_not_exists(#id) OR (#status IN (:accepted, :failed)"
                        + " AND (attribute_not_exists(#contentHash) OR #contentHash = :contentHash))")
                .expressionAttributeNames(names)
                .expressionAttributeValues(values);
        return switch (ConditionalWrites.update(dynamo, request.build())) {
            case ConditionalWrites.Outcome.Applied applied -> new Decision.Decided();
            case ConditionalWrites.Outcome.Refused refused -> {
                String stored = storedHash(refused.existing());
                yield stored.equals(hash) ? new Decision.AlreadyDecided() : new Decision.ContentDiffers(stored, hash);
            }
        };
    }

    private static String storedHash(Map<String, AttributeValue> item) {
        if (item.containsKey(CONTENT_HASH)) {
            return item.get(CONTENT_HASH).s();
        }
        Order stored = orderFrom(item);
        return new OrderPlaced(stored.orderId(), stored.customerId(), stored.currency(), stored.lines()).contentHash();
    }

    @Override
    public Optional<Order> find(String orderId) {
        Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(table)
                .key(Map.of(ORDER_ID, s(orderId))).consistentRead(true)).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(orderFrom(item));
    }

    @Override
    public Capture capture(String orderId, String paymentId, BigDecimal amount, String currency, Instant now) {
        UpdateItemRequest request = UpdateItemRequest.builder().tableName(table)
                .key(Map.of(ORDER_ID, s(orderId)))
                .updateExpression("SET #paidAt = :now, #paymentId = :paymentId, #paidAmount = :amount")
                // DynamoDB compares numbers as numbers: a total stored as 25 equals an amount of 25.00
                .conditionExpression("#status = :confirmed AND attribute_not_exists(#paidAt)"
                        + " AND #currency = :currency AND #total = :amount")
                .expressionAttributeNames(Map.of("#paidAt", PAID_AT, "#paymentId", PAYMENT_ID, "#paidAmount", PAID_AMOUNT,
                        "#status", STATUS, "#currency", CURRENCY, "#total", TOTAL))
                .expressionAttributeValues(Map.of(":now", s(now.toString()), ":paymentId", s(paymentId), ":amount", n(amount),
                        ":confirmed", s(OrderStatus.CONFIRMED.name()), ":currency", s(currency)))
                .build();
        return switch (ConditionalWrites.update(dynamo, request)) {
            case ConditionalWrites.Outcome.Applied applied -> new Capture.Captured();
            case ConditionalWrites.Outcome.Refused refused -> {
                Map<String, AttributeValue> existing = refused.existing();
                if (existing.isEmpty()) {
                    yield new Capture.Refused(Optional.empty());
                }
                boolean samePayment = existing.containsKey(PAID_AT)
                        && paymentId.equals(existing.getOrDefault(PAYMENT_ID, s("")).s());
                yield samePayment ? new Capture.AlreadyCaptured() : new Capture.Refused(Optional.of(orderFrom(existing)));
            }
        };
    }

    @Override
    public java.util.stream.Stream<Undecided> undecidedSince(Instant before) {
        return dynamo.queryPaginator(r -> r.tableName(table).indexName(BY_STATUS_PENDING_SINCE)
                        .keyConditionExpression("#status = :accepted AND #pendingSince < :before")
                        .expressionAttributeNames(Map.of("#status", STATUS, "#pendingSince", PENDING_SINCE))
                        .expressionAttributeValues(Map.of(":accepted", s(OrderStatus.ACCEPTED.name()), ":before", s(before.toString())))
                        .limit(100))
                .items().stream()
                .map(item -> new Undecided(orderFrom(item), Optional.ofNullable(item.get(RESENDS)).map(v -> Integer.parseInt(v.n())).orElse(0)));
    }

    @Override
    public boolean resent(String orderId, Instant now) {
        return ConditionalWrites.update(dynamo, UpdateItemRequest.builder().tableName(table).key(Map.of(ORDER_ID, s(orderId)))
                .updateExpression("SET #pendingSince = :now ADD #resends :one")
                .conditionExpression("#status = :accepted")
                .expressionAttributeNames(Map.of("#pendingSince", PENDING_SINCE, "#resends", RESENDS, "#status", STATUS))
                .expressionAttributeValues(Map.of(":now", s(now.toString()), ":one", AttributeValue.fromN("1"),
                        ":accepted", s(OrderStatus.ACCEPTED.name())))
                .build()) instanceof ConditionalWrites.Outcome.Applied;
    }

    @Override
    public boolean fail(String orderId, String reason, Instant now) {
        return ConditionalWrites.update(dynamo, UpdateItemRequest.builder().tableName(table).key(Map.of(ORDER_ID, s(orderId)))
                .updateExpression("SET #status = :failed, #reason = :reason REMOVE #pendingSince")
                .conditionExpression("#status = :accepted")
                .expressionAttributeNames(Map.of("#status", STATUS, "#reason", REASON, "#pendingSince", PENDING_SINCE))
                .expressionAttributeValues(Map.of(":failed", s(OrderStatus.FAILED.name()), ":reason", s(reason),
                        ":accepted", s(OrderStatus.ACCEPTED.name())))
                .build()) instanceof ConditionalWrites.Outcome.Applied;
    }

    private static Map<String, AttributeValue> orderAttributes(OrderPlaced order) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(ORDER_ID, s(order.orderId()));
        item.put(CUSTOMER_ID, s(order.customerId()));
        item.put(CURRENCY, s(order.currency().getCurrencyCode()));
        item.put(LINES, lines(order.lines()));
        item.put(CONTENT_HASH, s(order.contentHash()));
        return item;
    }

    private static AttributeValue lines(List<OrderLine> lines) {
        return AttributeValue.fromL(lines.stream()
                .map(line -> AttributeValue.fromM(Map.of(
                        "sku", s(line.sku()),
                        "quantity", AttributeValue.fromN(Integer.toString(line.quantity())),
                        "unitPrice", s(line.unitPrice().toPlainString()))))
                .toList());
    }

    /**
     * The order an item of the table holds (also a stream record's image of one).
     *
     * @throws IllegalArgumentException when the item is not an order as this store writes them (an attribute missing or malformed)
     */
    public static Order orderFrom(Map<String, AttributeValue> item) {
        try {
            return read(item);
        } catch (RuntimeException malformed) {
            throw new IllegalArgumentException("not an order as the orders table holds them (" + malformed + "): "
                    + item.keySet(), malformed);
        }
    }

    private static Order read(Map<String, AttributeValue> item) {
        List<OrderLine> lines = item.get(LINES).l().stream()
                .map(AttributeValue::m)
                .map(line -> new OrderLine(line.get("sku").s(), Integer.parseInt(line.get("quantity").n()),
                        new BigDecimal(line.get("unitPrice").s())))
                .toList();
        Currency currency = Currency.getInstance(item.get(CURRENCY).s());
        Optional<Payment> payment = Optional.ofNullable(item.get(PAID_AT)).map(paidAt -> new Payment(
                item.getOrDefault(PAYMENT_ID, s("")).s(),
                new BigDecimal(item.getOrDefault(PAID_AMOUNT, AttributeValue.fromN("0")).n())
                        .setScale(currency.getDefaultFractionDigits(), RoundingMode.UNNECESSARY),
                Instant.parse(paidAt.s())));
        OrderStatus status = payment.isPresent() ? OrderStatus.PAID : OrderStatus.valueOf(item.get(STATUS).s());
        return new Order(item.get(ORDER_ID).s(), status,
                item.get(CUSTOMER_ID).s(), currency, lines,
                // DynamoDB numbers drop trailing zeros: give totals their currency's scale back
                Optional.ofNullable(item.get(TOTAL))
                        .map(v -> new BigDecimal(v.n()).setScale(currency.getDefaultFractionDigits(), RoundingMode.UNNECESSARY)),
                Optional.ofNullable(item.get(REASON)).map(AttributeValue::s),
                Optional.ofNullable(item.get(ACCEPTED_AT)).map(v -> Instant.parse(v.s())),
                Optional.ofNullable(item.get(DECIDED_AT)).map(v -> Instant.parse(v.s())),
                payment);
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(BigDecimal value) {
        return AttributeValue.fromN(value.toPlainString());
    }
}
