package eventjobs.local.sources;

import eventjobs.local.runtime.FunctionInstance;
import eventjobs.local.runtime.FunctionPool;
import eventjobs.local.runtime.InvocationResult;
import eventjobs.local.template.Specs;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Asynchronous invocation of one function, with Lambda's retry rules
 * (<a href="https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html">AWS docs</a>):
 * a failed invocation is retried up to MaximumRetryAttempts times (default 2), the first retry
 * about a minute later and the second two minutes after that, while the event is younger than
 * MaximumEventAgeInSeconds (default 6 hours). Then the OnFailure destination gets an invocation
 * record and the function's DeadLetterQueue the original event; a success goes to OnSuccess.
 * Destinations may be SQS queues or other functions of the template. Thread-safe.
 */
public final class AsyncInvoker implements AutoCloseable {

    /** The waits before the first and second retry; AWS's are about 1 and 2 minutes. */
    public record RetryDelays(Duration first, Duration second) {
        public static RetryDelays aws() {
            return new RetryDelays(Duration.ofMinutes(1), Duration.ofMinutes(2));
        }

        /** The same delays multiplied by {@code factor} (tests and demos shorten them). */
        public RetryDelays scaled(double factor) {
            return new RetryDelays(Duration.ofMillis((long) (first.toMillis() * factor)),
                    Duration.ofMillis((long) (second.toMillis() * factor)));
        }

        Duration before(int retry) {
            return retry == 1 ? first : second;
        }
    }

    /** Sends a record to a destination ARN that is a function: (function ARN, record). */
    public interface FunctionDestinations extends BiConsumer<String, byte[]> {}

    private static final JsonMapper JSON = JsonMapper.shared();

    private final FunctionPool function;
    private final Specs.AsyncConfig config;
    private final Optional<String> deadLetterArn;
    private final SqsClient sqs;
    private final FunctionDestinations functions;
    private final RetryDelays delays;
    private final InvocationLog log;
    private final Clock clock;
    private final DeliveryFaults faults;
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1,
            Thread.ofPlatform().daemon().name("async-retries").factory());

    public AsyncInvoker(FunctionPool function, Specs.AsyncConfig config, Optional<String> deadLetterArn, SqsClient sqs,
                        FunctionDestinations functions, RetryDelays delays, InvocationLog log, Clock clock) {
        this(function, config, deadLetterArn, sqs, functions, delays, log, clock, DeliveryFaults.NONE);
    }

    /** Like the other constructor, delivering twice the events {@code faults} chooses (chaos mode). */
    public AsyncInvoker(FunctionPool function, Specs.AsyncConfig config, Optional<String> deadLetterArn, SqsClient sqs,
                        FunctionDestinations functions, RetryDelays delays, InvocationLog log, Clock clock,
                        DeliveryFaults faults) {
        this.faults = faults;
        this.function = function;
        this.config = config;
        this.deadLetterArn = deadLetterArn;
        this.sqs = sqs;
        this.functions = functions;
        this.delays = delays;
        this.log = log;
        this.clock = clock;
    }

    /** The defaults Lambda applies when a function has no EventInvokeConfig. */
    public static Specs.AsyncConfig defaults() {
        return new Specs.AsyncConfig(2, Duration.ofHours(6), Optional.empty(), Optional.empty());
    }

    /** Queues an event and returns its request id at once, as an Event invocation does. */
    public String submit(byte[] event, String trigger) {
        String requestId = FunctionInstance.newRequestId();
        Instant received = clock.instant();
        Thread.ofVirtual().name("async-" + requestId).start(() -> attempt(requestId, event, trigger, received, 1));
        if (faults.duplicate(function.config().name(), requestId)) {
            // the same event again, with the same request id, each copy with its own retries
            Thread.ofVirtual().name("async-" + requestId + "-duplicate").start(() -> attempt(requestId, event, trigger, received, 1));
        }
        return requestId;
    }

    private void attempt(String requestId, byte[] event, String trigger, Instant received, int attempt) {
        if (Duration.between(received, clock.instant()).compareTo(config.maximumEventAge()) > 0) {
            exhausted(requestId, event, "EventAgeExceeded", attempt - 1, null);
            return;
        }
        // every attempt carries the event's request id, as Lambda's retries do
        InvocationResult result = function.invoke(requestId, event);
        log.invoked(function.config().name(), trigger, result, "async attempt " + attempt);
        if (result.succeeded()) {
            config.onSuccessArn().ifPresent(arn -> deliver(arn, record(requestId, event, "Success", attempt, result)));
            return;
        }
        if (attempt <= config.maximumRetryAttempts()) {
            Duration wait = delays.before(attempt);
            if (Duration.between(received, clock.instant().plus(wait)).compareTo(config.maximumEventAge()) > 0) {
                exhausted(requestId, event, "EventAgeExceeded", attempt, result);
                return;
            }
            scheduler.schedule(() -> Thread.ofVirtual().start(() -> attempt(requestId, event, trigger, received, attempt + 1)),
                    wait.toMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        exhausted(requestId, event, "RetriesExhausted", attempt, result);
    }

    private void exhausted(String requestId, byte[] event, String condition, int invokeCount, InvocationResult last) {
        config.onFailureArn().ifPresent(arn -> deliver(arn, record(requestId, event, condition, invokeCount, last)));
        deadLetterArn.ifPresent(arn -> reportingFailure(arn, () -> sqs.sendMessage(r -> r.queueUrl(queueUrl(arn))
                .messageBody(new String(event, StandardCharsets.UTF_8))
                .messageAttributes(Map.of(
                        "RequestID", text(requestId),
                        "ErrorCode", MessageAttributeValue.builder().dataType("Number").stringValue("200").build(),
                        "ErrorMessage", text(last == null ? condition : errorMessage(last)))))));
    }

    /** An invocation record in the format Lambda sends to destinations. */
    private byte[] record(String requestId, byte[] event, String condition, int invokeCount, InvocationResult result) {
        ObjectNode record = JSON.createObjectNode();
        record.put("version", "1.0");
        record.put("timestamp", clock.instant().toString());
        ObjectNode context = record.putObject("requestContext");
        context.put("requestId", requestId);
        context.put("functionArn", function.config().arn() + ":$LATEST");
        context.put("condition", condition);
        context.put("approximateInvokeCount", invokeCount);
        record.set("requestPayload", json(event));
        if (result != null) {
            ObjectNode response = record.putObject("responseContext");
            response.put("statusCode", 200);
            response.put("executedVersion", "$LATEST");
            if (!result.succeeded()) {
                response.put("functionError", "Unhandled");
            }
            record.set("responsePayload", json(result.payload()));
        }
        return JSON.writeValueAsBytes(record);
    }

    private void deliver(String arn, byte[] record) {
        if (arn.startsWith("arn:aws:sqs:")) {
            reportingFailure(arn, () -> sqs.sendMessage(r -> r.queueUrl(queueUrl(arn))
                    .messageBody(new String(record, StandardCharsets.UTF_8))));
        } else if (arn.startsWith("arn:aws:lambda:")) {
            functions.accept(arn, record);
        } else {
            log.problem(function.config().name(), "destination " + arn
                    + " is not emulated (SQS queues and functions are); record dropped");
        }
    }

    /** A record that cannot be delivered is said out loud: this runs on a thread nobody waits for. */
    private void reportingFailure(String destination, Runnable send) {
        try {
            send.run();
        } catch (RuntimeException e) {
            log.problem(function.config().name(), "could not send to " + destination + ", the record is lost: " + e.getMessage());
        }
    }

    private String queueUrl(String arn) {
        String[] parts = arn.split(":", 6);
        return sqs.getQueueUrl(r -> r.queueName(parts[5])).queueUrl();
    }

    private static JsonNode json(byte[] bytes) {
        try {
            return JSON.readTree(bytes);
        } catch (JacksonException e) {
            return JSON.getNodeFactory().stringNode(new String(bytes, StandardCharsets.UTF_8));
        }
    }

    private static String errorMessage(InvocationResult result) {
        String message = json(result.payload()).path("errorMessage").asString(result.payloadText());
        return message.length() > 1024 ? message.substring(0, 1024) : message;
    }

    private static MessageAttributeValue text(String value) {
        return MessageAttributeValue.builder().dataType("String").stringValue(value.isEmpty() ? "-" : value).build();
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
