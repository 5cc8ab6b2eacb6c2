package eventjobs.totals;

import eventjobs.core.DeadLetter;
import eventjobs.core.JobFailure;
import eventjobs.core.async.FailureQueue;
import eventjobs.orders.Order;
import eventjobs.orders.OrderLine;
import eventjobs.orders.OrderStatus;
import eventjobs.reports.Confirmation;
import eventjobs.reports.DailyTotals;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Keeps the daily totals current from the changes of the orders table, in stream order: an order
 * that becomes CONFIRMED adds one order, its items and its total to the day it was decided (UTC)
 * in its currency, exactly once however often its record comes (each add is one atomic write with
 * a marker per order). Nothing else changes the totals: a REJECTED or FAILED order was never a
 * sale, a FAILED order that a redrive confirms later counts then, and later changes of a confirmed
 * order (being paid, say) leave it counted as it is.
 *
 * <p>A record that cannot be read is parked with its reason (retrying cannot help) and the others
 * go on. When a write fails, the records from the first one it held are reported failed: Lambda
 * checkpoints before them and sends them again, and the markers keep those already counted from
 * counting twice. Thread-safe if its ports are.
 */
public final class CountConfirmedOrders {

    /** A change of the orders table, as its stream record tells it. */
    public sealed interface Change {
        String sequenceNumber();

        /** What the record was, in one line of JSON, for a person reading a parked one. */
        String description();

        /** An order's item before and after the change (absent before an insert, after a delete). */
        record Read(String sequenceNumber, String description, Optional<Order> before, Optional<Order> after) implements Change {}

        /** A record whose order could not be read. */
        record Unreadable(String sequenceNumber, String description, String reason) implements Change {}
    }

    /** Who read the records: the function and request that park an unreadable one, and the stream it came from. */
    public record Reader(String functionName, String requestId, String streamArn) {}

    /** Where a batch stopped: the first record not done, and why. */
    public record Stop(String sequenceNumber, String reason) {}

    /**
     * What came of a batch.
     *
     * @param stopped where it stopped, when a write failed: that record and those after it are to be sent again
     */
    public record Result(int counted, int countedBefore, int parked, Optional<Stop> stopped) {}

    private final DailyTotals totals;
    private final FailureQueue failures;
    private final Clock clock;

    public CountConfirmedOrders(DailyTotals totals, FailureQueue failures, Clock clock) {
        this.totals = totals;
        this.failures = failures;
        this.clock = clock;
    }

    /** Applies a batch of changes, in order, stopping at the first write that fails. */
    public Result apply(List<Change> changes, Reader reader) {
        Progress progress = new Progress();
        List<Confirmation> chunk = new ArrayList<>();
        Set<String> orders = new HashSet<>();
        String chunkStart = null;
        for (Change change : changes) {
            Optional<Confirmation> confirmation;
            try {
                confirmation = switch (change) {
                    case Change.Read read -> confirmation(read);
                    case Change.Unreadable unreadable -> throw JobFailure.permanent(unreadable.reason());
                };
            } catch (JobFailure.Permanent unreadable) {
                // what came before it is written first: a record is parked only once everything before it is done
                if (!progress.write(chunk, chunkStart)) {
                    return progress.result();
                }
                chunk.clear();
                orders.clear();
                chunkStart = null;
                if (!progress.park(change, unreadable, reader)) {
                    return progress.result();
                }
                continue;
            }
            if (confirmation.isEmpty()) {
                continue;
            }
            if (chunk.size() == DailyTotals.MAX_ADD || orders.contains(confirmation.get().orderId())) {
                if (!progress.write(chunk, chunkStart)) {
                    return progress.result();
                }
                chunk.clear();
                orders.clear();
                chunkStart = null;
            }
            chunkStart = chunkStart == null ? change.sequenceNumber() : chunkStart;
            chunk.add(confirmation.get());
            orders.add(confirmation.get().orderId());
        }
        progress.write(chunk, chunkStart);
        return progress.result();
    }

    /**
     * What the change adds to the totals: an order that is CONFIRMED now and was not before.
     *
     * @throws JobFailure.Permanent for a confirmed order without the time it was decided
     */
    static Optional<Confirmation> confirmation(Change.Read change) {
        Optional<Order> confirmed = change.after().filter(order -> order.status() == OrderStatus.CONFIRMED);
        if (confirmed.isEmpty() || change.before().map(order -> order.status() == OrderStatus.CONFIRMED).orElse(false)) {
            return Optional.empty();
        }
        Order order = confirmed.get();
        if (order.decidedAt().isEmpty()) {
            throw JobFailure.permanent("order " + order.orderId() + " is CONFIRMED without decidedAt, so it belongs to no day");
        }
        long items = order.lines().stream().mapToLong(OrderLine::quantity).sum();
        BigDecimal revenue = order.total().orElseGet(() -> order.lines().stream().map(OrderLine::amount)
                .reduce(BigDecimal.ZERO, BigDecimal::add));
        return Optional.of(new Confirmation(order.orderId(), order.decidedAt().get().atZone(ZoneOffset.UTC).toLocalDate(),
                order.currency(), items, revenue));
    }

    /** The batch so far; a write or park that fails records where the batch stopped. */
    private final class Progress {
        private int counted;
        private int countedBefore;
        private int parked;
        private Optional<Stop> stopped = Optional.empty();

        /** Writes a chunk; false (and the chunk's first record noted) if the write failed. */
        boolean write(List<Confirmation> chunk, String chunkStart) {
            if (chunk.isEmpty()) {
                return true;
            }
            try {
                DailyTotals.Added added = totals.add(List.copyOf(chunk), clock.instant());
                counted += added.counted();
                countedBefore += added.countedBefore();
                return true;
            } catch (RuntimeException failed) {
                stopped = Optional.of(new Stop(chunkStart, "the daily totals could not be written: " + failed.getMessage()));
                return false;
            }
        }

        boolean park(Change change, JobFailure.Permanent why, Reader reader) {
            try {
                failures.park(change.description(), DeadLetter.of(why, new DeadLetter.Origin.StreamRecord(reader.functionName(),
                        reader.requestId(), reader.streamArn(), change.sequenceNumber()), clock.instant()));
                parked++;
                return true;
            } catch (RuntimeException failed) {
                stopped = Optional.of(new Stop(change.sequenceNumber(), "an unreadable record could not be parked: " + failed.getMessage()));
                return false;
            }
        }

        Result result() {
            return new Result(counted, countedBefore, parked, stopped);
        }
    }
}
