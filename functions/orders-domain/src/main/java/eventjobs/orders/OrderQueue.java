package eventjobs.orders;

/** Where placed orders go to be processed. */
public interface OrderQueue {

    /** Sends the OrderPlaced event of {@code order}; throws if it could not be sent. */
    void send(OrderPlaced order);
}
