package org.fkt.nn.optim;

import java.util.List;

/** Lists of parameter names for error messages, cut after a few dozen. */
final class Names {
    private static final int SHOWN = 20;

    private Names() {
    }

    static String list(List<String> names) {
        String shown = String.join(", ", names.subList(0, Math.min(SHOWN, names.size())).stream()
                .map(n -> "'" + n + "'").toList());
        return names.size() <= SHOWN ? "[" + shown + "]"
                : "[" + shown + ", ... " + (names.size() - SHOWN) + " more]";
    }
}
