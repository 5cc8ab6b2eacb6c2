package eventjobs.imports;

import eventjobs.orders.OrderPlaced;

import java.util.List;

/** Where imported orders go, ten at a time. */
public interface OrderBatches {

    /** The most orders one {@link #send} takes (SQS SendMessageBatch's limit). */
    int MAX_BATCH = 10;

    /**
     * Sends up to {@value #MAX_BATCH} orders.
     *
     * @return the orders that could not be sent (after retrying what the queue refused)
     */
    List<OrderPlaced> send(List<OrderPlaced> orders);
}
