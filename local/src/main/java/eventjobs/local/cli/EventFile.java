package eventjobs.local.cli;

import eventjobs.local.runtime.InvocationResult;
import eventjobs.local.template.Specs;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An event file for {@code invoke}, checked against the function it is for: it must be a JSON
 * object; one shaped for another trigger than the function's is worth a warning (it is still
 * invoked, as {@code sam local invoke} does).
 */
final class EventFile {

    /** The SAM event types the shape of an event tells apart, and what each expects. */
    private static final Map<String, String> EXPECTED = Map.of(
            "SQS", "an SQS event {\"Records\": [{\"eventSource\": \"aws:sqs\", ...}]}",
            "S3", "an S3 event {\"Records\": [{\"eventSource\": \"aws:s3\", ...}]}",
            "HttpApi", "an HTTP API payload 2.0 event {\"version\": \"2.0\", \"requestContext\": {\"http\": ...}, ...}",
            "Api", "a REST API proxy event {\"httpMethod\": ..., \"path\": ..., ...}",
            "SelfManagedKafka", "a Kafka event {\"eventSource\": \"SelfManagedKafka\", \"records\": {\"topic-0\": [...]}, ...}",
            "MSK", "an MSK event {\"eventSource\": \"aws:kafka\", \"eventSourceArn\": ..., \"records\": {...}, ...}");

    private final Path file;
    private final byte[] bytes;
    private final JsonNode json;

    private EventFile(Path file, byte[] bytes, JsonNode json) {
        this.file = file;
        this.bytes = bytes;
        this.json = json;
    }

    /**
     * Reads an event file for {@code function}.
     *
     * @throws Main.UserError naming the file when it cannot be read, is not JSON or is not a JSON object
     */
    static EventFile read(Path file, Specs.Function function) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new Main.UserError("cannot read event file " + file + ": " + e.getMessage());
        }
        JsonNode json;
        try {
            json = JsonMapper.shared().readTree(bytes);
        } catch (JacksonException e) {
            throw new Main.UserError("event file " + file + " is not JSON: " + e.getOriginalMessage().lines().findFirst().orElse("")
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")"));
        }
        if (json == null || !json.isObject()) {
            String what = json == null || json.isMissingNode() ? "nothing" : "a JSON " + json.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
            throw new Main.UserError("event file " + file + " holds " + what + ", but an event is a JSON object; "
                    + function.logicalId() + " expects " + expected(function));
        }
        return new EventFile(file, bytes, json);
    }

    byte[] bytes() {
        return bytes;
    }

    /** A warning when the event is shaped for a trigger that {@code function} does not have. */
    Optional<String> mismatch(Specs.Function function) {
        List<String> types = triggerTypes(function);
        return shape().filter(shape -> !types.isEmpty() && !types.contains(shape))
                .map(shape -> "event file " + file + " looks like a " + shape + " event, but " + function.logicalId()
                        + " is triggered by " + String.join(", ", types) + " (it expects " + expected(function) + ")");
    }

    /** Whether the invocation failed: the function erred, or an API function answered a status of 500 or more. */
    boolean failed(Specs.Function function, InvocationResult result) {
        if (!result.succeeded()) {
            return true;
        }
        boolean api = shape().filter(s -> s.equals("HttpApi") || s.equals("Api")).isPresent()
                || triggerTypes(function).stream().anyMatch(t -> t.equals("HttpApi") || t.equals("Api"));
        if (!api) {
            return false;
        }
        try {
            JsonNode status = JsonMapper.shared().readTree(result.payload()).path("statusCode");
            return status.canConvertToInt() && status.asInt() >= 500;
        } catch (JacksonException e) {
            return false;
        }
    }

    /** The SAM event type this event is shaped for, when its shape tells. */
    private Optional<String> shape() {
        String source = json.path("Records").path(0).path("eventSource").asString("");
        if (source.equals("aws:sqs")) {
            return Optional.of("SQS");
        }
        if (source.equals("aws:s3")) {
            return Optional.of("S3");
        }
        String kafka = json.path("eventSource").asString("");
        if (kafka.equals("SelfManagedKafka") || kafka.equals("aws:kafka")) {
            return Optional.of(kafka.equals("aws:kafka") ? "MSK" : "SelfManagedKafka");
        }
        if (json.path("requestContext").has("http")) {
            return Optional.of("HttpApi");
        }
        return json.has("httpMethod") ? Optional.of("Api") : Optional.empty();
    }

    private static List<String> triggerTypes(Specs.Function function) {
        return function.events().stream().map(Specs.Event::type).filter(EXPECTED::containsKey).distinct().toList();
    }

    private static String expected(Specs.Function function) {
        List<String> types = triggerTypes(function);
        return types.isEmpty() ? "a JSON object" : String.join(" or ", types.stream().map(EXPECTED::get).toList());
    }
}
