package eventjobs.orders.worker;

import eventjobs.orders.OrderLine;
import eventjobs.orders.OrderPlaced;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Currency;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Prices an order and applies the business rules that can turn it down. A rejection is a
 * business outcome with a reason, not an error.
 */
public final class Pricing {

    /** The quote for one order: its total, and why it is rejected if it is. */
    public record Quote(BigDecimal total, Optional<String> rejection) {}

    private final Map<Currency, BigDecimal> maxTotals;

    /** @param maxTotals the largest order total accepted per currency; orders in other currencies are rejected */
    public Pricing(Map<Currency, BigDecimal> maxTotals) {
        this.maxTotals = Map.copyOf(maxTotals);
    }

    /** The default limits: 10,000 in each supported currency (1,500,000 yen). */
    public static Pricing withDefaultLimits() {
        return parse("EUR=10000,USD=10000,GBP=10000,CHF=10000,JPY=1500000");
    }

    /**
     * Reads limits written as {@code EUR=10000,USD=12000}.
     *
     * @throws IllegalArgumentException naming the entry that cannot be read
     */
    public static Pricing parse(String limits) {
        Map<Currency, BigDecimal> maxTotals = new HashMap<>();
        for (String entry : limits.split(",")) {
            String[] parts = entry.trim().split("=");
            try {
                maxTotals.put(Currency.getInstance(parts[0].trim()), new BigDecimal(parts[1].trim()));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("order limit '" + entry.trim()
                        + "' is not CURRENCY=AMOUNT (e.g. EUR=10000)", e);
            }
        }
        return new Pricing(maxTotals);
    }

    public Quote price(OrderPlaced order) {
        Currency currency = order.currency();
        BigDecimal total = order.lines().stream()
                .map(OrderLine::amount)
                .reduce(BigDecimal.ZERO, BigDecimal::add)
                .setScale(currency.getDefaultFractionDigits(), RoundingMode.HALF_EVEN);
        BigDecimal max = maxTotals.get(currency);
        if (max == null) {
            return new Quote(total, Optional.of("orders in " + currency.getCurrencyCode() + " are not accepted"));
        }
        if (total.compareTo(max) > 0) {
            return new Quote(total, Optional.of("order total " + total.toPlainString() + " "
                    + currency.getCurrencyCode() + " exceeds the limit of " + max.toPlainString() + " "
                    + currency.getCurrencyCode()));
        }
        return new Quote(total, Optional.empty());
    }
}
