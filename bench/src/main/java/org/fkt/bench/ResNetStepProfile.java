package org.fkt.bench;

import com.sun.management.OperatingSystemMXBean;
import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Random;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.ops.Ops;
import org.fkt.engine.tensor.Tensor;
import org.fkt.nn.models.Architecture;
import org.fkt.nn.models.ResNet;
import org.fkt.nn.models.ResNetConfig;
import org.fkt.nn.models.Stem;
import org.fkt.nn.optim.Sgd;

/**
 * The training step of {@link ResNetStepBenchmark}, timed step by step in wall-clock time, process
 * CPU time and Java heap allocation, for comparing builds on a machine that other work shares
 * (where JMH's wall-clock averages swing with the load and CPU time per step is steadier).
 *
 * <pre>
 * java $FKT_JVM_FLAGS -cp bench/target/benchmarks.jar org.fkt.bench.ResNetStepProfile [steps] [--verbose]
 * </pre>
 *
 * Prints, over the steps after the first third (at most 6 warm-up steps), the median and minimum
 * of each measure.
 */
public final class ResNetStepProfile {
    private static final int BATCH = 32;

    private ResNetStepProfile() {
    }

    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        boolean verbose = Arrays.asList(args).contains("--verbose");
        var os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        var threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (var model = new ResNet(new ResNetConfig(Architecture.RESNET18, Stem.CIFAR, 10, 0, 0), 0);
             var optimizer = Sgd.builder(model.namedParameters()).lr(0.01).momentum(0.9).build()) {
            var random = new Random(0);
            float[] pixels = new float[BATCH * 3 * 32 * 32];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (float) random.nextGaussian();
            }
            int[] y = new int[BATCH];
            for (int i = 0; i < BATCH; i++) {
                y[i] = random.nextInt(10);
            }
            Tensor images = MemoryScope.unscoped(() -> Tensor.of(pixels, BATCH, 3, 32, 32));
            Tensor labels = MemoryScope.unscoped(() -> Tensor.of(y, BATCH));
            double[] wall = new double[steps];
            double[] cpu = new double[steps];
            double[] heap = new double[steps];
            for (int s = 0; s < steps; s++) {
                long a0 = threads.getTotalThreadAllocatedBytes();
                long c0 = os.getProcessCpuTime();
                long t0 = System.nanoTime();
                double loss;
                try (var step = MemoryScope.open()) {
                    Tensor l = Ops.crossEntropy(model.forward(images), labels);
                    optimizer.zeroGrad();
                    l.backward();
                    optimizer.step();
                    loss = l.item();
                }
                wall[s] = (System.nanoTime() - t0) / 1e6;
                cpu[s] = (os.getProcessCpuTime() - c0) / 1e6;
                heap[s] = (threads.getTotalThreadAllocatedBytes() - a0) / 1e6;
                if (verbose) {
                    System.out.printf("step %d: wall %.1f ms, cpu %.1f ms, heap %.1f MB, loss %.4f%n",
                            s, wall[s], cpu[s], heap[s], loss);
                }
            }
            int from = Math.min(steps / 3, 6);
            System.out.printf("ResNet-18 step, batch %d, %d steps after %d warm-up: wall median %.1f ms (min %.1f),"
                    + " process cpu median %.1f ms (min %.1f), heap %.1f MB per step, %.1f images/s%n",
                    BATCH, steps - from, from, median(wall, from), min(wall, from), median(cpu, from),
                    min(cpu, from), median(heap, from), BATCH * 1000 / median(wall, from));
            images.close();
            labels.close();
        }
    }

    private static double median(double[] v, int from) {
        double[] s = Arrays.copyOfRange(v, from, v.length);
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static double min(double[] v, int from) {
        return Arrays.stream(v, from, v.length).min().orElse(Double.NaN);
    }
}
