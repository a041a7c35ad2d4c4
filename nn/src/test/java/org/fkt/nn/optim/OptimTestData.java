package org.fkt.nn.optim;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.fkt.engine.tensor.Tensor;

/** Fresh random test data per test from one generator; the seed is printed for reproduction. */
final class OptimTestData {
    final Random random;
    final long seed;

    OptimTestData(String test) {
        seed = System.nanoTime();
        random = new Random(seed);
        System.out.println(test + ": seed " + seed);
    }

    /** Normal(mean, scale) float32 values. */
    float[] normal(int n, double mean, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (mean + scale * random.nextGaussian());
        }
        return v;
    }

    /** A float32 leaf requiring grad holding Normal(0, 1) values. */
    Tensor param(int... shape) {
        return Tensor.of(normal(numel(shape), 0, 1), shape).requiresGrad(true);
    }

    /** Sets a fresh Normal(0, scale) gradient on {@code p}. */
    void grad(Tensor p, double scale) {
        p.grad(Tensor.of(normal((int) p.numel(), 0, scale), p.shape()));
    }

    /** A small model's parameters with torchvision-like names: a conv, a BatchNorm, a linear head. */
    Map<String, Tensor> model() {
        var m = new LinkedHashMap<String, Tensor>();
        m.put("conv1.weight", param(4, 3, 3, 3).name("conv1.weight"));
        m.put("bn1.weight", param(4).name("bn1.weight"));
        m.put("bn1.bias", param(4).name("bn1.bias"));
        m.put("projector.0.weight", param(6, 4).name("projector.0.weight"));
        m.put("fc.weight", param(3, 4).name("fc.weight"));
        m.put("fc.bias", param(3).name("fc.bias"));
        return m;
    }

    /** Fresh gradients on every parameter. */
    void grads(Map<String, Tensor> params, double scale) {
        params.values().forEach(p -> grad(p, scale));
    }

    /** Copies of {@code params} (values only, requiring grad, no gradient). */
    static Map<String, Tensor> copy(Map<String, Tensor> params) {
        var m = new LinkedHashMap<String, Tensor>();
        params.forEach((n, p) -> m.put(n, Tensor.of(p.toFloatArray(), p.shape()).requiresGrad(true).name(n)));
        return m;
    }

    /** Gives each parameter of {@code to} a copy of the gradient of the same name in {@code from}. */
    static void copyGrads(Map<String, Tensor> from, Map<String, Tensor> to) {
        from.forEach((n, p) -> to.get(n).grad(p.grad() == null ? null : Tensor.of(p.grad().toFloatArray(), p.shape())));
    }

    static void close(Map<String, Tensor> params) {
        params.values().forEach(Tensor::close);
    }

    static int numel(int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        return n;
    }
}
