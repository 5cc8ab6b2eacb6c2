package eventjobs.local.stack;

import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.runtime.FunctionLogs;
import eventjobs.local.sources.InvocationLog;
import eventjobs.local.sources.Port;
import eventjobs.local.template.TemplateException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FunctionCodeTest {

    private static EmbeddedAws aws;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        aws = EmbeddedAws.start(0);
    }

    @AfterAll
    static void stop() {
        aws.close();
    }

    @Test
    void start_shouldSayHowToBuild_whenFunctionZipIsMissing() throws Exception {
        Files.writeString(dir.resolve("template.yaml"), """
                Resources:
                  Worker:
                    Type: AWS::Serverless::Function
                    Properties: { Runtime: java25, Handler: a.B::handleRequest, CodeUri: target/worker.zip }
                """);

        assertThatThrownBy(() -> LocalRuntime.start(invokeOnly(), aws, FunctionLogs.discard(), InvocationLog.discard()))
                .isInstanceOf(TemplateException.class)
                .hasMessage("Resources.Worker.Properties.CodeUri: " + dir.resolve("target/worker.zip")
                        + " does not exist; build it with: make build");
    }

    private LocalRuntime.Options invokeOnly() {
        return LocalRuntime.Options.builder(dir.resolve("template.yaml")).stackName("z").workDirectory(dir.resolve("work"))
                .apiPort(Port.none()).triggers(false).build();
    }

    @Test
    void start_shouldRefuse_nonJavaRuntime() throws Exception {
        Files.writeString(dir.resolve("template.yaml"), """
                Resources:
                  Worker:
                    Type: AWS::Serverless::Function
                    Properties: { Runtime: python3.12, Handler: app.handler, CodeUri: src.zip }
                """);

        assertThatThrownBy(() -> LocalRuntime.start(invokeOnly(), aws, FunctionLogs.discard(), InvocationLog.discard()))
                .hasMessageContaining("Resources.Worker.Properties.Runtime python3.12 is not supported locally");
    }
}
