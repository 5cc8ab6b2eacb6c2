package eventjobs.local.stack;

import eventjobs.local.sources.LambdaApi;
import eventjobs.local.template.SamTemplate;
import eventjobs.local.template.Specs;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.LambdaException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.SqsException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Replays what a dead-letter queue holds, message by message, so that every failure path of the
 * stack has a way back:
 * <ul>
 *   <li>a Lambda destination record (what an {@code OnFailure} destination of an asynchronous
 *       invocation receives: {@code {"requestContext":{"functionArn":…},"requestPayload":…}}) is
 *       unwrapped and its payload invoked again, asynchronously, on the function that failed —
 *       SQS's {@code StartMessageMoveTask} cannot do that, it only moves messages between queues;</li>
 *   <li>a message parked by a queue's {@code RedrivePolicy} goes back to that source queue, with
 *       its attributes (and its group on FIFO queues), as a message move task would move it;</li>
 *   <li>an event a function parked itself, with its reason (attribute {@code failure-function}), is
 *       invoked again on that function, asynchronously;</li>
 *   <li>a message in a function's {@code DeadLetterQueue} (the raw event) is invoked again on that function.</li>
 * </ul>
 * Anything else stays in the queue, with the reason. Only a message whose replay was accepted is deleted.
 */
public final class Redrive {

    private static final JsonMapper JSON = JsonMapper.shared();

    /** The attribute naming the function that parked an event itself (see eventjobs.core.DeadLetter). */
    static final String FAILURE_FUNCTION = "failure-function";

    /** How long a message read by a run stays hidden, so that one run reads each message once. */
    private static final int HOLD_SECONDS = 120;

    /** What happened to one message. */
    public enum Action { REPLAYED, MOVED, KEPT }

    /**
     * @param detail where it went ("OnUpload, request 3f…"; "OrdersQueue") or, when kept, why
     */
    public record Outcome(String messageId, Action action, String detail) {
        @Override
        public String toString() {
            return switch (action) {
                case REPLAYED -> messageId + " replayed: invoked " + detail;
                case MOVED -> messageId + " moved to " + detail;
                case KEPT -> messageId + " kept: " + detail;
            };
        }
    }

    /** Every message the run read, in the order it read them. */
    public record Result(String deadLetterQueue, List<Outcome> outcomes) {
        public long count(Action action) {
            return outcomes.stream().filter(o -> o.action() == action).count();
        }

        public String summary() {
            return deadLetterQueue + ": " + count(Action.REPLAYED) + " replayed, " + count(Action.MOVED) + " moved, "
                    + count(Action.KEPT) + " kept";
        }
    }

    private final SqsClient sqs;
    private final LambdaClient lambda;
    private final SamTemplate template;

    public Redrive(SqsClient sqs, LambdaClient lambda, SamTemplate template) {
        this.sqs = sqs;
        this.lambda = lambda;
        this.template = template;
    }

    /**
     * @param deadLetterQueue logical id of a queue of the template
     * @throws IllegalArgumentException when it is not a queue of the template
     */
    public Result run(String deadLetterQueue) {
        List<Specs.Queue> queues = template.queues();
        Specs.Queue dlq = queues.stream().filter(q -> q.logicalId().equals(deadLetterQueue)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no queue " + deadLetterQueue + " in the template; queues: "
                        + queues.stream().map(Specs.Queue::logicalId).toList()));
        Optional<Specs.Queue> source = queues.stream()
                .filter(q -> q.attributes().getOrDefault("RedrivePolicy", "").contains("\"" + dlq.arn() + "\""))
                .findFirst();
        Optional<Specs.Function> owner = template.functions().stream()
                .filter(f -> f.deadLetterTargetArn().filter(dlq.arn()::equals).isPresent())
                .findFirst();
        String url = sqs.getQueueUrl(r -> r.queueName(dlq.name())).queueUrl();
        List<Outcome> outcomes = new ArrayList<>();
        List<Message> release = new ArrayList<>();
        // a replay that fails again parks a new message here while the run goes on: it is left for the next run
        long started = System.currentTimeMillis();
        for (List<Message> batch; !(batch = receive(url)).isEmpty(); ) {
            for (Message message : batch) {
                if (sentAfter(message, started)) {
                    release.add(message);
                    continue;
                }
                Outcome outcome = replay(message, dlq, source, owner);
                outcomes.add(outcome);
                if (outcome.action() == Action.KEPT) {
                    release.add(message);
                } else {
                    sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(message.receiptHandle()));
                }
            }
        }
        // what stays is visible again at once, for the next run or a look with the console
        release.forEach(m -> sqs.changeMessageVisibility(r -> r.queueUrl(url).receiptHandle(m.receiptHandle()).visibilityTimeout(0)));
        return new Result(dlq.logicalId(), List.copyOf(outcomes));
    }

    private List<Message> receive(String url) {
        return sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1)
                .visibilityTimeout(HOLD_SECONDS).messageAttributeNames("All")
                .messageSystemAttributeNames(MessageSystemAttributeName.MESSAGE_GROUP_ID,
                        MessageSystemAttributeName.MESSAGE_DEDUPLICATION_ID, MessageSystemAttributeName.SENT_TIMESTAMP)).messages();
    }

    private static boolean sentAfter(Message message, long millis) {
        String sent = message.attributes().get(MessageSystemAttributeName.SENT_TIMESTAMP);
        return sent != null && Long.parseLong(sent) > millis;
    }

    private Outcome replay(Message message, Specs.Queue dlq, Optional<Specs.Queue> source, Optional<Specs.Function> owner) {
        Optional<JsonNode> record = destinationRecord(message.body());
        if (record.isPresent()) {
            String functionArn = record.get().at("/requestContext/functionArn").asString();
            String name = LambdaApi.functionName(functionArn);
            if (template.functions().stream().noneMatch(f -> f.name().equals(name))) {
                return new Outcome(message.messageId(), Action.KEPT, "a destination record of " + functionArn
                        + ", which is no function of this stack");
            }
            return invoke(message, functionArn, JSON.writeValueAsString(record.get().get("requestPayload")));
        }
        MessageAttributeValue parkedBy = message.messageAttributes().get(FAILURE_FUNCTION);
        if (parkedBy != null && parkedBy.stringValue() != null) {
            String name = parkedBy.stringValue();
            if (template.functions().stream().noneMatch(f -> f.name().equals(name))) {
                return new Outcome(message.messageId(), Action.KEPT, "parked by " + name + ", which is no function of this stack");
            }
            return invoke(message, name, message.body());
        }
        if (source.isPresent()) {
            return move(message, source.get());
        }
        if (owner.isPresent()) {
            return invoke(message, owner.get().name(), message.body());
        }
        return new Outcome(message.messageId(), Action.KEPT, "not a Lambda destination record (no requestContext.functionArn"
                + " and requestPayload), and " + dlq.logicalId() + " is neither a queue's nor a function's dead-letter queue");
    }

    /** The record when the body is a Lambda destination record, that is names a function and carries a payload. */
    static Optional<JsonNode> destinationRecord(String body) {
        try {
            JsonNode node = JSON.readTree(body);
            return node.isObject() && node.at("/requestContext/functionArn").isString() && node.has("requestPayload")
                    ? Optional.of(node) : Optional.empty();
        } catch (JacksonException e) {
            return Optional.empty();
        }
    }

    private Outcome invoke(Message message, String function, String payload) {
        try {
            var response = lambda.invoke(r -> r.functionName(function).invocationType(InvocationType.EVENT)
                    .payload(SdkBytes.fromUtf8String(payload)));
            if (response.statusCode() != 202) {
                return new Outcome(message.messageId(), Action.KEPT, function + " answered " + response.statusCode() + " to an asynchronous invoke");
            }
            String requestId = response.responseMetadata().requestId();
            return new Outcome(message.messageId(), Action.REPLAYED, LambdaApi.functionName(function)
                    + (requestId == null || requestId.isEmpty() || "UNKNOWN".equals(requestId) ? "" : ", request " + requestId));
        } catch (LambdaException e) {
            return new Outcome(message.messageId(), Action.KEPT, "invoking " + function + " failed: " + e.awsErrorDetails().errorMessage());
        }
    }

    private Outcome move(Message message, Specs.Queue source) {
        try {
            String url = sqs.getQueueUrl(r -> r.queueName(source.name())).queueUrl();
            sqs.sendMessage(r -> {
                r.queueUrl(url).messageBody(message.body());
                if (!message.messageAttributes().isEmpty()) {
                    r.messageAttributes(message.messageAttributes());
                }
                if (source.fifo()) {
                    var system = message.attributes();
                    r.messageGroupId(system.getOrDefault(MessageSystemAttributeName.MESSAGE_GROUP_ID, "redrive"))
                            .messageDeduplicationId(system.getOrDefault(MessageSystemAttributeName.MESSAGE_DEDUPLICATION_ID,
                                    message.messageId()));
                }
            });
            return new Outcome(message.messageId(), Action.MOVED, source.logicalId());
        } catch (SqsException e) {
            return new Outcome(message.messageId(), Action.KEPT, "sending it to " + source.logicalId() + " failed: "
                    + e.awsErrorDetails().errorMessage());
        }
    }
}
