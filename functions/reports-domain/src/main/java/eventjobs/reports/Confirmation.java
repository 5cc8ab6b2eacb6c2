package eventjobs.reports;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Currency;

/**
 * An order that became CONFIRMED: what it adds to the totals of its day (UTC) and currency. The
 * order id makes it count once however often it is added.
 */
public record Confirmation(String orderId, LocalDate day, Currency currency, long items, BigDecimal revenue) {}
