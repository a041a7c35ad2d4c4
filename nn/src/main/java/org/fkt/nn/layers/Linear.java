package org.fkt.nn.layers;

import java.util.Random;
import org.fkt.engine.ops.Ops;
import org.fkt.engine.tensor.Tensor;
import org.fkt.nn.Module;

/** y = x W^T + b with torch.nn.Linear's default initialisation. weight: (out, in), bias: (out). */
public final class Linear extends Module {

    public Linear(Random random, int in, int out, boolean withBias) {
        double bound = 1 / Math.sqrt(in);
        parameter("weight", Init.uniform(random, bound, out, in));   // (out, in)
        if (withBias) {
            parameter("bias", Init.uniform(random, bound, out));     // (out)
        }
    }

    public Linear(Random random, int in, int out) {
        this(random, in, out, true);
    }

    public Tensor weight() {
        return param("weight");
    }

    @Override
    public Tensor forward(Tensor x) {
        return Ops.linear(x, weight(), param("bias"));
    }
}
