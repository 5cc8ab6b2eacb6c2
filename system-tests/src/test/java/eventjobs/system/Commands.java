package eventjobs.system;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command line tool the tests rely on and says clearly when it is missing. */
final class Commands {

    record Result(int exitCode, String output) {}

    private Commands() {}

    /**
     * {@code local/run} with {@code arguments}, as the script starts it (the JDK of this JVM, C1 only),
     * run from the project root.
     */
    static Result localRun(Path root, List<String> arguments) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-XX:TieredStopAtLevel=1",
                "-jar", root.resolve("local/target/eventjobs-local.jar").toString()));
        command.addAll(arguments);
        return run(root, command);
    }

    /** A work directory for {@code local/run} of the test classes of {@code stack}, apart from other classes' (they run in parallel). */
    static Path cliWork(Path root, String stack) {
        return root.resolve("system-tests/target/cli-work-" + stack);
    }

    static Result run(Path workingDirectory, List<String> command) {
        try {
            Process process = new ProcessBuilder(command).directory(workingDirectory.toFile())
                    .redirectErrorStream(true).start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within 120 s");
            }
            return new Result(process.exitValue(), output);
        } catch (IOException e) {
            throw new IllegalStateException(command.getFirst() + " is not installed or not on PATH"
                    + " (make check-tools says how to install it)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command.getFirst(), e);
        }
    }
}
