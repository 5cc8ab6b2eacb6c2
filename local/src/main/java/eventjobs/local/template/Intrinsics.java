package eventjobs.local.template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves CloudFormation intrinsic functions in a value: Ref, Fn::GetAtt, Fn::Sub, Fn::Join,
 * Fn::If, Fn::Select, Fn::Split, Fn::FindInMap, Fn::Base64 and the condition functions
 * (<a href="https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html">AWS docs</a>).
 * {@code AWS::NoValue} removes the property or list item it stands for.
 */
final class Intrinsics {

    /** What Ref and Fn::GetAtt of a resource give. */
    interface Resources {
        boolean exists(String logicalId);

        String ref(String logicalId);

        /** @throws TemplateException when the resource has no such attribute */
        String getAtt(String logicalId, String attribute, String path);
    }

    /** Stands for AWS::NoValue until the enclosing map or list drops it. */
    static final Object NO_VALUE = new Object() {
        @Override
        public String toString() {
            return "AWS::NoValue";
        }
    };

    private static final Pattern SUB_VARIABLE = Pattern.compile("\\$\\{([^}]*)}");

    private final Map<String, Object> parameters;
    private final Map<String, Object> mappings;
    private final Predicate<String> conditions;
    private final Resources resources;

    Intrinsics(Map<String, Object> parameters, Map<String, Object> mappings, Predicate<String> conditions,
               Resources resources) {
        this.parameters = parameters;
        this.mappings = mappings;
        this.conditions = conditions;
        this.resources = resources;
    }

    /** The value with every intrinsic resolved; {@code path} names it in errors. */
    Object resolve(Object value, String path) {
        if (value instanceof Map<?, ?> map) {
            if (map.size() == 1) {
                String key = String.valueOf(map.keySet().iterator().next());
                if (key.equals("Ref") || key.startsWith("Fn::")) {
                    return function(key, map.values().iterator().next(), path);
                }
            }
            Map<String, Object> resolved = new LinkedHashMap<>();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                Object item = resolve(entry.getValue(), path + "." + entry.getKey());
                if (item != NO_VALUE) {
                    resolved.put(String.valueOf(entry.getKey()), item);
                }
            }
            return resolved;
        }
        if (value instanceof List<?> list) {
            List<Object> resolved = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                Object item = resolve(list.get(i), path + "[" + i + "]");
                if (item != NO_VALUE) {
                    resolved.add(item);
                }
            }
            return resolved;
        }
        return value;
    }

    /**
     * Checks that every Ref, Fn::GetAtt and Fn::Sub variable in a value names a parameter, a
     * pseudo parameter or a resource, without resolving anything.
     *
     * @throws TemplateException naming the path of the first reference to nothing
     */
    void checkReferences(Object value, String path) {
        if (value instanceof Map<?, ?> map) {
            if (map.size() == 1) {
                String key = String.valueOf(map.keySet().iterator().next());
                Object argument = map.values().iterator().next();
                switch (key) {
                    case "Ref" -> {
                        if (argument instanceof String name && !name.startsWith("AWS::") && !parameters.containsKey(name)
                                && !resources.exists(name)) {
                            throw new TemplateException(path + ": Ref to unknown parameter or resource '" + name + "'");
                        }
                    }
                    case "Fn::GetAtt" -> {
                        Object target = argument instanceof String s ? s.split("\\.", 2)[0]
                                : argument instanceof List<?> parts && !parts.isEmpty() ? parts.getFirst() : null;
                        if (target instanceof String name && !resources.exists(name)) {
                            throw new TemplateException(path + ": Fn::GetAtt names an unknown resource '" + name + "'");
                        }
                    }
                    case "Fn::Sub" -> checkSub(argument, path);
                    default -> { }
                }
            }
            map.forEach((key, item) -> checkReferences(item, path + "." + key));
        } else if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                checkReferences(list.get(i), path + "[" + i + "]");
            }
        }
    }

    private void checkSub(Object argument, String path) {
        String text = String.valueOf(argument instanceof List<?> parts && !parts.isEmpty() ? parts.getFirst() : argument);
        Map<?, ?> variables = argument instanceof List<?> parts && parts.size() > 1 && parts.get(1) instanceof Map<?, ?> map
                ? map : Map.of();
        Matcher matcher = SUB_VARIABLE.matcher(text);
        while (matcher.find()) {
            String variable = matcher.group(1);
            String name = variable.contains(".") && !variable.startsWith("AWS::") ? variable.split("\\.", 2)[0] : variable;
            if (!variable.startsWith("!") && !variables.containsKey(variable) && !parameters.containsKey(name)
                    && !resources.exists(name)) {
                throw new TemplateException(path + ": Fn::Sub variable ${" + variable + "} names no parameter or resource");
            }
        }
    }

    /** Evaluates a condition expression (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition). */
    boolean condition(Object expression, String path) {
        if (expression instanceof Map<?, ?> map && map.size() == 1) {
            String key = String.valueOf(map.keySet().iterator().next());
            Object argument = map.values().iterator().next();
            switch (key) {
                case "Condition":
                    return conditions.test(String.valueOf(argument));
                case "Fn::Equals": {
                    List<?> operands = list(argument, 2, path, key);
                    return String.valueOf(resolve(operands.get(0), path)).equals(String.valueOf(resolve(operands.get(1), path)));
                }
                case "Fn::Not":
                    return !condition(list(argument, 1, path, key).getFirst(), path);
                case "Fn::And":
                    return list(argument, -1, path, key).stream().allMatch(c -> condition(c, path));
                case "Fn::Or":
                    return list(argument, -1, path, key).stream().anyMatch(c -> condition(c, path));
                default:
                    break;
            }
        }
        Object resolved = resolve(expression, path);
        if (resolved instanceof Boolean b) {
            return b;
        }
        throw new TemplateException(path + ": not a condition: " + expression);
    }

    private Object function(String name, Object argument, String path) {
        return switch (name) {
            case "Ref" -> ref(String.valueOf(argument), path);
            case "Fn::GetAtt" -> {
                List<?> parts = argument instanceof String s ? List.of(s.split("\\.", 2)) : list(argument, 2, path, name);
                String logicalId = String.valueOf(resolve(parts.get(0), path));
                if (!resources.exists(logicalId)) {
                    throw new TemplateException(path + ": Fn::GetAtt names an unknown resource '" + logicalId + "'");
                }
                yield resources.getAtt(logicalId, String.valueOf(resolve(parts.get(1), path)), path);
            }
            case "Fn::Sub" -> sub(argument, path);
            case "Fn::Join" -> {
                List<?> parts = list(argument, 2, path, name);
                Object items = resolve(parts.get(1), path);
                if (!(items instanceof List<?> values)) {
                    throw new TemplateException(path + ": Fn::Join needs a list to join");
                }
                yield String.join(String.valueOf(parts.get(0)), values.stream().map(String::valueOf).toList());
            }
            case "Fn::If" -> {
                List<?> parts = list(argument, 3, path, name);
                yield resolve(conditions.test(String.valueOf(parts.get(0))) ? parts.get(1) : parts.get(2), path);
            }
            case "Fn::Select" -> {
                List<?> parts = list(argument, 2, path, name);
                int index = Integer.parseInt(String.valueOf(resolve(parts.get(0), path)));
                Object items = resolve(parts.get(1), path);
                if (!(items instanceof List<?> values) || index < 0 || index >= values.size()) {
                    throw new TemplateException(path + ": Fn::Select index " + index + " is out of range");
                }
                yield values.get(index);
            }
            case "Fn::Split" -> {
                List<?> parts = list(argument, 2, path, name);
                yield List.of(String.valueOf(resolve(parts.get(1), path)).split(Pattern.quote(String.valueOf(parts.get(0))), -1));
            }
            case "Fn::FindInMap" -> {
                List<?> parts = list(argument, 3, path, name);
                Object found = mappings;
                for (Object key : parts) {
                    found = found instanceof Map<?, ?> level ? level.get(String.valueOf(resolve(key, path))) : null;
                }
                if (found == null) {
                    throw new TemplateException(path + ": Fn::FindInMap finds nothing for " + parts);
                }
                yield found;
            }
            case "Fn::Base64" -> java.util.Base64.getEncoder().encodeToString(String.valueOf(resolve(argument, path)).getBytes());
            case "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or" -> condition(Map.of(name, argument), path);
            default -> throw new TemplateException(path + ": " + name + " is not supported by the local runtime");
        };
    }

    private Object ref(String name, String path) {
        if (name.equals("AWS::NoValue")) {
            return NO_VALUE;
        }
        if (parameters.containsKey(name)) {
            return parameters.get(name);
        }
        if (resources.exists(name)) {
            return resources.ref(name);
        }
        throw new TemplateException(path + ": Ref to unknown parameter or resource '" + name + "'");
    }

    private String sub(Object argument, String path) {
        String text;
        Map<String, Object> variables = new LinkedHashMap<>();
        if (argument instanceof List<?> parts) {
            text = String.valueOf(parts.getFirst());
            if (parts.size() > 1 && parts.get(1) instanceof Map<?, ?> map) {
                map.forEach((key, value) -> variables.put(String.valueOf(key), resolve(value, path)));
            }
        } else {
            text = String.valueOf(argument);
        }
        Matcher matcher = SUB_VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String variable = matcher.group(1);
            String replacement;
            if (variable.startsWith("!")) {
                replacement = "${" + variable.substring(1) + "}";
            } else if (variables.containsKey(variable)) {
                replacement = String.valueOf(variables.get(variable));
            } else if (variable.contains(".") && !variable.startsWith("AWS::")) {
                String[] parts = variable.split("\\.", 2);
                replacement = String.valueOf(function("Fn::GetAtt", List.of(parts[0], parts[1]), path));
            } else {
                replacement = String.valueOf(ref(variable, path));
            }
            matcher.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    private static List<?> list(Object argument, int size, String path, String function) {
        if (!(argument instanceof List<?> items) || (size >= 0 && items.size() != size)) {
            throw new TemplateException(path + ": " + function + " takes a list"
                    + (size >= 0 ? " of " + size : "") + ", got " + argument);
        }
        return items;
    }
}
