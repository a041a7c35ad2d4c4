package org.fkt.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The vector exp of the fused NT-Xent tiles against Math.exp, and its edge values. */
class CpuNtXentKernelsTest {
    private static final int L = CpuNtXentTiles.L;

    private static float[] exp(float[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i += L) {
            CpuNtXentKernels.exp(FloatVector.fromArray(CpuNtXentTiles.S, x, i)).intoArray(out, i);
        }
        return out;
    }

    @Test
    void matchesMathExpWithinFewUlps() {
        int n = 1 << 20;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = -87.5f + 88f * i / (n - 1);       // [-87.5, 0.5]
        }
        float[] got = exp(x);
        double worst = 0;
        int at = 0;
        for (int i = 0; i < n; i++) {
            double want = Math.exp(x[i]);
            double ulps = Math.abs(got[i] - want) / Math.ulp((float) want);
            if (ulps > worst) {
                worst = ulps;
                at = i;
            }
        }
        System.out.printf("vector exp: worst %.2f ulp at x = %.9g%n", worst, x[at]);
        if (worst > 4) {
            fail(String.format("exp(%.9g) = %.9g, Math.exp gives %.9g: %.2f ulp", x[at], got[at], Math.exp(x[at]), worst));
        }
    }

    @Test
    void edgeValues() {
        float[] x = new float[L];
        java.util.Arrays.fill(x, 0f);
        x[0] = Float.NEGATIVE_INFINITY;
        x[1] = -1000f;
        x[2] = -88f;
        x[3] = 0f;
        x[4] = Float.NaN;
        x[5] = -87.3f;
        float[] got = exp(x);
        assertEquals(0f, got[0], "exp(-inf)");
        assertEquals(0f, got[1], "exp(-1000)");
        assertEquals(0f, got[2], "exp(-88)");
        assertEquals(1f, got[3], "exp(0)");
        assertTrue(Float.isNaN(got[4]), "exp(NaN)");
        double want = Math.exp(x[5]);
        assertTrue(Math.abs(got[5] - want) <= 4 * Math.ulp((float) want), "exp(-87.3) = " + got[5] + ", not " + want);
    }
}
