package eventjobs.system;

import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The project's own rules for a template, checked on its CloudFormation form (after the SAM
 * transform, so Globals and event sources are expanded the way AWS sees them).
 */
final class TemplateRules {

    /** The AWS default when a queue does not set VisibilityTimeout. */
    private static final int DEFAULT_VISIBILITY_SECONDS = 30;
    /** The AWS default when a function does not set Timeout. */
    private static final int DEFAULT_TIMEOUT_SECONDS = 3;
    private static final Set<String> ASYNC_PRINCIPALS = Set.of("s3.amazonaws.com", "sns.amazonaws.com",
            "events.amazonaws.com");

    private TemplateRules() {}

    /**
     * @param handlerReturnType the declared return type of a function's handler method, by logical id
     * @return one line per broken rule, naming the resource; empty when all hold
     */
    static List<String> check(CloudFormation cfn, Function<String, String> handlerReturnType) {
        List<String> violations = new ArrayList<>();
        sqsMappings(cfn, handlerReturnType, violations);
        asyncDestinations(cfn, violations);
        noWildcardActions(cfn, violations);
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

    private static void asyncDestinations(CloudFormation cfn, List<String> violations) {
        Set<String> asyncInvoked = new HashSet<>();
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
        Set<String> withOnFailure = new HashSet<>();
        for (Map.Entry<String, JsonNode> config : cfn.resources("AWS::Lambda::EventInvokeConfig")) {
            JsonNode properties = config.getValue().path("Properties");
            if (!properties.at("/DestinationConfig/OnFailure/Destination").isMissingNode()) {
                cfn.function(properties.path("FunctionName")).ifPresent(withOnFailure::add);
            }
        }
        asyncInvoked.stream().sorted().filter(function -> !withOnFailure.contains(function)).forEach(function ->
                violations.add(function + " is invoked asynchronously but has no OnFailure destination,"
                        + " so events that exhaust their retries are dropped"));
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
