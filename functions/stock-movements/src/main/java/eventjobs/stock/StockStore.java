package eventjobs.stock;

import java.time.Instant;

/** Where stock levels are kept, each movement applied at most once. Implementations are thread-safe. */
public interface StockStore {

    /** What came of applying a movement. */
    sealed interface Outcome {
        /** Applied now. */
        record Applied() implements Outcome {}

        /** The same movement was applied before; nothing changed. */
        record AlreadyApplied() implements Outcome {}

        /** The movement id was applied before with another SKU or delta; nothing changed. */
        record Conflict(StockMovement stored) implements Outcome {}
    }

    /**
     * Applies {@code movement} to its SKU unless its id was applied before.
     *
     * @param source where the movement came from (topic-partition@offset), kept with it
     * @throws eventjobs.core.JobFailure.Retryable when the store cannot be written now
     */
    Outcome apply(StockMovement movement, String source, Instant now);
}
