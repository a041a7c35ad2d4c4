package org.fkt.nn.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.tensor.Tensor;
import org.fkt.nn.testing.TorchOracle;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Structure, names and initialisation of the ResNets against torchvision. */
class ResNetTest {
    @ParameterizedTest(name = "{0} {1} stem: state_dict names, shapes and order as torchvision")
    @CsvSource({"resnet18, cifar", "resnet18, imagenet", "resnet34, imagenet", "resnet50, cifar", "resnet50, imagenet"})
    void stateDictMatchesTorchvision(String arch, String stem) {
        TorchOracle.assumeAvailable();
        String listing = TorchOracle.run("torch_step.py", "names", "--arch", arch, "--stem", stem, "--classes", "10",
                "--proj-out", "128");
        List<String> expected = listing.lines().filter(l -> !l.isBlank()).toList();
        var config = ResNetConfig.withHeads(Architecture.parse(arch), Stem.parse(stem), 10);
        try (ResNet model = new ResNet(config, 1)) {
            List<String> actual = new ArrayList<>();
            model.stateDict().forEach((name, t) -> actual.add(name + " " + shape(t) + " " + t.dtype().label()));
            assertEquals(expected.size(), actual.size(), "number of state_dict entries");
            for (int i = 0; i < expected.size(); i++) {
                assertEquals(expected.get(i), actual.get(i), "state_dict entry " + i);
            }
        }
    }

    @ParameterizedTest(name = "{0}: forward shapes on {1} stem, {2}x{2} input")
    @CsvSource({"resnet18, cifar, 16", "resnet50, imagenet, 64"})
    void forwardShapes(String arch, String stem, int size) {
        var config = new ResNetConfig(Architecture.parse(arch), Stem.parse(stem), 7, 32, 16);
        try (ResNet model = new ResNet(config, 2); var scope = MemoryScope.open()) {
            Tensor x = Tensor.zeros(2, 3, size, size);
            Tensor f = model.features(x);
            assertArrayEquals(new int[] {2, config.architecture().featureWidth()}, f.shape());
            assertArrayEquals(new int[] {2, 7}, model.classify(f).shape());
            assertArrayEquals(new int[] {2, 16}, model.project(f).shape());
        }
    }

    @ParameterizedTest(name = "{0}: initialisation statistics")
    @CsvSource({"resnet18", "resnet50"})
    void initialisationFollowsTorchvision(String arch) {
        var config = ResNetConfig.withHeads(Architecture.parse(arch), Stem.IMAGENET, 10);
        try (ResNet model = new ResNet(config, 3)) {
            Map<String, Tensor> params = model.namedParameters();
            // Kaiming normal, fan_out: layer4's 3x3 (or 1x1) convolution std = sqrt(2 / (out * k * k))
            Tensor w = params.get("layer4.0.conv2.weight");
            double expectedStd = Math.sqrt(2.0 / (w.dim(0) * w.dim(2) * w.dim(3)));
            assertEquals(expectedStd, std(w.toDoubleArray()), expectedStd * 0.02, "conv std");
            assertEquals(0, mean(w.toDoubleArray()), expectedStd * 0.02, "conv mean");
            for (double v : params.get("layer2.0.bn1.weight").toDoubleArray()) {
                assertEquals(1, v);
            }
            for (double v : params.get("layer2.0.bn1.bias").toDoubleArray()) {
                assertEquals(0, v);
            }
            double bound = 1 / Math.sqrt(config.architecture().featureWidth());
            for (double v : params.get("fc.weight").toDoubleArray()) {
                assertTrue(Math.abs(v) <= bound, "fc weight " + v + " outside +-" + bound);
            }
            assertEquals(bound / Math.sqrt(3), std(params.get("fc.weight").toDoubleArray()), bound * 0.05, "fc std");
        }
    }

    private static String shape(Tensor t) {
        if (t.rank() == 0) {
            return "scalar";
        }
        var parts = new ArrayList<String>();
        for (int d : t.shape()) {
            parts.add(Integer.toString(d));
        }
        return String.join("x", parts);
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double d : v) {
            s += d;
        }
        return s / v.length;
    }

    private static double std(double[] v) {
        double m = mean(v);
        double s = 0;
        for (double d : v) {
            s += (d - m) * (d - m);
        }
        return Math.sqrt(s / v.length);
    }
}
