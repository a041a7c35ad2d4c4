package org.fkt.nn.layers;

import java.util.Random;
import org.fkt.engine.tensor.Shapes;
import org.fkt.engine.tensor.Tensor;

/**
 * Weight initialisation with torchvision's distributions (not its random stream): Kaiming normal
 * with fan_out for convolutions, and nn.Linear's default uniform(-1/sqrt(fan_in), 1/sqrt(fan_in))
 * for linear weights and biases. Weights are created on the CPU in float32.
 */
public final class Init {
    private Init() {
    }

    /** N(0, sqrt(2 / fan_out)) with fan_out = shape[0] * receptive field (kaiming_normal_, mode fan_out, relu). */
    public static Tensor kaimingNormalFanOut(Random random, int... shape) {
        long fanOut = shape[0];
        for (int i = 2; i < shape.length; i++) {
            fanOut *= shape[i];
        }
        double std = Math.sqrt(2.0 / fanOut);
        float[] v = new float[(int) Shapes.numel(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (random.nextGaussian() * std);
        }
        return Tensor.of(v, shape);
    }

    /** U(-bound, bound). */
    public static Tensor uniform(Random random, double bound, int... shape) {
        float[] v = new float[(int) Shapes.numel(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        return Tensor.of(v, shape);
    }
}
