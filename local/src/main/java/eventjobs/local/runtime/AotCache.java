package eventjobs.local.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The JDK's ahead-of-time cache (JEP 483, 514, 515) of one function's JVMs: the classes of the
 * JDK, the Runtime Interface Client and the function's code, loaded and linked, with method
 * profiles, recorded by a training run so that later JVMs of the function start without redoing
 * that work. One per {@link FunctionPool}.
 *
 * <p>A cache is one file in the function's directory, named by a key: a hash of what the cache
 * depends on and the JVM does not check itself (it does not notice a changed jar), namely the
 * deployment package's SHA-256, the JDK, the JVM options, the Runtime Interface Client's jars and
 * the function's {@code JAVA_TOOL_OPTIONS}. A changed zip therefore gets a new cache.
 *
 * <p>When there is no file for the key, the next instance trains ({@code -XX:AOTCacheOutput}): it
 * serves its invocations like any other, and when it is stopped gracefully its JVM writes the cache
 * to a temporary file that is then renamed into place, so a reader never sees half a file. An
 * instance that is killed (timeout, crash, chaos) writes none, and a later start trains again, at
 * most {@value #MAX_TRAININGS} times per pool. One instance trains at a time; the others start
 * without a cache meanwhile. A file the JVM rejects (corrupt, truncated) is deleted: that instance
 * runs without it, as the JVM does, and the next start trains. The JVM's own lines about the cache
 * are kept out of the function's log; one line each says what happened.
 *
 * <p>With a cache, the function's code is on the JVM's class path (the classes at the zip's root
 * packed into a jar, then {@code lib/*.jar} in the order the Runtime Interface Client loads them),
 * since the JVM caches only classes of its built-in loaders; the client's own loader asks the
 * class path first, so the same classes are found as without a cache.
 *
 * <p>Thread-safe.
 */
public final class AotCache {

    /** Trainings that may end without a cache (the instance killed) before a pool stops training. */
    static final int MAX_TRAININGS = 3;

    /** How long a training instance may take, once asked to stop, to write its cache. */
    static final Duration WRITE_BUDGET = Duration.ofMinutes(2);

    /** Options that decide class sharing themselves: the JVM refuses to start with them and an AOT cache. */
    private static final List<String> SHARING_OPTIONS = List.of("-Xshare", "SharedArchiveFile", "ArchiveClassesAtExit",
            "AOTCache", "AOTMode", "AOTConfiguration", "DumpLoadedClassList", "SharedClassListFile");

    /** A line of the JVM's unified logging about the cache: {@code [0.12s][error  ][aot] ...}. */
    private static final Pattern JVM_LOG = Pattern.compile("^(\\[[^]]*])*\\[(error|warning|info|debug|trace)\\s*]\\[(aot|cds)[^]]*].*");

    /** What the JVM prints on its own (not through its logging) while it writes a cache at exit. */
    private static final List<String> WRITING_LINES = List.of("Temporary AOTConfiguration recorded",
            "Launching child process", "Reading AOTConfiguration", "AOTCache creation is complete",
            "Removed temporary AOT configuration file");

    /** The JVM's last word on a cache it wrote: {@code AOTCache creation is complete: <file> <size> bytes}. */
    private static final Pattern COMPLETE = Pattern.compile("AOTCache creation is complete: .* (\\d+) bytes");

    /** How a JVM of the function starts. */
    enum Mode {
        /** No cache at all: the Runtime Interface Client loads the code from its working directory, as in Lambda. */
        OFF,
        /** Starts from the cache file. */
        USE,
        /** Records, and writes the cache when it stops. */
        TRAIN,
        /** Code on the class path, no cache: another instance is training, or training gave up. */
        WITHOUT
    }

    /**
     * How one JVM starts, and what became of its cache.
     *
     * @param options   JVM options to add
     * @param classpath the function's code, after the client's own jars
     * @param file      the cache it starts from ({@link Mode#USE}) or writes first ({@link Mode#TRAIN})
     */
    record Start(Mode mode, List<String> options, List<Path> classpath, Optional<Path> file) {
        Start {
            options = List.copyOf(options);
            classpath = List.copyOf(classpath);
        }

        static Start off() {
            return new Start(Mode.OFF, List.of(), List.of(), Optional.empty());
        }
    }

    /** Whether a function has a cache now, for a start banner. */
    public enum Status { OFF, CACHED, NOT_YET, GAVE_UP }

    private final Optional<Path> directory;
    private final String codeSha256;
    private boolean training;
    private boolean offNoticeGiven;
    private boolean staleFilesRemoved;
    private int trainingsWithout;
    private String key;
    private String keyInputs;
    private Optional<Path> classesJar;

    private AotCache(Optional<Path> directory, String codeSha256) {
        this.directory = directory;
        this.codeSha256 = codeSha256;
    }

    /** No cache: every JVM starts as in Lambda, loading the code from its working directory. */
    public static AotCache off() {
        return new AotCache(Optional.empty(), "");
    }

    /**
     * A cache for one function's code, kept in {@code directory} (created when needed, shared by
     * nothing else).
     *
     * @param codeSha256 the SHA-256 of the function's deployment package, hex
     */
    public static AotCache in(Path directory, String codeSha256) {
        return new AotCache(Optional.of(directory), codeSha256);
    }

    /** The SHA-256 of a file, hex: the key of a deployment package. */
    public static String sha256(Path file) {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha256())) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Whether the function has a cache for its current code and options. */
    public synchronized Status status(FunctionConfig config, List<String> jvmOptions) {
        if (directory.isEmpty() || sharingOption(config).isPresent()) {
            return Status.OFF;
        }
        if (trainingsWithout >= MAX_TRAININGS) {
            return Status.GAVE_UP;
        }
        return Files.isRegularFile(file(config, jvmOptions)) ? Status.CACHED : Status.NOT_YET;
    }

    /** Decides how the next JVM of the function starts, and says so in the function's log when it matters. */
    synchronized Start next(FunctionConfig config, List<String> jvmOptions, FunctionLogs logs) {
        if (directory.isEmpty()) {
            return Start.off();
        }
        Optional<String> sharing = sharingOption(config);
        if (sharing.isPresent()) {
            if (!offNoticeGiven) {
                offNoticeGiven = true;
                logs.line(config.name(), "AOT cache: off, the function's JAVA_TOOL_OPTIONS set " + sharing.get());
            }
            return Start.off();
        }
        if (!staleFilesRemoved) {
            staleFilesRemoved = true;
            removeStaleOutputs();
        }
        Path file = file(config, jvmOptions);
        List<Path> classpath = codeClasspath(config.codeDirectory());
        if (Files.isRegularFile(file)) {
            logs.line(config.name(), "AOT cache: starting from " + file);
            return new Start(Mode.USE, List.of("-XX:AOTCache=" + file), classpath, Optional.of(file));
        }
        if (training || trainingsWithout >= MAX_TRAININGS) {
            return new Start(Mode.WITHOUT, List.of(), classpath, Optional.empty());
        }
        training = true;
        Path output = file.resolveSibling(file.getFileName() + "." + UUID.randomUUID() + ".tmp");
        logs.line(config.name(), "AOT cache: none yet for this code; this instance trains one, written when it stops");
        return new Start(Mode.TRAIN, List.of("-XX:AOTCacheOutput=" + output), classpath, Optional.of(output));
    }

    /** Watches what one JVM prints: the cache's lines are kept from the function's log. */
    Watch watch(Start start, String function, FunctionLogs logs) {
        return new Watch(start, function, logs);
    }

    /**
     * The JVM's lines about the cache, taken out of one instance's output. Thread-safe (its two
     * streams are read by two threads).
     */
    final class Watch {
        private final Start start;
        private final String function;
        private final FunctionLogs logs;
        private final List<String> problems = new ArrayList<>();
        private long completeBytes = -1;
        private boolean stopping;
        private boolean rejected;

        private Watch(Start start, String function, FunctionLogs logs) {
            this.start = start;
            this.function = function;
            this.logs = logs;
        }

        boolean training() {
            return start.mode() == Mode.TRAIN;
        }

        /** The instance was asked to stop: all it prints now is the JVM writing the cache. */
        synchronized void stopping() {
            stopping = true;
        }

        /** True when the line was the JVM's about the cache, and is not for the function's log. */
        boolean takes(String line) {
            if (start.mode() == Mode.OFF) {
                return false;
            }
            boolean jvmLog = JVM_LOG.matcher(line).matches();
            boolean writing = WRITING_LINES.stream().anyMatch(line::startsWith)
                    || line.startsWith("Picked up JAVA_TOOL_OPTIONS:") && line.contains("-XX:AOTMode=create");
            boolean problem = jvmLog && (line.contains("[error") || line.contains("[warning") && start.mode() == Mode.USE);
            Path rejectedFile = null;
            synchronized (this) {
                if (!jvmLog && !writing && !(stopping && training())) {
                    return false;
                }
                Matcher complete = COMPLETE.matcher(line);
                if (complete.matches()) {
                    completeBytes = Long.parseLong(complete.group(1));
                }
                if (problem && problems.size() < 5) {
                    problems.add(line.replaceFirst("^(\\[[^]]*])+\\s*", ""));
                }
                if (problem && line.contains("[error") && start.mode() == Mode.USE && !rejected) {
                    rejected = true;
                    rejectedFile = start.file().orElseThrow();
                }
            }
            if (rejectedFile != null) {
                rejected(rejectedFile);
            }
            return true;
        }

        private void rejected(Path file) {
            deleteQuietly(file);
            logs.line(function, "AOT cache: the JVM rejected " + file + " (" + String.join("; ", problemsNow())
                    + "); this instance runs without it, the file is deleted and the next start trains a new one");
        }

        private synchronized List<String> problemsNow() {
            return List.copyOf(problems);
        }

        /** The JVM is gone and its output read: installs what a training wrote, or says why there is nothing. */
        void ended(boolean killed) {
            if (!training()) {
                return;
            }
            Path output = start.file().orElseThrow();
            Path config = output.resolveSibling(output.getFileName() + ".config");
            long expectedBytes;
            synchronized (this) {
                expectedBytes = completeBytes;
            }
            boolean written = false;
            String outcome;
            try {
                // the JVM said it finished this file, and the file is all it said: whole, whatever happened after
                if (expectedBytes > 0 && Files.isRegularFile(output) && Files.size(output) == expectedBytes) {
                    Path target = output.resolveSibling(output.getFileName().toString().replaceFirst("\\.[^.]+\\.tmp$", ""));
                    Files.move(output, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    written = true;
                    removeOthers(target);
                    outcome = String.format(Locale.ROOT, "AOT cache: written %s (%.1f MB); later starts of %s use it",
                            target, Files.size(target) / 1e6, function);
                } else {
                    outcome = "AOT cache: none written (" + (killed ? "the instance was killed"
                            : problemsNow().isEmpty() ? "the JVM did not finish it" : String.join("; ", problemsNow()))
                            + "); a later start trains again";
                }
            } catch (IOException e) {
                outcome = "AOT cache: cannot install " + output + " (" + e.getMessage() + "); a later start trains again";
            } finally {
                deleteQuietly(output);
                deleteQuietly(config);
            }
            logs.line(function, outcome);
            trained(written, function, logs);
        }
    }

    private synchronized void trained(boolean written, String function, FunctionLogs logs) {
        training = false;
        if (!written && ++trainingsWithout == MAX_TRAININGS) {
            logs.line(function, "AOT cache: " + MAX_TRAININGS + " trainings ended without a cache; " + function
                    + " starts without one from now on");
        }
    }

    private Optional<String> sharingOption(FunctionConfig config) {
        return Stream.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS")
                .map(name -> config.environment().getOrDefault(name, ""))
                .flatMap(value -> Stream.of(value.split("\\s+")))
                .filter(option -> SHARING_OPTIONS.stream().anyMatch(option::contains))
                .findFirst();
    }

    private Path file(FunctionConfig config, List<String> jvmOptions) {
        String inputs = String.join("\n", "eventjobs-aot-1", codeSha256, System.getProperty("java.home"),
                Runtime.version().toString(), String.join(" ", jvmOptions), RuntimeClasspath.fingerprint(),
                config.environment().getOrDefault("JAVA_TOOL_OPTIONS", ""),
                config.environment().getOrDefault("JDK_JAVA_OPTIONS", ""), config.codeDirectory().toString());
        if (!inputs.equals(keyInputs)) {
            MessageDigest digest = sha256();
            key = HexFormat.of().formatHex(digest.digest(inputs.getBytes(StandardCharsets.UTF_8))).substring(0, 20);
            keyInputs = inputs;
        }
        return directory.orElseThrow().resolve(key + ".aot");
    }

    /** The root's classes as a jar (the JVM caches no classes from directories), then lib/*.jar sorted, as the client orders them. */
    private List<Path> codeClasspath(Path code) {
        List<Path> classpath = new ArrayList<>();
        if (classesJar == null) {
            classesJar = packRoot(code);
        }
        classesJar.ifPresent(classpath::add);
        try (Stream<Path> jars = Files.list(code.resolve("lib"))) {
            jars.filter(jar -> jar.getFileName().toString().endsWith(".jar")).sorted().forEach(classpath::add);
        } catch (IOException noLibraries) {
            // a package without lib/ has its classes at the root only
        }
        return classpath;
    }

    private Optional<Path> packRoot(Path code) {
        Path jar = directory.orElseThrow().resolve("classes-" + codeSha256.substring(0, Math.min(20, codeSha256.length())) + ".jar");
        if (Files.isRegularFile(jar)) {
            return Optional.of(jar);
        }
        try (Stream<Path> walk = Files.walk(code)) {
            List<Path> files = walk.filter(Files::isRegularFile)
                    .filter(file -> !code.relativize(file).startsWith("lib"))
                    .sorted().toList();
            if (files.isEmpty()) {
                return Optional.empty();
            }
            Files.createDirectories(jar.getParent());
            Path partial = Files.createTempFile(jar.getParent(), jar.getFileName().toString(), ".tmp");
            try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(partial))) {
                for (Path file : files) {
                    ZipEntry entry = new ZipEntry(code.relativize(file).toString().replace('\\', '/'));
                    entry.setLastModifiedTime(FileTime.from(Instant.EPOCH));
                    out.putNextEntry(entry);
                    Files.copy(file, out);
                    out.closeEntry();
                }
            }
            Files.move(partial, jar, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return Optional.of(jar);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot pack the classes of " + code + " into " + jar, e);
        }
    }

    /** Caches of other keys (another zip, JDK or options), and the classes of other zips, are of no more use. */
    private synchronized void removeOthers(Path kept) {
        try (Stream<Path> files = Files.list(kept.getParent())) {
            for (Path file : files.toList()) {
                String name = file.getFileName().toString();
                boolean otherCache = name.endsWith(".aot") && !file.equals(kept);
                boolean otherClasses = name.startsWith("classes-") && name.endsWith(".jar")
                        && (classesJar == null || !classesJar.map(file::equals).orElse(false));
                if (otherCache || otherClasses) {
                    deleteQuietly(file);
                }
            }
        } catch (IOException e) {
            // left for the next cache written here
        }
    }

    /**
     * What JVMs left that were stopped before their cache was installed (the runtime itself
     * killed): a JVM that writes is done within {@link #WRITE_BUDGET}, so older files are nobody's.
     */
    private void removeStaleOutputs() {
        Instant before = Instant.now().minus(WRITE_BUDGET);
        try (Stream<Path> files = Files.list(directory.orElseThrow())) {
            for (Path file : files.toList()) {
                String name = file.getFileName().toString();
                if ((name.endsWith(".tmp") || name.endsWith(".tmp.config"))
                        && Files.getLastModifiedTime(file).toInstant().isBefore(before)) {
                    deleteQuietly(file);
                }
            }
        } catch (IOException noDirectoryYet) {
            // nothing to remove
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a file left over is replaced or ignored later
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
