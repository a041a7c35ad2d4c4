package org.fkt.train;

import org.fkt.io.Json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fkt.nn.models.Architecture;
import org.fkt.nn.models.ResNet;
import org.fkt.nn.models.ResNetConfig;
import org.fkt.nn.models.Stem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trainer: stopping and resuming gives bit-identical weights, divergence stops cleanly, checkpoints are safe. */
class TrainerTest {
    private static final int CLASSES = 3;
    private static final int SIZE = 8;

    @TempDir
    Path tmp;

    private static TrainSettings settings(int epochs) {
        return new TrainSettings(Architecture.RESNET18, Stem.CIFAR, SIZE, 4, epochs, 0.01, 0.9, 1e-6, 0.001,
                0.05, 0.9, 5e-4, "cosine", epochs > 1 ? 1 : 0, 0.5, 1.0, 32, 16, OptimizerMode.SPLIT, false, "simclr", 1, 7, 0);
    }

    private static ResNet model(TrainSettings s, long seed) {
        return new ResNet(new ResNetConfig(s.arch(), s.stem(), CLASSES, s.projectorHidden(), s.projOut()), seed);
    }

    private static Map<String, float[]> weights(ResNet m) {
        var out = new LinkedHashMap<String, float[]>();
        m.stateDict().forEach((k, v) -> {
            if (v.dtype() == org.fkt.engine.tensor.DType.FLOAT32) {
                out.put(k, v.toFloatArray());
            }
        });
        return out;
    }

    @Test
    void stoppedAndResumedJointRunEqualsUninterruptedRun() {
        TrainSettings s = settings(2);
        var source = new SyntheticSource(3, 4, SIZE, CLASSES, 11);
        List<Double> straightLosses = new ArrayList<>();
        Map<String, float[]> straight;
        try (ResNet m = model(s, 1)) {
            var outcome = new Trainer(Stage.JOINT, m, s, tmp.resolve("a")).run(source, null, new TrainingListener() {
                @Override
                public void stepDone(StepLog step) {
                    straightLosses.add(step.loss());
                }
            }, new StopSignal());
            assertFalse(outcome.stopped());
            assertTrue(outcome.position().complete());
            straight = weights(m);
        }
        var stop = new StopSignal();
        List<Double> resumedLosses = new ArrayList<>();
        TrainingListener stopAfterFour = new TrainingListener() {
            @Override
            public void stepDone(StepLog step) {
                resumedLosses.add(step.loss());
                if (resumedLosses.size() == 4) {
                    stop.request();
                }
            }
        };
        try (ResNet m = model(s, 1)) {
            var outcome = new Trainer(Stage.JOINT, m, s, tmp.resolve("b")).run(source, null, stopAfterFour, stop);
            assertTrue(outcome.stopped());
            assertEquals(1, outcome.position().epoch());
            assertEquals(1, outcome.position().batch());
        }
        try (ResNet m = model(s, 99)) {   // other initial weights: everything must come from the checkpoint
            var outcome = new Trainer(Stage.JOINT, m, s, tmp.resolve("b")).run(source, null, stopAfterFour, new StopSignal());
            assertFalse(outcome.stopped());
            Map<String, float[]> resumed = weights(m);
            assertEquals(straight.keySet(), resumed.keySet());
            straight.forEach((k, v) -> assertArrayEquals(v, resumed.get(k), k));
        }
        assertEquals(straightLosses, resumedLosses);
    }

    @Test
    void completeStageIsNotRunAgain() {
        TrainSettings s = settings(1);
        var source = new SyntheticSource(2, 4, SIZE, CLASSES, 3);
        try (ResNet m = model(s, 1)) {
            new Trainer(Stage.PRETRAIN, m, s, tmp).run(source, null, new TrainingListener() { }, new StopSignal());
        }
        int[] steps = {0};
        try (ResNet m = model(s, 1)) {
            var outcome = new Trainer(Stage.PRETRAIN, m, s, tmp).run(source, null, new TrainingListener() {
                @Override
                public void stepDone(StepLog step) {
                    steps[0]++;
                }
            }, new StopSignal());
            assertTrue(outcome.position().complete());
        }
        assertEquals(0, steps[0]);
    }

    @Test
    void nonFiniteLossStopsWithStepTermsAndLastGoodCheckpoint() {
        TrainSettings s = settings(2);
        var source = new SyntheticSource(2, 4, SIZE, CLASSES, 5, 1, 1);
        try (ResNet m = model(s, 1)) {
            var e = assertThrows(TrainingDiverged.class,
                    () -> new Trainer(Stage.JOINT, m, s, tmp).run(source, null, new TrainingListener() { }, new StopSignal()));
            assertTrue(e.getMessage().contains("epoch 1, batch 1"), e.getMessage());
            assertTrue(e.getMessage().contains("contrastive NaN"), e.getMessage());
            assertEquals(tmp, e.lastCheckpoint());
            Position kept = Checkpoints.read(tmp);
            assertEquals(1, kept.epoch());
            assertEquals(0, kept.batch());
            assertTrue(Files.exists(Checkpoints.modelFile(tmp)));
        }
    }

    @Test
    void failedCheckpointWriteLeavesThePreviousOneIntact() throws Exception {
        TrainSettings s = settings(2);
        var source = new SyntheticSource(1, 4, SIZE, CLASSES, 5);
        Path blocker = tmp.resolve("model-e2-b0.safetensors");   // a non-empty folder: the second epoch's write must fail
        Files.createDirectories(blocker);
        Files.writeString(blocker.resolve("keep"), "x");
        try (ResNet m = model(s, 1)) {
            assertThrows(RuntimeException.class,
                    () -> new Trainer(Stage.JOINT, m, s, tmp).run(source, null, new TrainingListener() { }, new StopSignal()));
        }
        Position kept = Checkpoints.read(tmp);
        assertEquals(1, kept.epoch());
        try (ResNet m = model(s, 42)) {
            Checkpoints.loadModel(Checkpoints.modelFile(tmp), m, false);
        }
    }

    @Test
    void checkpointOfAnotherArchitectureOrClassCountIsRefusedNamingTheMismatch() {
        TrainSettings s = settings(1);
        try (ResNet m = model(s, 1)) {
            new Trainer(Stage.FINETUNE, m, s, tmp).run(new SyntheticSource(1, 4, SIZE, CLASSES, 1), null,
                    new TrainingListener() { }, new StopSignal());
        }
        Path file = Checkpoints.modelFile(tmp);
        try (ResNet other = new ResNet(new ResNetConfig(Architecture.RESNET34, Stem.CIFAR, CLASSES, 32, 16), 1)) {
            var e = assertThrows(IllegalArgumentException.class, () -> Checkpoints.loadModel(file, other, false));
            assertTrue(e.getMessage().contains("architecture resnet18") && e.getMessage().contains("resnet34"), e.getMessage());
        }
        try (ResNet other = new ResNet(new ResNetConfig(Architecture.RESNET18, Stem.CIFAR, 5, 32, 16), 1)) {
            var e = assertThrows(IllegalArgumentException.class, () -> Checkpoints.loadModel(file, other, false));
            assertTrue(e.getMessage().contains("class count 3") && e.getMessage().contains("5"), e.getMessage());
            Checkpoints.loadModel(file, other, true);   // the encoder alone fits any class count
        }
    }

    @Test
    void frozenEncoderTrainsOnlyTheClassifier() {
        TrainSettings base = settings(1);
        TrainSettings s = new TrainSettings(base.arch(), base.stem(), SIZE, 4, 1, 0.01, 0.9, 0, 0.001, 0.1, 0.9, 0,
                "constant", 0, 0.5, 1, 32, 16, OptimizerMode.SPLIT, true, "simclr", 1, 1, 0);
        try (ResNet m = model(s, 1)) {
            Map<String, float[]> before = weights(m);
            new Trainer(Stage.FINETUNE, m, s, tmp).run(new SyntheticSource(2, 4, SIZE, CLASSES, 2), null,
                    new TrainingListener() { }, new StopSignal());
            Map<String, float[]> after = weights(m);
            before.forEach((k, v) -> {
                boolean same = java.util.Arrays.equals(v, after.get(k));
                assertEquals(!k.startsWith("fc."), same, k + (same ? " unchanged" : " changed"));
            });
        }
    }

    @Test
    void epochTimeCoversEveryStepAndTheDevicesTail() {
        TrainSettings s = settings(1);
        var source = new SyntheticSource(3, 4, SIZE, CLASSES, 5);
        long tailMillis = 300;
        long listenerMillis = 50;
        // a simulated device still busy with the last step's backward and update when the steps end
        StepClock clock = new StepClock(() -> sleep(tailMillis));
        List<Double> steps = new ArrayList<>();
        List<TrainingListener.EpochLog> epochs = new ArrayList<>();
        double wall;
        try (ResNet m = model(s, 1)) {
            long t0 = System.nanoTime();
            new Trainer(Stage.JOINT, m, s, tmp, clock).run(source, null, new TrainingListener() {
                @Override
                public void stepDone(StepLog step) {
                    steps.add(step.seconds());
                    sleep(listenerMillis);   // host work between steps belongs to the epoch too
                }

                @Override
                public void epochDone(EpochLog epoch) {
                    epochs.add(epoch);
                }
            }, new StopSignal());
            wall = (System.nanoTime() - t0) / 1e9;
        }
        assertEquals(3, steps.size());
        double stepSum = steps.stream().mapToDouble(Double::doubleValue).sum();
        double epoch = epochs.get(0).seconds();
        assertTrue(epoch >= stepSum + tailMillis / 1e3, "epoch " + epoch + " s < steps " + stepSum + " s + the tail");
        assertTrue(epoch >= (3 * listenerMillis + tailMillis) / 1e3, "epoch " + epoch + " s misses time between steps");
        assertTrue(epoch <= wall, "epoch " + epoch + " s > the run's wall time " + wall + " s");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void jsonRoundTripsSettingsExactly() {
        TrainSettings s = settings(3).withSeed(123456789012L);
        assertEquals(s, TrainSettings.fromMap(Json.parseObject(Json.write(s.toMap()))));
        var e = assertThrows(IllegalArgumentException.class, () -> TrainSettings.fromMap(Map.of("arch", "resnet18")));
        assertTrue(e.getMessage().contains("stem"), e.getMessage());
    }
}
