package eventjobs.testkit;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Currency;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * How reports were totalled before the daily totals existed: every CONFIRMED order of the range
 * read page by page through the orders table's {@code ByStatusDecidedAt} index and summed per day
 * (UTC, of decidedAt) and currency, as the report's CSV. Tests and the benchmark compare the daily
 * totals with it on the same data. It reads every order of the range.
 */
public final class ConfirmedOrdersScan {

    private static final String HEADER = "day,currency,orders,items,revenue\n";

    private ConfirmedOrdersScan() {}

    private static final class Sum {
        long orders;
        long items;
        BigDecimal revenue = BigDecimal.ZERO;
    }

    /** The report's CSV for the days {@code from} to {@code to}, both included, from the orders themselves. */
    public static String csv(DynamoDbClient dynamo, String ordersTable, LocalDate from, LocalDate to, Optional<Currency> currency) {
        Map<String, Sum> sums = new TreeMap<>();
        dynamo.queryPaginator(r -> r.tableName(ordersTable).indexName("ByStatusDecidedAt")
                        .keyConditionExpression("#status = :confirmed AND #decidedAt BETWEEN :from AND :until")
                        .expressionAttributeNames(Map.of("#status", "status", "#decidedAt", "decidedAt"))
                        // decidedAt starts with its day: the days lie between "<from>" and "<to>~" in string order
                        .expressionAttributeValues(Map.of(":confirmed", AttributeValue.fromS("CONFIRMED"),
                                ":from", AttributeValue.fromS(from.toString()), ":until", AttributeValue.fromS(to + "~")))
                        .limit(1000))
                .items().forEach(order -> {
                    String code = order.get("currency").s();
                    if (currency.isPresent() && !currency.get().getCurrencyCode().equals(code)) {
                        return;
                    }
                    LocalDate day = Instant.parse(order.get("decidedAt").s()).atZone(ZoneOffset.UTC).toLocalDate();
                    Sum sum = sums.computeIfAbsent(day + "," + code, key -> new Sum());
                    sum.orders++;
                    sum.items += order.get("lines").l().stream().mapToLong(line -> Long.parseLong(line.m().get("quantity").n())).sum();
                    sum.revenue = sum.revenue.add(new BigDecimal(order.get("total").n()));
                });
        StringBuilder csv = new StringBuilder(HEADER);
        sums.forEach((dayCurrency, sum) -> {
            int digits = Currency.getInstance(dayCurrency.substring(dayCurrency.indexOf(',') + 1)).getDefaultFractionDigits();
            csv.append(dayCurrency).append(',').append(sum.orders).append(',').append(sum.items).append(',')
                    .append(sum.revenue.setScale(Math.max(0, digits), RoundingMode.UNNECESSARY).toPlainString()).append('\n');
        });
        return csv.toString();
    }
}
