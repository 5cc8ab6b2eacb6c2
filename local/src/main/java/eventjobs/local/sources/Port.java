package eventjobs.local.sources;

/** A local port to listen on: none at all, any free one, or a fixed one. Immutable. */
public sealed interface Port {

    /** Do not listen. */
    record None() implements Port {}

    /** Any free port; ask the listener which one it got. */
    record AnyFree() implements Port {}

    /** This port; taking it fails when another process holds it. */
    record Fixed(int number) implements Port {
        public Fixed {
            if (number < 1 || number > 65535) {
                throw new IllegalArgumentException("a port is 1 to 65535, was " + number);
            }
        }
    }

    static Port none() {
        return new None();
    }

    static Port anyFree() {
        return new AnyFree();
    }

    static Port fixed(int number) {
        return new Fixed(number);
    }
}
