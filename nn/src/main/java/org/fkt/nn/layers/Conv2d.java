package org.fkt.nn.layers;

import java.util.Random;
import org.fkt.engine.ops.Ops;
import org.fkt.engine.tensor.Tensor;
import org.fkt.nn.Module;

/** 2-D convolution without bias (ResNets follow every convolution with BatchNorm). weight: (K, C, R, S). */
public final class Conv2d extends Module {
    private final int stride;
    private final int padding;

    public Conv2d(Random random, int in, int out, int kernel, int stride, int padding) {
        parameter("weight", Init.kaimingNormalFanOut(random, out, in, kernel, kernel));   // (out, in, k, k)
        this.stride = stride;
        this.padding = padding;
    }

    public Tensor weight() {
        return param("weight");
    }

    @Override
    public Tensor forward(Tensor x) {
        return Ops.conv2d(x, weight(), stride, padding);
    }
}
