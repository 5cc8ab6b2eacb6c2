package eventjobs.core.events;

import eventjobs.core.JobFailure;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventCodecTest {

    private static final EventType ORDER_PLACED = new EventType("eventjobs.order.placed", "order-placed.v1");
    private static final JsonMapper JSON = JsonMapper.shared();
    private final EventCodec codec = new EventCodec();

    @Test
    void encode_thenDecode_shouldRoundTrip() {
        JsonNode data = JSON.readTree("""
                {"orderId":"o-1","customerId":"c-1","currency":"EUR",
                 "lines":[{"sku":"SKU-1","quantity":2,"unitPrice":"9.99"}]}""");
        CloudEvent event = new CloudEvent("e-1", "/test", ORDER_PLACED, Instant.parse("2026-01-01T00:00:00Z"), data);

        String body = codec.encode(event);
        CloudEvent decoded = codec.decode(body, ORDER_PLACED);

        assertThat(JSON.readTree(body).get("specversion").asString()).isEqualTo("1.0");
        assertThat(JSON.readTree(body).get("dataschema").asString()).isEqualTo("urn:eventjobs:schema:order-placed.v1");
        assertThat(decoded).isEqualTo(event);
    }

    @Test
    void encode_shouldRefuse_whenDataBreaksSchema() {
        JsonNode data = JSON.readTree("""
                {"orderId":"o-1","customerId":"c-1","currency":"ABC","lines":[]}""");

        assertThatThrownBy(() -> codec.encode(new CloudEvent("e-1", "/test", ORDER_PLACED, Instant.EPOCH, data)))
                .isInstanceOfSatisfying(InvalidEvent.class, invalid -> assertThat(invalid.violations())
                        .extracting(Violation::field)
                        .containsExactlyInAnyOrder("/data/currency", "/data/lines"));
    }

    @Test
    void decode_shouldFailPermanently_whenBodyIsNotJson() {
        assertThatThrownBy(() -> codec.decode("{not json", ORDER_PLACED))
                .isInstanceOf(JobFailure.Permanent.class)
                .hasMessageStartingWith("message body is not JSON");
    }

    @Test
    void decode_shouldFailPermanently_whenTypeOrVersionDiffers() {
        String body = """
                {"specversion":"1.0","id":"e","source":"/s","type":"eventjobs.order.placed",
                 "time":"2026-01-01T00:00:00Z","dataschema":"urn:eventjobs:schema:order-placed.v0","data":{}}""";

        assertThatThrownBy(() -> codec.decode(body, ORDER_PLACED))
                .isInstanceOf(JobFailure.Permanent.class)
                .hasMessageContaining("order-placed.v0");
    }

    @Test
    void decode_shouldNameEveryBrokenField_whenDataBreaksSchema() {
        String body = """
                {"specversion":"1.0","id":"e","source":"/s","type":"eventjobs.order.placed",
                 "time":"2026-01-01T00:00:00Z","dataschema":"urn:eventjobs:schema:order-placed.v1",
                 "data":{"orderId":"o-1","currency":"EUR","lines":[{"sku":"A","quantity":0,"unitPrice":"1.00"}]}}""";

        assertThatThrownBy(() -> codec.decode(body, ORDER_PLACED))
                .isInstanceOf(JobFailure.Permanent.class)
                .hasMessageContaining("/data/customerId")
                .hasMessageContaining("/data/lines/0/quantity");
    }

    @Test
    void dataViolations_shouldPointIntoData() {
        JsonNode data = JSON.readTree("""
                {"orderId":"o-1","customerId":"c-1","currency":"EUR","coupon":"X",
                 "lines":[{"sku":"A","quantity":"two","unitPrice":"1.00"}]}""");

        assertThat(codec.dataViolations(ORDER_PLACED, data))
                .extracting(Violation::field)
                .containsExactlyInAnyOrder("/coupon", "/lines/0/quantity");
    }
}
