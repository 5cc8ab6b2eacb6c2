package eventjobs.local.chaos;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What chaos mode injects: a rate (a probability from 0 to 1) per {@link Fault}, and the seed its
 * decisions are drawn from, so that the same spec makes the same decisions again. Written as a
 * spec, a comma-separated list of {@code NAME=VALUE}:
 *
 * <pre>seed=42,kill=0.02,hang=0.01,fail-before=0.02,lose-response=0.02,duplicate=0.05,aws-errors=0.02,throttle-invoke=0.05</pre>
 *
 * Faults not named have rate 0; without {@code seed} a random one is chosen (and shown by
 * {@link #spec()}).
 *
 * @param rates the probability of each fault per invocation, delivery or request; 0 when absent
 */
public record Chaos(long seed, Map<Fault, Double> rates) {

    public Chaos {
        EnumMap<Fault, Double> copy = new EnumMap<>(Fault.class);
        rates.forEach((fault, rate) -> {
            if (!(rate >= 0 && rate <= 1)) {
                throw new IllegalArgumentException(fault.key() + " must be a probability from 0 to 1, was " + rate);
            }
            if (rate > 0) {
                copy.put(fault, rate);
            }
        });
        rates = Collections.unmodifiableMap(copy);
    }

    /** No faults yet, decisions drawn from {@code seed}; add faults with {@link #with(Fault, double)}. */
    public static Chaos seeded(long seed) {
        return new Chaos(seed, Map.of());
    }

    /** This chaos with {@code fault} injected at {@code rate} (1: always, 0: never). */
    public Chaos with(Fault fault, double rate) {
        EnumMap<Fault, Double> more = new EnumMap<>(Fault.class);
        more.putAll(rates);
        more.put(fault, rate);
        return new Chaos(seed, more);
    }

    public double rate(Fault fault) {
        return rates.getOrDefault(fault, 0.0);
    }

    /**
     * Reads a spec; without {@code seed=} a random seed is chosen.
     *
     * @throws IllegalArgumentException naming the part of the spec that is wrong, in one line
     */
    public static Chaos parse(String spec) {
        return parse(spec, () -> ThreadLocalRandom.current().nextLong());
    }

    static Chaos parse(String spec, LongSupplier randomSeed) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("the chaos spec is empty; e.g. " + example());
        }
        Long seed = null;
        EnumMap<Fault, Double> rates = new EnumMap<>(Fault.class);
        for (String raw : spec.split(",", -1)) {
            String part = raw.strip();
            if (part.isEmpty()) {
                throw new IllegalArgumentException("\"" + spec + "\" has an empty part (a comma too many)");
            }
            int equals = part.indexOf('=');
            if (equals < 0) {
                throw new IllegalArgumentException("\"" + part + "\": expected NAME=VALUE, e.g. kill=0.02");
            }
            String name = part.substring(0, equals).strip();
            String value = part.substring(equals + 1).strip();
            if (name.equals("seed")) {
                if (seed != null) {
                    throw new IllegalArgumentException("\"" + part + "\": seed is given twice");
                }
                try {
                    seed = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("\"" + part + "\": the seed must be a whole number");
                }
                continue;
            }
            Fault fault = Fault.named(name).orElseThrow(() -> new IllegalArgumentException("\"" + part + "\": no fault named \""
                    + name + "\" (" + Stream.of(Fault.values()).map(Fault::key).collect(Collectors.joining(", ")) + ", or seed)"));
            if (rates.containsKey(fault)) {
                throw new IllegalArgumentException("\"" + part + "\": " + name + " is given twice");
            }
            double rate;
            try {
                rate = Double.parseDouble(value);
            } catch (NumberFormatException e) {
                rate = Double.NaN;
            }
            if (!value.matches("[0-9.]+") || !(rate >= 0 && rate <= 1)) {
                throw new IllegalArgumentException("\"" + part + "\": the rate must be a probability from 0 to 1, like 0.02");
            }
            rates.put(fault, rate);
        }
        return new Chaos(seed != null ? seed : randomSeed.getAsLong(), rates);
    }

    /** The spec that makes the same decisions again: the seed, then every fault with a rate above 0. */
    public String spec() {
        StringJoiner joiner = new StringJoiner(",");
        joiner.add("seed=" + seed);
        rates.forEach((fault, rate) -> joiner.add(fault.key() + "=" + rate(rate)));
        return joiner.toString();
    }

    private static String rate(double rate) {
        return rate == Math.rint(rate) ? Long.toString((long) rate) : java.math.BigDecimal.valueOf(rate).stripTrailingZeros().toPlainString();
    }

    private static String example() {
        return "seed=42,kill=0.02,hang=0.01,fail-before=0.02,lose-response=0.02,duplicate=0.05,aws-errors=0.02,throttle-invoke=0.05";
    }

    @Override
    public String toString() {
        return spec();
    }
}
