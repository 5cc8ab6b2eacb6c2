package eventjobs.testkit;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Decided orders written straight into an orders table, as the order worker stores them, 25 to a
 * BatchWriteItem: every tenth one REJECTED (it counts in no total), the others CONFIRMED, in EUR,
 * USD and JPY in turn, decided at even steps from {@code start} over {@code spread}. A table with a
 * stream sends each one as an INSERT record, which TotalsFunction counts.
 */
public final class BulkOrders {

    private BulkOrders() {}

    /** Writes {@code count} orders with ids {@code <prefix>-0 ...}; returns how many of them are CONFIRMED. */
    public static int write(DynamoDbClient dynamo, String table, String prefix, int count, Instant start, Duration spread) {
        int confirmed = 0;
        for (int from = 0; from < count; from += 25) {
            List<WriteRequest> writes = new ArrayList<>();
            for (int i = from; i < Math.min(count, from + 25); i++) {
                boolean rejected = i % 10 == 9;
                confirmed += rejected ? 0 : 1;
                String currency = List.of("EUR", "USD", "JPY").get(i % 3);
                int quantity = 1 + i % 4;
                String unitPrice = currency.equals("JPY") ? "450" : "4.50";
                String total = currency.equals("JPY") ? Integer.toString(450 * quantity) : new java.math.BigDecimal("4.50")
                        .multiply(java.math.BigDecimal.valueOf(quantity)).toPlainString();
                Instant decided = start.plusMillis(spread.toMillis() * i / Math.max(1, count));
                Map<String, AttributeValue> item = Map.of(
                        "orderId", AttributeValue.fromS(prefix + "-" + i),
                        "status", AttributeValue.fromS(rejected ? "REJECTED" : "CONFIRMED"),
                        "customerId", AttributeValue.fromS("c-" + i),
                        "currency", AttributeValue.fromS(currency),
                        "lines", AttributeValue.fromL(List.of(AttributeValue.fromM(Map.of("sku", AttributeValue.fromS("S"),
                                "quantity", AttributeValue.fromN(Integer.toString(quantity)), "unitPrice", AttributeValue.fromS(unitPrice))))),
                        "total", AttributeValue.fromN(total),
                        "acceptedAt", AttributeValue.fromS(decided.minusSeconds(1).toString()),
                        "decidedAt", AttributeValue.fromS(decided.toString()));
                writes.add(WriteRequest.builder().putRequest(PutRequest.builder().item(item).build()).build());
            }
            dynamo.batchWriteItem(r -> r.requestItems(Map.of(table, writes)));
        }
        return confirmed;
    }
}
