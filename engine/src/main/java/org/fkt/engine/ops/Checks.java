package org.fkt.engine.ops;

import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Tensor;

/**
 * Argument checks shared by the ops. Every failure names the op, the argument, its shape, type
 * and device, and what was expected, so a bad call never reaches a kernel.
 */
final class Checks {
    private Checks() {
    }

    /** Open, contiguous, floating-point. */
    static void input(String op, String arg, Tensor t) {
        if (t == null) {
            throw new IllegalArgumentException(op + ": " + arg + " is null");
        }
        t.checkOpen(op, arg);
        if (!t.isContiguous()) {
            throw new IllegalArgumentException(op + ": " + arg + " " + t.describe()
                    + " is not contiguous; call contiguous() first");
        }
        if (!t.dtype().isFloating()) {
            throw new IllegalArgumentException(op + ": " + arg + " " + t.describe() + " must be floating-point");
        }
    }

    static void rank(String op, String arg, Tensor t, int rank, String layout) {
        if (t.rank() != rank) {
            throw new IllegalArgumentException(op + ": " + arg + " " + t.describe() + " must have rank " + rank
                    + " " + layout);
        }
    }

    /** Same device and element type as {@code ref}. */
    static void compatible(String op, String refArg, Tensor ref, String arg, Tensor t) {
        if (!t.device().equals(ref.device())) {
            throw new IllegalArgumentException(op + ": " + arg + " " + t.describe() + " is on " + t.device()
                    + " but " + refArg + " " + ref.describe() + " is on " + ref.device());
        }
        if (t.dtype() != ref.dtype()) {
            throw new IllegalArgumentException(op + ": " + arg + " " + t.describe() + " is " + t.dtype().label()
                    + " but " + refArg + " " + ref.describe() + " is " + ref.dtype().label());
        }
    }

    static void sameShape(String op, String aArg, Tensor a, String bArg, Tensor b) {
        if (!a.sameShape(b)) {
            throw new IllegalArgumentException(op + ": shape mismatch, " + aArg + " " + a.describe() + " vs "
                    + bArg + " " + b.describe());
        }
    }

    static void dim(String op, String arg, Tensor t, int axis, int expected, String what) {
        if (t.dim(axis) != expected) {
            throw new IllegalArgumentException(op + ": " + arg + " " + t.describe() + " has " + t.dim(axis) + " "
                    + what + " but " + expected + " were expected");
        }
    }

    /** An int32 label vector of length n on the device of {@code ref}. */
    static void labels(String op, Tensor labels, Tensor ref, int n) {
        if (labels == null) {
            throw new IllegalArgumentException(op + ": labels is null");
        }
        labels.checkOpen(op, "labels");
        if (labels.dtype() != DType.INT32 || labels.rank() != 1 || labels.dim(0) != n) {
            throw new IllegalArgumentException(op + ": labels " + labels.describe() + " must be int32 of shape ("
                    + n + ")");
        }
        if (!labels.device().equals(ref.device())) {
            throw new IllegalArgumentException(op + ": labels " + labels.describe() + " is on " + labels.device()
                    + " but logits are on " + ref.device());
        }
    }
}
