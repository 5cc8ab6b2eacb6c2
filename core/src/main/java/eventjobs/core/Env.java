package eventjobs.core;

import java.util.Map;
import java.util.Optional;

/**
 * A function's configuration, read from its environment variables (set by the template).
 * A missing required variable fails the function's init with a message naming it.
 */
public record Env(Map<String, String> variables) {

    public Env {
        variables = Map.copyOf(variables);
    }

    public static Env fromSystem() {
        return new Env(System.getenv());
    }

    /** @throws IllegalStateException naming the variable when it is unset or blank */
    public String require(String name) {
        String value = variables.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("environment variable " + name + " is not set (see template.yaml)");
        }
        return value;
    }

    public Optional<String> optional(String name) {
        return Optional.ofNullable(variables.get(name)).filter(value -> !value.isBlank());
    }
}
