package eventjobs.local.runtime;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Where the Runtime Interface Client and its libraries are, to start function JVMs with; and
 * its JNI library, extracted once per runtime directory so that concurrently starting JVMs do
 * not race on the one file the client would otherwise copy to /tmp.
 */
final class RuntimeClasspath {

    static final String MAIN_CLASS = "com.amazonaws.services.lambda.runtime.api.client.AWSLambda";
    static final String JNI_PROPERTY = "com.amazonaws.services.lambda.runtime.api.client.runtimeapi.NativeClient.JNI";

    private static final List<String> CLASSES = List.of(
            MAIN_CLASS,
            "com.amazonaws.services.lambda.runtime.Context",
            "com.amazonaws.services.lambda.runtime.serialization.PojoSerializer",
            "software.amazon.awssdk.utilslite.SdkInternalThreadLocal");

    private static String fingerprint;

    private RuntimeClasspath() {}

    /** The classpath for a function JVM: the client and what it needs, not the function's code. */
    static String classpath() {
        return CLASSES.stream().map(RuntimeClasspath::locationOf).distinct()
                .collect(Collectors.joining(File.pathSeparator));
    }

    /**
     * What the client's jars are, as a hash of their paths and contents: an AOT cache holds their
     * classes, and the JVM would not notice that a jar changed under it.
     */
    static synchronized String fingerprint() {
        if (fingerprint == null) {
            try {
                MessageDigest digest = MessageDigest.getInstance("SHA-256");
                for (String jar : classpath().split(File.pathSeparator)) {
                    digest.update(jar.getBytes(StandardCharsets.UTF_8));
                    Path path = Path.of(jar);
                    if (Files.isRegularFile(path)) {
                        digest.update(Files.readAllBytes(path));
                    }
                }
                fingerprint = HexFormat.of().formatHex(digest.digest());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the Runtime Interface Client's jars", e);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JDK has SHA-256", e);
            }
        }
        return fingerprint;
    }

    /** Extracts the JNI library for this platform into {@code directory} (once) and returns its path. */
    static synchronized Path jniLibrary(Path directory) {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT).contains("aarch64") ? "aarch_64" : "x86_64";
        String libc = Files.exists(Path.of("/etc/alpine-release")) ? "linux_musl" : "linux";
        String name = "libaws-lambda-jni." + libc + "-" + arch + ".so";
        Path target = directory.resolve(name);
        if (Files.isRegularFile(target)) {
            return target;
        }
        try (InputStream in = RuntimeClasspath.class.getClassLoader().getResourceAsStream("jni/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the Runtime Interface Client has no JNI library " + name);
            }
            Files.createDirectories(directory);
            Path partial = Files.createTempFile(directory, name, ".part");
            Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract " + name + " to " + directory, e);
        }
    }

    private static String locationOf(String className) {
        try {
            Class<?> type = Class.forName(className, false, RuntimeClasspath.class.getClassLoader());
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (ClassNotFoundException | URISyntaxException e) {
            throw new IllegalStateException("the local runtime's classpath lacks " + className, e);
        }
    }
}
