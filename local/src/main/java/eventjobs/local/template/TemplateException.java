package eventjobs.local.template;

/** A template the local runtime cannot run, with one line saying where and why. */
public final class TemplateException extends RuntimeException {

    public TemplateException(String message) {
        super(message);
    }
}
