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

    /** The fixture code as a deployment zip, next to a template that names it. */
    public static Path zip(Path directory) {
        Path zip = directory.resolve("fixtures.zip");
        try (java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(Files.newOutputStream(zip));
             Stream<Path> files = Files.walk(directory())) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new java.util.zip.ZipEntry(directory().relativize(file).toString()));
                Files.copy(file, out);
                out.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return zip;
    }

    /** Classes of eventjobs.local.fixtures at the root, aws-lambda-java-events and Jackson in lib/. */
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
            Files.createDirectories(code.resolve("lib"));
            for (Class<?> library : new Class<?>[] {com.amazonaws.services.lambda.runtime.events.SQSEvent.class,
                    tools.jackson.databind.json.JsonMapper.class, tools.jackson.core.JsonParser.class,
                    com.fasterxml.jackson.annotation.JsonProperty.class}) {
                Path jar = Path.of(library.getProtectionDomain().getCodeSource().getLocation().toURI());
                Files.copy(jar, code.resolve("lib").resolve(jar.getFileName()));
            }
            directory = code;
            return code;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
