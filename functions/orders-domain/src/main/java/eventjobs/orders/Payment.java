package eventjobs.orders;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * The captured payment of a PAID order, as recorded on it.
 *
 * @param paymentId the payment provider's id of the payment
 * @param amount    what was captured, in the order's currency (equal to the order's total)
 * @param paidAt    when the capture was recorded
 */
public record Payment(String paymentId, BigDecimal amount, Instant paidAt) {}
