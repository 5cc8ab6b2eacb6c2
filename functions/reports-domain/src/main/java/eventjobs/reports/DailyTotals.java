package eventjobs.reports;

import java.time.Instant;
import java.time.LocalDate;
import java.util.Currency;
import java.util.List;
import java.util.Optional;

/**
 * Totals of confirmed orders kept per day and currency, so that a report reads a few items rather
 * than every order of its range. Implementations are thread-safe.
 */
public interface DailyTotals {

    /** The most confirmations {@link #add} takes at once. */
    int MAX_ADD = 50;

    /** What {@link #add} did: how many confirmations it counted now, and how many were counted before. */
    record Added(int counted, int countedBefore) {}

    /**
     * Adds each confirmation that was never added before to its day's totals, all in one atomic
     * write: either every new one counts, or none does. A confirmation added before (a batch sent
     * again) changes nothing.
     *
     * @param confirmations at most {@link #MAX_ADD}, of distinct orders
     * @throws eventjobs.core.JobFailure.Retryable when the write failed (throttled, conflicting): nothing was added
     */
    Added add(List<Confirmation> confirmations, Instant now);

    /**
     * The totals of the days {@code from} to {@code to} (both included), by day and then currency;
     * days without confirmed orders are absent.
     */
    List<DayTotal> between(LocalDate from, LocalDate to, Optional<Currency> currency);
}
