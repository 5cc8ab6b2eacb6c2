package eventjobs.totals;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;
import eventjobs.core.Env;
import eventjobs.core.Log;
import eventjobs.core.async.SqsFailureQueue;
import eventjobs.core.aws.AwsClients;
import eventjobs.core.snapstart.Priming;
import eventjobs.orders.DynamoDbOrderStore;
import eventjobs.orders.Order;
import eventjobs.reports.DynamoDbDailyTotals;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * TotalsFunction: reads the orders table's stream (NEW_AND_OLD_IMAGES) and keeps the daily totals
 * current, once per confirmed order (see {@link CountConfirmedOrders}). Partial batch responses
 * name the first record not done, so Lambda sends only it and those after it again. Environment:
 * {@code DAILY_TOTALS_TABLE}, {@code IDEMPOTENCY_TABLE} (the per-order markers),
 * {@code FAILURES_QUEUE_URL} (TotalsDLQ: unreadable records, next to the OnFailure records of
 * batches Lambda gave up on).
 */
public class TotalsHandler implements RequestHandler<DynamodbEvent, StreamsEventResponse> {

    private static final JsonMapper JSON = JsonMapper.shared();

    private final CountConfirmedOrders count;

    /** Set by the Lambda constructor only: keeps the SnapStart hooks referenced (CRaC holds them weakly). */
    private Priming priming;

    /** Used by Lambda: builds the clients once per execution environment. */
    public TotalsHandler() {
        Env env = Env.fromSystem();
        AwsClients aws = AwsClients.fromEnvironment();
        Clock clock = Clock.systemUTC();
        this(new CountConfirmedOrders(new DynamoDbDailyTotals(aws.dynamoDb(), env.require("DAILY_TOTALS_TABLE"),
                env.require("IDEMPOTENCY_TABLE")), new SqsFailureQueue(aws.sqs(), env.require("FAILURES_QUEUE_URL")), clock));
        this.priming = Priming.register(aws, Priming.dynamoDb(), Priming.sqs());
    }

    public TotalsHandler(CountConfirmedOrders count) {
        this.count = count;
    }

    @Override
    public StreamsEventResponse handleRequest(DynamodbEvent event, Context context) {
        List<CountConfirmedOrders.Change> changes = new ArrayList<>();
        String streamArn = "";
        for (DynamodbEvent.DynamodbStreamRecord record : event.getRecords() == null
                ? List.<DynamodbEvent.DynamodbStreamRecord>of() : event.getRecords()) {
            streamArn = record.getEventSourceARN() == null ? streamArn : record.getEventSourceARN();
            changes.add(change(record));
        }
        CountConfirmedOrders.Result result = count.apply(changes,
                new CountConfirmedOrders.Reader(context.getFunctionName(), context.getAwsRequestId(), streamArn));
        Log.line(context, result.stopped().isPresent() ? LogLevel.WARN : LogLevel.INFO, changes.size() + " records: "
                + result.counted() + " confirmed orders counted, " + result.countedBefore() + " counted before, "
                + result.parked() + " parked" + result.stopped().map(stop -> "; stopped at " + stop.sequenceNumber()
                + " (sent again): " + stop.reason()).orElse(""));
        List<StreamsEventResponse.BatchItemFailure> failures = result.stopped()
                .map(stop -> List.of(StreamsEventResponse.BatchItemFailure.builder().withItemIdentifier(stop.sequenceNumber()).build()))
                .orElse(List.of());
        return StreamsEventResponse.builder().withBatchItemFailures(failures).build();
    }

    private static CountConfirmedOrders.Change change(DynamodbEvent.DynamodbStreamRecord record) {
        var stream = record.getDynamodb();
        String sequenceNumber = stream.getSequenceNumber();
        String description = describe(record);
        try {
            return new CountConfirmedOrders.Change.Read(sequenceNumber, description, order(stream.getOldImage()),
                    order(stream.getNewImage()));
        } catch (IllegalArgumentException unreadable) {
            return new CountConfirmedOrders.Change.Unreadable(sequenceNumber, description, unreadable.getMessage());
        }
    }

    private static Optional<Order> order(Map<String, com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue> image) {
        return image == null || image.isEmpty() ? Optional.empty() : Optional.of(DynamoDbOrderStore.orderFrom(item(image)));
    }

    /** What a parked record was: enough to find it in the stream and its order in the table. */
    private static String describe(DynamodbEvent.DynamodbStreamRecord record) {
        ObjectNode node = JSON.createObjectNode();
        node.put("eventID", record.getEventID());
        node.put("eventName", record.getEventName());
        node.put("eventSourceARN", record.getEventSourceARN());
        node.put("sequenceNumber", record.getDynamodb().getSequenceNumber());
        ObjectNode keys = node.putObject("keys");
        if (record.getDynamodb().getKeys() != null) {
            record.getDynamodb().getKeys().forEach((name, value) -> keys.put(name, String.valueOf(value.getS() != null ? value.getS() : value.getN())));
        }
        return JSON.writeValueAsString(node);
    }

    /** A stream image, as the SDK types the orders store reads. */
    static Map<String, AttributeValue> item(Map<String, com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue> image) {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        image.forEach((name, value) -> item.put(name, value(value)));
        return item;
    }

    private static AttributeValue value(com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue value) {
        if (value.getS() != null) {
            return AttributeValue.fromS(value.getS());
        }
        if (value.getN() != null) {
            return AttributeValue.fromN(value.getN());
        }
        if (value.getB() != null) {
            return AttributeValue.fromB(SdkBytes.fromByteBuffer(value.getB()));
        }
        if (value.getSS() != null) {
            return AttributeValue.fromSs(value.getSS());
        }
        if (value.getNS() != null) {
            return AttributeValue.fromNs(value.getNS());
        }
        if (value.getBS() != null) {
            return AttributeValue.fromBs(value.getBS().stream().map(ByteBuffer::duplicate).map(SdkBytes::fromByteBuffer).toList());
        }
        if (value.getM() != null) {
            return AttributeValue.fromM(item(value.getM()));
        }
        if (value.getL() != null) {
            return AttributeValue.fromL(value.getL().stream().map(TotalsHandler::value).toList());
        }
        if (value.getBOOL() != null) {
            return AttributeValue.fromBool(value.getBOOL());
        }
        if (value.getNULL() != null) {
            return AttributeValue.fromNul(value.getNULL());
        }
        throw new IllegalArgumentException("an attribute value of no DynamoDB type");
    }
}
