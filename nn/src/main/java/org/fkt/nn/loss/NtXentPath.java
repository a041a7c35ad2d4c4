package org.fkt.nn.loss;

import java.util.Locale;

/**
 * Which implementation computes NT-Xent: the engine's fused op ({@code Ops.ntXent}: one pass over
 * row tiles, O(N*D) memory) or the composition of engine ops (normalise, matmul, mask,
 * cross-entropy), which builds the (2N, 2N) similarity matrix and is kept as the reference.
 */
public enum NtXentPath {
    /** The fused kernel path, the default. */
    FUSED,
    /** The composed reference path. */
    COMPOSED;

    /** System property that picks the path of {@link NtXent#loss(org.fkt.engine.tensor.Tensor, double)}. */
    public static final String PROPERTY = "fkt.ntxent.path";

    /** The path named by {@link #PROPERTY} ("fused" or "composed"), {@link #FUSED} when unset. */
    public static NtXentPath fromSystemProperty() {
        String value = System.getProperty(PROPERTY);
        if (value == null || value.isBlank()) {
            return FUSED;
        }
        return parse(value);
    }

    /** "fused" or "composed", any case. */
    public static NtXentPath parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("nt_xent path '" + value + "' (" + PROPERTY
                    + ") is neither 'fused' nor 'composed'", e);
        }
    }
}
