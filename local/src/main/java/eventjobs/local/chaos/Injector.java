package eventjobs.local.chaos;

import eventjobs.local.aws.Gateway;
import eventjobs.local.runtime.InvocationFaults;
import eventjobs.local.sources.DeliveryFaults;
import eventjobs.local.sources.InvocationLog;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/**
 * Chaos mode at work: decides, for each invocation, delivery and request the runtime hooks show it,
 * whether a fault is injected, with one random generator per {@link Fault} derived from the
 * {@link Chaos#seed() seed} (so one kind's decisions do not shift when another kind is asked more
 * often), says so in the {@link InvocationLog} ({@code chaos <fault> <function> <target>}) and
 * counts it. Thread-safe.
 */
public final class Injector implements InvocationFaults, DeliveryFaults {

    private final Chaos chaos;
    private final InvocationLog log;
    private final Map<Fault, RandomGenerator> generators = new EnumMap<>(Fault.class);
    private final Map<Fault, AtomicLong> counts = new EnumMap<>(Fault.class);

    public Injector(Chaos chaos, InvocationLog log) {
        this.chaos = chaos;
        this.log = log;
        SplittableRandom root = new SplittableRandom(chaos.seed());
        for (Fault fault : Fault.values()) {
            generators.put(fault, root.split());
            counts.put(fault, new AtomicLong());
        }
    }

    public Chaos chaos() {
        return chaos;
    }

    /** Whether {@code fault} strikes now: one draw from its generator (none when its rate is 0). */
    boolean strikes(Fault fault) {
        double rate = chaos.rate(fault);
        if (rate <= 0) {
            return false;
        }
        RandomGenerator generator = generators.get(fault);
        double draw;
        synchronized (generator) {
            draw = generator.nextDouble();
        }
        return draw < rate;
    }

    private void injected(Fault fault, String function, String target) {
        counts.get(fault).incrementAndGet();
        log.chaos(fault.key(), function, target);
    }

    /**
     * Every per-invocation fault is drawn (so each kind's sequence of decisions stays the same);
     * when several strike, the earliest in the invocation wins: fail-before, kill, hang, lose-response.
     */
    @Override
    public Kind next(String function, String requestId) {
        boolean failBefore = strikes(Fault.FAIL_BEFORE);
        boolean kill = strikes(Fault.KILL);
        boolean hang = strikes(Fault.HANG);
        boolean loseResponse = strikes(Fault.LOSE_RESPONSE);
        Fault fault = failBefore ? Fault.FAIL_BEFORE : kill ? Fault.KILL : hang ? Fault.HANG
                : loseResponse ? Fault.LOSE_RESPONSE : null;
        if (fault == null) {
            return Kind.NONE;
        }
        injected(fault, function, requestId);
        return switch (fault) {
            case FAIL_BEFORE -> Kind.FAIL_BEFORE;
            case KILL -> Kind.KILL;
            case HANG -> Kind.HANG;
            default -> Kind.LOSE_RESPONSE;
        };
    }

    @Override
    public boolean duplicate(String function, String delivery) {
        if (!strikes(Fault.DUPLICATE)) {
            return false;
        }
        injected(Fault.DUPLICATE, function, delivery);
        return true;
    }

    @Override
    public boolean throttle(String function, String invocationType) {
        if (!strikes(Fault.THROTTLE_INVOKE)) {
            return false;
        }
        injected(Fault.THROTTLE_INVOKE, function, "lambda:" + invocationType);
        return true;
    }

    /** The errors the AWS requests of {@code function} meet, for its own {@link Gateway#listen listener}. */
    public Gateway.RequestFaults awsErrors(String function) {
        return call -> {
            Optional<Gateway.Refusal> refusal = AwsErrors.answer(call);
            if (refusal.isEmpty() || !strikes(Fault.AWS_ERRORS)) {
                return Optional.empty();
            }
            injected(Fault.AWS_ERRORS, function, AwsErrors.describe(call));
            return refusal;
        };
    }

    public ChaosSummary summary() {
        Map<Fault, Long> now = new EnumMap<>(Fault.class);
        counts.forEach((fault, count) -> now.put(fault, count.get()));
        return new ChaosSummary(chaos, now);
    }
}
