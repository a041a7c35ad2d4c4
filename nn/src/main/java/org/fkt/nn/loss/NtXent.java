package org.fkt.nn.loss;

import org.fkt.engine.ops.Ops;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Tensor;

/**
 * SimCLR's NT-Xent loss. For projections z (2N, D), views i and i+N paired: z is L2-normalised
 * (F.normalize, eps 1e-12), similarities are cosine / temperature, each row's own similarity is
 * masked to minus infinity, and the loss is the mean over all 2N rows of the cross-entropy of the
 * partner among the other 2N-1.
 *
 * <p>Two implementations ({@link NtXentPath}): {@link #fused} runs the engine's fused op
 * ({@code Ops.ntXent}, O(N*D) memory) and is what {@link #loss(Tensor, double)} uses unless the
 * system property {@value NtXentPath#PROPERTY} says {@code composed}; {@link #composed} builds the
 * (2N, 2N) similarity matrix from engine ops and is the reference the fused path is tested against.
 */
public final class NtXent {
    /** Epsilon of the normalisation, PyTorch's F.normalize default. */
    public static final double NORMALIZE_EPS = Ops.NT_XENT_EPS;

    private NtXent() {
    }

    /**
     * The loss as a one-element tensor by the default path: fused unless overridden (see the class) or
     * unless z's backend has no fused kernel, where the composed path runs.
     */
    public static Tensor loss(Tensor z, double temperature) {
        NtXentPath path = NtXentPath.fromSystemProperty();
        if (path == NtXentPath.FUSED && !z.backend().supportsFusedNtXent()) {
            path = NtXentPath.COMPOSED;
        }
        return loss(z, temperature, path);
    }

    /** The loss as a one-element tensor by the given path. z: (2N, D), 2N even and at least 2. */
    public static Tensor loss(Tensor z, double temperature, NtXentPath path) {
        return switch (path) {
            case FUSED -> fused(z, temperature);
            case COMPOSED -> composed(z, temperature);
        };
    }

    /** The fused path: one engine op, no (2N, 2N) buffer. z: (2N, D). */
    public static Tensor fused(Tensor z, double temperature) {
        check(z, temperature);
        return Ops.ntXent(z, temperature, NORMALIZE_EPS);
    }

    /** The composed reference path. z: (2N, D), 2N even and at least 2. */
    public static Tensor composed(Tensor z, double temperature) {
        check(z, temperature);
        int rows = z.dim(0);
        Tensor zn = Ops.l2Normalize(z, NORMALIZE_EPS);
        Tensor similarity = Ops.scale(Ops.matmul(zn, false, zn, true), 1 / temperature);
        // the mask and the labels are saved by the graph: they belong to the caller's scope
        Tensor masked = Ops.add(similarity, selfMask(rows, z));
        return Ops.crossEntropy(masked, partners(rows, z));
    }

    private static void check(Tensor z, double temperature) {
        if (z.rank() != 2 || z.dim(0) < 2 || z.dim(0) % 2 != 0) {
            throw new IllegalArgumentException("nt_xent: projections " + z.describe()
                    + " must be (2N, D) with views i and i+N paired");
        }
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("nt_xent: temperature must be positive, got " + temperature);
        }
    }

    /** (2N, 2N): minus infinity on the diagonal, 0 elsewhere. */
    private static Tensor selfMask(int rows, Tensor like) {
        double[] m = new double[rows * rows];
        for (int i = 0; i < rows; i++) {
            m[i * rows + i] = Double.NEGATIVE_INFINITY;
        }
        try (Tensor host = Tensor.of(m, rows, rows)) {
            Tensor typed = like.dtype() == DType.FLOAT64 ? host.detach() : host.to(like.dtype());
            if (like.device().equals(typed.device())) {
                return typed;
            }
            try (typed) {
                return typed.to(like.device());
            }
        }
    }

    /** int32 (2N): the partner of row i is i + N for the first half, i - N for the second. */
    private static Tensor partners(int rows, Tensor like) {
        int half = rows / 2;
        int[] p = new int[rows];
        for (int i = 0; i < rows; i++) {
            p[i] = i < half ? i + half : i - half;
        }
        Tensor host = Tensor.of(p, rows);
        if (like.device().equals(host.device())) {
            return host;
        }
        try (host) {
            return host.to(like.device());
        }
    }
}
