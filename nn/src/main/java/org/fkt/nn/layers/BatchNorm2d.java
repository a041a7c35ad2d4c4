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

    private long batches;

    public BatchNorm2d(int channels) {
        parameter("weight", Tensor.ones(channels));                                 // (C)
        parameter("bias", Tensor.zeros(channels));                                  // (C)
        buffer("running_mean", Tensor.zeros(channels));                             // (C)
        buffer("running_var", Tensor.ones(channels));                               // (C)
        buffer("num_batches_tracked", Tensor.zeros(DType.INT64, Device.CPU));       // () int64
    }

    public Tensor weight() {
        return param("weight");
    }

    public Tensor bias() {
        return param("bias");
    }

    @Override
    public Tensor forward(Tensor x) {
        if (isTraining()) {
            batches++;
        }
        return Ops.batchNorm2d(x, weight(), bias(), buf("running_mean"), buf("running_var"), isTraining(), MOMENTUM, EPS);
    }

    @Override
    protected void syncBuffersToTensors() {
        buf("num_batches_tracked").copyFrom(new long[] {batches});
    }

    @Override
    protected void buffersLoaded() {
        batches = buf("num_batches_tracked").toLongArray()[0];
    }
}
