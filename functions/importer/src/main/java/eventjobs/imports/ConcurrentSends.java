package eventjobs.imports;

import eventjobs.orders.OrderPlaced;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Sends batches of orders with up to {@code inFlight} sends under way at once, each on a virtual
 * thread of its own: the SQS client's HTTP client (url-connection) blocks a thread per call, and a
 * send spends most of its time waiting for SQS, so a few at once keep the reader busy instead of
 * waiting. At most {@code inFlight} batches are held, so memory stays bounded whatever the file's
 * size.
 *
 * <p>The first send that throws fails the whole: the next {@link #submit} or {@link #finish}
 * throws it, after which nothing more is sent. Not thread-safe: one reader submits; the sends run
 * concurrently. {@link #close()} waits for the sends under way.
 */
final class ConcurrentSends implements AutoCloseable {

    /** What the sends did: orders the queue took, and orders it refused even after retries. */
    record Sent(long accepted, long unsent) {}

    private final OrderBatches queue;
    private final int inFlight;
    private final Semaphore slots;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong unsent = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    ConcurrentSends(OrderBatches queue, int inFlight) {
        if (inFlight < 1) {
            throw new IllegalArgumentException("inFlight must be at least 1, not " + inFlight);
        }
        this.queue = queue;
        this.inFlight = inFlight;
        this.slots = new Semaphore(inFlight);
    }

    /**
     * Starts sending {@code batch} (at most {@link OrderBatches#MAX_BATCH} orders) once fewer than
     * {@code inFlight} sends are under way; waits until then.
     *
     * @throws RuntimeException the failure of an earlier send
     */
    void submit(List<OrderPlaced> batch) {
        throwIfFailed();
        if (batch.isEmpty()) {
            return;
        }
        List<OrderPlaced> orders = List.copyOf(batch);
        slots.acquireUninterruptibly();
        threads.execute(() -> {
            try {
                int refused = queue.send(orders).size();
                unsent.addAndGet(refused);
                accepted.addAndGet(orders.size() - refused);
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            } finally {
                slots.release();
            }
        });
    }

    /**
     * Waits for every send under way.
     *
     * @return what all sends did
     * @throws RuntimeException the failure of a send, if one failed
     */
    Sent finish() {
        slots.acquireUninterruptibly(inFlight);
        slots.release(inFlight);
        throwIfFailed();
        return new Sent(accepted.get(), unsent.get());
    }

    private void throwIfFailed() {
        Throwable failed = failure.get();
        switch (failed) {
            case null -> { }
            case RuntimeException e -> throw e;
            case Error e -> throw e;
            default -> throw new IllegalStateException("a send failed", failed);
        }
    }

    @Override
    public void close() {
        threads.close();
    }
}
