package eventjobs.orders;

import java.math.BigDecimal;

/** One line of an order: so many of one SKU at a unit price in the order's currency. */
public record OrderLine(String sku, int quantity, BigDecimal unitPrice) {

    public BigDecimal amount() {
        return unitPrice.multiply(BigDecimal.valueOf(quantity));
    }
}
