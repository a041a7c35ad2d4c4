package org.fkt.engine.tensor;

/**
 * Where a tensor's memory lives: the host ({@link #CPU}) or a CUDA device by ordinal.
 * Parsed from and printed as "cpu" or "cuda:N".
 */
public record Device(Kind kind, int index) {
    /** Device families known to the engine. */
    public enum Kind { CPU, CUDA }

    /** The host. */
    public static final Device CPU = new Device(Kind.CPU, 0);

    public Device {
        if (kind == null) {
            throw new IllegalArgumentException("device kind is null");
        }
        if (index < 0 || kind == Kind.CPU && index != 0) {
            throw new IllegalArgumentException("invalid device index " + index + " for " + kind);
        }
    }

    /** The CUDA device with the given ordinal. */
    public static Device cuda(int index) {
        return new Device(Kind.CUDA, index);
    }

    /** Parses "cpu", "cuda" (ordinal 0) or "cuda:N". */
    public static Device parse(String text) {
        String s = text.trim().toLowerCase(java.util.Locale.ROOT);
        if (s.equals("cpu")) {
            return CPU;
        }
        if (s.equals("cuda")) {
            return cuda(0);
        }
        if (s.startsWith("cuda:")) {
            try {
                return cuda(Integer.parseInt(s.substring(5)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad device '" + text + "': expected cpu or cuda:N", e);
            }
        }
        throw new IllegalArgumentException("bad device '" + text + "': expected cpu or cuda:N");
    }

    @Override
    public String toString() {
        return kind == Kind.CPU ? "cpu" : "cuda:" + index;
    }
}
