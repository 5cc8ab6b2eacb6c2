package eventjobs.local.sources;

import eventjobs.local.aws.DynamoJson;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.StreamRecord;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * What a DynamoDB stream mapping sends: the event a function receives, in the shape Lambda
 * delivers and {@code DynamodbEvent} reads
 * (<a href="https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html">AWS docs</a>: each stream
 * record as GetRecords gives it, {@code ApproximateCreationDateTime} in epoch seconds, and the
 * stream's ARN as {@code eventSourceARN}), and the record an OnFailure destination gets for a batch
 * Lambda gave up on, which describes the batch's place in the stream, not its data
 * (<a href="https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html">AWS docs</a>).
 */
final class DynamoDbStreamEventJson {

    private static final JsonMapper JSON = JsonMapper.shared();

    private DynamoDbStreamEventJson() {}

    /** One record of a function's event, for {@link #event(List)}. */
    static ObjectNode record(Record record, String streamArn) {
        ObjectNode node = JSON.createObjectNode();
        node.put("eventID", record.eventID());
        node.put("eventName", record.eventNameAsString());
        node.put("eventVersion", record.eventVersion());
        node.put("eventSource", record.eventSource());
        node.put("awsRegion", record.awsRegion());
        StreamRecord change = record.dynamodb();
        ObjectNode dynamodb = node.putObject("dynamodb");
        if (change.approximateCreationDateTime() != null) {
            dynamodb.put("ApproximateCreationDateTime", change.approximateCreationDateTime().getEpochSecond());
        }
        dynamodb.set("Keys", DynamoJson.toJson(change.keys()));
        if (change.hasNewImage()) {
            dynamodb.set("NewImage", DynamoJson.toJson(change.newImage()));
        }
        if (change.hasOldImage()) {
            dynamodb.set("OldImage", DynamoJson.toJson(change.oldImage()));
        }
        dynamodb.put("SequenceNumber", change.sequenceNumber());
        dynamodb.put("SizeBytes", change.sizeBytes());
        dynamodb.put("StreamViewType", change.streamViewTypeAsString());
        if (record.userIdentity() != null) {
            // a delete by TTL: DynamoDB itself made the change
            node.putObject("userIdentity").put("type", record.userIdentity().type())
                    .put("principalId", record.userIdentity().principalId());
        }
        node.put("eventSourceARN", streamArn);
        return node;
    }

    static byte[] event(List<ObjectNode> records) {
        ObjectNode event = JSON.createObjectNode();
        ArrayNode array = event.putArray("Records");
        records.forEach(array::add);
        return JSON.writeValueAsBytes(event);
    }

    /**
     * The OnFailure record of a batch that was given up on.
     *
     * @param condition    {@code RetryAttemptsExhausted} or {@code RecordAgeExceeded}
     * @param invokeCount  how often the batch's records were sent to the function
     * @param functionError whether the last invocation failed (rather than reported item failures), when there was one
     */
    static byte[] onFailure(Batch batch, String requestId, String functionArn, String condition, int invokeCount,
                            Boolean functionError, Instant now) {
        ObjectNode record = JSON.createObjectNode();
        ObjectNode context = record.putObject("requestContext");
        context.put("requestId", requestId);
        context.put("functionArn", functionArn);
        context.put("condition", condition);
        context.put("approximateInvokeCount", invokeCount);
        if (functionError != null) {
            ObjectNode response = record.putObject("responseContext");
            response.put("statusCode", 200);
            response.put("executedVersion", "$LATEST");
            if (functionError) {
                response.put("functionError", "Unhandled");
            }
        }
        record.put("version", "1.0");
        record.put("timestamp", DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.MILLIS)));
        ObjectNode info = record.putObject("DDBStreamBatchInfo");
        info.put("shardId", batch.shardId());
        info.put("startSequenceNumber", batch.first().sequenceNumber());
        info.put("endSequenceNumber", batch.last().sequenceNumber());
        info.put("approximateArrivalOfFirstRecord", seconds(batch.first().arrival()));
        info.put("approximateArrivalOfLastRecord", seconds(batch.last().arrival()));
        info.put("batchSize", batch.size());
        info.put("streamArn", batch.streamArn());
        return JSON.writeValueAsBytes(record);
    }

    private static String seconds(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
    }

    /** Records of one shard, in order, as the mapping sends them. */
    record Batch(String streamArn, String shardId, List<StreamedRecord> records) {
        Batch {
            records = List.copyOf(records);
        }

        StreamedRecord first() {
            return records.getFirst();
        }

        StreamedRecord last() {
            return records.getLast();
        }

        int size() {
            return records.size();
        }

        Batch slice(int from, int to) {
            return new Batch(streamArn, shardId, records.subList(from, to));
        }

        byte[] event() {
            return DynamoDbStreamEventJson.event(records.stream().map(StreamedRecord::json).toList());
        }

        String describe() {
            return size() + (size() == 1 ? " record " + first().sequenceNumber()
                    : " records " + first().sequenceNumber() + ".." + last().sequenceNumber());
        }
    }

    /** A stream record: its sequence number, when it reached the stream, and how the function gets it. */
    record StreamedRecord(String sequenceNumber, Instant arrival, ObjectNode json, int bytes) {
        static StreamedRecord of(Record record, String streamArn) {
            ObjectNode json = record(record, streamArn);
            Instant arrival = record.dynamodb().approximateCreationDateTime();
            return new StreamedRecord(record.dynamodb().sequenceNumber(), arrival == null ? Instant.now() : arrival, json,
                    JSON.writeValueAsBytes(json).length);
        }
    }
}
