package org.fkt.augment;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one vector kernel of the filters: {@code dst[d + i] += a * src[s + i]} with the Vector API,
 * rounded like the scalar loop (a multiply then an add, no fused multiply-add), so results do not
 * depend on the machine's vector width.
 */
final class Lanes {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    private Lanes() {
    }

    static void axpy(float a, float[] src, int s, float[] dst, int d, int n) {
        int i = 0;
        int bound = SPECIES.loopBound(n);
        for (; i < bound; i += SPECIES.length()) {
            FloatVector x = FloatVector.fromArray(SPECIES, src, s + i);
            FloatVector y = FloatVector.fromArray(SPECIES, dst, d + i);
            y.add(x.mul(a)).intoArray(dst, d + i);
        }
        for (; i < n; i++) {
            dst[d + i] += a * src[s + i];
        }
    }
}
