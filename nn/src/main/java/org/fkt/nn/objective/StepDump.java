package org.fkt.nn.objective;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.Tensor;
import org.fkt.nn.io.Safetensors;
import org.fkt.nn.models.Architecture;
import org.fkt.nn.models.ResNet;
import org.fkt.nn.models.ResNetConfig;
import org.fkt.nn.models.Stem;

/**
 * One training-mode forward and backward from given weights and batch, written out for comparison
 * with any other framework ({@code fkt dump}). Output names: {@code loss} (and {@code loss_contrastive},
 * {@code loss_supervised} for joint), {@code logits}, {@code projections}, {@code grad.<param>} for every
 * parameter and {@code running.<buffer>} for every BatchNorm running mean and variance after the forwards.
 */
public final class StepDump {
    /**
     * Everything a dump needs. projectionHidden 0 means the encoder's feature width. dtype float64
     * runs the whole step in double precision (the CPU's reference mode); outputs keep that type.
     */
    public record Config(Architecture architecture, Stem stem, int classes, Objective objective, Path weights,
                         Path batch, Path out, double temperature, double lambda, int projectionHidden,
                         int projectionOut, Device device, DType dtype) {
    }

    private StepDump() {
    }

    /** Runs the step and writes the outputs; returns the total loss. */
    public static double run(Config c) {
        int hidden = c.projectionHidden() > 0 ? c.projectionHidden() : c.architecture().featureWidth();
        var modelConfig = new ResNetConfig(c.architecture(), c.stem(), c.classes(), hidden, c.projectionOut());
        if (!c.device().equals(Device.CPU) && c.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException("dump: " + c.dtype().label() + " is the CPU's reference mode; on "
                    + c.device() + " use float32");
        }
        try (ResNet model = new ResNet(modelConfig, 0); var scope = MemoryScope.open()) {
            model.to(c.device());
            Safetensors.loadInto(c.weights(), model.stateDict());
            model.afterLoad();
            model.train(true);
            Batch batch = onDevice(readBatch(c.batch()), c.device());
            if (c.dtype() != DType.FLOAT32) {
                model.to(c.dtype());
                batch = new Batch(convert(batch.images(), c.dtype()), batch.labels(), convert(batch.view1(), c.dtype()),
                        convert(batch.view2(), c.dtype()));
            }
            StepResult r = Objectives.forward(model, c.objective(), batch, c.temperature(), c.lambda());
            r.loss().backward();
            Map<String, Tensor> out = new LinkedHashMap<>();
            out.put("loss", r.loss());
            if (c.objective() == Objective.JOINT) {
                out.put("loss_contrastive", r.contrastiveLoss());
                out.put("loss_supervised", r.supervisedLoss());
            }
            if (r.logits() != null) {
                out.put("logits", r.logits());
            }
            if (r.projections() != null) {
                out.put("projections", r.projections());
            }
            // a head the objective does not use has a zero gradient (PyTorch leaves it None)
            model.namedParameters().forEach((name, p) -> out.put("grad." + name,
                    p.grad() != null ? p.grad() : Tensor.zeros(p.dtype(), p.device(), p.shape())));
            model.stateDict().forEach((name, t) -> {
                if (name.endsWith("running_mean") || name.endsWith("running_var")) {
                    out.put("running." + name, t);
                }
            });
            Safetensors.write(c.out(), out, Map.of("objective", c.objective().label(),
                    "architecture", c.architecture().label(), "stem", c.stem().label()));
            return r.loss().item();
        }
    }

    private static Batch onDevice(Batch b, Device device) {
        if (device.equals(Device.CPU)) {
            return b;
        }
        return new Batch(move(b.images(), device), move(b.labels(), device), move(b.view1(), device),
                move(b.view2(), device));
    }

    private static Tensor move(Tensor t, Device device) {
        return t == null ? null : t.to(device);
    }

    private static Tensor convert(Tensor t, DType type) {
        return t == null ? null : t.to(type);
    }

    /** images (N, 3, H, W) float32, labels (N) int64 or int32, view1/view2 (N, 3, H, W); any may be absent. */
    private static Batch readBatch(Path file) {
        Map<String, Tensor> t = Safetensors.read(file);
        Tensor labels = t.get("labels");
        if (labels != null && labels.dtype() != DType.INT32) {
            long[] raw = labels.dtype() == DType.INT64 ? labels.toLongArray() : null;
            if (raw == null) {
                throw new IllegalArgumentException("dump: labels in " + file + " are " + labels.dtype().label()
                        + "; expected int64 or int32");
            }
            int[] narrowed = new int[raw.length];
            for (int i = 0; i < raw.length; i++) {
                if (raw[i] < 0 || raw[i] > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("dump: label " + raw[i] + " at " + i + " in " + file + " is out of range");
                }
                narrowed[i] = (int) raw[i];
            }
            labels = Tensor.of(narrowed, narrowed.length);
        }
        return new Batch(t.get("images"), labels, t.get("view1"), t.get("view2"));
    }
}
