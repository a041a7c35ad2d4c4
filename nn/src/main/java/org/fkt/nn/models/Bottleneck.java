package org.fkt.nn.models;

import java.util.Random;
import org.fkt.engine.ops.Ops;
import org.fkt.engine.tensor.Tensor;
import org.fkt.nn.Module;
import org.fkt.nn.Sequential;
import org.fkt.nn.layers.BatchNorm2d;
import org.fkt.nn.layers.Conv2d;

/**
 * ResNet-50 block, torchvision's Bottleneck (v1.5: the stride sits on the 3x3 convolution):
 * 1x1 reduce, 3x3, 1x1 expand (x4), residual.
 */
final class Bottleneck extends Module {
    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final Conv2d conv2;
    private final BatchNorm2d bn2;
    private final Conv2d conv3;
    private final BatchNorm2d bn3;
    private final Sequential downsample;

    Bottleneck(Random random, int in, int planes, int stride) {
        int out = planes * 4;
        conv1 = child("conv1", new Conv2d(random, in, planes, 1, 1, 0));
        bn1 = child("bn1", new BatchNorm2d(planes));
        conv2 = child("conv2", new Conv2d(random, planes, planes, 3, stride, 1));
        bn2 = child("bn2", new BatchNorm2d(planes));
        conv3 = child("conv3", new Conv2d(random, planes, out, 1, 1, 0));
        bn3 = child("bn3", new BatchNorm2d(out));
        downsample = stride != 1 || in != out ? child("downsample", ResNet.downsample(random, in, out, stride)) : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor h = Ops.relu(bn1.forward(conv1.forward(x)));
        h = Ops.relu(bn2.forward(conv2.forward(h)));
        h = bn3.forward(conv3.forward(h));
        Tensor identity = downsample == null ? x : downsample.forward(x);
        return Ops.relu(Ops.add(h, identity));
    }
}
