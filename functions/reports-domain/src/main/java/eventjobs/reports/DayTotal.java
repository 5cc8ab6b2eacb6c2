package eventjobs.reports;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Currency;

/**
 * The confirmed orders of one day (UTC, the day each was decided) in one currency: how many, how
 * many items they hold, and their revenue in the currency's own scale (two decimals for EUR, none
 * for JPY).
 */
public record DayTotal(LocalDate day, Currency currency, long orders, long items, BigDecimal revenue) {}
