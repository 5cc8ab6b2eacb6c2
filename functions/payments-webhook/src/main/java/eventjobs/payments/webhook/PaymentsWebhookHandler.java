package eventjobs.payments.webhook;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;
import eventjobs.core.Env;
import eventjobs.core.Log;
import eventjobs.core.api.ApiError;
import eventjobs.core.api.HttpApi;
import eventjobs.core.aws.AwsClients;
import eventjobs.core.snapstart.Priming;
import eventjobs.core.events.EventCodec;
import eventjobs.core.idempotency.DynamoDbIdempotencyStore;
import eventjobs.core.idempotency.Idempotency;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import tools.jackson.databind.json.JsonMapper;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;

/**
 * PaymentsWebhookFunction, behind the HTTP API's {@code POST /webhooks/payments} (payload format
 * 2.0), which has no IAM authorization: the payment provider cannot sign with SigV4, so the
 * request's {@code Payment-Signature} is what authenticates it ({@link WebhookSignature}). Answers
 * 202 {@code {"received": true, "eventId", "duplicate": false}} once the event is queued, 200 with
 * {@code "duplicate": true} for an event received before; 401, 400, 413, 409 or 422 with
 * {@code {"error", "details"}} otherwise (see {@link ReceivePayment}), and 503 when a dependency
 * fails, which the provider retries.
 *
 * <p>Environment: {@code PAYMENTS_WEBHOOK_SECRET} (the secret's ARN or name in Secrets Manager,
 * read at init, or by the first request under SnapStart), {@code PAYMENTS_QUEUE_URL}, {@code IDEMPOTENCY_TABLE}.
 */
public class PaymentsWebhookHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    private static final JsonMapper JSON = JsonMapper.shared();

    private final ReceivePayment receivePayment;

    /** Set by the Lambda constructor only: keeps the SnapStart hooks referenced (CRaC holds them weakly). */
    private Priming priming;

    /** Used by Lambda: builds the clients and reads the signing secret once per execution environment. */
    public PaymentsWebhookHandler() {
        Env env = Env.fromSystem();
        AwsClients aws = AwsClients.fromEnvironment();
        Clock clock = Clock.systemUTC();
        EventCodec codec = new EventCodec();
        SecretsManagerClient secrets = aws.secretsManager();
        String secretId = env.require("PAYMENTS_WEBHOOK_SECRET");
        Supplier<String> source = () -> secrets.getSecretValue(r -> r.secretId(secretId)).secretString();
        // Lambda says which init this is; a SnapStart init is snapshotted, secret and all
        boolean snapshotted = env.optional("AWS_LAMBDA_INITIALIZATION_TYPE").filter("snap-start"::equals).isPresent();
        this(new ReceivePayment(
                snapshotted ? SigningSecret.onFirstUse(source, clock) : new SigningSecret(source, clock),
                new Idempotency(new DynamoDbIdempotencyStore(aws.dynamoDb(), env.require("IDEMPOTENCY_TABLE")), clock,
                        ReceivePayment.REMEMBER_EVENTS_FOR),
                new SqsPaymentQueue(aws.sqs(), env.require("PAYMENTS_QUEUE_URL"), codec, clock),
                codec, clock));
        this.priming = Priming.register(aws, Priming.dynamoDb(), Priming.sqs());
    }

    public PaymentsWebhookHandler(ReceivePayment receivePayment) {
        this.receivePayment = receivePayment;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent request, Context context) {
        return HttpApi.handle(request, context, Map.of("POST /webhooks/payments", r -> receive(r, context)));
    }

    private APIGatewayV2HTTPResponse receive(APIGatewayV2HTTPEvent request, Context context) {
        ReceivePayment.Received received;
        try {
            received = receivePayment.receive(HttpApi.rawBody(request), HttpApi.header(request, WebhookSignature.HEADER),
                    Duration.ofMillis(context.getRemainingTimeInMillis()));
        } catch (ApiError refused) {
            // a run of these is a provider with another secret, a clock that is off, or someone probing
            Log.line(context, LogLevel.WARN, "webhook refused: " + refused.status() + " " + refused.error()
                    + (refused.details().isEmpty() ? "" : " (" + refused.details().getFirst().message() + ")"));
            throw refused;
        }
        Log.line(context, LogLevel.INFO, "payment event " + received.eventId() + " " + received.type()
                + (received.duplicate() ? " received before: nothing queued" : " queued"));
        return HttpApi.json(received.duplicate() ? 200 : 202, JSON.createObjectNode()
                .put("received", true)
                .put("eventId", received.eventId())
                .put("duplicate", received.duplicate()), Map.of());
    }
}
