package eventjobs.system;

import eventjobs.local.sources.EventSources;
import eventjobs.local.template.SamTemplate;
import eventjobs.local.template.TemplateException;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The bad-input corpus for what a developer hands the local runtime: a bad template gets one
 * line naming the file and the property, a bad command line or event file exit 2 and one line.
 * The templates are in {@code corpus/templates/}.
 */
class BadTemplateAndCliCorpusTest {

    private static final Path ROOT = Path.of(System.getProperty("eventjobs.root"));

    @TempDir
    static Path dir;

    static Stream<Arguments> templates() {
        return Stream.of(
                Arguments.of("not-yaml.yaml", "not valid YAML (line"),
                Arguments.of("unknown-ref.yaml", "Resources.Fn.Properties.Environment.Variables.QUEUE: Ref to unknown parameter or resource 'NoSuchQueue'"),
                Arguments.of("no-code-uri.yaml", "Resources.Fn.Properties.CodeUri is missing"),
                Arguments.of("sqs-queue-elsewhere.yaml", "Resources.Fn.Properties.Events.Q"),
                Arguments.of("s3-filter-rule.yaml", "must be prefix or suffix, was middle"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("templates")
    void template_shouldFailWithOneLineNamingFileAndProperty(String name, String message) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, resource("templates/" + name));

        TemplateException failure = catchThrowableOfType(TemplateException.class,
                () -> EventSources.read(SamTemplate.load(file, "st", Map.of())));

        assertThat(failure).as("a TemplateException").isNotNull();
        assertThat(failure.getMessage()).startsWith(file + ": ").contains(message).doesNotContain("\n");
    }

    static Stream<Arguments> commandLines() {
        return Stream.of(
                Arguments.of(List.of("invoke", "OrdersApiFunction", "-e", "corpus-no-such-event.json"),
                        "eventjobs-local: cannot read event file corpus-no-such-event.json"),
                Arguments.of(List.of("invoke", "OrdersApiFunction", "-e", "@not-json.json"), "is not JSON"),
                Arguments.of(List.of("invoke", "OrdersApiFunction", "-e", "@truncated.json"), "is not JSON"),
                Arguments.of(List.of("invoke", "NoSuchFunction", "-e", "events/orders-api-get.json"),
                        "eventjobs-local: no function NoSuchFunction in template.yaml; functions: OrdersApiFunction"),
                Arguments.of(List.of("invoke", "OrdersApiFunction", "-e", "events/orders-api-get.json", "--template", "corpus-missing.yaml"),
                        "eventjobs-local: corpus-missing.yaml: cannot read the template"),
                Arguments.of(List.of("invoke", "OrdersApiFunction", "-e", "events/orders-api-get.json", "--parameter-overrides", "NoSuchParameter=1"),
                        "parameter override 'NoSuchParameter' names no parameter"),
                Arguments.of(List.of("provision", "--template", "@templates/not-yaml.yaml"), "not valid YAML (line"));
    }

    @ParameterizedTest(name = "[{index}] local/run {0}")
    @MethodSource("commandLines")
    void cli_shouldExit2WithOneLine(List<String> arguments, String message) throws IOException {
        List<String> command = new ArrayList<>();
        for (String argument : arguments) {
            command.add(argument.startsWith("@") ? corpusFile(argument.substring(1)).toString() : argument);
        }

        Commands.Result result = Commands.localRun(ROOT, command);

        assertThat(result.exitCode()).as(result.output()).isEqualTo(2);
        assertThat(result.output().strip().lines().toList()).singleElement().asString().contains(message);
    }

    private static Path corpusFile(String name) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.write(file, resource(name.startsWith("templates/") ? name : "events/" + name));
        return file;
    }

    private static byte[] resource(String name) throws IOException {
        try (var in = BadTemplateAndCliCorpusTest.class.getResourceAsStream("/corpus/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no test resource corpus/" + name);
            }
            return in.readAllBytes();
        }
    }
}
