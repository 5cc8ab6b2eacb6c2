package eventjobs.orders;

/**
 * ACCEPTED by the API, then decided once by the worker: CONFIRMED or REJECTED. FAILED when the
 * sweeper gave up on it (sent again and again, never decided: its message is parked in
 * OrdersDLQ); a redrive of that message can still decide it.
 */
public enum OrderStatus {
    ACCEPTED, CONFIRMED, REJECTED, FAILED;

    public boolean decided() {
        return this == CONFIRMED || this == REJECTED;
    }
}
