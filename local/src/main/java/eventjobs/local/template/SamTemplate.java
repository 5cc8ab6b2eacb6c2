package eventjobs.local.template;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;

/**
 * A SAM template read the way CloudFormation would read the parts the local runtime uses:
 * Parameters (defaults and overrides), Conditions, Globals, Mappings, intrinsic functions, and
 * the queues, tables, buckets, APIs and functions in Resources. Physical names are
 * {@code <stack>-<LogicalId>} unless the template names the resource. What it does not run is
 * listed by {@link #unsupported()}, never dropped silently.
 */
public final class SamTemplate {

    public static final String REGION = "us-east-1";
    public static final String ACCOUNT = "000000000000";

    private static final Set<String> SUPPORTED_TYPES = Set.of("AWS::Serverless::Function", "AWS::SQS::Queue",
            "AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::Serverless::HttpApi", "AWS::Serverless::Api");
    /** Function properties the runtime acts on. */
    private static final Set<String> FUNCTION_PROPERTIES = Set.of("Handler", "CodeUri", "Runtime", "Timeout",
            "MemorySize", "Environment", "Events", "EventInvokeConfig", "DeadLetterQueue",
            "ReservedConcurrentExecutions", "FunctionName", "LoggingConfig", "Description", "Tags");
    /** Properties the provisioner uses, by resource type; others are listed as having no local effect. */
    private static final Map<String, Set<String>> RESOURCE_PROPERTIES = Map.of(
            "AWS::SQS::Queue", Set.of("QueueName", "VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds",
                    "MaximumMessageSize", "ReceiveMessageWaitTimeSeconds", "ContentBasedDeduplication", "RedrivePolicy",
                    "FifoQueue", "Tags"),
            "AWS::DynamoDB::Table", Set.of("TableName", "AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes",
                    "TimeToLiveSpecification", "StreamSpecification", "BillingMode", "Tags"),
            "AWS::S3::Bucket", Set.of("BucketName", "Tags"));
    /** Function properties that change nothing when run locally. */
    private static final Set<String> NO_LOCAL_EFFECT = Set.of("Architectures", "AutoPublishAlias", "SnapStart",
            "Tracing", "RecursiveLoop", "Policies", "Role", "PackageType", "RuntimeManagementConfig");

    private final Path file;
    private final Path root;
    private final String stackName;
    private final Map<String, Object> resources;
    private final Map<String, Object> globals;
    private final Map<String, Object> conditionExpressions;
    private final Map<String, Boolean> conditionValues = new HashMap<>();
    private final Intrinsics intrinsics;
    private final Map<String, String> queueUrls = new HashMap<>();
    private String sqsEndpoint = "http://localhost:4566";

    private SamTemplate(Path file, String stackName, Map<String, Object> document, Map<String, String> overrides) {
        this.file = file;
        this.root = file.toAbsolutePath().getParent();
        this.stackName = stackName;
        this.resources = map(document.get("Resources"), "Resources");
        if (resources.isEmpty()) {
            throw new TemplateException(file + ": Resources is missing or empty");
        }
        this.globals = map(document.get("Globals"), "Globals");
        this.conditionExpressions = map(document.get("Conditions"), "Conditions");
        Map<String, Object> parameters = parameters(map(document.get("Parameters"), "Parameters"), overrides);
        this.intrinsics = new Intrinsics(parameters, map(document.get("Mappings"), "Mappings"), this::condition,
                new Attributes());
    }

    /**
     * Reads and checks a template.
     *
     * @param overrides parameter values, as {@code --parameter-overrides Key=Value}
     * @throws TemplateException with one line naming the file, resource and property at fault
     */
    public static SamTemplate load(Path file, String stackName, Map<String, String> overrides) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new TemplateException(file + ": cannot read the template (" + e.getMessage() + ")");
        }
        Object document = CfnYaml.parse(text, file.toString());
        if (!(document instanceof Map<?, ?>)) {
            throw new TemplateException(file + ": a template is a YAML mapping with Resources");
        }
        @SuppressWarnings("unchecked")
        SamTemplate template = new SamTemplate(file, stackName, (Map<String, Object>) document, overrides);
        template.functions();
        template.queues();
        template.tables();
        return template;
    }

    public String stackName() {
        return stackName;
    }

    public Path file() {
        return file;
    }

    /** The endpoint functions reach SQS at; queue URLs are built on it. */
    public void sqsEndpoint(String endpoint) {
        this.sqsEndpoint = endpoint.replaceAll("/+$", "");
    }

    /** Records the URL the endpoint gave a queue, for Ref and QueueUrl. */
    public void queueUrl(String logicalId, String url) {
        queueUrls.put(logicalId, url);
    }

    /** One line per thing in the template the local runtime does not emulate; empty when it runs all of it. */
    public List<String> unsupported() {
        Set<String> lines = new TreeSet<>();
        Map<String, Set<String>> ignoredByProperty = new LinkedHashMap<>();
        for (Map.Entry<String, Object> entry : resources.entrySet()) {
            Map<String, Object> resource = map(entry.getValue(), "Resources." + entry.getKey());
            String type = String.valueOf(resource.get("Type"));
            if (!enabled(entry.getKey())) {
                continue;
            }
            if (!SUPPORTED_TYPES.contains(type)) {
                lines.add(entry.getKey() + " (" + type + "): not run locally");
                continue;
            }
            if (type.equals("AWS::Serverless::Function")) {
                for (String property : functionProperties(entry.getKey()).keySet()) {
                    if (!FUNCTION_PROPERTIES.contains(property)) {
                        ignoredByProperty.computeIfAbsent(property, p -> new TreeSet<>()).add(entry.getKey());
                    }
                }
            }
            Set<String> used = RESOURCE_PROPERTIES.get(type);
            if (used != null) {
                for (String property : map(resource.get("Properties"), "Resources." + entry.getKey() + ".Properties").keySet()) {
                    if (!used.contains(property)) {
                        ignoredByProperty.computeIfAbsent(property, p -> new TreeSet<>()).add(entry.getKey());
                    }
                }
            }
            if (type.equals("AWS::Serverless::HttpApi") || type.equals("AWS::Serverless::Api")) {
                Map<String, Object> properties = map(resource.get("Properties"), "Resources." + entry.getKey() + ".Properties");
                if (properties.containsKey("Auth") || properties.containsKey("DefinitionBody")) {
                    lines.add(entry.getKey() + ": authorization is not enforced locally (every route is open)");
                }
            }
        }
        ignoredByProperty.forEach((property, owners) -> lines.add(property + " of " + String.join(", ", owners)
                + (NO_LOCAL_EFFECT.contains(property) || !functionOwned(owners) ? ": no local effect" : ": ignored locally")));
        return List.copyOf(lines);
    }

    public List<Specs.Queue> queues() {
        List<Specs.Queue> queues = new ArrayList<>();
        for (String id : ids("AWS::SQS::Queue")) {
            String path = "Resources." + id + ".Properties";
            Map<String, Object> properties = resolvedMap(properties(id), path);
            Map<String, String> attributes = new LinkedHashMap<>();
            for (String name : List.of("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds",
                    "MaximumMessageSize", "ReceiveMessageWaitTimeSeconds", "ContentBasedDeduplication")) {
                if (properties.containsKey(name)) {
                    attributes.put(name, String.valueOf(properties.get(name)));
                }
            }
            if (properties.get("RedrivePolicy") instanceof Map<?, ?> redrive) {
                Object target = redrive.get("deadLetterTargetArn");
                Object count = redrive.get("maxReceiveCount");
                if (target == null || count == null) {
                    throw new TemplateException(file + ": " + path + ".RedrivePolicy needs deadLetterTargetArn and maxReceiveCount");
                }
                attributes.put("RedrivePolicy", "{\"deadLetterTargetArn\":\"" + target + "\",\"maxReceiveCount\":" + count + "}");
            }
            queues.add(new Specs.Queue(id, queueName(id), attributes));
        }
        return queues;
    }

    @SuppressWarnings("unchecked")
    public List<Specs.Table> tables() {
        List<Specs.Table> tables = new ArrayList<>();
        for (String id : ids("AWS::DynamoDB::Table")) {
            String path = "Resources." + id + ".Properties";
            Map<String, Object> properties = resolvedMap(properties(id), path);
            List<Map<String, Object>> keys = (List<Map<String, Object>>) listOf(properties.get("KeySchema"), path + ".KeySchema");
            if (keys.isEmpty()) {
                throw new TemplateException(file + ": " + path + ".KeySchema is missing");
            }
            Optional<String> ttl = Optional.ofNullable(properties.get("TimeToLiveSpecification"))
                    .map(spec -> (Map<String, Object>) spec)
                    .filter(spec -> !Boolean.FALSE.equals(spec.get("Enabled")))
                    .map(spec -> String.valueOf(spec.get("AttributeName")));
            Optional<String> stream = Optional.ofNullable(properties.get("StreamSpecification"))
                    .map(spec -> String.valueOf(((Map<String, Object>) spec).get("StreamViewType")));
            tables.add(new Specs.Table(id, tableName(id),
                    (List<Map<String, Object>>) listOf(properties.get("AttributeDefinitions"), path + ".AttributeDefinitions"),
                    keys, (List<Map<String, Object>>) listOf(properties.get("GlobalSecondaryIndexes"), path + ".GlobalSecondaryIndexes"),
                    ttl, stream));
        }
        return tables;
    }

    public List<Specs.Bucket> buckets() {
        return ids("AWS::S3::Bucket").stream().map(id -> new Specs.Bucket(id, bucketName(id))).toList();
    }

    public List<Specs.Function> functions() {
        List<Specs.Function> functions = new ArrayList<>();
        for (String id : ids("AWS::Serverless::Function")) {
            functions.add(functionSpec(id));
        }
        return functions;
    }

    /** The function with this logical id. */
    public Optional<Specs.Function> function(String logicalId) {
        return ids("AWS::Serverless::Function").contains(logicalId) ? Optional.of(functionSpec(logicalId)) : Optional.empty();
    }

    @SuppressWarnings("unchecked")
    private Specs.Function functionSpec(String id) {
        String path = "Resources." + id + ".Properties";
        Map<String, Object> properties = resolvedMap(functionProperties(id), path);
        String handler = requiredString(properties, "Handler", path);
        String runtime = requiredString(properties, "Runtime", path);
        String codeUri = requiredString(properties, "CodeUri", path);
        Map<String, String> environment = new LinkedHashMap<>();
        if (properties.get("Environment") instanceof Map<?, ?> env && env.get("Variables") instanceof Map<?, ?> variables) {
            variables.forEach((key, value) -> environment.put(String.valueOf(key), value == null ? "" : String.valueOf(value)));
        }
        if (properties.get("LoggingConfig") instanceof Map<?, ?> logging) {
            Optional.ofNullable(logging.get("LogFormat")).ifPresent(f -> environment.put("AWS_LAMBDA_LOG_FORMAT", String.valueOf(f)));
            Optional.ofNullable(logging.get("ApplicationLogLevel")).ifPresent(l -> environment.put("AWS_LAMBDA_LOG_LEVEL", String.valueOf(l)));
        }
        List<Specs.Event> events = new ArrayList<>();
        for (Map.Entry<String, Object> event : map(properties.get("Events"), path + ".Events").entrySet()) {
            events.add(event(event.getKey(), map(event.getValue(), path + ".Events." + event.getKey()), path + ".Events." + event.getKey()));
        }
        Optional<Specs.AsyncConfig> async = Optional.ofNullable(properties.get("EventInvokeConfig"))
                .map(config -> asyncConfig((Map<String, Object>) config, path + ".EventInvokeConfig"));
        Optional<String> dlq = Optional.ofNullable(properties.get("DeadLetterQueue"))
                .map(value -> String.valueOf(((Map<String, Object>) value).get("TargetArn")));
        OptionalInt reserved = properties.containsKey("ReservedConcurrentExecutions")
                ? OptionalInt.of(integer(properties, "ReservedConcurrentExecutions", 0, path)) : OptionalInt.empty();
        return new Specs.Function(id, functionName(id), handler, runtime, root.resolve(codeUri).normalize(),
                Duration.ofSeconds(integer(properties, "Timeout", 3, path)), integer(properties, "MemorySize", 128, path),
                environment, reserved, events, async, dlq);
    }

    private Specs.Event event(String name, Map<String, Object> event, String path) {
        String type = String.valueOf(event.get("Type"));
        Map<String, Object> properties = map(event.get("Properties"), path + ".Properties");
        String where = path + ".Properties";
        return switch (type) {
            case "SQS" -> {
                Object queue = properties.get("Queue");
                String queueId = logicalIdOfArn(queue, "AWS::SQS::Queue", where + ".Queue");
                boolean reportFailures = listOf(properties.get("FunctionResponseTypes"), where + ".FunctionResponseTypes")
                        .contains("ReportBatchItemFailures");
                OptionalInt maxConcurrency = properties.get("ScalingConfig") instanceof Map<?, ?> scaling
                        && scaling.get("MaximumConcurrency") != null
                        ? OptionalInt.of(Integer.parseInt(String.valueOf(scaling.get("MaximumConcurrency")))) : OptionalInt.empty();
                yield new Specs.SqsEvent(name, queueId, integer(properties, "BatchSize", 10, where),
                        Duration.ofSeconds(integer(properties, "MaximumBatchingWindowInSeconds", 0, where)),
                        reportFailures, maxConcurrency, !Boolean.FALSE.equals(properties.get("Enabled")));
            }
            case "S3" -> {
                String bucketId = logicalIdOfRef(properties.get("Bucket"), "AWS::S3::Bucket", where + ".Bucket");
                List<String> s3Events = properties.get("Events") instanceof List<?> list
                        ? list.stream().map(String::valueOf).toList() : List.of(String.valueOf(properties.get("Events")));
                String prefix = "";
                String suffix = "";
                if (properties.get("Filter") instanceof Map<?, ?> filter && filter.get("S3Key") instanceof Map<?, ?> key) {
                    for (Object rule : listOf(key.get("Rules"), where + ".Filter.S3Key.Rules")) {
                        Map<?, ?> r = (Map<?, ?>) rule;
                        String ruleName = String.valueOf(r.get("Name")).toLowerCase(Locale.ROOT);
                        if (ruleName.equals("prefix")) {
                            prefix = String.valueOf(r.get("Value"));
                        } else if (ruleName.equals("suffix")) {
                            suffix = String.valueOf(r.get("Value"));
                        }
                    }
                }
                yield new Specs.S3Event(name, bucketId, s3Events, prefix, suffix);
            }
            case "HttpApi", "Api" -> new Specs.HttpEvent(name, type.equals("HttpApi"),
                    String.valueOf(properties.getOrDefault("Method", "ANY")).toUpperCase(Locale.ROOT),
                    String.valueOf(properties.getOrDefault("Path", "/{proxy+}")));
            default -> throw new TemplateException(file + ": " + path + ".Type " + type
                    + " is not supported by the local runtime (SQS, S3, HttpApi and Api are)");
        };
    }

    private Specs.AsyncConfig asyncConfig(Map<String, Object> config, String path) {
        Optional<String> onSuccess = Optional.empty();
        Optional<String> onFailure = Optional.empty();
        if (config.get("DestinationConfig") instanceof Map<?, ?> destinations) {
            onSuccess = destination(destinations.get("OnSuccess"));
            onFailure = destination(destinations.get("OnFailure"));
        }
        return new Specs.AsyncConfig(integer(config, "MaximumRetryAttempts", 2, path),
                Duration.ofSeconds(integer(config, "MaximumEventAgeInSeconds", 21600, path)), onSuccess, onFailure);
    }

    private static Optional<String> destination(Object value) {
        return value instanceof Map<?, ?> map && map.get("Destination") != null
                ? Optional.of(String.valueOf(map.get("Destination"))) : Optional.empty();
    }

    // ---------------------------------------------------------------------------------- names

    private String queueName(String id) {
        Map<String, Object> properties = resolvedMap(properties(id), "Resources." + id + ".Properties");
        if (properties.get("QueueName") != null) {
            return String.valueOf(properties.get("QueueName"));
        }
        boolean fifo = Boolean.TRUE.equals(properties.get("FifoQueue")) || "true".equals(String.valueOf(properties.get("FifoQueue")));
        return stackName + "-" + id + (fifo ? ".fifo" : "");
    }

    private String tableName(String id) {
        Object name = properties(id).get("TableName");
        return name != null ? String.valueOf(intrinsics.resolve(name, "Resources." + id + ".Properties.TableName"))
                : stackName + "-" + id;
    }

    private String bucketName(String id) {
        Object name = properties(id).get("BucketName");
        return name != null ? String.valueOf(intrinsics.resolve(name, "Resources." + id + ".Properties.BucketName"))
                : (stackName + "-" + id).toLowerCase(Locale.ROOT);
    }

    private String functionName(String id) {
        Object name = properties(id).get("FunctionName");
        return name != null ? String.valueOf(intrinsics.resolve(name, "Resources." + id + ".Properties.FunctionName"))
                : stackName + "-" + id;
    }

    private final class Attributes implements Intrinsics.Resources {
        /** SAM's {@code !Ref Function.Alias}: the alias AutoPublishAlias made. */
        private static final String ALIAS = ".Alias";

        @Override
        public boolean exists(String logicalId) {
            return resources.containsKey(logicalId) || (logicalId.endsWith(ALIAS)
                    && "AWS::Serverless::Function".equals(typeOrNull(logicalId.substring(0, logicalId.length() - ALIAS.length()))));
        }

        @Override
        public String ref(String logicalId) {
            if (!resources.containsKey(logicalId) && logicalId.endsWith(ALIAS)) {
                String function = logicalId.substring(0, logicalId.length() - ALIAS.length());
                Object alias = functionProperties(function).getOrDefault("AutoPublishAlias", "live");
                return getAtt(function, "Arn", "Resources." + function) + ":" + alias;
            }
            return switch (type(logicalId)) {
                case "AWS::SQS::Queue" -> queueUrls.getOrDefault(logicalId, sqsEndpoint + "/" + ACCOUNT + "/" + queueName(logicalId));
                case "AWS::DynamoDB::Table" -> tableName(logicalId);
                case "AWS::S3::Bucket" -> bucketName(logicalId);
                case "AWS::Serverless::Function" -> functionName(logicalId);
                default -> logicalId;
            };
        }

        @Override
        public String getAtt(String logicalId, String attribute, String path) {
            String type = type(logicalId);
            String value = switch (type + "." + attribute) {
                case "AWS::SQS::Queue.Arn" -> "arn:aws:sqs:" + REGION + ":" + ACCOUNT + ":" + queueName(logicalId);
                case "AWS::SQS::Queue.QueueName" -> queueName(logicalId);
                case "AWS::SQS::Queue.QueueUrl" -> ref(logicalId);
                case "AWS::DynamoDB::Table.Arn" -> "arn:aws:dynamodb:" + REGION + ":" + ACCOUNT + ":table/" + tableName(logicalId);
                case "AWS::DynamoDB::Table.StreamArn" -> "arn:aws:dynamodb:" + REGION + ":" + ACCOUNT + ":table/"
                        + tableName(logicalId) + "/stream/local";
                case "AWS::S3::Bucket.Arn" -> "arn:aws:s3:::" + bucketName(logicalId);
                case "AWS::S3::Bucket.DomainName", "AWS::S3::Bucket.RegionalDomainName" -> bucketName(logicalId) + ".s3.localhost";
                case "AWS::Serverless::Function.Arn" -> "arn:aws:lambda:" + REGION + ":" + ACCOUNT + ":function:" + functionName(logicalId);
                default -> null;
            };
            if (value == null) {
                throw new TemplateException(path + ": Fn::GetAtt " + logicalId + "." + attribute
                        + " is not an attribute the local runtime knows for " + type);
            }
            return value;
        }
    }

    // ---------------------------------------------------------------------------------- helpers

    private List<String> ids(String type) {
        List<String> ids = new ArrayList<>();
        for (Map.Entry<String, Object> entry : resources.entrySet()) {
            Map<String, Object> resource = map(entry.getValue(), "Resources." + entry.getKey());
            if (!resource.containsKey("Type")) {
                throw new TemplateException(file + ": Resources." + entry.getKey() + " has no Type");
            }
            if (type.equals(resource.get("Type")) && enabled(entry.getKey())) {
                ids.add(entry.getKey());
            }
        }
        return ids;
    }

    private boolean enabled(String logicalId) {
        Object condition = map(resources.get(logicalId), "Resources." + logicalId).get("Condition");
        return condition == null || condition(String.valueOf(condition));
    }

    private String typeOrNull(String logicalId) {
        return resources.get(logicalId) instanceof Map<?, ?> resource ? String.valueOf(resource.get("Type")) : null;
    }

    private String type(String logicalId) {
        return String.valueOf(map(resources.get(logicalId), "Resources." + logicalId).get("Type"));
    }

    private Map<String, Object> properties(String logicalId) {
        return map(map(resources.get(logicalId), "Resources." + logicalId).get("Properties"),
                "Resources." + logicalId + ".Properties");
    }

    /** A function's properties with Globals merged in: the function's own win, maps merge. */
    private Map<String, Object> functionProperties(String logicalId) {
        Map<String, Object> merged = new LinkedHashMap<>(map(globals.get("Function"), "Globals.Function"));
        properties(logicalId).forEach((key, value) -> merged.merge(key, value, SamTemplate::mergeGlobal));
        return merged;
    }

    @SuppressWarnings("unchecked")
    private static Object mergeGlobal(Object global, Object local) {
        if (global instanceof Map<?, ?> g && local instanceof Map<?, ?> l) {
            Map<String, Object> merged = new LinkedHashMap<>((Map<String, Object>) g);
            ((Map<String, Object>) l).forEach((key, value) -> merged.merge(key, value, SamTemplate::mergeGlobal));
            return merged;
        }
        return local;
    }

    private boolean condition(String name) {
        Boolean known = conditionValues.get(name);
        if (known != null) {
            return known;
        }
        if (!conditionExpressions.containsKey(name)) {
            throw new TemplateException(file + ": condition '" + name + "' is not defined in Conditions");
        }
        boolean value = intrinsics.condition(conditionExpressions.get(name), "Conditions." + name);
        conditionValues.put(name, value);
        return value;
    }

    private Map<String, Object> parameters(Map<String, Object> declared, Map<String, String> overrides) {
        Map<String, Object> values = new HashMap<>();
        for (String name : overrides.keySet()) {
            if (!declared.containsKey(name)) {
                throw new TemplateException(file + ": parameter override '" + name + "' names no parameter; declared: "
                        + String.join(", ", declared.keySet()));
            }
        }
        for (Map.Entry<String, Object> entry : declared.entrySet()) {
            Map<String, Object> parameter = map(entry.getValue(), "Parameters." + entry.getKey());
            Object value = overrides.containsKey(entry.getKey()) ? overrides.get(entry.getKey()) : parameter.get("Default");
            if (value == null) {
                throw new TemplateException(file + ": parameter " + entry.getKey()
                        + " has no Default; give it with --parameter-overrides " + entry.getKey() + "=...");
            }
            if (parameter.get("AllowedValues") instanceof List<?> allowed
                    && allowed.stream().map(String::valueOf).noneMatch(String.valueOf(value)::equals)) {
                throw new TemplateException(file + ": parameter " + entry.getKey() + " is '" + value
                        + "' but must be one of " + allowed);
            }
            values.put(entry.getKey(), String.valueOf(value));
        }
        values.put("AWS::Region", REGION);
        values.put("AWS::AccountId", ACCOUNT);
        values.put("AWS::StackName", stackName);
        values.put("AWS::StackId", "arn:aws:cloudformation:" + REGION + ":" + ACCOUNT + ":stack/" + stackName + "/local");
        values.put("AWS::Partition", "aws");
        values.put("AWS::URLSuffix", "amazonaws.com");
        return values;
    }

    private Map<String, Object> resolvedMap(Map<String, Object> properties, String path) {
        try {
            return map(intrinsics.resolve(properties, path), path);
        } catch (TemplateException e) {
            throw e.getMessage().startsWith(file.toString()) ? e : new TemplateException(file + ": " + e.getMessage());
        }
    }

    private String logicalIdOfArn(Object value, String type, String path) {
        if (value instanceof Map<?, ?> map && map.get("Fn::GetAtt") instanceof List<?> parts) {
            String id = String.valueOf(parts.getFirst());
            if (resources.containsKey(id) && type.equals(type(id))) {
                return id;
            }
        }
        String arn = String.valueOf(value);
        for (String id : ids(type)) {
            if (arn.equals(new Attributes().getAtt(id, "Arn", path))) {
                return id;
            }
        }
        throw new TemplateException(file + ": " + path + " must be the Arn of a " + type + " in this template, was " + value);
    }

    private String logicalIdOfRef(Object value, String type, String path) {
        for (String id : ids(type)) {
            if (String.valueOf(value).equals(new Attributes().ref(id))) {
                return id;
            }
        }
        throw new TemplateException(file + ": " + path + " must be a !Ref to a " + type + " in this template, was " + value);
    }

    private Map<String, Object> map(Object value, String path) {
        if (value == null) {
            return Map.of();
        }
        if (value instanceof Map<?, ?> map) {
            @SuppressWarnings("unchecked")
            Map<String, Object> typed = (Map<String, Object>) map;
            return typed;
        }
        throw new TemplateException(file + ": " + path + " must be a mapping, was " + value);
    }

    private List<?> listOf(Object value, String path) {
        if (value == null) {
            return List.of();
        }
        if (value instanceof List<?> list) {
            return list;
        }
        throw new TemplateException(file + ": " + path + " must be a list, was " + value);
    }

    private String requiredString(Map<String, Object> properties, String name, String path) {
        Object value = properties.get(name);
        if (value == null || String.valueOf(value).isBlank()) {
            throw new TemplateException(file + ": " + path + "." + name + " is missing");
        }
        return String.valueOf(value);
    }

    private int integer(Map<String, Object> properties, String name, int fallback, String path) {
        Object value = properties.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(String.valueOf(value));
        } catch (NumberFormatException e) {
            throw new TemplateException(file + ": " + path + "." + name + " must be a whole number, was " + value);
        }
    }

    private boolean functionOwned(Set<String> owners) {
        return owners.stream().allMatch(id -> type(id).equals("AWS::Serverless::Function"));
    }

    /** Every logical id, for messages that list what exists. */
    public Set<String> functionIds() {
        return new LinkedHashSet<>(ids("AWS::Serverless::Function"));
    }
}
