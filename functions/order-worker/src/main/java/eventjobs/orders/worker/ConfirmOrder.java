package eventjobs.orders.worker;

import eventjobs.orders.OrderPlaced;
import eventjobs.orders.OrderStatus;
import eventjobs.orders.OrderStore;

import java.time.Clock;

/**
 * Decides a placed order: prices it, then records CONFIRMED or REJECTED with one conditional
 * write. Deciding an order that was decided already changes nothing (a duplicate delivery).
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
        boolean decided = orders.decide(order, decision, quote.total(), quote.rejection(), clock.instant());
        return new Result(order.orderId(), decision, !decided);
    }
}
