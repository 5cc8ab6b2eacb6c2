package eventjobs.local.template;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The properties of a function's event (or a mapping inside them), for the event source that
 * reads them: typed reads with SAM's defaults, and references to the template's resources
 * turned into logical ids. Every mistake is a {@link TemplateException} naming the file and the
 * property. Immutable.
 */
public final class EventProperties {

    private final SamTemplate template;
    private final Specs.Event event;
    private final String path;
    private final Map<String, Object> properties;

    EventProperties(SamTemplate template, Specs.Event event, String path, Map<String, Object> properties) {
        this.template = template;
        this.event = event;
        this.path = path;
        this.properties = properties;
    }

    /** The event's name in the function's Events. */
    public String name() {
        return event.name();
    }

    /** The event's SAM Type (SQS, S3, HttpApi, ...). */
    public String type() {
        return event.type();
    }

    public String string(String property, String fallback) {
        Object value = properties.get(property);
        return value == null ? fallback : String.valueOf(value);
    }

    public int integer(String property, int fallback) {
        OptionalInt value = integer(property);
        return value.isPresent() ? value.getAsInt() : fallback;
    }

    public OptionalInt integer(String property) {
        Object value = properties.get(property);
        if (value == null) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Integer.parseInt(String.valueOf(value)));
        } catch (NumberFormatException e) {
            throw error(property, "must be a whole number, was " + value);
        }
    }

    /** A true/false property; YAML's booleans and the strings "true" and "false" both count. */
    public boolean flag(String property, boolean fallback) {
        Object value = properties.get(property);
        if (value == null) {
            return fallback;
        }
        return switch (String.valueOf(value).toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw error(property, "must be true or false, was " + value);
        };
    }

    /** A list of strings; a single string is a list of one, a missing property an empty list. */
    public List<String> strings(String property) {
        Object value = properties.get(property);
        if (value == null) {
            return List.of();
        }
        return value instanceof List<?> list ? list.stream().map(String::valueOf).toList() : List.of(String.valueOf(value));
    }

    /** A mapping inside these properties; empty when missing. */
    public EventProperties nested(String property) {
        Object value = properties.get(property);
        if (value != null && !(value instanceof Map<?, ?>)) {
            throw error(property, "must be a mapping, was " + value);
        }
        return new EventProperties(template, event, path + "." + property, value == null ? Map.of() : typed((Map<?, ?>) value));
    }

    /** A list of mappings inside these properties; empty when missing. */
    public List<EventProperties> entries(String property) {
        Object value = properties.get(property);
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list) || !list.stream().allMatch(Map.class::isInstance)) {
            throw error(property, "must be a list of mappings, was " + value);
        }
        String at = path + "." + property;
        return list.stream().map(entry -> new EventProperties(template, event, at, typed((Map<?, ?>) entry))).toList();
    }

    /** The logical id of the queue whose Arn the property is ({@code !GetAtt Queue.Arn}). */
    public String queue(String property) {
        String arn = String.valueOf(properties.get(property));
        return template.queues().stream().filter(q -> q.arn().equals(arn)).findFirst().map(Specs.Queue::logicalId)
                .orElseThrow(() -> error(property, "must be the Arn of a AWS::SQS::Queue in this template, was " + arn));
    }

    /** The logical id of the bucket the property names ({@code !Ref Bucket}). */
    public String bucket(String property) {
        String name = String.valueOf(properties.get(property));
        return template.buckets().stream().filter(b -> b.name().equals(name)).findFirst().map(Specs.Bucket::logicalId)
                .orElseThrow(() -> error(property, "must be a !Ref to a AWS::S3::Bucket in this template, was " + name));
    }

    /**
     * The logical id of the table whose stream the property is ({@code !GetAtt Table.StreamArn}).
     *
     * @throws TemplateException when it names no table of the template, or a table without a StreamSpecification
     */
    public String streamTable(String property) {
        String arn = String.valueOf(properties.get(property));
        Specs.Table table = template.tables().stream().filter(t -> t.templateStreamArn().equals(arn)).findFirst()
                .orElseThrow(() -> error(property, "must be the StreamArn of a AWS::DynamoDB::Table in this template"
                        + " (!GetAtt Table.StreamArn), was " + arn));
        if (table.streamViewType().isEmpty()) {
            throw error(property, "names " + table.logicalId() + ", which has no StreamSpecification, so it has no stream");
        }
        return table.logicalId();
    }

    /** The BinaryMediaTypes of the REST API that an Api event's {@code RestApiId} names, or of SAM's implicit one. */
    public List<String> restApiBinaryMediaTypes() {
        return template.binaryMediaTypes(Optional.ofNullable(properties.get("RestApiId")).map(String::valueOf),
                path + ".RestApiId");
    }

    /**
     * The value of an S3 event's key filter rule ({@code Filter.S3Key.Rules}) named {@code prefix}
     * or {@code suffix}; empty when there is none.
     *
     * @throws TemplateException for a rule with another name
     */
    public String s3KeyRule(String name) {
        String value = "";
        for (EventProperties rule : nested("Filter").nested("S3Key").entries("Rules")) {
            String ruleName = rule.string("Name", "").toLowerCase(Locale.ROOT);
            if (!ruleName.equals("prefix") && !ruleName.equals("suffix")) {
                throw rule.error("Name", "must be prefix or suffix, was " + rule.string("Name", ""));
            }
            value = ruleName.equals(name) ? rule.string("Value", "") : value;
        }
        return value;
    }

    /** A mistake in a property, told with the file and the property's path. */
    public TemplateException error(String property, String problem) {
        return new TemplateException(template.file() + ": " + path + "." + property + " " + problem);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> typed(Map<?, ?> map) {
        return (Map<String, Object>) map;
    }
}
