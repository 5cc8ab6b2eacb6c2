package eventjobs.reports;

import eventjobs.core.events.CloudEvent;
import eventjobs.core.events.EventType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.time.LocalDate;
import java.util.Currency;
import java.util.Optional;

/**
 * A sales report over the days {@code from} to {@code to} (UTC, both included), of one currency
 * or all: the data of an {@code eventjobs.report.requested} event.
 */
public record ReportRequest(String jobId, LocalDate from, LocalDate to, Optional<Currency> currency) {

    public static final EventType TYPE = new EventType("eventjobs.report.requested", "report-requested.v1");

    /** A valid request for a job that does not exist: what SnapStart priming encodes and decodes. */
    public static ReportRequest sample() {
        return new ReportRequest("priming", LocalDate.EPOCH, LocalDate.EPOCH, Optional.of(Currency.getInstance("EUR")));
    }

    /** Reads event data that passed the schema. */
    public static ReportRequest fromData(JsonNode data) {
        return new ReportRequest(data.get("jobId").asString(), LocalDate.parse(data.get("from").asString()),
                LocalDate.parse(data.get("to").asString()),
                Optional.ofNullable(data.get("currency")).map(c -> Currency.getInstance(c.asString())));
    }

    public CloudEvent event(String source, Instant time) {
        ObjectNode data = JsonMapper.shared().createObjectNode().put("jobId", jobId).put("from", from.toString())
                .put("to", to.toString());
        currency.ifPresent(c -> data.put("currency", c.getCurrencyCode()));
        return new CloudEvent("report-requested-" + jobId, source, TYPE, time, data);
    }
}
