package eventjobs.system;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/** template.yaml as AWS will see it: it lints, transforms, holds our rules, and its zips are built. */
class TemplateTest {

    private static final Path ROOT = Path.of(System.getProperty("eventjobs.root"));
    private static final long MAX_ZIP_BYTES = 8_000_000;
    private static CloudFormation cfn;

    @BeforeAll
    static void translate() {
        cfn = CloudFormation.translate(ROOT, ROOT.resolve("template.yaml"));
    }

    @Test
    void cfnLint_shouldReportNothing() {
        Commands.Result lint = Commands.run(ROOT, List.of("cfn-lint", "template.yaml"));

        assertThat(lint.output()).as("cfn-lint template.yaml").isBlank();
        assertThat(lint.exitCode()).isZero();
    }

    @Test
    void template_shouldHoldProjectRules() {
        assertThat(TemplateRules.check(cfn, TemplateTest::handlerReturnType)).isEmpty();
    }

    @Test
    void rules_shouldCatchEachBrokenRule_inBrokenFixture() {
        CloudFormation broken = CloudFormation.translate(ROOT,
                ROOT.resolve("system-tests/src/test/resources/templates/broken.yaml"));

        List<String> violations = TemplateRules.check(broken, function -> switch (function) {
            case "NoReportFunction" -> "com.amazonaws.services.lambda.runtime.events.SQSBatchResponse";
            case "StreamFunction" -> "com.amazonaws.services.lambda.runtime.events.StreamsEventResponse";
            default -> "java.lang.Void";
        });

        // each violation starts with exactly one of these, and each of these starts exactly one violation
        List<String> expected = List.of(
                "NoReportFunction returns SQSBatchResponse",
                "ShortVisibilityQueue VisibilityTimeout 30 s",
                "NoRedriveQueue feeds",
                "UploadFunction is invoked asynchronously but has no OnFailure destination",
                "InvokedFunction is invoked asynchronously but has no OnFailure destination",
                "CallerFunctionRole allows the wildcard action sqs:*",
                "UploadFunctionUpPermission lets any s3.amazonaws.com resource of the account invoke UploadFunction",
                "CallerFunction has no alarm on AWS/Lambda Errors",
                "NoRedriveFunction has no alarm on AWS/Lambda Throttles",
                "UploadFunction has no alarm on AWS/Lambda AsyncEventAge, though it is invoked asynchronously",
                "UploadFunction has no alarm on AWS/Lambda DestinationDeliveryFailures, though it is invoked asynchronously",
                "InvokedFunction has no alarm on AWS/Lambda AsyncEventsDropped, though it is invoked asynchronously",
                "NoRedriveQueue has no alarm on AWS/SQS ApproximateAgeOfOldestMessage",
                "DLQ has no alarm on AWS/SQS ApproximateNumberOfMessagesVisible, though it is a dead-letter queue",
                "StreamFunction has no alarm on AWS/Lambda IteratorAge, though it reads a stream (StreamFunctionChanges)",
                "StreamFunction reads a stream (StreamFunctionChanges) with no OnFailure destination",
                "StreamFunction reads a stream (StreamFunctionChanges) with neither MaximumRetryAttempts nor MaximumRecordAgeInSeconds",
                "StreamFunction returns StreamsEventResponse but its stream mapping StreamFunctionChanges lacks",
                "KafkaFunction has no alarm on AWS/Lambda OffsetLag, though it reads a Kafka topic (KafkaFunctionMovements)",
                "KafkaFunction reads a Kafka topic (KafkaFunctionMovements) with no OnFailure destination",
                "KafkaFunction reads a Kafka topic (KafkaFunctionMovements) with neither MaximumRetryAttempts nor MaximumRecordAgeInSeconds",
                "ServerlessHttpApi has no alarm on AWS/ApiGateway 5xx, though it is an HTTP API",
                "CallerThrottles has no unconditional AlarmActions",
                "InvokedFunction has no log group in the template",
                "CallerLogs has no RetentionInDays",
                "ServerlessHttpApiApiGatewayDefaultStage has no AccessLogSettings");
        for (String prefix : expected) {
            assertThat(violations).as("violations starting with '%s'", prefix).filteredOn(v -> v.startsWith(prefix)).hasSize(1);
        }
        assertThat(violations).hasSameSizeAs(expected);
    }

    @Test
    void everyFunctionZip_shouldContainItsHandlerClassAndLibraries() throws IOException {
        List<Map.Entry<String, JsonNode>> functions = cfn.resources("AWS::Lambda::Function");
        assertThat(functions).isNotEmpty();
        for (Map.Entry<String, JsonNode> function : functions) {
            Path zip = zipOf(function.getKey());
            String handlerClass = function.getValue().at("/Properties/Handler").asString().split("::")[0];
            try (ZipFile file = new ZipFile(zip.toFile())) {
                assertThat(file.getEntry(handlerClass.replace('.', '/') + ".class"))
                        .as("%s in %s", handlerClass, zip).isNotNull();
                List<String> libraries = file.stream().map(ZipEntry::getName).filter(n -> n.startsWith("lib/")).toList();
                assertThat(libraries).as("lib/ of %s", zip).anyMatch(n -> n.contains("aws-lambda-java-core"));
                assertThat(libraries).as("no default SDK HTTP clients in %s", zip)
                        .noneMatch(n -> n.contains("apache-client") || n.contains("apache5-client")
                                || n.contains("netty-nio-client"));
                // slf4j-nop is a 2.x provider: a 1.7 API next to it prints three warning lines at every cold start
                assertThat(libraries).as("one SLF4J API, 2.x, in %s", zip).filteredOn(n -> n.startsWith("lib/slf4j-api-"))
                        .singleElement().asString().startsWith("lib/slf4j-api-2.");
            }
        }
    }

    /**
     * Issue 10: a function's package stays small enough to download and unpack fast at a cold start:
     * only the SDK modules it calls, shrunk to the operations it calls (build/lambda-sdk.pro).
     */
    @Test
    void everyFunctionZip_shouldBeAtMost8MB() throws IOException {
        for (Map.Entry<String, JsonNode> function : cfn.resources("AWS::Lambda::Function")) {
            Path zip = zipOf(function.getKey());
            assertThat(Files.size(zip)).as("bytes in %s", zip).isLessThanOrEqualTo(MAX_ZIP_BYTES);
        }
    }

    /** The zip a function's CodeUri names, which `mvn package` must have built. */
    private static Path zipOf(String function) {
        String key = cfn.resource(function).at("/Properties/Code/S3Key").asString();
        Path zip = ROOT.resolve(key);
        if (!Files.isRegularFile(zip)) {
            fail(function + " CodeUri " + key + " does not exist; build it with: make build");
        }
        return zip;
    }

    /** Loads the handler from the function's zip, as Lambda would, and reads its handler method's return type. */
    private static String handlerReturnType(String function) {
        String[] handler = cfn.resource(function).at("/Properties/Handler").asString().split("::");
        Path zip = zipOf(function);
        try {
            Path root = Files.createTempDirectory("lambda-" + function);
            List<URL> classpath = new ArrayList<>(List.of(root.toUri().toURL()));
            try (ZipFile file = new ZipFile(zip.toFile())) {
                for (ZipEntry entry : file.stream().toList()) {
                    Path target = root.resolve(entry.getName()).normalize();
                    if (entry.isDirectory() || !target.startsWith(root)) {
                        continue;
                    }
                    Files.createDirectories(target.getParent());
                    Files.copy(file.getInputStream(entry), target);
                    if (entry.getName().startsWith("lib/")) {
                        classpath.add(target.toUri().toURL());
                    }
                }
            }
            try (URLClassLoader loader = new URLClassLoader(classpath.toArray(URL[]::new), null)) {
                Class<?> type = Class.forName(handler[0], false, loader);
                String method = handler.length > 1 ? handler[1] : "handleRequest";
                Map<String, String> returnTypes = new HashMap<>();
                Arrays.stream(type.getMethods()).filter(m -> m.getName().equals(method) && !m.isBridge())
                        .forEach(m -> returnTypes.put(m.getName(), m.getReturnType().getName()));
                return returnTypes.getOrDefault(method, "none");
            }
        } catch (IOException | ClassNotFoundException e) {
            throw new IllegalStateException("cannot load the handler of " + function + " from " + zip, e);
        }
    }

}
