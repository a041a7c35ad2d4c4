package org.fkt.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.fkt.engine.autograd.Autograd;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.ops.Ops;
import org.fkt.engine.tensor.Tensor;

/**
 * The smoke job: trains a small convolutional network (conv-bn-relu-maxpool, conv-bn-relu,
 * global average pool, linear) with momentum SGD on generated images whose class is the quadrant
 * holding a bright square, and prints the loss as it falls. Runs on the CPU in seconds; it exercises
 * every op of the engine's training path end to end.
 */
public final class DemoTraining {
    private static final int CLASSES = 4;
    private static final int SIZE = 16;

    private final Random random;
    private final List<Tensor> parameters = new ArrayList<>();
    private final List<Tensor> velocities = new ArrayList<>();
    private final Tensor w1;   // (8, 3, 3, 3)
    private final Tensor g1;
    private final Tensor b1;
    private final Tensor rm1;
    private final Tensor rv1;
    private final Tensor w2;   // (16, 8, 3, 3)
    private final Tensor g2;
    private final Tensor b2;
    private final Tensor rm2;
    private final Tensor rv2;
    private final Tensor fw;   // (CLASSES, 16)
    private final Tensor fb;   // (CLASSES)

    public DemoTraining(long seed) {
        random = new Random(seed);
        w1 = parameter(kaiming(8, 3, 3, 3));
        g1 = parameter(Tensor.ones(8));
        b1 = parameter(Tensor.zeros(8));
        rm1 = Tensor.zeros(8);
        rv1 = Tensor.ones(8);
        w2 = parameter(kaiming(16, 8, 3, 3));
        g2 = parameter(Tensor.ones(16));
        b2 = parameter(Tensor.zeros(16));
        rm2 = Tensor.zeros(16);
        rv2 = Tensor.ones(16);
        fw = parameter(kaiming(CLASSES, 16));
        fb = parameter(Tensor.zeros(CLASSES));
    }

    /** Trains for {@code steps} steps of {@code batch} images, printing every {@code every} steps. */
    public double[] train(int steps, int batch, double lr, int every, PrintStream out) {
        double[] losses = new double[steps];
        out.printf("training a small conv net on generated %dx%d images, %d classes, batch %d, SGD lr %.3g momentum 0.9%n",
                SIZE, SIZE, CLASSES, batch, lr);
        long start = System.nanoTime();
        for (int step = 0; step < steps; step++) {
            try (var scope = MemoryScope.open()) {
                int[] labels = new int[batch];
                Tensor images = images(labels);
                Tensor logits = forward(images);
                Tensor loss = Ops.crossEntropy(logits, Tensor.of(labels, batch));
                for (Tensor p : parameters) {
                    p.zeroGrad();
                }
                loss.backward();
                sgdStep(lr, 0.9);
                losses[step] = loss.item();
                if (step % every == 0 || step == steps - 1) {
                    int correct = 0;
                    int[] predicted = Ops.argmax(logits).toIntArray();
                    for (int i = 0; i < batch; i++) {
                        correct += predicted[i] == labels[i] ? 1 : 0;
                    }
                    out.printf("step %4d  loss %.4f  batch accuracy %5.1f%%%n", step, losses[step], 100.0 * correct / batch);
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        out.printf("%d steps in %.1f s (%.0f images/s)%n", steps, seconds, steps * batch / seconds);
        return losses;
    }

    private Tensor forward(Tensor x) {
        Tensor h = Ops.relu(Ops.batchNorm2d(Ops.conv2d(x, w1, 1, 1), g1, b1, rm1, rv1, true, 0.1, 1e-5));
        h = Ops.maxPool2d(h, 3, 2, 1);
        h = Ops.relu(Ops.batchNorm2d(Ops.conv2d(h, w2, 2, 1), g2, b2, rm2, rv2, true, 0.1, 1e-5));
        return Ops.linear(Ops.globalAvgPool(h), fw, fb);
    }

    private void sgdStep(double lr, double momentum) {
        try (var off = Autograd.noGrad()) {
            for (int i = 0; i < parameters.size(); i++) {
                Tensor p = parameters.get(i);
                Tensor v = velocities.get(i);
                v.backend().scale(v, momentum, v);
                v.backend().accumulate(v, p.grad(), 1);
                p.backend().accumulate(p, v, -lr);
            }
        }
    }

    /** Noise images with a bright 5x5 square in the quadrant named by the label. */
    private Tensor images(int[] labels) {
        int n = labels.length;
        float[] pixels = new float[n * 3 * SIZE * SIZE];
        for (int i = 0; i < n; i++) {
            int label = random.nextInt(CLASSES);
            labels[i] = label;
            int top = (label / 2) * SIZE / 2 + random.nextInt(SIZE / 2 - 4);
            int left = (label % 2) * SIZE / 2 + random.nextInt(SIZE / 2 - 4);
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < SIZE; y++) {
                    for (int x = 0; x < SIZE; x++) {
                        boolean inside = y >= top && y < top + 5 && x >= left && x < left + 5;
                        pixels[((i * 3 + c) * SIZE + y) * SIZE + x] =
                                (float) (random.nextGaussian() * 0.5 + (inside ? 2 : 0));
                    }
                }
            }
        }
        return Tensor.of(pixels, n, 3, SIZE, SIZE);
    }

    private Tensor parameter(Tensor t) {
        t.requiresGrad(true);
        parameters.add(t);
        velocities.add(Tensor.zeros(t.shape()));
        return t;
    }

    /** Normal(0, sqrt(2 / fan_out)) weights. */
    private Tensor kaiming(int... shape) {
        long fanOut = shape[0];
        for (int i = 2; i < shape.length; i++) {
            fanOut *= shape[i];
        }
        float[] v = new float[(int) org.fkt.engine.tensor.Shapes.numel(shape)];
        double std = Math.sqrt(2.0 / fanOut);
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (random.nextGaussian() * std);
        }
        return Tensor.of(v, shape);
    }
}
