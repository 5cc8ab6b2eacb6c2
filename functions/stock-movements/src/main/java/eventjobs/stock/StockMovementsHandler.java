package eventjobs.stock;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.KafkaEvent;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;
import eventjobs.core.Env;
import eventjobs.core.JobFailure;
import eventjobs.core.Log;
import eventjobs.core.async.SqsFailureQueue;
import eventjobs.core.aws.AwsClients;
import eventjobs.core.snapstart.Priming;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * StockMovementsFunction: reads stock movements from Kafka topic {@code stock-movements} (a
 * self-managed cluster or MSK) and applies each once to StockTable (see {@link ApplyStockMovements}).
 * Lambda hands it the records of one partition in offset order; a failed invocation makes Lambda
 * send the batch again. Environment: {@code STOCK_TABLE}, {@code FAILURES_QUEUE_URL}
 * (StockMovementsDLQ: bad records with their reason, next to Lambda's records of batches it gave
 * up on).
 */
public class StockMovementsHandler implements RequestHandler<KafkaEvent, String> {

    private static final JsonMapper JSON = JsonMapper.shared();

    private final ApplyStockMovements apply;

    /** Set by the Lambda constructor only: keeps the SnapStart hooks referenced (CRaC holds them weakly). */
    private Priming priming;

    /** Used by Lambda: builds the clients once per execution environment. */
    public StockMovementsHandler() {
        Env env = Env.fromSystem();
        AwsClients aws = AwsClients.fromEnvironment();
        this(new ApplyStockMovements(new DynamoDbStockStore(aws.dynamoDb(), env.require("STOCK_TABLE")),
                new SqsFailureQueue(aws.sqs(), env.require("FAILURES_QUEUE_URL")), Clock.systemUTC()));
        this.priming = Priming.register(aws, Priming.dynamoDb(), Priming.sqs());
    }

    public StockMovementsHandler(ApplyStockMovements apply) {
        this.apply = apply;
    }

    /** @return what came of the batch, in one line (Lambda ignores it; {@code local/run invoke} shows it) */
    @Override
    public String handleRequest(KafkaEvent event, Context context) {
        if (event == null || event.getRecords() == null) {
            throw JobFailure.permanent("the event is not a Kafka event: it has no records");
        }
        List<ApplyStockMovements.Received> records = new ArrayList<>();
        event.getRecords().forEach((topicPartition, list) -> list.forEach(record -> records.add(received(event, topicPartition, record))));
        ApplyStockMovements.Result result = apply.apply(records,
                new ApplyStockMovements.Reader(context.getFunctionName(), context.getAwsRequestId()));
        String summary = records.size() + " records: " + result.applied() + " applied, " + result.appliedBefore()
                + " applied before, " + result.parked() + " parked";
        Log.line(context, result.parked() > 0 ? LogLevel.WARN : LogLevel.INFO, summary);
        return summary;
    }

    private static ApplyStockMovements.Received received(KafkaEvent event, String topicPartition, KafkaEvent.KafkaEventRecord record) {
        return new ApplyStockMovements.Received(record.getTopic(), record.getPartition(), record.getOffset(),
                value(record.getValue()), asEvent(event, topicPartition, record));
    }

    /** The value as text; one that is not base64 of UTF-8 text becomes text no movement can be, so it is parked. */
    private static String value(String base64) {
        if (base64 == null) {
            return "null";
        }
        try {
            byte[] bytes = Base64.getDecoder().decode(base64);
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (IllegalArgumentException | CharacterCodingException e) {
            return "<the value is not UTF-8 text>";
        }
    }

    /** The record as a one-record Kafka event: replaying a parked one is invoking the function with it. */
    private static String asEvent(KafkaEvent event, String topicPartition, KafkaEvent.KafkaEventRecord record) {
        ObjectNode json = JSON.createObjectNode();
        json.put("eventSource", event.getEventSource());
        if (event.getEventSourceArn() != null) {
            json.put("eventSourceArn", event.getEventSourceArn());
        }
        json.put("bootstrapServers", event.getBootstrapServers());
        ObjectNode node = json.putObject("records").putArray(topicPartition).addObject();
        node.put("topic", record.getTopic());
        node.put("partition", record.getPartition());
        node.put("offset", record.getOffset());
        node.put("timestamp", record.getTimestamp());
        node.put("timestampType", record.getTimestampType());
        if (record.getKey() != null) {
            node.put("key", record.getKey());
        }
        if (record.getValue() != null) {
            node.put("value", record.getValue());
        }
        ArrayNode headers = node.putArray("headers");
        if (record.getHeaders() != null) {
            for (Map<String, byte[]> header : record.getHeaders()) {
                header.forEach((name, bytes) -> {
                    ArrayNode values = headers.addObject().putArray(name);
                    for (byte b : bytes) {
                        values.add(b & 0xff);
                    }
                });
            }
        }
        return JSON.writeValueAsString(json);
    }
}
