package eventjobs.system;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDateTime;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 10: an unchanged function gives the same zip, byte for byte, so {@code sam deploy} finds
 * its hash unchanged and neither uploads it nor publishes (and snapshots) a new version. The
 * sweeper module builds its zip a second time from scratch after packaging (its libraries shrunk
 * and stored again, the zip assembled again; see functions/sweeper/pom.xml); both must match.
 */
class ReproducibleZipTest {

    private static final Path ROOT = Path.of(System.getProperty("eventjobs.root"));
    private static final Path BUILT = ROOT.resolve("functions/sweeper/target/sweeper.zip");
    private static final Path REBUILT = ROOT.resolve("functions/sweeper/target/rebuilt/sweeper.zip");

    @Test
    void sweeperZip_shouldBeTheSameBytes_whenBuiltTwice() throws IOException {
        assertThat(REBUILT).as("the second build of the sweeper zip (mvn verify builds it)").isRegularFile();

        assertThat(sha256(REBUILT)).as("SHA-256 of %s and of %s", BUILT, REBUILT).isEqualTo(sha256(BUILT));
    }

    @Test
    void everyEntry_shouldCarryTheBuildTimestamp_inTheZipAndInItsJars() throws IOException {
        Set<LocalDateTime> times = new HashSet<>();
        try (ZipFile zip = new ZipFile(BUILT.toFile())) {
            for (ZipEntry entry : zip.stream().toList()) {
                times.add(entry.getTimeLocal());
                if (entry.getName().endsWith(".jar")) {
                    try (ZipInputStream jar = new ZipInputStream(zip.getInputStream(entry))) {
                        for (ZipEntry inner = jar.getNextEntry(); inner != null; inner = jar.getNextEntry()) {
                            times.add(inner.getTimeLocal());
                            assertThat(inner.getMethod()).as("%s in %s is stored, not deflated", inner.getName(),
                                    entry.getName()).isEqualTo(ZipEntry.STORED);
                        }
                    }
                }
            }
        }
        // project.build.outputTimestamp in the root pom; a build's own clock would show here
        assertThat(times).containsExactly(LocalDateTime.of(2026, 1, 1, 0, 0));
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(in.readAllBytes()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
