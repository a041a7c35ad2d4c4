package org.fkt.train;

import java.util.Map;

/** Typed access to a parsed JSON object, with errors naming the key. */
record JsonFields(Map<String, Object> m) {
    Object get(String key) {
        if (!m.containsKey(key)) {
            throw new IllegalArgumentException("run record: missing '" + key + "'");
        }
        return m.get(key);
    }

    String str(String key) {
        if (get(key) instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException("run record: '" + key + "' is not a string");
    }

    double num(String key) {
        if (get(key) instanceof Number n) {
            return n.doubleValue();
        }
        throw new IllegalArgumentException("run record: '" + key + "' is not a number");
    }

    long lng(String key) {
        if (get(key) instanceof Number n) {
            return n.longValue();
        }
        throw new IllegalArgumentException("run record: '" + key + "' is not a number");
    }

    int integer(String key) {
        return Math.toIntExact(lng(key));
    }

    boolean bool(String key) {
        if (get(key) instanceof Boolean b) {
            return b;
        }
        throw new IllegalArgumentException("run record: '" + key + "' is not true or false");
    }
}
