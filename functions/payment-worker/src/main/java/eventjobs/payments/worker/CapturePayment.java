package eventjobs.payments.worker;

import eventjobs.core.JobFailure;
import eventjobs.orders.Order;
import eventjobs.orders.OrderStatus;
import eventjobs.orders.OrderPayments;
import eventjobs.payments.PaymentCaptured;

import java.time.Clock;

/**
 * Applies a captured payment: a CONFIRMED order whose total and currency are the payment's
 * becomes PAID, with one conditional write. A second delivery of the same payment changes nothing.
 * A payment that cannot apply is a {@link JobFailure.Permanent} whose reason says why, so it is
 * parked in PaymentsDLQ for a person (most need a refund or a look at the provider's dashboard):
 * an unknown order, a REJECTED or FAILED order, an order paid by another payment, an amount or
 * currency that is not the order's. An order not decided yet (ACCEPTED) is a
 * {@link JobFailure.Retryable}: its worker decides it within minutes, and SQS delivers the payment
 * again.
 */
public final class CapturePayment {

    /** What happened to one payment. */
    public record Result(String orderId, String paymentId, boolean duplicate) {}

    private final OrderPayments orders;
    private final Clock clock;

    public CapturePayment(OrderPayments orders, Clock clock) {
        this.orders = orders;
        this.clock = clock;
    }

    public Result apply(PaymentCaptured payment) {
        return switch (orders.capture(payment.orderId(), payment.paymentId(), payment.amount(), payment.currency(),
                clock.instant())) {
            case OrderPayments.Capture.Captured captured -> new Result(payment.orderId(), payment.paymentId(), false);
            case OrderPayments.Capture.AlreadyCaptured duplicate -> new Result(payment.orderId(), payment.paymentId(), true);
            case OrderPayments.Capture.Refused refused -> throw refused.existing()
                    .map(order -> why(payment, order))
                    .orElseGet(() -> JobFailure.permanent(prefix(payment) + "there is no order " + payment.orderId()));
        };
    }

    private static JobFailure why(PaymentCaptured payment, Order order) {
        String prefix = prefix(payment);
        return switch (order.status()) {
            case ACCEPTED -> JobFailure.retryable(prefix + "order " + order.orderId() + " is not decided yet (ACCEPTED)");
            case REJECTED -> JobFailure.permanent(prefix + "order " + order.orderId() + " was REJECTED ("
                    + order.reason().orElse("no reason") + "): the payment needs a refund");
            case FAILED -> JobFailure.permanent(prefix + "order " + order.orderId() + " is FAILED ("
                    + order.reason().orElse("no reason") + "): decide it (redrive it from OrdersDLQ), then redrive this payment");
            case PAID -> JobFailure.permanent(prefix + "order " + order.orderId() + " is already PAID by payment "
                    + order.payment().map(p -> p.paymentId()).orElse("?") + ": a second capture, which needs a refund");
            case CONFIRMED -> {
                String total = order.total().map(t -> t.toPlainString()).orElse("?") + " " + order.currency().getCurrencyCode();
                String paid = payment.amount().toPlainString() + " " + payment.currency();
                yield order.total().filter(t -> t.compareTo(payment.amount()) == 0).isPresent()
                        && order.currency().getCurrencyCode().equals(payment.currency())
                        // the order matched when read back: it changed between the write and its refusal
                        ? JobFailure.retryable(prefix + "order " + order.orderId() + " changed while it was being paid")
                        : JobFailure.permanent(prefix + "the amount " + paid + " is not order " + order.orderId()
                                + "'s total " + total);
            }
        };
    }

    private static String prefix(PaymentCaptured payment) {
        return "payment " + payment.paymentId() + " (event " + payment.eventId() + "): ";
    }
}
