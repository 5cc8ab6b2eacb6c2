package eventjobs.local.runtime;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The execution environments of one function: reuses warm instances, starts new ones up to
 * {@link FunctionConfig#maxInstances()} when all are busy, and makes further callers wait, as
 * Lambda's concurrency limit does. Thread-safe.
 *
 * <p>Unlike Lambda, every instance shares this machine's cores: twenty JVMs initializing at once on
 * two cores each take twenty times as long, past Lambda's 10 s init budget, and an instance killed
 * at its timeout makes the next invocation cold again. So at most {@link #CONCURRENT_INITS} inits
 * run at once, across all functions of this process; an invocation that would start another takes
 * the first instance that becomes free, or its turn to start one. Waiting for it does not count
 * towards the function's timeout, as the timeout starts when the runtime takes the event.
 */
public final class FunctionPool implements AutoCloseable {

    /** How many function JVMs may initialize at once: as many as the machine has cores, at least two. */
    static final int CONCURRENT_INITS = Math.max(2, Runtime.getRuntime().availableProcessors());
    private static final Semaphore INITS = new Semaphore(CONCURRENT_INITS, true);
    /** JVMs started and not yet through their init, counted apart from the permits (what a test observes). */
    private static final java.util.concurrent.atomic.AtomicInteger INITIALIZING = new java.util.concurrent.atomic.AtomicInteger();

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

    /** How many function JVMs of this process are initializing now. */
    static int initializing() {
        return INITIALIZING.get();
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

    /** A warm instance, or a new one once an init may start (whichever comes first). */
    private FunctionInstance take() {
        while (true) {
            Optional<FunctionInstance> warm = warm();
            if (warm.isPresent()) {
                return warm.get();
            }
            try {
                if (INITS.tryAcquire(50, TimeUnit.MILLISECONDS)) {
                    return startOrReuse();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for an instance of " + config.name(), e);
            }
        }
    }

    private synchronized Optional<FunctionInstance> warm() {
        if (closed) {
            throw new IllegalStateException(config.name() + " is shut down");
        }
        while (!idle.isEmpty()) {
            FunctionInstance warm = idle.pop();
            if (warm.alive()) {
                return Optional.of(warm);
            }
            warm.close();
        }
        return Optional.empty();
    }

    /** Holding an init permit: an instance freed meanwhile, or a new one that gives the permit back when its init ends. */
    private FunctionInstance startOrReuse() {
        try {
            Optional<FunctionInstance> warm = warm();
            if (warm.isPresent()) {
                INITS.release();
                return warm.get();
            }
            FunctionInstance fresh = FunctionInstance.start(config, runtimeDirectory, logs, aot);
            INITIALIZING.incrementAndGet();
            fresh.initDone().whenComplete((done, error) -> {
                INITIALIZING.decrementAndGet();
                INITS.release();
            });
            synchronized (this) {
                all.add(fresh);
            }
            return fresh;
        } catch (RuntimeException e) {
            INITS.release();
            throw e;
        }
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
