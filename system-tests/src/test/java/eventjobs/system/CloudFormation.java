package eventjobs.system;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A transformed (plain CloudFormation) template, with the look-ups the rules need. */
record CloudFormation(JsonNode template) {

    /** Runs the SAM translator on a SAM template, as CloudFormation's transform would. */
    static CloudFormation translate(Path root, Path samTemplate) {
        Commands.Result result = Commands.run(root,
                List.of("python3", root.resolve("scripts/sam-translate.py").toString(), samTemplate.toString()));
        if (result.exitCode() != 0) {
            throw new IllegalStateException("the SAM translator rejected " + samTemplate + ":\n" + result.output());
        }
        return new CloudFormation(JsonMapper.shared().readTree(result.output()));
    }

    List<Map.Entry<String, JsonNode>> resources(String type) {
        List<Map.Entry<String, JsonNode>> found = new ArrayList<>();
        for (Map.Entry<String, JsonNode> entry : template.get("Resources").properties()) {
            if (type.equals(entry.getValue().path("Type").asString())) {
                found.add(entry);
            }
        }
        return found;
    }

    JsonNode resource(String logicalId) {
        return template.path("Resources").path(logicalId);
    }

    /** The logical id a {@code Ref} or {@code Fn::GetAtt} points at, if the value is one. */
    static Optional<String> target(JsonNode value) {
        if (value.has("Ref")) {
            return Optional.of(value.get("Ref").asString());
        }
        if (value.has("Fn::GetAtt")) {
            JsonNode getAtt = value.get("Fn::GetAtt");
            return Optional.of(getAtt.isArray() ? getAtt.get(0).asString() : getAtt.asString().split("\\.")[0]);
        }
        return Optional.empty();
    }

    /** The function a reference means, following a version alias to its function. */
    Optional<String> function(JsonNode reference) {
        return target(reference).flatMap(id -> {
            JsonNode resource = resource(id);
            return switch (resource.path("Type").asString()) {
                case "AWS::Lambda::Function" -> Optional.of(id);
                case "AWS::Lambda::Alias", "AWS::Lambda::Version" -> function(resource.at("/Properties/FunctionName"));
                default -> Optional.empty();
            };
        });
    }
}
