package org.fkt.engine.ops;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;

/** Element-wise comparison at atol + rtol * |expected| that reports the first mismatches. */
final class Close {
    private Close() {
    }

    static void assertClose(String what, double[] expected, double[] actual, double atol, double rtol) {
        if (expected.length != actual.length) {
            fail(what + ": " + actual.length + " elements, expected " + expected.length);
        }
        List<String> bad = new ArrayList<>();
        int count = 0;
        for (int i = 0; i < expected.length; i++) {
            double tolerance = atol + rtol * Math.abs(expected[i]);
            if (!(Math.abs(actual[i] - expected[i]) <= tolerance)) {
                count++;
                if (bad.size() < 5) {
                    bad.add(String.format("[%d] got %.9g expected %.9g", i, actual[i], expected[i]));
                }
            }
        }
        if (count > 0) {
            fail(what + ": " + count + " of " + expected.length + " elements differ (atol " + atol + ", rtol " + rtol
                    + "); first: " + String.join(", ", bad));
        }
    }
}
