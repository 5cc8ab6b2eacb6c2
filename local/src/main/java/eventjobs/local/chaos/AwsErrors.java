package eventjobs.local.chaos;

import eventjobs.local.aws.Gateway;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The retryable errors AWS services answer when they are busy, as their SDKs recognise them:
 * DynamoDB's {@code ProvisionedThroughputExceededException} (item requests) and
 * {@code ThrottlingException} (table requests), HTTP 400 with the JSON {@code __type}; SQS's 500
 * {@code InternalError}; S3's 503 {@code SlowDown}.
 */
final class AwsErrors {

    private static final Set<String> DYNAMODB_ITEM_REQUESTS = Set.of("GetItem", "PutItem", "UpdateItem", "DeleteItem",
            "Query", "Scan", "BatchGetItem", "BatchWriteItem", "TransactGetItems", "TransactWriteItems");

    private AwsErrors() {}

    /** The error for a request, if its service is one that chaos mode fails. */
    static Optional<Gateway.Refusal> answer(Gateway.Call call) {
        String requestId = UUID.randomUUID().toString();
        return switch (call.service()) {
            case "dynamodb" -> {
                boolean item = DYNAMODB_ITEM_REQUESTS.contains(operation(call));
                String type = item ? "ProvisionedThroughputExceededException" : "ThrottlingException";
                String message = item
                        ? "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API."
                        : "Rate of requests exceeds the allowed throughput.";
                yield Optional.of(new Gateway.Refusal(400, Map.of("Content-Type", "application/x-amz-json-1.0",
                        "x-amzn-RequestId", requestId),
                        bytes("{\"__type\":\"com.amazonaws.dynamodb.v20120810#" + type + "\",\"message\":\"" + message + "\"}")));
            }
            case "sqs" -> Optional.of(call.target().isPresent()
                    ? new Gateway.Refusal(500, Map.of("Content-Type", "application/x-amz-json-1.0", "x-amzn-RequestId", requestId,
                            "x-amzn-query-error", "InternalError;Receiver"),
                            bytes("{\"__type\":\"com.amazonaws.sqs#InternalError\",\"message\":\"We encountered an internal error. Please try again.\"}"))
                    : new Gateway.Refusal(500, Map.of("Content-Type", "text/xml", "x-amzn-RequestId", requestId),
                            bytes("<?xml version=\"1.0\"?><ErrorResponse><Error><Type>Receiver</Type><Code>InternalError</Code>"
                                    + "<Message>We encountered an internal error. Please try again.</Message></Error>"
                                    + "<RequestId>" + requestId + "</RequestId></ErrorResponse>")));
            case "s3" -> Optional.of(new Gateway.Refusal(503, Map.of("Content-Type", "application/xml",
                    "x-amz-request-id", requestId),
                    bytes("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
                            + "<Message>Please reduce your request rate.</Message><RequestId>" + requestId
                            + "</RequestId></Error>")));
            default -> Optional.empty();
        };
    }

    /** What a request asks for, as a log line names it: {@code dynamodb:PutItem}, {@code s3:PUT /bucket/key}. */
    static String describe(Gateway.Call call) {
        return call.service() + ":" + operation(call);
    }

    private static String operation(Gateway.Call call) {
        return call.target().map(target -> target.substring(target.indexOf('.') + 1))
                .orElse(call.method() + " " + call.path());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
