package org.fkt.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.ops.Ops;
import org.fkt.engine.tensor.Tensor;
import org.fkt.nn.models.Architecture;
import org.fkt.nn.models.ResNet;
import org.fkt.nn.models.ResNetConfig;
import org.fkt.nn.models.Stem;
import org.fkt.nn.optim.Sgd;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One CPU training step of ResNet-18 (CIFAR stem, 10 classes) at batch 32, 32x32: forward,
 * cross-entropy, backward, SGD with momentum 0.9. Images per second = batch / (ms / 1000).
 * The PyTorch peer is bench/scripts/resnet18_step_torch.py; bench/scripts/resnet18-step.sh runs both.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class ResNetStepBenchmark {
    @Param({"32"})
    public int batch;

    private ResNet model;
    private Sgd optimizer;
    private Tensor images;
    private Tensor labels;

    @Setup(Level.Trial)
    public void setUp() {
        model = new ResNet(new ResNetConfig(Architecture.RESNET18, Stem.CIFAR, 10, 0, 0), 0);
        optimizer = Sgd.builder(model.namedParameters()).lr(0.01).momentum(0.9).build();
        var random = new Random(0);
        float[] pixels = new float[batch * 3 * 32 * 32];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) random.nextGaussian();
        }
        int[] y = new int[batch];
        for (int i = 0; i < batch; i++) {
            y[i] = random.nextInt(10);
        }
        images = MemoryScope.unscoped(() -> Tensor.of(pixels, batch, 3, 32, 32));
        labels = MemoryScope.unscoped(() -> Tensor.of(y, batch));
    }

    @Benchmark
    public double trainingStep() {
        try (var step = MemoryScope.open()) {
            Tensor loss = Ops.crossEntropy(model.forward(images), labels);
            optimizer.zeroGrad();
            loss.backward();
            optimizer.step();
            return loss.item();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        optimizer.close();
        model.close();
        images.close();
        labels.close();
    }
}
