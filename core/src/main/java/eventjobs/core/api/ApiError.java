package eventjobs.core.api;

import eventjobs.core.events.Violation;

import java.util.List;

/**
 * A request the API answers with an error status: the one way handlers and domain steps say
 * "this request fails"; {@link OrdersApiHandler} maps it to a JSON response
 * {@code {"error": "...", "details": [{"field", "message"}]}}.
 */
public final class ApiError extends RuntimeException {

    private final int status;
    private final transient List<Violation> details;

    public ApiError(int status, String error, List<Violation> details) {
        super(error);
        this.status = status;
        this.details = List.copyOf(details);
    }

    public static ApiError badRequest(String error, List<Violation> details) {
        return new ApiError(400, error, details);
    }

    public static ApiError badRequest(String error) {
        return new ApiError(400, error, List.of());
    }

    public static ApiError notFound(String error) {
        return new ApiError(404, error, List.of());
    }

    public int status() {
        return status;
    }

    public String error() {
        return getMessage();
    }

    public List<Violation> details() {
        return details;
    }
}
