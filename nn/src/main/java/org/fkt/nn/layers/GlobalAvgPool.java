package org.fkt.nn.layers;

import org.fkt.engine.ops.Ops;
import org.fkt.engine.tensor.Tensor;
import org.fkt.nn.Module;

/** (N, C, H, W) -> (N, C): torchvision's AdaptiveAvgPool2d((1, 1)) followed by flatten. */
public final class GlobalAvgPool extends Module {
    @Override
    public Tensor forward(Tensor x) {
        return Ops.globalAvgPool(x);
    }
}
