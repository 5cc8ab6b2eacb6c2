package eventjobs.payments.webhook;

import eventjobs.payments.PaymentEvent;

/** Where received payment events go to be applied. */
public interface PaymentQueue {

    /** Sends {@code event}; throws if it could not be sent. */
    void send(PaymentEvent event);
}
