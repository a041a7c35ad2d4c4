package org.fkt.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A small JSON writer for run records (no parser: records are read by people and by Python).
 * Values: {@link Map} with string keys (written in the map's iteration order), {@link Iterable},
 * arrays ({@code Object[]}, {@code double[]}, {@code float[]}, {@code int[]}, {@code long[]}, nested
 * ones too), {@link Number}, {@link Boolean}, {@link CharSequence}, enums (their {@code toString}) and
 * null. Non-finite numbers (NaN, infinities), which JSON cannot hold, are written as null. Output is
 * indented by two spaces; an array holding only scalars stays on one line (a confusion-matrix row).
 */
public final class Json {
    private Json() {
    }

    /** {@code value} as indented JSON text ending without a newline. */
    public static String write(Object value) {
        var out = new StringBuilder();
        value(out, value, 0);
        return out.toString();
    }

    private static void value(StringBuilder out, Object v, int depth) {
        switch (v) {
            case null -> out.append("null");
            case Map<?, ?> map -> object(out, map, depth);
            case CharSequence s -> string(out, s.toString());
            case Boolean b -> out.append(b);
            case Double d -> number(out, d);
            case Float f -> number(out, f.doubleValue());
            case Number n -> out.append(n.longValue() == n.doubleValue() ? Long.toString(n.longValue()) : n.toString());
            case Enum<?> e -> string(out, e.toString());
            case Iterable<?> it -> array(out, it.iterator(), depth);
            case Object[] a -> array(out, Arrays.asList(a).iterator(), depth);
            case double[] a -> array(out, Arrays.stream(a).boxed().iterator(), depth);
            case float[] a -> {
                Double[] boxed = new Double[a.length];
                for (int i = 0; i < a.length; i++) {
                    boxed[i] = (double) a[i];
                }
                array(out, Arrays.asList(boxed).iterator(), depth);
            }
            case int[] a -> array(out, Arrays.stream(a).boxed().iterator(), depth);
            case long[] a -> array(out, Arrays.stream(a).boxed().iterator(), depth);
            default -> throw new IllegalArgumentException("json: cannot write a " + v.getClass().getName() + " (" + v + ")");
        }
    }

    private static void number(StringBuilder out, double d) {
        if (!Double.isFinite(d)) {
            out.append("null");
        } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            out.append((long) d).append(".0");
        } else {
            out.append(d);
        }
    }

    private static void object(StringBuilder out, Map<?, ?> map, int depth) {
        if (map.isEmpty()) {
            out.append("{}");
            return;
        }
        out.append('{');
        boolean first = true;
        for (var e : map.entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                throw new IllegalArgumentException("json: object keys must be strings, got " + e.getKey());
            }
            out.append(first ? "\n" : ",\n");
            first = false;
            indent(out, depth + 1);
            string(out, key);
            out.append(": ");
            value(out, e.getValue(), depth + 1);
        }
        out.append('\n');
        indent(out, depth);
        out.append('}');
    }

    private static void array(StringBuilder out, Iterator<?> items, int depth) {
        List<Object> list = new ArrayList<>();
        items.forEachRemaining(list::add);
        if (list.isEmpty()) {
            out.append("[]");
            return;
        }
        boolean flat = list.stream().allMatch(x -> x == null || x instanceof Number || x instanceof Boolean
                || x instanceof CharSequence);
        out.append('[');
        for (int i = 0; i < list.size(); i++) {
            if (flat) {
                out.append(i == 0 ? "" : ", ");
            } else {
                out.append(i == 0 ? "\n" : ",\n");
                indent(out, depth + 1);
            }
            value(out, list.get(i), depth + 1);
        }
        if (!flat) {
            out.append('\n');
            indent(out, depth);
        }
        out.append(']');
    }

    private static void indent(StringBuilder out, int depth) {
        out.append("  ".repeat(depth));
    }

    /** {@code s} as a JSON string literal with the required escapes. */
    static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
