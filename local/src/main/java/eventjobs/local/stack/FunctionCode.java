package eventjobs.local.stack;

import eventjobs.local.runtime.AotCache;
import eventjobs.local.template.Specs;
import eventjobs.local.template.TemplateException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/** Unpacks a function's deployment zip where its instances run, as Lambda does into /var/task. */
final class FunctionCode {

    /**
     * A function's code, unpacked.
     *
     * @param directory where it is, as the instances' working directory
     * @param sha256    the zip's SHA-256, hex: what its AOT cache is keyed by
     */
    record Unpacked(Path directory, String sha256) {}

    private FunctionCode() {}

    static Unpacked unpack(Specs.Function function, Path workDirectory, String buildCommand) {
        Path zip = function.codeUri();
        if (!Files.isRegularFile(zip)) {
            throw new TemplateException("Resources." + function.logicalId() + ".Properties.CodeUri: " + zip
                    + " does not exist; build it with: " + buildCommand);
        }
        Path target = workDirectory.resolve("functions").resolve(function.logicalId());
        try {
            deleteRecursively(target);
            Files.createDirectories(target);
            try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
                for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                    Path file = target.resolve(entry.getName()).normalize();
                    if (!file.startsWith(target)) {
                        throw new TemplateException(zip + ": entry " + entry.getName() + " points outside the package");
                    }
                    if (entry.isDirectory()) {
                        Files.createDirectories(file);
                    } else {
                        Files.createDirectories(file.getParent());
                        Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                        if (entry.getLastModifiedTime() != null) {
                            // as Lambda keeps them; an AOT cache also holds the times of the jars it was built from
                            Files.setLastModifiedTime(file, entry.getLastModifiedTime());
                        }
                    }
                }
            }
            return new Unpacked(target, AotCache.sha256(zip));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack " + zip + " into " + target, e);
        }
    }

    private static void deleteRecursively(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

}
