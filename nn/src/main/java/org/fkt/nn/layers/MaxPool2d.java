package org.fkt.nn.layers;

import org.fkt.engine.ops.Ops;
import org.fkt.engine.tensor.Tensor;
import org.fkt.nn.Module;

/** Square max-pooling (the ResNet stem uses kernel 3, stride 2, padding 1). */
public final class MaxPool2d extends Module {
    private final int kernel;
    private final int stride;
    private final int padding;

    public MaxPool2d(int kernel, int stride, int padding) {
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
    }

    @Override
    public Tensor forward(Tensor x) {
        return Ops.maxPool2d(x, kernel, stride, padding);
    }
}
