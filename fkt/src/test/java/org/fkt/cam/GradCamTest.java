package org.fkt.cam;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.fkt.engine.autograd.Autograd;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.memory.NativeMemory;
import org.fkt.engine.ops.Ops;
import org.fkt.engine.tensor.Tensor;
import org.fkt.nn.io.Safetensors;
import org.fkt.nn.models.Architecture;
import org.fkt.nn.models.ResNet;
import org.fkt.nn.models.ResNetConfig;
import org.fkt.nn.models.Stem;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Grad-CAM against the class activation map it must equal for GAP + linear heads, the bilinear resize
 * against hand values, and (when PyTorch is installed) the whole map against a PyTorch Grad-CAM on the
 * same weights.
 */
class GradCamTest {
    private static final int CLASSES = 5;
    private static final String PYTHON = System.getProperty("fkt.python", "/usr/bin/python3");

    /** ResNet-18, CIFAR stem, with running statistics moved off their initial values by two training batches. */
    private static ResNet model() {
        var model = new ResNet(new ResNetConfig(Architecture.RESNET18, Stem.CIFAR, CLASSES, 0, 0), 11);
        try (var scope = MemoryScope.open(); var off = Autograd.noGrad()) {
            for (int i = 0; i < 2; i++) {
                model.forward(randomImages(4, 100 + i));
            }
        }
        return model;
    }

    private static Tensor randomImages(int n, long seed) {
        var random = new Random(seed);
        float[] px = new float[n * 3 * 32 * 32];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) random.nextGaussian();
        }
        return Tensor.of(px, n, 3, 32, 32);
    }

    @Test
    void gradCamEqualsTheClassActivationMap() {
        try (ResNet model = model(); var scope = MemoryScope.open()) {
            Tensor x = randomImages(1, 7);
            model.train(true);
            for (int target : new int[] {-1, 2}) {
                GradCam.Result cam = GradCam.compute(model, x, target);
                assertTrue(model.isTraining(), "training mode is restored");
                assertNull(model.namedParameters().get("fc.weight").grad(), "the model's gradients are untouched");

                double[] a;        // (C, h, w)
                float[] logits;
                try (var off = Autograd.noGrad()) {
                    model.eval();
                    Tensor map = model.featureMap(x);
                    a = map.toDoubleArray();
                    logits = model.classify(Ops.globalAvgPool(map)).toFloatArray();
                    model.train(true);
                }
                int predicted = 0;
                for (int k = 1; k < CLASSES; k++) {
                    predicted = logits[k] > logits[predicted] ? k : predicted;
                }
                assertEquals(predicted, cam.predicted());
                assertEquals(target < 0 ? predicted : target, cam.classIndex());
                assertArrayEquals(logits, cam.logits(), 1e-5f);

                // CAM: ReLU(sum_k fc.w[c, k] A_k); Grad-CAM's weights are fc.w[c, k] / (h w)
                double[] w = model.namedParameters().get("fc.weight").toDoubleArray();   // (classes, C)
                int c = 512;
                int hw = cam.mapHeight() * cam.mapWidth();
                assertEquals(4, cam.mapHeight());
                assertEquals(4, cam.mapWidth());
                double[] reference = new double[hw];
                for (int i = 0; i < hw; i++) {
                    double s = 0;
                    for (int k = 0; k < c; k++) {
                        s += w[cam.classIndex() * c + k] * a[k * hw + i];
                    }
                    reference[i] = Math.max(0, s);
                }
                double peak = Arrays.stream(reference).max().orElseThrow();
                assertTrue(peak > 0, "the class has some positive evidence");
                for (int k = 0; k < c; k++) {
                    double expectedWeight = w[cam.classIndex() * c + k] / hw;
                    assertEquals(expectedWeight, cam.channelWeights()[k], 1e-6 * Math.abs(expectedWeight) + 1e-9);
                }
                for (int i = 0; i < hw; i++) {
                    assertEquals(reference[i] / hw, cam.map()[i], 1e-5 * peak / hw, "map cell " + i);
                }
                double[] expected = GradCam.normalise(GradCam.resizeBilinear(reference, 4, 4, 32, 32));
                assertEquals(32 * 32, cam.heatmap().length);
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(expected[i], cam.heatmap()[i], 1e-5, "heatmap pixel " + i);
                }
                assertEquals(1.0, Arrays.stream(cam.heatmap()).max().orElseThrow(), 1e-12);
                assertEquals(0.0, Arrays.stream(cam.heatmap()).min().orElseThrow(), 1e-12);
            }
        }
    }

    @Test
    void intermediateTensorsAreFreed() {
        try (ResNet model = model(); Tensor x = MemoryScope.unscoped(() -> randomImages(1, 3))) {
            GradCam.compute(model, x);
            long before = NativeMemory.liveBytes();
            GradCam.compute(model, x);
            assertEquals(before, NativeMemory.liveBytes());
        }
    }

    @Test
    void bilinearResizeUsesHalfPixelCentres() {
        // PyTorch: F.interpolate([[0, 1], [2, 3]], size=4, mode="bilinear", align_corners=False)
        double[] out = GradCam.resizeBilinear(new double[] {0, 1, 2, 3}, 2, 2, 4, 4);
        assertArrayEquals(new double[] {0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3},
                out, 1e-12);
        assertArrayEquals(new double[] {7, 7, 7, 7}, GradCam.resizeBilinear(new double[] {7}, 1, 1, 2, 2), 1e-12);
        assertArrayEquals(new double[] {0, 0, 0}, GradCam.normalise(new double[] {5, 5, 5}), 0);
    }

    @Test
    void badArgumentsAreClearErrors() {
        try (var model = new ResNet(new ResNetConfig(Architecture.RESNET18, Stem.CIFAR, CLASSES, 0, 0), 1);
             var scope = MemoryScope.open()) {
            var e = assertThrows(IllegalArgumentException.class, () -> GradCam.compute(model, randomImages(2, 1)));
            assertTrue(e.getMessage().contains("(1, 3, H, W)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> GradCam.compute(model, randomImages(1, 1), CLASSES));
            assertTrue(e.getMessage().contains("class 5 is outside [0, 5)"), e.getMessage());
        }
        try (var headless = new ResNet(new ResNetConfig(Architecture.RESNET18, Stem.CIFAR, 0, 8, 4), 1);
             var scope = MemoryScope.open()) {
            var e = assertThrows(IllegalArgumentException.class, () -> GradCam.compute(headless, randomImages(1, 1)));
            assertTrue(e.getMessage().contains("no classifier head"), e.getMessage());
        }
    }

    /** PyTorch's Grad-CAM (forward hook on layer4, retain_grad, backward of the class score) on the same weights. */
    private static final String TORCH_GRAD_CAM = """
            import os, sys
            import torch
            import torch.nn.functional as F
            root, weights, inputs, out = sys.argv[1:5]
            sys.path.insert(0, os.path.join(root, "python"))
            import safetensors_torch, torch_step
            model = torch_step.build("resnet18", "cifar", 5, 0, 0)
            model.load_state_dict(safetensors_torch.load(weights), strict=True)
            model.eval()
            x = safetensors_torch.load(inputs)["image"]
            saved = {}
            def hook(module, args, output):
                output.retain_grad()
                saved["a"] = output
            model.layer4.register_forward_hook(hook)
            results = {}
            for cls in (int(c) for c in sys.argv[5].split(",")):
                model.zero_grad()
                logits = model(x)
                c = int(logits.argmax()) if cls < 0 else cls
                logits[0, c].backward()
                a = saved["a"]
                alpha = a.grad.mean(dim=(2, 3), keepdim=True)
                cam = F.relu((alpha * a).sum(dim=1, keepdim=True))
                up = F.interpolate(cam, size=x.shape[2:], mode="bilinear", align_corners=False)
                up = (up - up.min()) / (up.max() - up.min())
                results.update({f"map{cls}": cam[0, 0].detach(), f"heatmap{cls}": up[0, 0].detach(),
                                f"logits{cls}": logits[0].detach(), f"class{cls}": torch.tensor([c])})
            safetensors_torch.save(results, out)
            """;

    @Test
    void matchesPyTorchGradCamOnTheSameWeights(@TempDir Path dir) throws Exception {
        Path root = repositoryRoot();
        assumeTorch();
        Path weights = dir.resolve("w.safetensors");
        Path inputs = dir.resolve("x.safetensors");
        Path script = dir.resolve("grad_cam.py");
        Files.writeString(script, TORCH_GRAD_CAM);
        try (ResNet model = model(); var scope = MemoryScope.open()) {
            Safetensors.write(weights, model.stateDict());
            Tensor x = randomImages(1, 21);
            Safetensors.write(inputs, Map.of("image", x));
            Path out = dir.resolve("torch.safetensors");
            runPython(root, script.toString(), root.toString(), weights.toString(), inputs.toString(), out.toString(), "-1,3");
            Map<String, Tensor> torch = Safetensors.read(out);
            for (int target : new int[] {-1, 3}) {
                GradCam.Result cam = GradCam.compute(model, x, target);
                assertEquals(torch.get("class" + target).toLongArray()[0], cam.classIndex());
                assertArrayEquals(torch.get("logits" + target).toFloatArray(), cam.logits(), 1e-4f);
                double[] map = torch.get("map" + target).toDoubleArray();
                double peak = Arrays.stream(map).max().orElseThrow();
                for (int i = 0; i < map.length; i++) {
                    assertEquals(map[i], cam.map()[i], 1e-4 * peak, "map cell " + i);
                }
                double[] heat = torch.get("heatmap" + target).toDoubleArray();
                for (int i = 0; i < heat.length; i++) {
                    assertEquals(heat[i], cam.heatmap()[i], 1e-3, "heatmap pixel " + i);
                }
            }
        }
    }

    private static void assumeTorch() throws Exception {
        boolean ok;
        String why;
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import torch, torchvision").redirectErrorStream(true).start();
            why = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            ok = p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            ok = false;
            why = e.getMessage();
        }
        if (!ok) {
            System.out.println("SKIPPED: PyTorch Grad-CAM comparison needs " + PYTHON + " with torch and torchvision: " + why);
        }
        Assumptions.assumeTrue(ok, "PyTorch not available: " + why);
    }

    private static void runPython(Path root, String... args) throws Exception {
        var command = new ArrayList<String>();
        command.add(PYTHON);
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "python timed out");
        assertEquals(0, p.exitValue(), "python failed:\n" + output);
    }

    /** The folder holding python/ (Surefire runs tests from the module folder). */
    private static Path repositoryRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("python"))) {
            p = p.getParent();
        }
        Assumptions.assumeTrue(p != null, "no python/ folder above " + Path.of("").toAbsolutePath());
        return p;
    }
}
