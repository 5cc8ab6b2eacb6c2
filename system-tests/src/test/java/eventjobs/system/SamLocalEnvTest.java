package eventjobs.system;

import eventjobs.local.template.SamTemplate;
import eventjobs.local.template.Specs;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * events/env-localstack.json is what `sam local invoke --env-vars` reads: it gives every function of
 * the template the names LocalStack knows its resources by, and only sets variables the template declares.
 */
class SamLocalEnvTest {

    private static final Path ROOT = Path.of(System.getProperty("eventjobs.root"));

    @Test
    void envVarsFile_shouldOnlySetVariablesTheTemplateDeclares() throws Exception {
        // with every optional job on, so that the file covers each function the template can have
        SamTemplate template = SamTemplate.load(ROOT.resolve("template.yaml"), "eventjobs",
                Map.of("KafkaBootstrapServers", "kafka.example.com:9096"));
        JsonNode file = JsonMapper.shared().readTree(ROOT.resolve("events/env-localstack.json").toFile());

        for (Map.Entry<String, JsonNode> scope : file.properties()) {
            Set<String> set = scope.getValue().propertyNames().stream().collect(Collectors.toSet());
            if (scope.getKey().equals("Parameters")) {
                for (Specs.Function function : template.functions()) {
                    assertThat(function.environment().keySet()).as("declared for %s", function.logicalId()).containsAll(set);
                }
            } else {
                Specs.Function function = template.function(scope.getKey()).orElseThrow(
                        () -> new AssertionError("env-localstack.json names no function of the template: " + scope.getKey()));
                assertThat(function.environment().keySet()).as("declared for %s", function.logicalId()).containsAll(set);
                // the same resource as the template's, on LocalStack's host
                scope.getValue().properties().forEach(variable -> assertThat(path(variable.getValue().asString()))
                        .as("%s of %s", variable.getKey(), function.logicalId())
                        .isEqualTo(path(function.environment().get(variable.getKey()))));
            }
        }
        assertThat(file.propertyNames()).as("functions with an entry in env-localstack.json")
                .containsAll(template.functionIds());
        assertThat(file.at("/Parameters/EVENTJOBS_ENDPOINT_URL").asString()).startsWith("http://");
        template.functions().forEach(f -> assertThat(f.environment()).containsEntry("EVENTJOBS_ENDPOINT_URL", ""));
    }

    /** A queue URL without its host (LocalStack's differs from the local runtime's); any other value as it is. */
    private static String path(String value) {
        return value.startsWith("http") ? java.net.URI.create(value).getPath() : value;
    }
}
