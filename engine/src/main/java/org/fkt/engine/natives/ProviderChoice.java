// Tries providers in order and keeps the first that loads, with the reason for every one tried.
package org.fkt.engine.natives;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The outcome of choosing one provider for a library: the instance (or null), its name, and a line per
 * attempt saying why it was taken or passed over.
 */
public record ProviderChoice<T>(String what, T instance, String provider, List<String> attempts) {

    /** One way to get the library: a provider name and a factory that throws when it cannot load. */
    public record Attempt<T>(String provider, Supplier<T> factory) {
    }

    /**
     * Tries {@code attempts} in order, restricted to {@code wanted} unless it is "auto". Link errors
     * (UnsatisfiedLinkError, NoClassDefFoundError) and NativeLibraryExceptions count as "does not load";
     * anything else propagates.
     */
    public static <T> ProviderChoice<T> choose(String what, String wanted, List<Attempt<T>> attempts) {
        var lines = new ArrayList<String>();
        String mode = wanted == null || wanted.isBlank() ? "auto" : wanted.strip();
        if (!mode.equals("auto") && attempts.stream().noneMatch(a -> a.provider().equals(mode))) {
            throw new NativeLibraryException(what + ": unknown provider '" + mode + "'; use auto or one of "
                    + attempts.stream().map(Attempt::provider).toList());
        }
        for (Attempt<T> a : attempts) {
            if (!mode.equals("auto") && !mode.equals(a.provider())) {
                lines.add(a.provider() + ": skipped (provider " + mode + " requested)");
                continue;
            }
            try {
                T t = a.factory().get();
                lines.add(a.provider() + ": loaded");
                return new ProviderChoice<>(what, t, a.provider(), List.copyOf(lines));
            } catch (UnsatisfiedLinkError | NoClassDefFoundError | NativeLibraryException e) {
                lines.add(a.provider() + ": " + oneLine(e));
            }
        }
        return new ProviderChoice<>(what, null, null, List.copyOf(lines));
    }

    public boolean loaded() {
        return instance != null;
    }

    /** "cuBLAS: ffm (jcublas: ...; ffm: loaded)" or "cuBLAS: unavailable (...)". */
    public String summary() {
        return what + ": " + (loaded() ? provider : "unavailable") + " (" + String.join("; ", attempts) + ")";
    }

    /** The exception to throw when nothing loaded: names each attempt and where it looked. */
    public NativeLibraryException failure() {
        return new NativeLibraryException(what + " is not available; tried " + String.join("; ", attempts));
    }

    /**
     * One line for a failure. JCuda's link errors carry whole nested stack traces; they shrink to their first
     * sentence plus the shared objects the dynamic loader could not open.
     */
    static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? "" : e.getMessage();
        int nested = m.indexOf("---(start of nested stack traces)---");
        String head = (nested >= 0 ? m.substring(0, nested) : m).replaceAll("\\s+", " ").strip();
        int arch = head.indexOf(" Operating system name:");
        if (arch >= 0) {
            head = head.substring(0, arch);
        }
        var missing = new java.util.LinkedHashSet<String>();
        var matcher = java.util.regex.Pattern.compile("([\\w.+-]+\\.so[\\w.]*): cannot open shared object file")
                .matcher(m);
        while (matcher.find()) {
            missing.add(matcher.group(1));
        }
        String text = e.getClass().getSimpleName() + (head.isEmpty() ? "" : ": " + head);
        return missing.isEmpty() ? text : text + " (cannot open " + String.join(", ", missing) + ")";
    }
}
