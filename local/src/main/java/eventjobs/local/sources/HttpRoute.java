package eventjobs.local.sources;

import eventjobs.local.runtime.FunctionPool;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A route of an API: a method (or ANY) and a path template with {@code {name}} and
 * {@code {name+}} (greedy) parameters, bound to a function.
 */
record HttpRoute(String method, String pathTemplate, boolean httpApi, FunctionPool function, Pattern pattern,
                 java.util.List<String> parameters) {

    static HttpRoute of(String method, String pathTemplate, boolean httpApi, FunctionPool function) {
        java.util.List<String> parameters = new java.util.ArrayList<>();
        StringBuilder regex = new StringBuilder("^");
        Matcher m = Pattern.compile("\\{([^}+]+)(\\+)?}").matcher(pathTemplate);
        int last = 0;
        while (m.find()) {
            regex.append(Pattern.quote(pathTemplate.substring(last, m.start())));
            regex.append(m.group(2) != null ? "(.+)" : "([^/]+)");
            parameters.add(m.group(1));
            last = m.end();
        }
        regex.append(Pattern.quote(pathTemplate.substring(last))).append("$");
        return new HttpRoute(method, pathTemplate, httpApi, function, Pattern.compile(regex.toString()), parameters);
    }

    /** The path parameters when {@code method path} is this route, else empty. */
    Optional<Map<String, String>> match(String requestMethod, String path) {
        if (!method.equals("ANY") && !method.equalsIgnoreCase(requestMethod)) {
            return Optional.empty();
        }
        Matcher matcher = pattern.matcher(path);
        if (!matcher.matches()) {
            return Optional.empty();
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < parameters.size(); i++) {
            values.put(parameters.get(i), java.net.URLDecoder.decode(matcher.group(i + 1).replace("+", "%2B"),
                    java.nio.charset.StandardCharsets.UTF_8));
        }
        return Optional.of(values);
    }

    /** More literal characters and fewer greedy parameters win, as API Gateway prefers the most specific route. */
    int specificity() {
        int literal = pathTemplate.replaceAll("\\{[^}]*}", "").length();
        return literal * 10 - (pathTemplate.contains("+}") ? 5 : 0) + (method.equals("ANY") ? 0 : 1);
    }

    String routeKey() {
        return method + " " + pathTemplate;
    }
}
