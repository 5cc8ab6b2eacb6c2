package eventjobs.local.stack;

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

    private FunctionCode() {}

    static Path unpack(Specs.Function function, Path workDirectory, String buildCommand) {
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
                    }
                }
            }
            return target;
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
