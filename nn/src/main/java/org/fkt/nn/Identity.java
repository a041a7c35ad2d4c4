package org.fkt.nn;

import org.fkt.engine.tensor.Tensor;

/** Returns its input. */
public final class Identity extends Module {
    @Override
    public Tensor forward(Tensor x) {
        return x;
    }
}
