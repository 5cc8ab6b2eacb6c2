package eventjobs.local.runtime;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class FunctionLogsTest {

    @Test
    void withoutRepeatedJvmNotices_shouldPassEachNoticeOncePerFunction_andEveryOtherLine() {
        List<String> printed = new ArrayList<>();
        FunctionLogs logs = FunctionLogs.withoutRepeatedJvmNotices((function, text) -> printed.add(function + ": " + text));
        String notice = "Picked up JAVA_TOOL_OPTIONS: -XX:+TieredCompilation -XX:TieredStopAtLevel=1";

        for (int coldStart = 0; coldStart < 3; coldStart++) {
            logs.line("Worker", notice);
            logs.line("Worker", "order o-1 CONFIRMED");
            logs.line("Api", notice);
        }

        assertThat(printed).containsExactly("Worker: " + notice, "Worker: order o-1 CONFIRMED", "Api: " + notice,
                "Worker: order o-1 CONFIRMED", "Worker: order o-1 CONFIRMED");
    }
}
