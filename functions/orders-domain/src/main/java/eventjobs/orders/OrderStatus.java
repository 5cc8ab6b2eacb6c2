package eventjobs.orders;

/**
 * ACCEPTED by the API, then decided once by the worker: CONFIRMED or REJECTED. FAILED when the
 * sweeper gave up on it (sent again and again, never decided: its message is parked in
 * OrdersDLQ); a redrive of that message can still decide it. PAID when a CONFIRMED order's payment
 * was captured (PaymentWorkerFunction).
 *
 * <p>PAID is not stored in the table's {@code status}: that attribute keeps the worker's decision
 * (CONFIRMED), which the sales index {@code ByStatusDecidedAt} and every report count, and the
 * payment is stored beside it ({@code paidAt}, {@code paymentId}). So a paid order stays one sale,
 * counted once, and {@link Order#status()} reports PAID.
 */
public enum OrderStatus {
    ACCEPTED, CONFIRMED, REJECTED, FAILED, PAID;

    public boolean decided() {
        return this == CONFIRMED || this == REJECTED || this == PAID;
    }
}
