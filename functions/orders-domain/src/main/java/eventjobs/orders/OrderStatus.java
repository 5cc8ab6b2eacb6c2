package eventjobs.orders;

/** ACCEPTED by the API, then decided once by the worker: CONFIRMED or REJECTED. */
public enum OrderStatus {
    ACCEPTED, CONFIRMED, REJECTED;

    public boolean decided() {
        return this != ACCEPTED;
    }
}
