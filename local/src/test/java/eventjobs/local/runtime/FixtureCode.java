package eventjobs.local.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** An unzipped deployment package of the fixture functions, laid out as Lambda expects. */
public final class FixtureCode {

    private static Path directory;

    private FixtureCode() {}

    /** Classes of eventjobs.local.fixtures at the root, aws-lambda-java-events in lib/. */
    public static synchronized Path directory() {
        if (directory != null) {
            return directory;
        }
        try {
            Path classes = Path.of(FixtureCode.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path code = Files.createTempDirectory("fixture-code");
            Path fixtures = classes.resolve("eventjobs/local/fixtures");
            try (Stream<Path> files = Files.walk(fixtures)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    Path target = code.resolve(classes.relativize(file).toString());
                    Files.createDirectories(target.getParent());
                    Files.copy(file, target);
                }
            }
            Path events = Path.of(com.amazonaws.services.lambda.runtime.events.SQSEvent.class.getProtectionDomain()
                    .getCodeSource().getLocation().toURI());
            Files.createDirectories(code.resolve("lib"));
            Files.copy(events, code.resolve("lib").resolve(events.getFileName()));
            directory = code;
            return code;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
