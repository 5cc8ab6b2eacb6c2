package eventjobs.sweeper;

import eventjobs.orders.OrderQueue;
import eventjobs.orders.OrderStore;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Orders left ACCEPTED: the API recorded them but their event never reached the worker (the
 * enqueue failed and the client gave up), or the worker could not decide them. Each one waiting
 * longer than {@code resendAfter} is sent again; after {@code maxResends} it is FAILED, with the
 * reason, so nobody polls it forever. Sending twice is harmless: the worker decides an order once.
 */
public final class SweepOrders {

    /** What one sweep did. */
    public record Result(int resent, int failed) {}

    private final OrderStore orders;
    private final OrderQueue queue;
    private final Duration resendAfter;
    private final int maxResends;
    private final Clock clock;

    public SweepOrders(OrderStore orders, OrderQueue queue, Duration resendAfter, int maxResends, Clock clock) {
        this.orders = orders;
        this.queue = queue;
        this.resendAfter = resendAfter;
        this.maxResends = maxResends;
        this.clock = clock;
    }

    public Result apply() {
        Instant now = clock.instant();
        int resent = 0;
        int failed = 0;
        try (var waiting = orders.undecidedSince(now.minus(resendAfter))) {
            for (OrderStore.Undecided undecided : (Iterable<OrderStore.Undecided>) waiting::iterator) {
                var order = undecided.order();
                if (undecided.resends() >= maxResends) {
                    failed += orders.fail(order.orderId(), "not decided after it was sent " + (undecided.resends() + 1)
                            + " times; its message is parked in OrdersDLQ (redrive it to decide the order)", now) ? 1 : 0;
                } else {
                    // sent before it is noted: a crash in between sends it once more, never not at all
                    queue.send(order.placed());
                    resent += orders.resent(order.orderId(), now) ? 1 : 0;
                }
            }
        }
        return new Result(resent, failed);
    }
}
