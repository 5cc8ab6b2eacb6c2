package eventjobs.imports;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * When one part of an import stops reading and hands the rest of the file to the next part: after
 * {@code maxRows} rows, after {@code maxDuration}, or when the invocation has only {@code reserve}
 * left, whichever comes first. A part always reads at least one row.
 *
 * <p>The reserve is for what follows the last row read: the sends under way, the handover, the
 * idempotency record. The duration bounds how long a part's idempotency lock is held
 * ({@link #longestRun}), so that after a crash Lambda's second retry, about three minutes later,
 * finds the lock expired and reads the part again.
 *
 * @param maxRows     rows one part reads at most
 * @param maxDuration how long one part reads at most
 * @param reserve     the time left in the invocation when a part stops reading at the latest
 */
public record PartBudget(long maxRows, Duration maxDuration, Duration reserve) {

    /** Reads a file to its end in one part, however long it is. */
    static final PartBudget WHOLE_FILE = new PartBudget(Long.MAX_VALUE, ChronoUnit.FOREVER.getDuration(), Duration.ZERO);

    public PartBudget {
        if (maxRows < 1) {
            throw new IllegalArgumentException("a part reads at least 1 row, not " + maxRows);
        }
        if (maxDuration.isNegative() || maxDuration.isZero() || reserve.isNegative()) {
            throw new IllegalArgumentException("a part's duration must be positive and its reserve not negative");
        }
    }

    /**
     * 250,000 rows (about 10 MB), 2 minutes, a reserve of 30 seconds: a 1,000,000-row file, the
     * default ImportMaxRows, is four parts, well under the sixteen Lambda lets one event chain.
     */
    public static PartBudget defaults() {
        return new PartBudget(250_000, Duration.ofMinutes(2), Duration.ofSeconds(30));
    }

    public PartBudget withMaxRows(long rows) {
        return new PartBudget(rows, maxDuration, reserve);
    }

    /** The budget of the last part a file may have: only the invocation's time stops it. */
    PartBudget toTheEnd() {
        return new PartBudget(Long.MAX_VALUE, ChronoUnit.FOREVER.getDuration(), reserve);
    }

    /** Whether a part that began at {@code start} stops after its row number {@code rows} (1 or more). */
    boolean spent(long rows, Instant start, Instant now, Instant deadline) {
        return rows >= maxRows || Duration.between(start, now).compareTo(maxDuration) >= 0
                || !now.isBefore(deadline.minus(reserve));
    }

    /** How long a part may run at most, in an invocation with {@code remaining} time left. */
    Duration longestRun(Duration remaining) {
        if (maxDuration.compareTo(remaining) >= 0) {
            return remaining;
        }
        Duration longest = maxDuration.plus(reserve);
        return longest.compareTo(remaining) < 0 ? longest : remaining;
    }
}
