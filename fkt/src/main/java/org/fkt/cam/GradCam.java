package org.fkt.cam;

import java.util.Map;
import org.fkt.engine.autograd.Autograd;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.ops.Ops;
import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.Tensor;
import org.fkt.nn.models.ResNet;

/**
 * Grad-CAM (Selvaraju et al., 2017) on a ResNet's last stage, for one image:
 * <ol>
 * <li>A = {@link ResNet#featureMap} of the image in evaluation mode, without recording a graph,
 *     then detached into a leaf that requires grad;</li>
 * <li>logits = fc(global average pool(A)), through views of the classifier's weights that do not
 *     require grad (the model's gradients are left untouched);</li>
 * <li>backward from the class score y_c (a one-hot seed on the logits): alpha_k = the spatial mean of
 *     dy_c/dA_k; map = ReLU(sum_k alpha_k A_k), (h, w);</li>
 * <li>the map is resized to the image's H x W bilinearly (half-pixel centres, PyTorch's
 *     {@code interpolate(mode="bilinear", align_corners=False)}) and normalised to [0, 1] by
 *     (v - min) / (max - min); a constant map becomes all zeros.</li>
 * </ol>
 * With global average pooling followed by a linear classifier, alpha_k = fc.w[c, k] / (h w), so the
 * normalised Grad-CAM equals the class activation map (CAM) of Zhou et al. The model's training mode
 * is restored afterwards; every intermediate tensor is freed. On a GPU the image is moved to the
 * model's device, the forward and backward run there, and A, dA and the logits are read to the host once
 * each for the map arithmetic above.
 */
public final class GradCam {
    private GradCam() {
    }

    /**
     * One Grad-CAM.
     *
     * @param classIndex     the class explained
     * @param predicted      the arg-max of the logits
     * @param logits         the logits, (classes)
     * @param mapHeight      h of the last stage's map
     * @param mapWidth       w of the last stage's map
     * @param map            ReLU(sum_k alpha_k A_k) before resizing and normalising, (h, w) row-major
     * @param channelWeights alpha_k, (C)
     * @param height         H of the image
     * @param width          W of the image
     * @param heatmap        the map resized to (H, W) and normalised to [0, 1], row-major
     */
    public record Result(int classIndex, int predicted, float[] logits, int mapHeight, int mapWidth, double[] map,
            double[] channelWeights, int height, int width, double[] heatmap) {
    }

    /** Grad-CAM of the predicted class. image: (1, 3, H, W). */
    public static Result compute(ResNet model, Tensor image) {
        return compute(model, image, -1);
    }

    /** Grad-CAM of {@code classIndex} (negative: the predicted class). image: (1, 3, H, W). */
    public static Result compute(ResNet model, Tensor image, int classIndex) {
        if (image.rank() != 4 || image.dim(0) != 1 || image.dim(1) != 3) {
            throw new IllegalArgumentException("grad-cam: the image must be one (1, 3, H, W) tensor, got " + image.describe());
        }
        Map<String, Tensor> params = model.namedParameters();
        Tensor fcWeight = params.get("fc.weight");   // (classes, C)
        Tensor fcBias = params.get("fc.bias");       // (classes)
        if (fcWeight == null) {
            throw new IllegalArgumentException("grad-cam: the model has no classifier head (fc); build it with classes > 0");
        }
        int classes = fcWeight.dim(0);
        if (classIndex >= classes) {
            throw new IllegalArgumentException("grad-cam: class " + classIndex + " is outside [0, " + classes + ")");
        }
        boolean wasTraining = model.isTraining();
        model.eval();
        try (var scope = MemoryScope.open()) {
            Tensor input = image.device().equals(fcWeight.device()) ? image : image.to(fcWeight.device());
            Tensor features;
            try (var off = Autograd.noGrad()) {
                features = model.featureMap(input);   // (1, C, h, w)
            }
            Tensor a = features.detach().requiresGrad(true);
            Tensor logits = Ops.linear(Ops.globalAvgPool(a), fcWeight.detach(), fcBias == null ? null : fcBias.detach());
            float[] scores = logits.toFloatArray();
            int predicted = argmax(scores);
            int target = classIndex < 0 ? predicted : classIndex;
            double[] oneHot = new double[classes];
            oneHot[target] = 1;
            Tensor seed = Tensor.of(oneHot, 1, classes).to(logits.dtype());
            if (!logits.device().equals(Device.CPU)) {
                seed = seed.to(logits.device());
            }
            logits.backward(seed);
            int c = a.dim(1);
            int h = a.dim(2);
            int w = a.dim(3);
            double[] act = a.toDoubleArray();          // (C, h, w)
            double[] grad = a.grad().toDoubleArray();  // (C, h, w)
            int hw = h * w;
            double[] alpha = new double[c];
            double[] map = new double[hw];
            for (int k = 0; k < c; k++) {
                double sum = 0;
                for (int i = 0; i < hw; i++) {
                    sum += grad[k * hw + i];
                }
                alpha[k] = sum / hw;
                for (int i = 0; i < hw; i++) {
                    map[i] += alpha[k] * act[k * hw + i];
                }
            }
            for (int i = 0; i < hw; i++) {
                map[i] = Math.max(0, map[i]);
            }
            int height = image.dim(2);
            int width = image.dim(3);
            double[] heatmap = normalise(resizeBilinear(map, h, w, height, width));
            return new Result(target, predicted, scores, h, w, map, alpha, height, width, heatmap);
        } finally {
            model.train(wasTraining);
        }
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * Bilinear resize of a row-major (h, w) grid to (outH, outW) with half-pixel centres: output
     * pixel centre (y + 0.5) maps to source coordinate (y + 0.5) h / outH - 0.5, clamped to the grid
     * (PyTorch's align_corners=False).
     */
    public static double[] resizeBilinear(double[] src, int h, int w, int outH, int outW) {
        if (src.length != h * w || outH < 1 || outW < 1) {
            throw new IllegalArgumentException("resize: " + src.length + " values for " + h + "x" + w + " -> " + outH + "x"
                    + outW);
        }
        double[] out = new double[outH * outW];
        for (int y = 0; y < outH; y++) {
            double sy = Math.max(0, (y + 0.5) * h / outH - 0.5);
            int y0 = Math.min((int) sy, h - 1);
            int y1 = Math.min(y0 + 1, h - 1);
            double fy = sy - y0;
            for (int x = 0; x < outW; x++) {
                double sx = Math.max(0, (x + 0.5) * w / outW - 0.5);
                int x0 = Math.min((int) sx, w - 1);
                int x1 = Math.min(x0 + 1, w - 1);
                double fx = sx - x0;
                double top = src[y0 * w + x0] * (1 - fx) + src[y0 * w + x1] * fx;
                double bottom = src[y1 * w + x0] * (1 - fx) + src[y1 * w + x1] * fx;
                out[y * outW + x] = top * (1 - fy) + bottom * fy;
            }
        }
        return out;
    }

    /** (v - min) / (max - min); all zeros when the values are constant. */
    public static double[] normalise(double[] v) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            min = Math.min(min, x);
            max = Math.max(max, x);
        }
        double[] out = new double[v.length];
        if (max > min) {
            for (int i = 0; i < v.length; i++) {
                out[i] = (v[i] - min) / (max - min);
            }
        }
        return out;
    }
}
