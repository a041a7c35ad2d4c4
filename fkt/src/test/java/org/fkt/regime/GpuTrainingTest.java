package org.fkt.regime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fkt.augment.Normalization;
import org.fkt.data.DataFormat;
import org.fkt.data.DataOptions;
import org.fkt.data.DataSources;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Device;
import org.fkt.gpu.GpuGate;
import org.fkt.nn.models.Architecture;
import org.fkt.nn.models.ResNet;
import org.fkt.nn.models.ResNetConfig;
import org.fkt.nn.models.Stem;
import org.fkt.report.Metrics;
import org.fkt.train.Checkpoints;
import org.fkt.train.Evaluator;
import org.fkt.train.OptimizerMode;
import org.fkt.train.Stage;
import org.fkt.train.StopSignal;
import org.fkt.train.TrainSettings;
import org.fkt.train.Trainer;
import org.fkt.train.TrainingListener;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Joint training on cuda:0 against the CPU from the same seed, through the real pipeline: the bundled
 * CIFAR-10 sample (4 training images: two steps of batch 2 at 16x16, ResNet-18 CIFAR stem; at 32x32 and
 * batch 4 the CPU emulator was still in its first steps after ten minutes), the device batch allocator,
 * split LARS + SGD, evaluation on 2 test images, a checkpoint written from device tensors and loaded back
 * onto the device. Every step's loss terms agree within float32 tolerance for a whole model (2e-3 relative,
 * as the nn module's ResNet parity test). Skips, with the reason printed, where no CUDA device is usable
 * ({@link GpuGate}; in the emulated run it fails instead).
 */
@Tag("gpu")
class GpuTrainingTest {
    private static final Device GPU = GpuGate.GPU;
    private static final double RTOL = 2e-3;
    /** Images per batch and their side: small, because the CPU emulator runs a ResNet-18 step in minutes at 32x32. */
    private static final int BATCH = 2;
    private static final int SIZE = 16;

    @TempDir
    Path tmp;

    private record Run(List<double[]> steps, Metrics test, Map<String, float[]> weights, Path checkpoints) {
    }

    @Test
    void jointTrainingOnTheGpuMatchesTheCpu() {
        GpuGate.requireTraining("the GPU training test");
        var options = new DataOptions(null, DataFormat.AUTO, SIZE, null, 0L, 0.2, System.out, 2, 2 * BATCH, BATCH, null);
        var data = new TrainingData(DataSources.openBundledSample(options), Normalization.CIFAR10);
        var s = new TrainSettings(Architecture.RESNET18, Stem.CIFAR, SIZE, BATCH, 1, 0.01, 0.9, 1e-6, 0.001, 0.05, 0.9, 5e-4,
                "cosine", 0, 0.5, 1.0, 64, 32, OptimizerMode.SPLIT, false, "simclr", 1, 5, 2 * BATCH);
        var config = new ResNetConfig(s.arch(), s.stem(), data.classes().size(), s.projectorHidden(), s.projOut());
        Run cpu = train(data, s, config, Device.CPU);
        Run gpu = train(data, s, config, GPU);

        assertEquals(2, cpu.steps().size());
        assertEquals(cpu.steps().size(), gpu.steps().size());
        for (int i = 0; i < cpu.steps().size(); i++) {
            String[] names = {"loss", "contrastive", "supervised"};
            for (int k = 0; k < names.length; k++) {
                double want = cpu.steps().get(i)[k];
                double got = gpu.steps().get(i)[k];
                System.out.printf("step %d %s: cpu %.7f, cuda:0 %.7f%n", i, names[k], want, got);
                assertTrue(Math.abs(got - want) <= RTOL * Math.max(1, Math.abs(want)),
                        "step " + i + " " + names[k] + ": cpu " + want + ", cuda:0 " + got);
            }
        }
        assertEquals(BATCH, gpu.test().count(), "the device evaluation sees every test image");
        assertEquals(cpu.test().count(), gpu.test().count());

        // the checkpoint written from device tensors holds the device weights exactly, on the CPU and back on the GPU
        Path file = Checkpoints.modelFile(gpu.checkpoints());
        try (ResNet onCpu = new ResNet(config, 99); ResNet onGpu = new ResNet(config, 99)) {
            Checkpoints.loadModel(file, onCpu, false);
            onGpu.to(GPU);
            Checkpoints.loadModel(file, onGpu, false);
            Map<String, float[]> fromCpu = weights(onCpu);
            Map<String, float[]> fromGpu = weights(onGpu);
            for (var e : gpu.weights().entrySet()) {
                assertArrayEquals(e.getValue(), fromCpu.get(e.getKey()), "checkpoint on the CPU: " + e.getKey());
                assertArrayEquals(e.getValue(), fromGpu.get(e.getKey()), "checkpoint back on cuda:0: " + e.getKey());
            }
        }
    }

    private Run train(TrainingData data, TrainSettings s, ResNetConfig config, Device device) {
        List<double[]> steps = new ArrayList<>();
        Path dir = tmp.resolve(device.toString().replace(':', '-'));
        try (ResNet model = new ResNet(config, s.seed())) {
            model.to(device);
            var evaluator = new Evaluator(data.test(s, device), data.classes().size());
            Trainer.Outcome outcome = new Trainer(Stage.JOINT, model, s, dir).run(data.train(Stage.JOINT, s, device),
                    evaluator, new TrainingListener() {
                        @Override
                        public void stepDone(StepLog step) {
                            System.out.printf("%s step %d: loss %.7f in %.1f s%n", device, step.batch(), step.loss(),
                                    step.seconds());
                            steps.add(new double[] {step.loss(), step.contrastive(), step.supervised()});
                        }
                    }, new StopSignal());
            assertTrue(outcome.position().complete(), "the stage ran to its end on " + device);
            return new Run(steps, outcome.test(), weights(model), dir);
        }
    }

    private static Map<String, float[]> weights(ResNet m) {
        var out = new LinkedHashMap<String, float[]>();
        m.stateDict().forEach((k, v) -> {
            if (v.dtype() == DType.FLOAT32) {
                out.put(k, v.toFloatArray());
            }
        });
        return out;
    }
}
