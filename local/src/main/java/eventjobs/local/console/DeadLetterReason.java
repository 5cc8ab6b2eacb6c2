package eventjobs.local.console;

import eventjobs.local.aws.QueueWatch;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Why a message is in a dead-letter queue, in one line, from what it carries: the
 * {@code failure-reason} attribute a handler parks an event with; a Lambda destination record's
 * {@code requestContext.condition} with the function's error; a stream batch record's condition;
 * or the redrive policy that moved it.
 */
final class DeadLetterReason {

    private DeadLetterReason() {}

    static String of(QueueWatch.Message message) {
        String reason = message.attributes().get("failure-reason");
        if (reason != null) {
            return reason;
        }
        JsonNode body;
        try {
            body = JsonMapper.shared().readTree(message.body());
        } catch (JacksonException e) {
            body = null;
        }
        if (body != null && body.isObject() && body.at("/requestContext/condition").isString()) {
            String condition = body.at("/requestContext/condition").asString();
            JsonNode count = body.at("/requestContext/approximateInvokeCount");
            String error = body.at("/responsePayload/errorMessage").asString("");
            if (error.isEmpty()) {
                error = body.at("/responsePayload/errorType").asString("");
            }
            return condition + (count.isNumber() ? " after " + count.asInt() + (count.asInt() == 1 ? " attempt" : " attempts") : "")
                    + (body.has("DDBStreamBatchInfo") ? " (a stream batch: shard "
                    + body.at("/DDBStreamBatchInfo/shardId").asString("?") + ", " + body.at("/DDBStreamBatchInfo/batchSize").asInt() + " records)" : "")
                    + (error.isEmpty() ? "" : ": " + error);
        }
        if (message.deadLetterSource().isPresent()) {
            return "moved here by the redrive policy of " + message.deadLetterSource().get()
                    + " (received as often as its maxReceiveCount allows, never deleted)";
        }
        return "no reason recorded (no failure-reason attribute, not a Lambda destination record)";
    }
}
