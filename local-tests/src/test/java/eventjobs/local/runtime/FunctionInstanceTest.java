package eventjobs.local.runtime;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The JVM options an instance starts with, as Lambda's Java runtime sets them. */
class FunctionInstanceTest {

    private static final Path RUNTIME = Path.of("runtime");

    private static FunctionConfig config(Map<String, String> environment, boolean snapStart) {
        return new FunctionConfig("Fn", "a.B::handleRequest", Path.of("code"), Duration.ofSeconds(3), 512, environment, 1, snapStart);
    }

    @Test
    void jvmOptions_shouldStopAtC1_withoutSnapStart_asLambdasJavaRuntimeDoes() {
        assertThat(FunctionInstance.jvmOptions(config(Map.of(), false), RUNTIME))
                .contains("-XX:TieredStopAtLevel=1", "-XX:MaxHeapSize=435m", "-XX:+UseSerialGC");
    }

    @Test
    void jvmOptions_shouldKeepTheJvmsJitSettings_withSnapStart() {
        assertThat(FunctionInstance.jvmOptions(config(Map.of(), true), RUNTIME)).noneMatch(option -> option.contains("Tiered"));
    }

    @Test
    void jvmOptions_shouldLeaveTheJitToJavaToolOptions_whenTheySetIt() {
        // the JVM reads JAVA_TOOL_OPTIONS first: a default on the command line would override the function's choice
        assertThat(FunctionInstance.jvmOptions(config(Map.of("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=4"), false), RUNTIME))
                .noneMatch(option -> option.contains("Tiered"));
        assertThat(FunctionInstance.jvmOptions(config(Map.of("JAVA_TOOL_OPTIONS", "-Xshare:auto"), false), RUNTIME))
                .contains("-XX:TieredStopAtLevel=1");
    }
}
