package org.fkt.nn.models;

import java.util.Random;
import org.fkt.engine.ops.Ops;
import org.fkt.engine.tensor.Tensor;
import org.fkt.nn.Module;
import org.fkt.nn.Sequential;
import org.fkt.nn.layers.BatchNorm2d;
import org.fkt.nn.layers.Conv2d;

/** ResNet-18/34 block: two 3x3 convolutions and the residual, torchvision's BasicBlock and its names. */
final class BasicBlock extends Module {
    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final Conv2d conv2;
    private final BatchNorm2d bn2;
    private final Sequential downsample;

    BasicBlock(Random random, int in, int planes, int stride) {
        conv1 = child("conv1", new Conv2d(random, in, planes, 3, stride, 1));
        bn1 = child("bn1", new BatchNorm2d(planes));
        conv2 = child("conv2", new Conv2d(random, planes, planes, 3, 1, 1));
        bn2 = child("bn2", new BatchNorm2d(planes));
        downsample = stride != 1 || in != planes ? child("downsample", ResNet.downsample(random, in, planes, stride)) : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor h = Ops.relu(bn1.forward(conv1.forward(x)));
        h = bn2.forward(conv2.forward(h));
        Tensor identity = downsample == null ? x : downsample.forward(x);
        return Ops.relu(Ops.add(h, identity));
    }
}
