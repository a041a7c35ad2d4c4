package org.fkt.nn.layers;

import org.fkt.engine.ops.Ops;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.Tensor;
import org.fkt.nn.Module;

/**
 * Batch normalisation over (N, H, W) per channel, as torch.nn.BatchNorm2d: weight 1, bias 0,
 * running_mean 0, running_var 1, momentum 0.1, eps 1e-5. Training uses batch statistics and updates
 * the running ones; evaluation uses the running ones. num_batches_tracked is counted on the host
 * and written to its int64 buffer whenever the state dict is read, so a step never syncs a device.
 */
public final class BatchNorm2d extends Module {
    public static final double MOMENTUM = 0.1;
    public static final double EPS = 1e-5;

    private final Tensor weight;          // (C)
    private final Tensor bias;            // (C)
    private final Tensor runningMean;     // (C)
    private final Tensor runningVar;      // (C)
    private final Tensor batchesTracked;  // () int64
    private long batches;

    public BatchNorm2d(int channels) {
        weight = parameter("weight", Tensor.ones(channels));
        bias = parameter("bias", Tensor.zeros(channels));
        runningMean = buffer("running_mean", Tensor.zeros(channels));
        runningVar = buffer("running_var", Tensor.ones(channels));
        batchesTracked = buffer("num_batches_tracked", Tensor.zeros(DType.INT64, Device.CPU));
    }

    public Tensor weight() {
        return weight;
    }

    public Tensor bias() {
        return bias;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (isTraining()) {
            batches++;
        }
        return Ops.batchNorm2d(x, weight, bias, runningMean, runningVar, isTraining(), MOMENTUM, EPS);
    }

    @Override
    protected void syncBuffersToTensors() {
        batchesTracked.copyFrom(new long[] {batches});
    }

    @Override
    protected void buffersLoaded() {
        batches = batchesTracked.toLongArray()[0];
    }
}
