package eventjobs.system;

import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The project's own rules for a template, checked on its CloudFormation form (after the SAM
 * transform, so Globals and event sources are expanded the way AWS sees them).
 *
 * <p>An alarm watches a resource when one of its metric's dimensions names it with {@code Ref} or
 * {@code Fn::GetAtt} (a name spelled out with {@code Fn::Sub} is not recognised).
 */
final class TemplateRules {

    /** The AWS default when a queue does not set VisibilityTimeout. */
    private static final int DEFAULT_VISIBILITY_SECONDS = 30;
    /** The AWS default when a function does not set Timeout. */
    private static final int DEFAULT_TIMEOUT_SECONDS = 3;
    private static final Set<String> ASYNC_PRINCIPALS = Set.of("s3.amazonaws.com", "sns.amazonaws.com",
            "events.amazonaws.com");
    /** Resource types whose mappings read a stream, so a stuck batch shows as IteratorAge. */
    private static final Set<String> STREAM_SOURCES = Set.of("AWS::DynamoDB::Table", "AWS::Kinesis::Stream",
            "AWS::Kinesis::StreamConsumer");
    private static final String LAMBDA = "AWS/Lambda";
    private static final String SQS = "AWS/SQS";

    /** A metric an alarm watches, on the resource (logical id) one of its dimensions names. */
    private record Watched(String namespace, String metric, String resource) {}

    private TemplateRules() {}

    /**
     * @param handlerReturnType the declared return type of a function's handler method, by logical id
     * @return one line per broken rule, naming the resource; empty when all hold
     */
    static List<String> check(CloudFormation cfn, Function<String, String> handlerReturnType) {
        List<String> violations = new ArrayList<>();
        sqsMappings(cfn, handlerReturnType, violations);
        streamMappings(cfn, handlerReturnType, violations);
        asyncDestinations(cfn, violations);
        noWildcardActions(cfn, violations);
        invokePermissionsNameTheirSource(cfn, violations);
        alarmsCoverEveryFailurePath(cfn, violations);
        alarmsNotify(cfn, violations);
        logsAreKept(cfn, violations);
        return violations;
    }

    private static void sqsMappings(CloudFormation cfn, Function<String, String> handlerReturnType,
                                    List<String> violations) {
        for (Map.Entry<String, JsonNode> mapping : cfn.resources("AWS::Lambda::EventSourceMapping")) {
            JsonNode properties = mapping.getValue().path("Properties");
            String queue = CloudFormation.target(properties.path("EventSourceArn")).orElse("");
            if (!"AWS::SQS::Queue".equals(cfn.resource(queue).path("Type").asString())) {
                continue;
            }
            String function = cfn.function(properties.path("FunctionName")).orElse("?");
            boolean reportsItemFailures = properties.path("FunctionResponseTypes").valueStream()
                    .anyMatch(type -> "ReportBatchItemFailures".equals(type.asString()));
            String returnType = handlerReturnType.apply(function);
            if (returnType.endsWith("SQSBatchResponse") && !reportsItemFailures) {
                violations.add(function + " returns SQSBatchResponse but its SQS event " + mapping.getKey()
                        + " lacks FunctionResponseTypes: [ReportBatchItemFailures], so its partial failures would be ignored");
            }
            JsonNode queueProperties = cfn.resource(queue).path("Properties");
            int visibility = queueProperties.path("VisibilityTimeout").asInt(DEFAULT_VISIBILITY_SECONDS);
            int timeout = cfn.resource(function).path("Properties").path("Timeout").asInt(DEFAULT_TIMEOUT_SECONDS);
            if (visibility < 6 * timeout) {
                violations.add(queue + " VisibilityTimeout " + visibility + " s is less than 6 x the timeout of "
                        + function + " (" + timeout + " s)");
            }
            if (queueProperties.path("RedrivePolicy").isMissingNode()) {
                violations.add(queue + " feeds " + function + " but has no RedrivePolicy, so a poison message loops until it expires");
            }
        }
    }

    /**
     * A mapping that reads a partitioned log (a DynamoDB or Kinesis stream, a Kafka topic) keeps
     * records Lambda gives up on (an OnFailure destination), gives up at some point (a poison record
     * otherwise blocks its shard or partition until the log drops it, or for ever on Kafka), and lets
     * a handler that answers with partial failures be heard.
     */
    private static void streamMappings(CloudFormation cfn, Function<String, String> handlerReturnType,
                                       List<String> violations) {
        for (Map.Entry<String, JsonNode> mapping : cfn.resources("AWS::Lambda::EventSourceMapping")) {
            JsonNode properties = mapping.getValue().path("Properties");
            Optional<String> log = logKind(cfn, properties);
            if (log.isEmpty()) {
                continue;
            }
            String reads = " reads a " + log.get() + " (" + mapping.getKey() + ")";
            String function = cfn.function(properties.path("FunctionName")).orElse("?");
            if (properties.at("/DestinationConfig/OnFailure/Destination").isMissingNode()) {
                violations.add(function + reads + " with no OnFailure destination,"
                        + " so the records Lambda gives up on leave no trace");
            }
            if (properties.path("MaximumRetryAttempts").asInt(-1) < 0 && properties.path("MaximumRecordAgeInSeconds").asInt(-1) < 0) {
                violations.add(function + reads + " with neither MaximumRetryAttempts nor"
                        + " MaximumRecordAgeInSeconds, so one failing record blocks its " + (log.get().equals("stream")
                        ? "shard until the stream drops it" : "partition until the topic drops it"));
            }
            boolean reportsItemFailures = properties.path("FunctionResponseTypes").valueStream()
                    .anyMatch(type -> "ReportBatchItemFailures".equals(type.asString()));
            if (handlerReturnType.apply(function).endsWith("StreamsEventResponse") && !reportsItemFailures) {
                violations.add(function + " returns StreamsEventResponse but its " + log.get() + " mapping " + mapping.getKey()
                        + " lacks FunctionResponseTypes: [ReportBatchItemFailures], so its partial failures would be ignored");
            }
        }
    }

    /** "stream" for a mapping on a DynamoDB or Kinesis stream, "Kafka topic" for one on Kafka (self-managed or MSK). */
    private static Optional<String> logKind(CloudFormation cfn, JsonNode properties) {
        if (readsStream(cfn, properties.path("EventSourceArn"))) {
            return Optional.of("stream");
        }
        return readsKafka(cfn, properties) ? Optional.of("Kafka topic") : Optional.empty();
    }

    private static boolean readsKafka(CloudFormation cfn, JsonNode properties) {
        JsonNode arn = properties.path("EventSourceArn");
        return !properties.at("/SelfManagedEventSource/Endpoints/KafkaBootstrapServers").isMissingNode()
                || CloudFormation.target(arn).map(id -> "AWS::MSK::Cluster".equals(cfn.resource(id).path("Type").asString()))
                        .orElseGet(() -> arn.asString("").startsWith("arn:aws:kafka:"));
    }

    private static void asyncDestinations(CloudFormation cfn, List<String> violations) {
        Set<String> withOnFailure = new HashSet<>();
        for (Map.Entry<String, JsonNode> config : cfn.resources("AWS::Lambda::EventInvokeConfig")) {
            JsonNode properties = config.getValue().path("Properties");
            if (!properties.at("/DestinationConfig/OnFailure/Destination").isMissingNode()) {
                cfn.function(properties.path("FunctionName")).ifPresent(withOnFailure::add);
            }
        }
        asyncInvoked(cfn).stream().filter(function -> !withOnFailure.contains(function)).forEach(function ->
                violations.add(function + " is invoked asynchronously but has no OnFailure destination,"
                        + " so events that exhaust their retries are dropped"));
    }

    /** Functions something invokes asynchronously: S3, SNS or EventBridge, or a role allowed to invoke them. */
    private static Set<String> asyncInvoked(CloudFormation cfn) {
        Set<String> asyncInvoked = new TreeSet<>();
        for (Map.Entry<String, JsonNode> permission : cfn.resources("AWS::Lambda::Permission")) {
            JsonNode properties = permission.getValue().path("Properties");
            if (ASYNC_PRINCIPALS.contains(properties.path("Principal").asString())) {
                cfn.function(properties.path("FunctionName")).ifPresent(asyncInvoked::add);
            }
        }
        for (Map.Entry<String, JsonNode> role : cfn.resources("AWS::IAM::Role")) {
            for (JsonNode statement : statements(role.getValue())) {
                if (actions(statement).contains("lambda:InvokeFunction")) {
                    statement.path("Resource").findValues("Ref").forEach(ref -> cfn.function(refNode(ref)).ifPresent(asyncInvoked::add));
                    statement.path("Resource").findValues("Fn::GetAtt").forEach(getAtt ->
                            cfn.function(getAttNode(getAtt)).ifPresent(asyncInvoked::add));
                }
            }
        }
        return asyncInvoked;
    }

    /**
     * A service may invoke a function only from the resource meant to: an invoke permission for
     * S3, SNS or EventBridge without {@code SourceArn} lets any bucket, topic or rule of the
     * account invoke it (SAM's own permission for a {@code Type: S3} event is such a one).
     */
    private static void invokePermissionsNameTheirSource(CloudFormation cfn, List<String> violations) {
        for (Map.Entry<String, JsonNode> permission : cfn.resources("AWS::Lambda::Permission")) {
            JsonNode properties = permission.getValue().path("Properties");
            String principal = properties.path("Principal").asString();
            if (ASYNC_PRINCIPALS.contains(principal) && properties.path("SourceArn").isMissingNode()) {
                violations.add(permission.getKey() + " lets any " + principal + " resource of the account invoke "
                        + cfn.function(properties.path("FunctionName")).orElse("?") + ": it has no SourceArn");
            }
        }
    }

    private static void noWildcardActions(CloudFormation cfn, List<String> violations) {
        for (Map.Entry<String, JsonNode> role : cfn.resources("AWS::IAM::Role")) {
            for (JsonNode statement : statements(role.getValue())) {
                for (String action : actions(statement)) {
                    if (action.contains("*")) {
                        violations.add(role.getKey() + " allows the wildcard action " + action);
                    }
                }
            }
        }
    }

    /**
     * Every way work can fail or pile up has an alarm: each function's errors and throttles, each
     * asynchronous path's event age, drops and undeliverable failures, each queue's oldest message,
     * each dead-letter queue's depth, each stream mapping's iterator age, each Kafka mapping's offset lag, each HTTP API's 5xx answers.
     */
    private static void alarmsCoverEveryFailurePath(CloudFormation cfn, List<String> violations) {
        Set<Watched> watched = watched(cfn);
        Map<Watched, String> required = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> function : cfn.resources("AWS::Lambda::Function")) {
            for (String metric : List.of("Errors", "Throttles")) {
                required.put(new Watched(LAMBDA, metric, function.getKey()), "");
            }
        }
        for (String function : asyncInvoked(cfn)) {
            for (String metric : List.of("AsyncEventAge", "AsyncEventsDropped", "DestinationDeliveryFailures")) {
                required.put(new Watched(LAMBDA, metric, function), ", though it is invoked asynchronously");
            }
        }
        for (Map.Entry<String, JsonNode> queue : cfn.resources("AWS::SQS::Queue")) {
            required.put(new Watched(SQS, "ApproximateAgeOfOldestMessage", queue.getKey()), "");
        }
        for (String dlq : deadLetterQueues(cfn)) {
            required.put(new Watched(SQS, "ApproximateNumberOfMessagesVisible", dlq), ", though it is a dead-letter queue");
        }
        for (Map.Entry<String, JsonNode> mapping : cfn.resources("AWS::Lambda::EventSourceMapping")) {
            JsonNode properties = mapping.getValue().path("Properties");
            logKind(cfn, properties).ifPresent(log -> cfn.function(properties.path("FunctionName")).ifPresent(function ->
                    required.put(new Watched(LAMBDA, log.equals("stream") ? "IteratorAge" : "OffsetLag", function),
                            ", though it reads a " + log + " (" + mapping.getKey() + ")")));
        }
        for (Map.Entry<String, JsonNode> api : cfn.resources("AWS::ApiGatewayV2::Api")) {
            if (!"WEBSOCKET".equals(api.getValue().at("/Properties/ProtocolType").asString())) {
                required.put(new Watched("AWS/ApiGateway", "5xx", api.getKey()), ", though it is an HTTP API");
            }
        }
        required.forEach((need, why) -> {
            if (!watched.contains(need)) {
                violations.add(need.resource() + " has no alarm on " + need.namespace() + " " + need.metric() + why);
            }
        });
    }

    /** What every alarm of the template watches, metric math alarms included. */
    private static Set<Watched> watched(CloudFormation cfn) {
        Set<Watched> watched = new HashSet<>();
        for (Map.Entry<String, JsonNode> alarm : cfn.resources("AWS::CloudWatch::Alarm")) {
            JsonNode properties = alarm.getValue().path("Properties");
            List<JsonNode> metrics = new ArrayList<>(List.of(properties));
            properties.path("Metrics").forEach(query -> metrics.add(query.at("/MetricStat/Metric")));
            for (JsonNode metric : metrics) {
                metric.path("Dimensions").forEach(dimension -> CloudFormation.target(dimension.path("Value")).ifPresent(
                        resource -> watched.add(new Watched(metric.path("Namespace").asString(),
                                metric.path("MetricName").asString(), resource))));
            }
        }
        return watched;
    }

    /** Queues that failures are sent to: a queue's redrive target, an on-failure destination, a function's DLQ. */
    private static Set<String> deadLetterQueues(CloudFormation cfn) {
        List<JsonNode> targets = new ArrayList<>();
        cfn.resources("AWS::SQS::Queue").forEach(queue ->
                targets.add(queue.getValue().at("/Properties/RedrivePolicy/deadLetterTargetArn")));
        cfn.resources("AWS::Lambda::EventInvokeConfig").forEach(config ->
                targets.add(config.getValue().at("/Properties/DestinationConfig/OnFailure/Destination")));
        cfn.resources("AWS::Lambda::EventSourceMapping").forEach(mapping ->
                targets.add(mapping.getValue().at("/Properties/DestinationConfig/OnFailure/Destination")));
        cfn.resources("AWS::Lambda::Function").forEach(function ->
                targets.add(function.getValue().at("/Properties/DeadLetterConfig/TargetArn")));
        Set<String> queues = new TreeSet<>();
        for (JsonNode target : targets) {
            CloudFormation.target(target)
                    .filter(id -> "AWS::SQS::Queue".equals(cfn.resource(id).path("Type").asString()))
                    .ifPresent(queues::add);
        }
        return queues;
    }

    private static boolean readsStream(CloudFormation cfn, JsonNode eventSourceArn) {
        return CloudFormation.target(eventSourceArn)
                .map(id -> STREAM_SOURCES.contains(cfn.resource(id).path("Type").asString()))
                .orElseGet(() -> eventSourceArn.asString("").matches("arn:[^:]+:(kinesis|dynamodb):.*"));
    }

    /** An alarm with no action changes state unseen; an action under a condition may vanish with a parameter. */
    private static void alarmsNotify(CloudFormation cfn, List<String> violations) {
        List<Map.Entry<String, JsonNode>> alarms = new ArrayList<>(cfn.resources("AWS::CloudWatch::Alarm"));
        alarms.addAll(cfn.resources("AWS::CloudWatch::CompositeAlarm"));
        for (Map.Entry<String, JsonNode> alarm : alarms) {
            if (!alwaysHasAnAction(alarm.getValue().at("/Properties/AlarmActions"))) {
                violations.add(alarm.getKey() + " has no unconditional AlarmActions, so it changes state without telling anyone");
            }
        }
    }

    private static boolean alwaysHasAnAction(JsonNode actions) {
        if (actions.has("Fn::If")) {
            JsonNode branches = actions.get("Fn::If");
            return alwaysHasAnAction(branches.path(1)) && alwaysHasAnAction(branches.path(2));
        }
        return actions.isArray() && actions.valueStream().anyMatch(TemplateRules::alwaysPresent);
    }

    private static boolean alwaysPresent(JsonNode value) {
        if (value.has("Fn::If")) {
            JsonNode branches = value.get("Fn::If");
            return alwaysPresent(branches.path(1)) && alwaysPresent(branches.path(2));
        }
        return !value.isMissingNode() && !"AWS::NoValue".equals(value.path("Ref").asString(""));
    }

    /**
     * Every function logs to a log group of the template's (else Lambda creates one that keeps logs
     * forever), every log group has a retention, and every HTTP API stage writes an access log.
     */
    private static void logsAreKept(CloudFormation cfn, List<String> violations) {
        List<Map.Entry<String, JsonNode>> logGroups = cfn.resources("AWS::Logs::LogGroup");
        for (Map.Entry<String, JsonNode> function : cfn.resources("AWS::Lambda::Function")) {
            String logGroup = CloudFormation.target(function.getValue().at("/Properties/LoggingConfig/LogGroup")).orElse("");
            boolean configured = "AWS::Logs::LogGroup".equals(cfn.resource(logGroup).path("Type").asString());
            boolean named = logGroups.stream().anyMatch(group -> namesLogGroupOf(group.getValue(), function.getKey()));
            if (!configured && !named) {
                violations.add(function.getKey() + " has no log group in the template (LoggingConfig.LogGroup, or one named"
                        + " /aws/lambda/${" + function.getKey() + "}), so Lambda creates one that keeps logs forever");
            }
        }
        for (Map.Entry<String, JsonNode> logGroup : logGroups) {
            if (logGroup.getValue().at("/Properties/RetentionInDays").isMissingNode()) {
                violations.add(logGroup.getKey() + " has no RetentionInDays, so it keeps logs forever");
            }
        }
        for (Map.Entry<String, JsonNode> stage : cfn.resources("AWS::ApiGatewayV2::Stage")) {
            if (stage.getValue().at("/Properties/AccessLogSettings/DestinationArn").isMissingNode()) {
                violations.add(stage.getKey() + " has no AccessLogSettings, so its API's requests leave no access log");
            }
        }
    }

    /** A log group named {@code !Sub /aws/lambda/${Function}}: Lambda's default group, made by the template. */
    private static boolean namesLogGroupOf(JsonNode logGroup, String function) {
        JsonNode name = logGroup.at("/Properties/LogGroupName/Fn::Sub");
        String text = name.isArray() ? name.path(0).asString("") : name.asString("");
        return text.equals("/aws/lambda/${" + function + "}");
    }

    private static List<JsonNode> statements(JsonNode role) {
        List<JsonNode> statements = new ArrayList<>();
        role.at("/Properties/Policies").forEach(policy -> policy.at("/PolicyDocument/Statement").forEach(statements::add));
        return statements;
    }

    private static List<String> actions(JsonNode statement) {
        JsonNode action = statement.path("Action");
        return action.isArray() ? action.valueStream().map(JsonNode::asString).toList() : List.of(action.asString());
    }

    private static JsonNode refNode(JsonNode ref) {
        return tools.jackson.databind.json.JsonMapper.shared().createObjectNode().set("Ref", ref);
    }

    private static JsonNode getAttNode(JsonNode getAtt) {
        return tools.jackson.databind.json.JsonMapper.shared().createObjectNode().set("Fn::GetAtt", getAtt);
    }
}
