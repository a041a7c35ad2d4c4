package org.fkt.nn.objective;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.ops.Ops;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Tensor;
import org.fkt.nn.Module;
import org.fkt.nn.Sequential;
import org.fkt.nn.io.Safetensors;
import org.fkt.nn.loss.NtXent;
import org.fkt.nn.models.Architecture;
import org.fkt.nn.models.ResNet;
import org.fkt.nn.models.ResNetConfig;
import org.fkt.nn.models.Stem;

/**
 * Diagnostic driver for the float32 accuracy of a training step (not a test): the step of
 * {@link StepDump} with every intermediate activation tapped. It re-traces ResNet's forward through
 * the model's own child modules (stem conv/bn/relu/max-pool, each block's conv, bn, relu, shortcut,
 * residual sum, the pooled features) and adds a zero leaf to each tap, whose gradient is then the
 * gradient of that activation (adding zero changes no value). Writes {@code act.<tap>},
 * {@code dact.<tap>} and {@code grad.<param>}; python/activation_taps.py writes the same names for
 * PyTorch and compares the four runs (engine and PyTorch, float32 and float64).
 *
 * <p>Usage: ActivationTaps ARCH STEM OBJECTIVE WEIGHTS BATCH OUT float32|float64 (5 classes, projector
 * 64 -> 32, temperature 0.5, lambda 1, as DumpParityTest).
 */
public final class ActivationTaps {
    private final Map<String, Tensor> acts = new LinkedHashMap<>();
    private final Map<String, Tensor> probes = new LinkedHashMap<>();
    private final DType dtype;

    private ActivationTaps(DType dtype) {
        this.dtype = dtype;
    }

    public static void main(String[] args) {
        Architecture arch = Architecture.parse(args[0]);
        Stem stem = Stem.parse(args[1]);
        Objective objective = Objective.parse(args[2]);
        DType dtype = args[6].equals("float64") ? DType.FLOAT64 : DType.FLOAT32;
        var config = new ResNetConfig(arch, stem, 5, 64, 32);
        try (ResNet model = new ResNet(config, 0); var scope = MemoryScope.open()) {
            Safetensors.loadInto(Path.of(args[3]), model.stateDict());
            model.afterLoad();
            model.train(true);
            model.to(dtype);
            Map<String, Tensor> batch = Safetensors.read(Path.of(args[4]));
            var taps = new ActivationTaps(dtype);
            Tensor loss = taps.step(model, stem, objective, batch);
            loss.backward();
            Map<String, Tensor> out = new LinkedHashMap<>();
            out.put("loss", loss);
            out.putAll(taps.acts);
            taps.probes.forEach((name, p) -> out.put("dact." + name, p.grad() != null ? p.grad()
                    : Tensor.zeros(p.dtype(), p.device(), p.shape())));
            model.namedParameters().forEach((name, p) -> out.put("grad." + name,
                    p.grad() != null ? p.grad() : Tensor.zeros(p.dtype(), p.device(), p.shape())));
            Safetensors.write(Path.of(args[5]), out);
            System.out.printf("%s %s %s %s: loss %.9g, %d taps%n", args[0], args[1], args[2], args[6], loss.item(),
                    taps.probes.size());
        }
    }

    private Tensor step(ResNet model, Stem stem, Objective objective, Map<String, Tensor> batch) {
        Tensor total = null;
        if (objective.hasContrastive()) {
            Tensor views = Tensor.cat(batch.get("view1"), batch.get("view2")).to(dtype);   // (2N, 3, H, W)
            Tensor z = model.project(features(model, stem, views, "c."));
            total = NtXent.loss(z, 0.5);
        }
        if (objective.hasSupervised()) {
            long[] raw = batch.get("labels").toLongArray();
            int[] labels = new int[raw.length];
            for (int i = 0; i < raw.length; i++) {
                labels[i] = (int) raw[i];
            }
            Tensor images = batch.get("images").to(dtype);                                  // (N, 3, H, W)
            Tensor logits = model.classify(features(model, stem, images, "s."));
            Tensor supervised = Ops.crossEntropy(logits, Tensor.of(labels, labels.length));
            total = total == null ? supervised : Ops.add(total, 1, supervised, 1);
        }
        return total;
    }

    /** The forward of {@link ResNet#features} with taps. x: (N, 3, H, W) -> (N, F). */
    private Tensor features(ResNet model, Stem stem, Tensor x, String prefix) {
        Map<String, Module> top = model.children();
        Tensor h = tap(prefix + "conv1", top.get("conv1").forward(x));
        h = tap(prefix + "bn1", top.get("bn1").forward(h));
        h = tap(prefix + "relu", Ops.relu(h));
        if (stem == Stem.IMAGENET) {
            h = tap(prefix + "maxpool", Ops.maxPool2d(h, 3, 2, 1));
        }
        for (int s = 1; s <= 4; s++) {
            Sequential stage = (Sequential) top.get("layer" + s);
            for (int b = 0; b < stage.size(); b++) {
                h = block(stage.get(b), h, prefix + "layer" + s + "." + b + ".");
            }
        }
        return tap(prefix + "pool", Ops.globalAvgPool(h));
    }

    /** BasicBlock or Bottleneck: conv-bn-relu pairs, the last without relu, the shortcut, the sum, relu. */
    private Tensor block(Module block, Tensor x, String prefix) {
        Map<String, Module> c = block.children();
        List<Integer> convs = new ArrayList<>();
        for (int i = 1; c.containsKey("conv" + i); i++) {
            convs.add(i);
        }
        Tensor h = x;
        for (int i : convs) {
            h = tap(prefix + "conv" + i, c.get("conv" + i).forward(h));
            h = tap(prefix + "bn" + i, c.get("bn" + i).forward(h));
            if (i < convs.size()) {
                h = tap(prefix + "relu" + i, Ops.relu(h));
            }
        }
        Tensor identity = x;
        if (c.containsKey("downsample")) {
            Sequential down = (Sequential) c.get("downsample");
            identity = tap(prefix + "down.conv", down.get(0).forward(x));
            identity = tap(prefix + "down.bn", down.get(1).forward(identity));
        }
        Tensor sum = tap(prefix + "sum", Ops.add(h, identity));
        return tap(prefix + "out", Ops.relu(sum));
    }

    /** Records t as act.name and returns t + a zero leaf, whose gradient is dL/dt. */
    private Tensor tap(String name, Tensor t) {
        Tensor probe = Tensor.zeros(t.dtype(), t.device(), t.shape()).requiresGrad(true);
        acts.put("act." + name, t);
        probes.put(name, probe);
        return Ops.add(t, probe);
    }
}
