package eventjobs.payments.webhook;

import eventjobs.core.JobFailure;
import eventjobs.core.api.ApiError;
import eventjobs.core.api.HttpApi;
import eventjobs.core.events.EventCodec;
import eventjobs.core.events.Violation;
import eventjobs.core.idempotency.Idempotency;
import eventjobs.payments.PaymentEvent;
import tools.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Takes one webhook request from the payment provider and does the least that makes it safe to
 * answer 2xx: the body is within {@link #MAX_BODY_BYTES}, its signature is the provider's and
 * recent ({@link WebhookSignature}), it is a provider event ({@code payment-event.v1}), and it is
 * queued once per event id. Nothing else happens on the request path; PaymentWorkerFunction
 * applies the event.
 *
 * <p>Each event id is queued once (guarded idempotency in IdempotencyTable, remembered for
 * {@link #REMEMBER_EVENTS_FOR}, longer than providers retry): the provider's retries of an event
 * it already delivered are answered 200 and queue nothing. If queueing fails, the id is released
 * and the answer is 503, so the provider's next retry queues it. Thread-safe.
 */
public final class ReceivePayment {

    /** The largest body received; payment events are a few KB, and the queued event must fit SQS's 256 KiB. */
    public static final int MAX_BODY_BYTES = 64 * 1024;
    /** How long an event id is remembered: providers retry a failed delivery for up to three days. */
    public static final Duration REMEMBER_EVENTS_FOR = Duration.ofDays(7);

    /**
     * What became of a request.
     *
     * @param duplicate whether the event had been received before (nothing was queued this time)
     */
    public record Received(String eventId, String type, boolean duplicate) {}

    private final SigningSecret secret;
    private final Idempotency received;
    private final PaymentQueue queue;
    private final EventCodec codec;
    private final Clock clock;

    /** @param received guards event ids; its keep-for should be {@link #REMEMBER_EVENTS_FOR} */
    public ReceivePayment(SigningSecret secret, Idempotency received, PaymentQueue queue, EventCodec codec, Clock clock) {
        this.secret = secret;
        this.received = received;
        this.queue = queue;
        this.codec = codec;
        this.clock = clock;
    }

    /**
     * @param body      the request body, byte for byte as received
     * @param signature the {@code Payment-Signature} header, if any
     * @param timeLeft  how long the invocation may still run (an event id stays locked this long if it dies mid-way)
     * @throws ApiError 413 over {@link #MAX_BODY_BYTES}; 401 for a missing, malformed, wrong or stale
     *                  signature; 400 for a body that is not a provider event; 422 for an event id
     *                  received before with another body; 409 while another request holds the same id
     */
    public Received receive(byte[] body, Optional<String> signature, Duration timeLeft) {
        if (body.length > MAX_BODY_BYTES) {
            throw HttpApi.tooLarge(body.length, MAX_BODY_BYTES);
        }
        authenticate(body, signature);
        JsonNode json = HttpApi.parseJson(body);
        if (!json.isObject()) {
            throw ApiError.badRequest("the request body must be a JSON object (a payment event)");
        }
        List<Violation> violations = codec.dataViolations(PaymentEvent.TYPE, json);
        if (!violations.isEmpty()) {
            throw ApiError.badRequest("not a payment event", violations);
        }
        PaymentEvent event = PaymentEvent.fromData(json);
        AtomicBoolean queued = new AtomicBoolean();
        try {
            received.once("payments-webhook/" + event.id(), new String(body, StandardCharsets.UTF_8), timeLeft, () -> {
                queue.send(event);
                queued.set(true);
                return "queued";
            });
        } catch (JobFailure.Permanent differentBody) {
            throw new ApiError(422, "event " + event.id() + " was received before with a different body",
                    List.of(new Violation("/id", "an event id names one event; nothing was queued")));
        } catch (JobFailure.Retryable inProgress) {
            throw new ApiError(409, "event " + event.id() + " is being received by another request",
                    List.of(new Violation("/id", "send it again later")));
        }
        return new Received(event.id(), event.type(), !queued.get());
    }

    private void authenticate(byte[] body, Optional<String> signature) {
        WebhookSignature.Verdict verdict = WebhookSignature.verify(signature, body, secret.current(), clock.instant());
        if (verdict instanceof WebhookSignature.Verdict.Mismatch && secret.reloadAfterMismatch()) {
            verdict = WebhookSignature.verify(signature, body, secret.current(), clock.instant());
        }
        switch (verdict) {
            case WebhookSignature.Verdict.Valid valid -> { }
            case WebhookSignature.Verdict.Malformed malformed -> throw unauthorized(
                    signature.filter(value -> !value.isBlank()).isEmpty()
                            ? "missing Payment-Signature header" : "malformed Payment-Signature header",
                    malformed.reason());
            case WebhookSignature.Verdict.Mismatch mismatch -> throw unauthorized("invalid signature",
                    "no v1 signature is the HMAC-SHA256 of '<t>.<body>' with the webhook's secret");
            case WebhookSignature.Verdict.Stale stale -> throw unauthorized("signature timestamp outside the tolerance",
                    "signed at " + stale.signedAt() + ", more than " + WebhookSignature.TOLERANCE.toMinutes()
                            + " minutes from now (" + clock.instant() + "): a replayed request, or a clock that is off");
        }
    }

    private static ApiError unauthorized(String error, String detail) {
        return new ApiError(401, error, List.of(new Violation(WebhookSignature.HEADER, detail)));
    }
}
