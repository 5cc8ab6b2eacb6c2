package eventjobs.reports;

import eventjobs.core.JobFailure;
import eventjobs.core.idempotency.DynamoDbIdempotencyStore;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Daily totals in a DynamoDB table keyed by month ({@code 2026-11}) and day and currency
 * ({@code 2026-11-27#EUR}), so a report reads one short partition per month of its range.
 *
 * <p>Exactly once per order: adding confirmations is one {@code TransactWriteItems} that puts a
 * marker per order in the idempotency table ({@code totals:order-confirmed:<orderId>}, on
 * condition that it does not exist) and adds the batch's sums to each day and currency, so a
 * retried batch meets its markers and the whole write is cancelled; the orders whose markers exist
 * are then left out and the rest written again. Markers expire after {@link #MARKER_LIFETIME},
 * far longer than a stream keeps a record (24 hours), so no record can come back after its
 * marker is gone. Thread-safe.
 */
public final class DynamoDbDailyTotals implements DailyTotals {

    static final String MONTH = "month";
    static final String DAY_CURRENCY = "dayCurrency";
    static final String DAY = "day";
    static final String CURRENCY = "currency";
    static final String ORDERS = "orders";
    static final String ITEMS = "items";
    static final String REVENUE = "revenue";
    static final String UPDATED_AT = "updatedAt";
    static final String MARKER_PREFIX = "totals:order-confirmed:";
    static final Duration MARKER_LIFETIME = Duration.ofDays(7);

    private final DynamoDbClient dynamo;
    private final String table;
    private final String markers;

    /**
     * @param table   the daily totals table
     * @param markers the idempotency table ({@code id}, TTL on {@code expiresAt}) that keeps which orders were counted
     */
    public DynamoDbDailyTotals(DynamoDbClient dynamo, String table, String markers) {
        this.dynamo = dynamo;
        this.table = table;
        this.markers = markers;
    }

    @Override
    public Added add(List<Confirmation> confirmations, Instant now) {
        if (confirmations.size() > MAX_ADD) {
            throw new IllegalArgumentException("at most " + MAX_ADD + " confirmations at once, got " + confirmations.size());
        }
        List<Confirmation> left = new ArrayList<>(confirmations);
        while (!left.isEmpty()) {
            List<TransactWriteItem> actions = actions(left, now);
            try {
                dynamo.transactWriteItems(r -> r.transactItems(actions));
                return new Added(left.size(), confirmations.size() - left.size());
            } catch (TransactionCanceledException cancelled) {
                List<Confirmation> counted = countedBefore(left, cancelled);
                left.removeAll(counted);
            } catch (SdkException e) {
                throw JobFailure.retryable("the daily totals could not be written: " + e.getMessage(), e);
            }
        }
        return new Added(0, confirmations.size());
    }

    /**
     * The confirmations whose markers refused the write: they were counted before.
     *
     * @throws JobFailure.Retryable when anything else cancelled it (a conflicting write, throttling)
     */
    private static List<Confirmation> countedBefore(List<Confirmation> confirmations, TransactionCanceledException cancelled) {
        List<CancellationReason> reasons = cancelled.hasCancellationReasons() ? cancelled.cancellationReasons() : List.of();
        List<Confirmation> counted = new ArrayList<>();
        for (int i = 0; i < reasons.size(); i++) {
            String code = reasons.get(i).code();
            if (code == null || code.equals("None")) {
                continue;
            }
            if (i >= confirmations.size() || !code.equals("ConditionalCheckFailed")) {
                throw JobFailure.retryable("the daily totals write was cancelled (" + code + "): " + cancelled.getMessage(), cancelled);
            }
            counted.add(confirmations.get(i));
        }
        if (counted.isEmpty()) {
            throw JobFailure.retryable("the daily totals write was cancelled: " + cancelled.getMessage(), cancelled);
        }
        return counted;
    }

    /** One marker per order, first and in order (cancellation reasons are by position), then one update per day and currency. */
    private List<TransactWriteItem> actions(List<Confirmation> confirmations, Instant now) {
        List<TransactWriteItem> actions = new ArrayList<>();
        Map<String, Sum> sums = new LinkedHashMap<>();
        for (Confirmation confirmation : confirmations) {
            String dayCurrency = confirmation.day() + "#" + confirmation.currency().getCurrencyCode();
            actions.add(TransactWriteItem.builder().put(Put.builder().tableName(markers)
                    .item(Map.of(DynamoDbIdempotencyStore.KEY, s(MARKER_PREFIX + confirmation.orderId()),
                            DynamoDbIdempotencyStore.EXPIRES_AT, AttributeValue.fromN(Long.toString(now.plus(MARKER_LIFETIME).getEpochSecond())),
                            "countedIn", s(dayCurrency),
                            "countedAt", s(now.toString())))
                    .conditionExpression("attribute_not_exists(#id)")
                    .expressionAttributeNames(Map.of("#id", DynamoDbIdempotencyStore.KEY))
                    .build()).build());
            sums.computeIfAbsent(dayCurrency, key -> new Sum(confirmation.day(), confirmation.currency())).add(confirmation);
        }
        for (Sum sum : sums.values()) {
            Map<String, AttributeValue> values = new HashMap<>();
            values.put(":orders", AttributeValue.fromN(Long.toString(sum.orders)));
            values.put(":items", AttributeValue.fromN(Long.toString(sum.items)));
            values.put(":revenue", AttributeValue.fromN(sum.revenue.toPlainString()));
            values.put(":day", s(sum.day.toString()));
            values.put(":currency", s(sum.currency.getCurrencyCode()));
            values.put(":now", s(now.toString()));
            actions.add(TransactWriteItem.builder().update(Update.builder().tableName(table)
                    .key(key(sum.day, sum.currency))
                    .updateExpression("ADD #orders :orders, #items :items, #revenue :revenue"
                            + " SET #day = :day, #currency = :currency, #updatedAt = :now")
                    .expressionAttributeNames(Map.of("#orders", ORDERS, "#items", ITEMS, "#revenue", REVENUE, "#day", DAY,
                            "#currency", CURRENCY, "#updatedAt", UPDATED_AT))
                    .expressionAttributeValues(values)
                    .build()).build());
        }
        return actions;
    }

    private static final class Sum {
        final LocalDate day;
        final Currency currency;
        long orders;
        long items;
        BigDecimal revenue = BigDecimal.ZERO;

        Sum(LocalDate day, Currency currency) {
            this.day = day;
            this.currency = currency;
        }

        void add(Confirmation confirmation) {
            orders++;
            items += confirmation.items();
            revenue = revenue.add(confirmation.revenue());
        }
    }

    @Override
    public List<DayTotal> between(LocalDate from, LocalDate to, Optional<Currency> currency) {
        List<DayTotal> totals = new ArrayList<>();
        for (YearMonth month = YearMonth.from(from); !month.isAfter(YearMonth.from(to)); month = month.plusMonths(1)) {
            LocalDate first = from.isAfter(month.atDay(1)) ? from : month.atDay(1);
            LocalDate last = to.isBefore(month.atEndOfMonth()) ? to : month.atEndOfMonth();
            Map<String, String> names = new HashMap<>(Map.of("#month", MONTH, "#dayCurrency", DAY_CURRENCY));
            // "<day>#<currency>" lies between "<first>" and "<last>~" in string order ('~' sorts after any currency)
            Map<String, AttributeValue> values = new HashMap<>(Map.of(":month", s(month.toString()),
                    ":first", s(first.toString()), ":last", s(last + "~")));
            currency.ifPresent(c -> {
                names.put("#currency", CURRENCY);
                values.put(":currency", s(c.getCurrencyCode()));
            });
            dynamo.queryPaginator(r -> {
                r.tableName(table).keyConditionExpression("#month = :month AND #dayCurrency BETWEEN :first AND :last")
                        .expressionAttributeNames(names).expressionAttributeValues(values);
                if (currency.isPresent()) {
                    r.filterExpression("#currency = :currency");
                }
            }).items().forEach(item -> totals.add(dayTotal(item)));
        }
        return totals;
    }

    private static DayTotal dayTotal(Map<String, AttributeValue> item) {
        Currency currency = Currency.getInstance(item.get(CURRENCY).s());
        // DynamoDB numbers drop trailing zeros: give revenue its currency's scale back
        BigDecimal revenue = new BigDecimal(item.get(REVENUE).n())
                .setScale(Math.max(0, currency.getDefaultFractionDigits()), RoundingMode.UNNECESSARY);
        return new DayTotal(LocalDate.parse(item.get(DAY).s()), currency, Long.parseLong(item.get(ORDERS).n()),
                Long.parseLong(item.get(ITEMS).n()), revenue);
    }

    private static Map<String, AttributeValue> key(LocalDate day, Currency currency) {
        return Map.of(MONTH, s(YearMonth.from(day).toString()), DAY_CURRENCY, s(day + "#" + currency.getCurrencyCode()));
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }
}
