package eventjobs.local.chaos;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * How many faults of each kind chaos mode injected, and the spec that repeats its decisions.
 *
 * @param counts every {@link Fault}, 0 when none was injected
 */
public record ChaosSummary(Chaos chaos, Map<Fault, Long> counts) {

    public ChaosSummary {
        EnumMap<Fault, Long> all = new EnumMap<>(Fault.class);
        for (Fault fault : Fault.values()) {
            all.put(fault, counts.getOrDefault(fault, 0L));
        }
        counts = Collections.unmodifiableMap(all);
    }

    public long count(Fault fault) {
        return counts.get(fault);
    }

    public long total() {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    /** One line: {@code chaos summary: kill 2, hang 0, ... (--chaos seed=42,kill=0.02)}. */
    public String text() {
        return "chaos summary: " + Stream.of(Fault.values()).map(f -> f.key() + " " + count(f))
                .collect(Collectors.joining(", ")) + " (--chaos " + chaos.spec() + ")";
    }

    /** One JSON object: {@code {"chaosSummary":{"kill":2,...},"spec":"seed=42,kill=0.02"}}. */
    public String json() {
        JsonMapper json = JsonMapper.shared();
        ObjectNode line = json.createObjectNode();
        ObjectNode summary = line.putObject("chaosSummary");
        counts.forEach((fault, count) -> summary.put(fault.key(), count));
        line.put("spec", chaos.spec());
        return json.writeValueAsString(line);
    }
}
