package org.fkt.io;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON of run records (config.json, checkpoint.json, metrics.json, paper.json): a writer and a parser.
 * The parser yields {@link java.util.LinkedHashMap}, {@link List}, {@link String}, {@link Double} (numbers
 * with a fraction or exponent) or {@link Long}, {@link Boolean} and null; doubles are written in Java's
 * shortest round-trip form, so a value read back is the value written (what a resumed run needs).
 * Values: {@link Map} with string keys (written in the map's iteration order), {@link Iterable},
 * arrays ({@code Object[]}, {@code double[]}, {@code float[]}, {@code int[]}, {@code long[]}, nested
 * ones too), {@link Number}, {@link Boolean}, {@link CharSequence}, enums (their {@code toString}) and
 * null. Non-finite numbers (NaN, infinities), which JSON cannot hold, are written as null. Output is
 * indented by two spaces; an array holding only scalars stays on one line (a confusion-matrix row).
 */
public final class Json {
    private final String text;
    private int pos;

    private Json(String text) {
        this.text = text;
    }

    /** Parses a JSON document; errors name the character position. */
    public static Object parse(String text) {
        var p = new Json(text);
        p.skip();
        Object v = p.value();
        p.skip();
        if (p.pos != text.length()) {
            throw p.error("unexpected content after the value");
        }
        return v;
    }

    /** Parses a document whose root is an object. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text) {
        Object v = parse(text);
        if (!(v instanceof Map)) {
            throw new IllegalArgumentException("json: expected an object at the root");
        }
        return (Map<String, Object>) v;
    }

    /** {@code value} as indented JSON text ending without a newline. */
    public static String write(Object value) {
        var out = new StringBuilder();
        writeValue(out, value, 0);
        return out.toString();
    }

    private static void writeValue(StringBuilder out, Object v, int depth) {
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
            writeValue(out, e.getValue(), depth + 1);
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
            writeValue(out, list.get(i), depth + 1);
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

    private Object value() {
        if (pos >= text.length()) {
            throw error("unexpected end of input");
        }
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> number();
        };
    }

    private Map<String, Object> object() {
        var map = new LinkedHashMap<String, Object>();
        pos++;
        skip();
        if (peek() == '}') {
            pos++;
            return map;
        }
        while (true) {
            skip();
            if (peek() != '"') {
                throw error("expected a key");
            }
            String key = string();
            skip();
            expect(':');
            skip();
            map.put(key, value());
            skip();
            char c = next();
            if (c == '}') {
                return map;
            }
            if (c != ',') {
                throw error("expected ',' or '}'");
            }
        }
    }

    private List<Object> array() {
        var list = new ArrayList<>();
        pos++;
        skip();
        if (peek() == ']') {
            pos++;
            return list;
        }
        while (true) {
            skip();
            list.add(value());
            skip();
            char c = next();
            if (c == ']') {
                return list;
            }
            if (c != ',') {
                throw error("expected ',' or ']'");
            }
        }
    }

    private String string() {
        expect('"');
        var out = new StringBuilder();
        while (true) {
            char c = next();
            if (c == '"') {
                return out.toString();
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char e = next();
            switch (e) {
                case '"', '\\', '/' -> out.append(e);
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'u' -> {
                    if (pos + 4 > text.length()) {
                        throw error("truncated \\u escape");
                    }
                    out.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
                    pos += 4;
                }
                default -> throw error("bad escape \\" + e);
            }
        }
    }

    private Object number() {
        int start = pos;
        while (pos < text.length() && "+-0123456789.eE".indexOf(text.charAt(pos)) >= 0) {
            pos++;
        }
        String s = text.substring(start, pos);
        if (s.isEmpty()) {
            throw error("unexpected character '" + text.charAt(start) + "'");
        }
        try {
            return s.contains(".") || s.contains("e") || s.contains("E") ? (Object) Double.parseDouble(s) : (Object) Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw error("bad number '" + s + "'");
        }
    }

    private Object literal(String word, Object value) {
        if (!text.startsWith(word, pos)) {
            throw error("unexpected token");
        }
        pos += word.length();
        return value;
    }

    private void skip() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    private char peek() {
        if (pos >= text.length()) {
            throw error("unexpected end of input");
        }
        return text.charAt(pos);
    }

    private char next() {
        char c = peek();
        pos++;
        return c;
    }

    private void expect(char c) {
        if (next() != c) {
            pos--;
            throw error("expected '" + c + "'");
        }
    }

    private IllegalArgumentException error(String message) {
        return new IllegalArgumentException("json: " + message + " at character " + pos);
    }
}
