package org.fkt.cam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.tensor.Tensor;
import org.fkt.gpu.GpuGate;
import org.fkt.nn.models.Architecture;
import org.fkt.nn.models.ResNet;
import org.fkt.nn.models.ResNetConfig;
import org.fkt.nn.models.Stem;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Grad-CAM with the model on cuda:0 and the image on the host (as {@code fkt cam} gives it) against the
 * same model on the CPU: the predicted class, the logits, the channel weights and the heatmap agree within
 * float32 tolerance. Skips, printing why, where no CUDA device is usable.
 */
@Tag("gpu")
class GradCamGpuTest {
    private static final double RTOL = 2e-3;

    @Test
    void heatmapOnTheGpuMatchesTheCpu() {
        GpuGate.requireTraining("the GPU Grad-CAM test");
        var config = new ResNetConfig(Architecture.RESNET18, Stem.CIFAR, 10, 0, 0);
        var random = new Random(3);
        float[] pixels = new float[3 * 16 * 16];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) random.nextGaussian();
        }
        try (ResNet cpu = new ResNet(config, 4); ResNet gpu = new ResNet(config, 4); var scope = MemoryScope.open()) {
            gpu.to(GpuGate.GPU);
            Tensor image = Tensor.of(pixels, 1, 3, 16, 16);   // (1, 3, 16, 16) on the host
            GradCam.Result want = GradCam.compute(cpu, image);
            GradCam.Result got = GradCam.compute(gpu, image);
            assertEquals(want.predicted(), got.predicted());
            assertEquals(want.classIndex(), got.classIndex());
            close("logits", toDouble(want.logits()), toDouble(got.logits()));
            close("channel weights", want.channelWeights(), got.channelWeights());
            close("heatmap", want.heatmap(), got.heatmap());
        }
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    private static void close(String what, double[] want, double[] got) {
        assertEquals(want.length, got.length, what);
        double scale = 0;
        for (double w : want) {
            scale = Math.max(scale, Math.abs(w));
        }
        for (int i = 0; i < want.length; i++) {
            assertTrue(Math.abs(want[i] - got[i]) <= RTOL * Math.max(scale, 1e-6),
                    what + "[" + i + "]: cpu " + want[i] + ", cuda:0 " + got[i]);
        }
    }
}
