package eventjobs.local.sources;

/**
 * Faults event sources suffer on purpose (chaos mode): deliveries made twice, as at-least-once
 * delivery allows, and calls to the Invoke API throttled. {@link #NONE} is what a runtime without
 * chaos uses. Implementations are thread-safe.
 */
public interface DeliveryFaults {

    /** No faults: everything is delivered once and no call is throttled. */
    DeliveryFaults NONE = new DeliveryFaults() {
        @Override
        public boolean duplicate(String function, String delivery) {
            return false;
        }

        @Override
        public boolean throttle(String function, String invocationType) {
            return false;
        }
    };

    /**
     * Whether this delivery (an SQS batch, an asynchronous event) reaches {@code function} twice.
     *
     * @param delivery what is delivered: {@code sqs:<queue>}, or the request id of an asynchronous event
     */
    boolean duplicate(String function, String delivery);

    /** Whether this call to the Invoke API for {@code function} is answered 429 TooManyRequestsException. */
    boolean throttle(String function, String invocationType);
}
