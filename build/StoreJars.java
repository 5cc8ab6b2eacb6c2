import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Writes the jars of a function's lib/ (functions/pom.xml runs it after ProGuard):
 * {@code java build/StoreJars.java <outputTimestamp> <out-dir> <input>...}, where an input is a
 * directory of jars or a class path of jars.
 *
 * <p>Each jar is copied with its entries stored, not deflated. A jar's own compression squeezes
 * each class file alone; the function zip, which deflates each jar as one stream, then finds what
 * classes share (package names, descriptors, the SDK's generated code) and comes out about a
 * third smaller. Entries are written in name order (the manifest first) with the build's
 * {@code project.build.outputTimestamp}, so the same jars give the same bytes on any machine and
 * at any time. A jar left with no class (an SDK module the function never reaches) is dropped.
 */
public class StoreJars {

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: StoreJars <outputTimestamp> <out-dir> <jar-dir-or-class-path>...");
        }
        LocalDateTime time = LocalDateTime.ofInstant(parseTimestamp(args[0]), ZoneOffset.UTC);
        Path out = Files.createDirectories(Path.of(args[1]));
        Set<String> names = new HashSet<>();
        for (Path jar : jars(List.of(args).subList(2, args.length))) {
            String name = jar.getFileName().toString();
            if (!names.add(name)) {
                throw new IllegalStateException("two jars named " + name + " for one lib/: " + jar);
            }
            if (!store(jar, out.resolve(name), time)) {
                System.out.println("StoreJars: " + name + " has no class this function reaches; left out");
            }
        }
    }

    /** Maven's outputTimestamp: ISO-8601 or seconds since the epoch. */
    private static Instant parseTimestamp(String value) {
        return value.chars().allMatch(Character::isDigit) ? Instant.ofEpochSecond(Long.parseLong(value)) : Instant.parse(value);
    }

    private static List<Path> jars(List<String> inputs) throws IOException {
        List<Path> jars = new ArrayList<>();
        for (String input : inputs) {
            for (String part : input.split(File.pathSeparator)) {
                Path path = Path.of(part);
                if (part.isBlank()) {
                    continue;
                }
                if (Files.isDirectory(path)) {
                    try (Stream<Path> files = Files.list(path)) {
                        files.filter(f -> f.toString().endsWith(".jar")).sorted().forEach(jars::add);
                    }
                } else if (part.endsWith(".jar")) {
                    jars.add(path);
                } else {
                    throw new IllegalArgumentException("not a jar or a directory of jars: " + part);
                }
            }
        }
        return jars;
    }

    /** @return false, writing nothing, when the jar holds no class */
    private static boolean store(Path source, Path target, LocalDateTime time) throws IOException {
        try (ZipFile jar = new ZipFile(source.toFile())) {
            List<? extends ZipEntry> entries = jar.stream()
                    .sorted(Comparator.comparing((ZipEntry e) -> rank(e.getName())).thenComparing(ZipEntry::getName))
                    .toList();
            if (entries.stream().noneMatch(e -> e.getName().endsWith(".class"))) {
                return false;
            }
            try (OutputStream file = Files.newOutputStream(target); ZipOutputStream zip = new ZipOutputStream(file)) {
                for (ZipEntry entry : entries) {
                    byte[] content = entry.isDirectory() ? new byte[0] : jar.getInputStream(entry).readAllBytes();
                    CRC32 crc = new CRC32();
                    crc.update(content);
                    ZipEntry stored = new ZipEntry(entry.getName());
                    stored.setMethod(ZipEntry.STORED);
                    stored.setSize(content.length);
                    stored.setCompressedSize(content.length);
                    stored.setCrc(crc.getValue());
                    stored.setTimeLocal(time);
                    zip.putNextEntry(stored);
                    zip.write(content);
                    zip.closeEntry();
                }
            }
        }
        return true;
    }

    /** The manifest first, as {@link java.util.jar.JarInputStream} expects, then every other entry. */
    private static int rank(String name) {
        return switch (name) {
            case "META-INF/" -> 0;
            case "META-INF/MANIFEST.MF" -> 1;
            default -> 2;
        };
    }
}
