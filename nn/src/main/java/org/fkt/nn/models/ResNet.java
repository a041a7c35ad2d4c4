package org.fkt.nn.models;

import java.util.Random;
import org.fkt.engine.ops.Ops;
import org.fkt.engine.tensor.Tensor;
import org.fkt.nn.Module;
import org.fkt.nn.Sequential;
import org.fkt.nn.layers.BatchNorm2d;
import org.fkt.nn.layers.Conv2d;
import org.fkt.nn.layers.Linear;
import org.fkt.nn.layers.MaxPool2d;
import org.fkt.nn.layers.ReLU;

/**
 * A ResNet encoder with torchvision's structure, names and initialisation, plus the two heads of
 * the paper on its pooled features: the classifier {@code fc} (Linear, feature width -> classes) and
 * the SimCLR projection head {@code projector} (Linear-ReLU-Linear, named projector.0 and projector.2).
 * Either head is absent when its width is 0. The encoder is everything but the heads, so a
 * torchvision state_dict (without or with fc) maps onto it name for name.
 */
public final class ResNet extends Module {
    private final ResNetConfig config;
    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final MaxPool2d maxpool;
    private final Sequential[] stages = new Sequential[4];
    private final Linear fc;
    private final Sequential projector;

    public ResNet(ResNetConfig config, long seed) {
        this.config = config;
        var random = new Random(seed);
        Architecture arch = config.architecture();
        if (config.stem() == Stem.IMAGENET) {
            conv1 = child("conv1", new Conv2d(random, 3, 64, 7, 2, 3));
            maxpool = new MaxPool2d(3, 2, 1);
        } else {
            conv1 = child("conv1", new Conv2d(random, 3, 64, 3, 1, 1));
            maxpool = null;
        }
        bn1 = child("bn1", new BatchNorm2d(64));
        int in = 64;
        for (int s = 0; s < 4; s++) {
            int planes = 64 << s;
            var stage = new Sequential();
            for (int b = 0; b < arch.blocks(s); b++) {
                int stride = b == 0 && s > 0 ? 2 : 1;
                stage.add(arch.bottleneck() ? new Bottleneck(random, in, planes, stride) : new BasicBlock(random, in, planes, stride));
                in = planes * arch.expansion();
            }
            stages[s] = child("layer" + (s + 1), stage);
        }
        int width = arch.featureWidth();
        fc = config.classes() > 0 ? child("fc", new Linear(random, width, config.classes())) : null;
        projector = config.projectionOut() > 0
                ? child("projector", new Sequential(new Linear(random, width, config.projectionHidden()), new ReLU(),
                        new Linear(random, config.projectionHidden(), config.projectionOut())))
                : null;
    }

    /** Shortcut of a stage's first block: 1x1 convolution with the stride, then BatchNorm. */
    static Sequential downsample(Random random, int in, int out, int stride) {
        return new Sequential(new Conv2d(random, in, out, 1, stride, 0), new BatchNorm2d(out));
    }

    public ResNetConfig config() {
        return config;
    }

    /**
     * The last stage's output before pooling (what Grad-CAM weights).
     * x: (N, 3, H, W) -> (N, feature width, h, w), h = H/32 with the ImageNet stem, H/8 with the CIFAR stem.
     */
    public Tensor featureMap(Tensor x) {
        Tensor h = Ops.relu(bn1.forward(conv1.forward(x)));
        if (maxpool != null) {
            h = maxpool.forward(h);
        }
        for (Sequential stage : stages) {
            h = stage.forward(h);
        }
        return h;
    }

    /** Pooled encoder features: the global average of {@link #featureMap}. x: (N, 3, H, W) -> (N, feature width). */
    public Tensor features(Tensor x) {
        return Ops.globalAvgPool(featureMap(x));
    }

    /** Class logits from features: (N, F) -> (N, classes). */
    public Tensor classify(Tensor features) {
        if (fc == null) {
            throw new IllegalStateException("this ResNet has no classifier head (classes = 0)");
        }
        return fc.forward(features);
    }

    /** Projections from features: (N, F) -> (N, projection width). */
    public Tensor project(Tensor features) {
        if (projector == null) {
            throw new IllegalStateException("this ResNet has no projection head (projection width = 0)");
        }
        return projector.forward(features);
    }

    /** Logits of a batch of images. */
    @Override
    public Tensor forward(Tensor x) {
        return classify(features(x));
    }
}
