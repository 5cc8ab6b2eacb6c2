package eventjobs.local.runtime;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Semaphore;

/**
 * The execution environments of one function: reuses warm instances, starts new ones up to
 * {@link FunctionConfig#maxInstances()} when all are busy, and makes further callers wait, as
 * Lambda's concurrency limit does. Thread-safe.
 */
public final class FunctionPool implements AutoCloseable {

    private final FunctionConfig config;
    private final Path runtimeDirectory;
    private final FunctionLogs logs;
    private final Semaphore slots;
    private final InvocationFaults faults;
    private final AotCache aot;
    private final Deque<FunctionInstance> idle = new ArrayDeque<>();
    private final List<FunctionInstance> all = new ArrayList<>();
    private boolean closed;

    /** A pool of JVMs that start as Lambda's do, without an AOT cache, and suffer no faults. */
    public FunctionPool(FunctionConfig config, Path runtimeDirectory, FunctionLogs logs) {
        this(config, runtimeDirectory, logs, InvocationFaults.NONE, AotCache.off());
    }

    /**
     * A pool whose invocations suffer the faults {@code faults} chooses (chaos mode), and whose JVMs
     * start from, or train, {@code aot}.
     */
    public FunctionPool(FunctionConfig config, Path runtimeDirectory, FunctionLogs logs, InvocationFaults faults, AotCache aot) {
        this.config = config;
        this.faults = faults;
        this.aot = aot;
        this.runtimeDirectory = runtimeDirectory;
        this.logs = logs;
        this.slots = new Semaphore(config.maxInstances(), true);
    }

    public FunctionConfig config() {
        return config;
    }

    /**
     * Invokes on a warm instance, or a new one, with a new request id; blocks while the
     * concurrency limit is reached.
     */
    public InvocationResult invoke(byte[] event) {
        return invoke(FunctionInstance.newRequestId(), event);
    }

    /**
     * Invokes with the caller's request id, as Lambda keeps one id across the retries of an
     * asynchronous event; blocks while the concurrency limit is reached.
     */
    public InvocationResult invoke(String requestId, byte[] event) {
        slots.acquireUninterruptibly();
        try {
            FunctionInstance instance = take();
            InvocationResult result = instance.invoke(requestId, event, faults.next(config.name(), requestId));
            give(instance);
            return result;
        } finally {
            slots.release();
        }
    }

    /** Whether the next JVM starts from an AOT cache, trains one, or neither. */
    public AotCache.Status aotCache() {
        return aot.status(config, FunctionInstance.jvmOptions(config, runtimeDirectory));
    }

    /** How many instances are running now. */
    public synchronized int instances() {
        all.removeIf(instance -> !instance.alive());
        return all.size();
    }

    private synchronized FunctionInstance take() {
        if (closed) {
            throw new IllegalStateException(config.name() + " is shut down");
        }
        while (!idle.isEmpty()) {
            FunctionInstance warm = idle.pop();
            if (warm.alive()) {
                return warm;
            }
            warm.close();
        }
        FunctionInstance fresh = FunctionInstance.start(config, runtimeDirectory, logs, aot);
        all.add(fresh);
        return fresh;
    }

    private synchronized void give(FunctionInstance instance) {
        if (!closed && instance.alive()) {
            idle.push(instance);
        } else {
            instance.close();
            all.remove(instance);
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        all.forEach(FunctionInstance::close);
        all.clear();
        idle.clear();
    }
}
