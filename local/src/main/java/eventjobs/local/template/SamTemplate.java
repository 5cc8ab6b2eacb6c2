package eventjobs.local.template;

import java.io.IOException;
import java.math.BigDecimal;
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
import java.util.regex.Pattern;

/**
 * A SAM template read the way CloudFormation would read the parts the local runtime uses:
 * Parameters (defaults and overrides), Conditions, Globals, Mappings, intrinsic functions, and
 * the queues, tables, buckets, APIs and functions in Resources. Physical names are
 * {@code <stack>-<LogicalId>} unless the template names the resource. Everything is resolved once,
 * when the template is loaded; {@link #provisioned(PhysicalIds)} gives the same template with the
 * names an endpoint assigned. What it does not run is listed by {@link #notEmulated()}, never
 * dropped silently. Immutable and thread-safe.
 */
public final class SamTemplate {

    public static final String REGION = "us-east-1";
    public static final String ACCOUNT = "000000000000";

    private static final Set<String> SUPPORTED_TYPES = Set.of("AWS::Serverless::Function", "AWS::SQS::Queue",
            "AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::Serverless::HttpApi", "AWS::Serverless::Api",
            "AWS::SecretsManager::Secret");
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
            "AWS::S3::Bucket", Set.of("BucketName", "NotificationConfiguration", "Tags"),
            "AWS::SecretsManager::Secret", Set.of("Name", "Description", "SecretString", "GenerateSecretString", "Tags"));
    /** Function properties that change nothing when run locally. */
    private static final Set<String> NO_LOCAL_EFFECT = Set.of("Architectures", "AutoPublishAlias", "SnapStart",
            "Tracing", "RecursiveLoop", "Policies", "Role", "PackageType", "RuntimeManagementConfig");

    private final Path file;
    private final Path root;
    private final String stackName;
    private final Map<String, Object> document;
    private final Map<String, String> overrides;
    private final PhysicalIds physicalIds;
    private final Map<String, Object> resources;
    private final Map<String, Object> globals;
    private final Map<String, Object> conditionExpressions;
    /** Filled while the template is resolved, in the constructor. */
    private final Map<String, Boolean> conditionValues = new HashMap<>();
    private final Intrinsics intrinsics;
    private final List<Specs.Queue> queues;
    private final List<Specs.Table> tables;
    private final List<Specs.Bucket> buckets;
    private final List<LambdaNotification> lambdaNotifications;
    private final List<Specs.Function> functions;
    private final List<Specs.Secret> secrets;
    private final NotEmulated notEmulated;

    private SamTemplate(Path file, String stackName, Map<String, Object> document, Map<String, String> overrides,
                        PhysicalIds physicalIds) {
        this.file = file;
        this.root = file.toAbsolutePath().getParent();
        this.stackName = stackName;
        this.document = document;
        this.overrides = Map.copyOf(overrides);
        this.physicalIds = physicalIds;
        this.resources = map(document.get("Resources"), "Resources");
        if (resources.isEmpty()) {
            throw new TemplateException(file + ": Resources is missing or empty");
        }
        this.globals = map(document.get("Globals"), "Globals");
        this.conditionExpressions = map(document.get("Conditions"), "Conditions");
        Map<String, Object> parameters = parameters(map(document.get("Parameters"), "Parameters"), overrides);
        this.intrinsics = new Intrinsics(parameters, map(document.get("Mappings"), "Mappings"), this::condition,
                new Attributes());
        // every reference, also in properties the runtime does not use, as cfn-lint checks them
        resources.forEach((id, resource) -> {
            try {
                intrinsics.checkReferences(resource, "Resources." + id);
            } catch (TemplateException e) {
                throw new TemplateException(file + ": " + e.getMessage());
            }
        });
        this.queues = readQueues();
        this.tables = readTables();
        this.buckets = ids("AWS::S3::Bucket").stream().map(id -> new Specs.Bucket(id, bucketName(id))).toList();
        this.lambdaNotifications = readLambdaNotifications();
        this.functions = ids("AWS::Serverless::Function").stream().map(this::functionSpec).toList();
        this.secrets = ids("AWS::SecretsManager::Secret").stream().map(this::secretSpec).toList();
        this.notEmulated = readNotEmulated();
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
        Map<String, Object> mapping = (Map<String, Object>) document;
        return new SamTemplate(file, stackName, mapping, overrides, PhysicalIds.none());
    }

    /** This template with references to its resources resolved to the names an endpoint gave them. */
    public SamTemplate provisioned(PhysicalIds ids) {
        return new SamTemplate(file, stackName, document, overrides, ids);
    }

    public String stackName() {
        return stackName;
    }

    public Path file() {
        return file;
    }

    /** What of the template the local runtime does not emulate; empty when it runs all of it. */
    public NotEmulated notEmulated() {
        return notEmulated;
    }

    /** The URL of a queue of the template: the one the endpoint gave it once provisioned. */
    public String queueUrl(String logicalId) {
        Specs.Queue queue = queue(logicalId).orElseThrow(() -> new IllegalArgumentException("no queue " + logicalId + " in " + file));
        return queueUrl(logicalId, queue.name());
    }

    /** The queue with this logical id. */
    public Optional<Specs.Queue> queue(String logicalId) {
        return queues.stream().filter(q -> q.logicalId().equals(logicalId)).findFirst();
    }

    /** The bucket with this logical id. */
    public Optional<Specs.Bucket> bucket(String logicalId) {
        return buckets.stream().filter(b -> b.logicalId().equals(logicalId)).findFirst();
    }

    private String queueUrl(String logicalId, String name) {
        return physicalIds.queueUrl(logicalId).orElseGet(() -> PhysicalIds.DEFAULT_SQS_ENDPOINT + "/" + ACCOUNT + "/" + name);
    }

    /** An event's properties, for the event source that runs its type. */
    public EventProperties read(Specs.Event event) {
        return new EventProperties(this, event, event.path() + ".Properties", event.properties());
    }

    /**
     * The BinaryMediaTypes of a REST API: those of Globals.Api and of the {@code AWS::Serverless::Api}
     * resource, if the route names one (else SAM's implicit API has Globals.Api's alone), with SAM's
     * {@code ~1} read as {@code /}.
     *
     * @throws TemplateException when {@code restApiLogicalId} is no AWS::Serverless::Api of this template
     */
    public List<String> binaryMediaTypes(Optional<String> restApiLogicalId, String path) {
        List<Object> types = new ArrayList<>(listOf(resolvedMap(map(globals.get("Api"), "Globals.Api"), "Globals.Api")
                .get("BinaryMediaTypes"), "Globals.Api.BinaryMediaTypes"));
        if (restApiLogicalId.isPresent()) {
            String id = restApiLogicalId.get();
            if (!ids("AWS::Serverless::Api").contains(id)) {
                throw new TemplateException(file + ": " + path + " must be a !Ref to a AWS::Serverless::Api in this template, was " + id);
            }
            String at = "Resources." + id + ".Properties";
            types.addAll(listOf(resolvedMap(properties(id), at).get("BinaryMediaTypes"), at + ".BinaryMediaTypes"));
        }
        return types.stream().map(type -> String.valueOf(type).replace("~1", "/")).toList();
    }

    private NotEmulated readNotEmulated() {
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
            if (type.equals("AWS::S3::Bucket")
                    && map(resource.get("Properties"), "Resources." + entry.getKey() + ".Properties").get("NotificationConfiguration")
                    instanceof Map<?, ?> notifications) {
                notifications.keySet().stream().filter(key -> !"LambdaConfigurations".equals(key)).forEach(key ->
                        lines.add(entry.getKey() + ": NotificationConfiguration." + key + " is not run locally (LambdaConfigurations are)"));
            }
            if (type.equals("AWS::Serverless::HttpApi") || type.equals("AWS::Serverless::Api")) {
                Map<String, Object> properties = map(resource.get("Properties"), "Resources." + entry.getKey() + ".Properties");
                if (properties.containsKey("Auth") || properties.containsKey("DefinitionBody")) {
                    lines.add(entry.getKey() + ": authorization is not enforced locally (every route is open)");
                }
            }
        }
        lambdaNotifications.stream()
                .filter(notification -> functions.stream().noneMatch(f -> notification.invokes(functionArn(f.logicalId()))))
                .forEach(notification -> lines.add(notification.path() + " invokes " + notification.function()
                        + ", which is no function of this template: not run locally"));
        ignoredByProperty.forEach((property, owners) -> lines.add(property + " of " + String.join(", ", owners)
                + (NO_LOCAL_EFFECT.contains(property) || !functionOwned(owners) ? ": no local effect" : ": ignored locally")));
        return new NotEmulated(List.copyOf(lines));
    }

    public List<Specs.Queue> queues() {
        return queues;
    }

    public List<Specs.Table> tables() {
        return tables;
    }

    public List<Specs.Bucket> buckets() {
        return buckets;
    }

    public List<Specs.Function> functions() {
        return functions;
    }

    /** The Secrets Manager secrets of the template. */
    public List<Specs.Secret> secrets() {
        return secrets;
    }

    /** The function with this logical id. */
    public Optional<Specs.Function> function(String logicalId) {
        return functions.stream().filter(f -> f.logicalId().equals(logicalId)).findFirst();
    }

    /** The logical id of every function, for messages that list what exists. */
    public Set<String> functionIds() {
        Set<String> ids = new LinkedHashSet<>();
        functions.forEach(f -> ids.add(f.logicalId()));
        return ids;
    }

    private List<Specs.Queue> readQueues() {
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
        return List.copyOf(queues);
    }

    @SuppressWarnings("unchecked")
    private List<Specs.Table> readTables() {
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
        return List.copyOf(tables);
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
        events.addAll(bucketNotifications(id));
        Optional<Specs.AsyncConfig> async = Optional.ofNullable(properties.get("EventInvokeConfig"))
                .map(config -> asyncConfig((Map<String, Object>) config, path + ".EventInvokeConfig"));
        Optional<String> dlq = Optional.ofNullable(properties.get("DeadLetterQueue"))
                .map(value -> String.valueOf(((Map<String, Object>) value).get("TargetArn")));
        OptionalInt reserved = properties.containsKey("ReservedConcurrentExecutions")
                ? OptionalInt.of(integer(properties, "ReservedConcurrentExecutions", 0, path)) : OptionalInt.empty();
        boolean snapStart = properties.get("SnapStart") instanceof Map<?, ?> snap && "PublishedVersions".equals(snap.get("ApplyOn"));
        return new Specs.Function(id, functionName(id), handler, runtime, root.resolve(codeUri).normalize(),
                Duration.ofSeconds(integer(properties, "Timeout", 3, path)), integer(properties, "MemorySize", 128, path),
                environment, reserved, events, async, dlq, snapStart);
    }

    /** One entry of a bucket's {@code NotificationConfiguration.LambdaConfigurations}, resolved. */
    private record LambdaNotification(String bucket, int index, String path, Map<String, Object> configuration, String function) {

        /** Whether it invokes the function of this ARN, or one of its aliases or versions. */
        boolean invokes(String functionArn) {
            return function.equals(functionArn) || function.startsWith(functionArn + ":");
        }
    }

    /** Every bucket's {@code LambdaConfigurations}, read once for all functions. */
    private List<LambdaNotification> readLambdaNotifications() {
        List<LambdaNotification> notifications = new ArrayList<>();
        for (String bucket : ids("AWS::S3::Bucket")) {
            Object configuration = properties(bucket).get("NotificationConfiguration");
            if (configuration == null || !enabled(bucket)) {
                continue;
            }
            String path = "Resources." + bucket + ".Properties.NotificationConfiguration.LambdaConfigurations";
            List<?> lambdas = listOf(map(configuration, path).get("LambdaConfigurations"), path);
            for (int i = 0; i < lambdas.size(); i++) {
                String at = path + "[" + i + "]";
                Map<String, Object> lambda = map(intrinsics.resolve(lambdas.get(i), at), at);
                notifications.add(new LambdaNotification(bucket, i, at, lambda, requiredString(lambda, "Function", at)));
            }
        }
        return List.copyOf(notifications);
    }

    /**
     * The bucket notifications that invoke this function (naming it or one of its aliases or
     * versions), as the {@code Type: S3} events they amount to, one each.
     */
    private List<Specs.Event> bucketNotifications(String functionId) {
        String functionArn = functionArn(functionId);
        List<Specs.Event> events = new ArrayList<>();
        for (LambdaNotification notification : lambdaNotifications) {
            if (!notification.invokes(functionArn)) {
                continue;
            }
            Map<String, Object> properties = new LinkedHashMap<>();
            properties.put("Bucket", bucketName(notification.bucket()));
            properties.put("Events", requiredString(notification.configuration(), "Event", notification.path()));
            Optional.ofNullable(notification.configuration().get("Filter")).ifPresent(filter -> properties.put("Filter", filter));
            events.add(new Specs.Event(notification.bucket() + "Notification" + (notification.index() + 1), "S3", properties,
                    notification.path()));
        }
        return events;
    }

    private String functionArn(String functionId) {
        return new Attributes().getAtt(functionId, "Arn", "Resources." + functionId);
    }

    private Specs.Secret secretSpec(String id) {
        String path = "Resources." + id + ".Properties";
        Map<String, Object> properties = resolvedMap(properties(id), path);
        Optional<String> value = Optional.ofNullable(properties.get("SecretString")).map(String::valueOf);
        Map<String, Object> generate = map(properties.get("GenerateSecretString"), path + ".GenerateSecretString");
        if (value.isPresent() && !generate.isEmpty()) {
            throw new TemplateException(file + ": " + path + " has both SecretString and GenerateSecretString; give one");
        }
        return new Specs.Secret(id, secretName(id), value, generate);
    }

    private Specs.Event event(String name, Map<String, Object> event, String path) {
        return new Specs.Event(name, String.valueOf(event.get("Type")), map(event.get("Properties"), path + ".Properties"), path);
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

    private String secretName(String id) {
        Object name = properties(id).get("Name");
        return name != null ? String.valueOf(intrinsics.resolve(name, "Resources." + id + ".Properties.Name"))
                : stackName + "-" + id;
    }

    private String functionName(String id) {
        Object name = properties(id).get("FunctionName");
        return name != null ? String.valueOf(intrinsics.resolve(name, "Resources." + id + ".Properties.FunctionName"))
                : stackName + "-" + id;
    }

    /** What {@code !Ref} of a secret gives: its ARN, partial (see {@link Specs.Secret#arn()}). */
    private String secretArn(String id) {
        return new Specs.Secret(id, secretName(id), Optional.empty(), Map.of()).arn();
    }

    private final class Attributes implements Intrinsics.Resources {
        /** SAM's {@code !Ref Function.Alias}: the alias AutoPublishAlias made. */
        private static final String ALIAS = ".Alias";

        /** Resources SAM generates for a template's own: the implicit APIs, and a function's role, version and alias. */
        private static final Set<String> IMPLICIT = Set.of("ServerlessRestApi", "ServerlessHttpApi");

        @Override
        public boolean exists(String logicalId) {
            return resources.containsKey(logicalId) || IMPLICIT.contains(logicalId)
                    || (logicalId.endsWith(ALIAS) && isFunction(logicalId.substring(0, logicalId.length() - ALIAS.length())))
                    || (logicalId.endsWith(".Version") && isFunction(logicalId.substring(0, logicalId.length() - ".Version".length())))
                    || (logicalId.endsWith("Role") && isFunction(logicalId.substring(0, logicalId.length() - "Role".length())));
        }

        private boolean isFunction(String logicalId) {
            return "AWS::Serverless::Function".equals(typeOrNull(logicalId));
        }

        @Override
        public String ref(String logicalId) {
            if (!resources.containsKey(logicalId) && logicalId.endsWith(ALIAS)) {
                String function = logicalId.substring(0, logicalId.length() - ALIAS.length());
                Object alias = functionProperties(function).getOrDefault("AutoPublishAlias", "live");
                return getAtt(function, "Arn", "Resources." + function) + ":" + alias;
            }
            return switch (type(logicalId)) {
                case "AWS::SQS::Queue" -> queueUrl(logicalId, queueName(logicalId));
                case "AWS::DynamoDB::Table" -> tableName(logicalId);
                case "AWS::S3::Bucket" -> bucketName(logicalId);
                case "AWS::Serverless::Function" -> functionName(logicalId);
                case "AWS::SecretsManager::Secret" -> secretArn(logicalId);
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
                case "AWS::DynamoDB::Table.StreamArn" -> Specs.Table.templateStreamArn(tableName(logicalId));
                case "AWS::S3::Bucket.Arn" -> "arn:aws:s3:::" + bucketName(logicalId);
                case "AWS::S3::Bucket.DomainName", "AWS::S3::Bucket.RegionalDomainName" -> bucketName(logicalId) + ".s3.localhost";
                case "AWS::Serverless::Function.Arn" -> "arn:aws:lambda:" + REGION + ":" + ACCOUNT + ":function:" + functionName(logicalId);
                case "AWS::SecretsManager::Secret.Id" -> secretArn(logicalId);
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
            checkConstraints(entry.getKey(), parameter, String.valueOf(value));
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

    /**
     * Checks a parameter's value (its Default or an override) as CloudFormation does: a Number is a
     * number within MinValue and MaxValue; a String's length is within MinLength and MaxLength and
     * it matches AllowedPattern whole; any value is one of AllowedValues
     * (<a href="https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html">AWS docs</a>).
     */
    private void checkConstraints(String name, Map<String, Object> parameter, String value) {
        String type = String.valueOf(parameter.getOrDefault("Type", "String"));
        String because = Optional.ofNullable(parameter.get("ConstraintDescription")).map(d -> " (" + d + ")").orElse("");
        String prefix = file + ": parameter " + name + " is '" + value + "' but ";
        if (parameter.get("AllowedValues") instanceof List<?> allowed
                && allowed.stream().map(String::valueOf).noneMatch(value::equals)) {
            throw new TemplateException(prefix + "must be one of " + allowed + because);
        }
        if (type.equals("Number")) {
            BigDecimal number;
            try {
                number = new BigDecimal(value.strip());
            } catch (NumberFormatException e) {
                throw new TemplateException(prefix + "its Type is Number" + because);
            }
            for (String bound : List.of("MinValue", "MaxValue")) {
                if (parameter.get(bound) != null) {
                    BigDecimal limit = new BigDecimal(String.valueOf(parameter.get(bound)));
                    if (bound.equals("MinValue") ? number.compareTo(limit) < 0 : number.compareTo(limit) > 0) {
                        throw new TemplateException(prefix + "its " + bound + " is " + parameter.get(bound) + because);
                    }
                }
            }
        }
        if (type.equals("String")) {
            for (String bound : List.of("MinLength", "MaxLength")) {
                if (parameter.get(bound) != null) {
                    int limit = integer(parameter, bound, 0, "Parameters." + name);
                    if (bound.equals("MinLength") ? value.length() < limit : value.length() > limit) {
                        throw new TemplateException(prefix + "its " + bound + " is " + limit + because);
                    }
                }
            }
            if (parameter.get("AllowedPattern") != null
                    && !Pattern.compile(String.valueOf(parameter.get("AllowedPattern"))).matcher(value).matches()) {
                throw new TemplateException(prefix + "must match its AllowedPattern " + parameter.get("AllowedPattern") + because);
            }
        }
    }

    private Map<String, Object> resolvedMap(Map<String, Object> properties, String path) {
        try {
            return map(intrinsics.resolve(properties, path), path);
        } catch (TemplateException e) {
            throw e.getMessage().startsWith(file.toString()) ? e : new TemplateException(file + ": " + e.getMessage());
        }
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
}
