package eventjobs.orders.worker;

import eventjobs.core.JobFailure;
import eventjobs.orders.OrderPlaced;
import eventjobs.orders.OrderStatus;
import eventjobs.orders.OrderStore;

import java.time.Clock;

/**
 * Decides a placed order: prices it, then records CONFIRMED or REJECTED with one conditional
 * write. Deciding an order that was decided already changes nothing (a duplicate delivery); an
 * order id that is taken by an order with other content is a {@link JobFailure.Permanent}.
 */
public final class ConfirmOrder {

    /** What happened to one order. */
    public record Result(String orderId, OrderStatus status, boolean duplicate) {}

    private final OrderStore orders;
    private final Pricing pricing;
    private final Clock clock;

    public ConfirmOrder(OrderStore orders, Pricing pricing, Clock clock) {
        this.orders = orders;
        this.pricing = pricing;
        this.clock = clock;
    }

    public Result apply(OrderPlaced order) {
        Pricing.Quote quote = pricing.price(order);
        OrderStatus decision = quote.rejection().isPresent() ? OrderStatus.REJECTED : OrderStatus.CONFIRMED;
        return switch (orders.decide(order, decision, quote.total(), quote.rejection(), clock.instant())) {
            case OrderStore.Decision.Decided decided -> new Result(order.orderId(), decision, false);
            case OrderStore.Decision.AlreadyDecided duplicate -> new Result(order.orderId(), decision, true);
            case OrderStore.Decision.ContentDiffers differs -> throw JobFailure.permanent("order " + order.orderId()
                    + " exists with other content (stored sha256 " + differs.storedHash() + ", this message's sha256 "
                    + differs.hash() + "): an order id was reused for a different order; nothing was changed");
        };
    }
}
