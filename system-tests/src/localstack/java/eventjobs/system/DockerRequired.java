package eventjobs.system;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;

/** Runs a test class only where a Docker engine answers; says so in one line where none does. */
public final class DockerRequired implements ExecutionCondition {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        try {
            Process docker = new ProcessBuilder(List.of("docker", "info", "--format", "{{.ServerVersion}}"))
                    .redirectErrorStream(true).start();
            docker.getInputStream().readAllBytes();
            if (docker.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) && docker.exitValue() == 0) {
                return ConditionEvaluationResult.enabled("a Docker engine answers");
            }
        } catch (Exception e) {
            // no docker client, or no engine
        }
        String reason = "no Docker engine reachable (docker info failed): LocalStack suite skipped";
        System.err.println(reason);
        return ConditionEvaluationResult.disabled(reason);
    }
}
