package eventjobs.local.cli;

import eventjobs.local.template.EventProperties;
import eventjobs.local.template.SamTemplate;
import eventjobs.local.template.Specs;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The "Try:" lines of the start banner, all derived from the template: a request for each of its
 * routes (with the body of a matching sample event in {@code events/} next to the template, if
 * there is one), a message for each queue a function reads, an object for each bucket
 * notification, an item for each streamed table a function reads, a record for each Kafka topic. Nothing for a trigger the
 * template does not have.
 */
final class TryIt {

    private static final JsonMapper JSON = JsonMapper.shared();
    private static final Set<String> WITH_BODY = Set.of("POST", "PUT", "PATCH");

    private TryIt() {}

    /**
     * @param apiPort the port of the HTTP API, if it runs
     */
    static List<String> lines(SamTemplate template, URI endpoint, OptionalInt apiPort) {
        List<JsonNode> samples = samples(template.file().toAbsolutePath().getParent().resolve("events"));
        Set<String> lines = new LinkedHashSet<>();
        for (Specs.Function function : template.functions()) {
            for (Specs.Event event : function.events()) {
                EventProperties properties = template.read(event);
                switch (event.type()) {
                    case "HttpApi", "Api" -> apiPort.ifPresent(port -> lines.add(curl(properties, port, samples)));
                    case "SQS" -> template.queues().stream()
                            .filter(q -> q.arn().equals(properties.string("Queue", "")))
                            .forEach(q -> lines.add("aws --endpoint-url " + endpoint + " sqs send-message --queue-url "
                                    + template.queueUrl(q.logicalId()) + " --message-body '{}'"));
                    case "S3" -> lines.add(upload(properties, endpoint));
                    case "DynamoDB" -> lines.add(putItem(template, properties, endpoint));
                    case "SelfManagedKafka", "MSK" -> properties.strings("Topics").forEach(topic -> lines.add(publish(topic, samples)));
                    default -> { }
                }
            }
        }
        if (!template.queues().isEmpty()) {
            lines.add("local/run queues      # depth of every queue and DLQ");
        }
        return List.copyOf(lines);
    }

    private static String curl(EventProperties route, int port, List<JsonNode> samples) {
        String method = route.string("Method", "ANY").toUpperCase(Locale.ROOT);
        String path = route.string("Path", "/{proxy+}");
        // path parameters are shown as placeholders to fill in
        String url = "'http://localhost:" + port + path.replaceAll("\\{([^}+]+)\\+?}", "<$1>") + "'";
        if (!WITH_BODY.contains(method)) {
            return "curl -s " + (method.equals("ANY") || method.equals("GET") ? "" : "-X " + method + " ") + url;
        }
        String body = sampleBody(samples, method, path).orElse("{}");
        return "curl -s -X " + method + " " + url + " -H 'content-type: application/json' -d '"
                + body.replace("'", "'\\''") + "'";
    }

    /** An item put in a streamed table, its keys filled with "example" (numbers with 1): its stream record reaches the function. */
    private static String putItem(SamTemplate template, EventProperties mapping, URI endpoint) {
        Specs.Table table = template.tables().stream().filter(t -> t.logicalId().equals(mapping.streamTable("Stream")))
                .findFirst().orElseThrow();
        List<String> keys = new ArrayList<>();
        for (var key : table.keySchema()) {
            String name = String.valueOf(key.get("AttributeName"));
            String type = table.attributeDefinitions().stream().filter(a -> name.equals(String.valueOf(a.get("AttributeName"))))
                    .map(a -> String.valueOf(a.get("AttributeType"))).findFirst().orElse("S");
            keys.add("\"" + name + "\":{\"" + type + "\":\"" + (type.equals("N") ? "1" : "example") + "\"}");
        }
        return "aws --endpoint-url " + endpoint + " dynamodb put-item --table-name " + table.name() + " --item '{"
                + String.join(",", keys) + "}'";
    }

    /** A record published to the runtime's broker: the first record of a sample Kafka event on this topic, else {}. */
    private static String publish(String topic, List<JsonNode> samples) {
        for (JsonNode sample : samples) {
            for (JsonNode records : sample.path("records")) {
                for (JsonNode record : records) {
                    if (record.path("topic").asString("").equals(topic) && record.path("value").isString()) {
                        Optional<String> key = Optional.ofNullable(record.path("key").asString(null)).map(TryIt::decoded);
                        return "local/run publish --topic " + topic + key.map(k -> " --key '" + k.replace("'", "'\\''") + "'").orElse("")
                                + " '" + decoded(record.get("value").asString()).replace("'", "'\\''") + "'";
                    }
                }
            }
        }
        return "local/run publish --topic " + topic + " '{}'";
    }

    private static String decoded(String base64) {
        try {
            return new String(java.util.Base64.getDecoder().decode(base64), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return base64;
        }
    }

    private static String upload(EventProperties notification, URI endpoint) {
        String suffix = notification.s3KeyRule("suffix");
        String file = "example" + (suffix.isEmpty() ? ".txt" : suffix);
        return "aws --endpoint-url " + endpoint + " s3 cp ./" + file + " s3://" + notification.string("Bucket", "")
                + "/" + notification.s3KeyRule("prefix") + file;
    }

    /** The body of a sample API event for this route (payload 2.0 routeKey, or 1.0 httpMethod and resource). */
    private static Optional<String> sampleBody(List<JsonNode> samples, String method, String path) {
        return samples.stream()
                .filter(s -> s.path("routeKey").asString("").equals(method + " " + path)
                        || (s.path("httpMethod").asString("").equals(method) && s.path("resource").asString("").equals(path)))
                .filter(s -> s.path("body").isString() && !s.path("isBase64Encoded").asBoolean(false))
                .map(s -> compact(s.get("body").asString()))
                .findFirst();
    }

    private static String compact(String body) {
        try {
            return JSON.writeValueAsString(JSON.readTree(body));
        } catch (JacksonException e) {
            return body;
        }
    }

    private static List<JsonNode> samples(Path directory) {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        List<JsonNode> samples = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                try {
                    samples.add(JSON.readTree(file.toFile()));
                } catch (JacksonException e) {
                    // not a sample event; the banner does without it
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + directory, e);
        }
        return samples;
    }
}
