package eventjobs.stock;

import eventjobs.core.DeadLetter;
import eventjobs.core.JobFailure;
import eventjobs.core.async.FailureQueue;

import java.time.Clock;
import java.util.List;

/**
 * Applies the records of a Kafka batch in order, each movement once. A record that is no valid
 * movement, or that reuses a movement id for another SKU or delta, is parked with its reason and
 * the batch goes on: retrying cannot help it, and it must not block its partition. When the store
 * cannot be written, this throws: the invocation fails and Lambda sends the batch again (blocking
 * the partition meanwhile), and the movements already applied are absorbed as duplicates.
 * Thread-safe if its ports are.
 */
public final class ApplyStockMovements {

    /** A record of the batch: where it is, its value, and its whole self as one-record event JSON (what is parked). */
    public record Received(String topic, int partition, long offset, String value, String asEvent) {
        String source() {
            return topic + "-" + partition + "@" + offset;
        }
    }

    /** Who read the records, for what is parked. */
    public record Reader(String functionName, String requestId) {}

    public record Result(int applied, int appliedBefore, int parked) {}

    private final StockStore stock;
    private final FailureQueue failures;
    private final Clock clock;

    public ApplyStockMovements(StockStore stock, FailureQueue failures, Clock clock) {
        this.stock = stock;
        this.failures = failures;
        this.clock = clock;
    }

    /**
     * @throws JobFailure.Retryable when the store or the failure queue cannot be written now
     */
    public Result apply(List<Received> records, Reader reader) {
        int applied = 0;
        int before = 0;
        int parked = 0;
        for (Received record : records) {
            try {
                StockMovement movement = StockMovement.parse(record.value());
                switch (stock.apply(movement, record.source(), clock.instant())) {
                    case StockStore.Outcome.Applied ok -> applied++;
                    case StockStore.Outcome.AlreadyApplied duplicate -> before++;
                    case StockStore.Outcome.Conflict conflict -> throw JobFailure.permanent("movement " + movement.movementId()
                            + " was applied before as " + conflict.stored().sku() + " " + conflict.stored().delta()
                            + ", not " + movement.sku() + " " + movement.delta() + "; the stock is left as it was");
                }
            } catch (JobFailure.Permanent why) {
                park(record, why, reader);
                parked++;
            }
        }
        return new Result(applied, before, parked);
    }

    private void park(Received record, JobFailure.Permanent why, Reader reader) {
        DeadLetter letter = DeadLetter.of(why, new DeadLetter.Origin.KafkaRecord(reader.functionName(), reader.requestId(),
                record.topic(), record.partition(), record.offset()), clock.instant());
        try {
            failures.park(record.asEvent(), letter);
        } catch (RuntimeException e) {
            throw JobFailure.retryable("record " + record.source() + " could not be parked (" + why.reason() + "): " + e.getMessage(), e);
        }
    }
}
