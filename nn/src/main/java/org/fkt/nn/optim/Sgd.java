package org.fkt.nn.optim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.fkt.engine.backend.SgdHyper;
import org.fkt.engine.tensor.Tensor;

/**
 * Stochastic gradient descent with torch.optim.SGD's semantics: d = grad + weightDecay * w; with
 * momentum, buf = d on a parameter's first step, else buf = momentum * buf + (1 - dampening) * d, and
 * d = nesterov ? d + momentum * buf : buf; then w -= lr * d.
 *
 * <p>"First step" is per parameter: one that first gets a gradient at a later step starts its buffer
 * then. When a step mixes parameters on their first step with others, the update is two backend calls
 * (first-step ones, then the rest) per device; otherwise one.
 *
 * <pre>{@code
 * Sgd sgd = Sgd.builder(params).lr(0.1).momentum(0.9).weightDecay(5e-4).nesterov(true).build();
 * }</pre>
 */
public final class Sgd extends BaseOptimizer {
    private final double momentum;
    private final double dampening;
    private final boolean nesterov;
    private final double weightDecay;

    private Sgd(Builder b) {
        super("sgd", b.params, b.lr, b.schedule);
        this.momentum = b.momentum;
        this.dampening = b.dampening;
        this.nesterov = b.nesterov;
        this.weightDecay = b.weightDecay;
    }

    /** A builder over {@code params} (name to leaf tensor requiring grad, in a fixed order). */
    public static Builder builder(Map<String, Tensor> params) {
        return new Builder(params);
    }

    public double momentum() {
        return momentum;
    }

    public double dampening() {
        return dampening;
    }

    public boolean nesterov() {
        return nesterov;
    }

    public double weightDecay() {
        return weightDecay;
    }

    @Override
    boolean keepsBuffers() {
        return momentum != 0;
    }

    @Override
    void apply(List<Integer> ready, double lr) {
        var hyper = new SgdHyper(lr, momentum, dampening, nesterov, weightDecay);
        for (List<Integer> onDevice : byDevice(ready).values()) {
            if (momentum == 0) {
                call(onDevice, hyper, false);
                continue;
            }
            List<Integer> first = new ArrayList<>();
            List<Integer> later = new ArrayList<>();
            for (int i : onDevice) {
                (buffers[i] == null ? first : later).add(i);
            }
            if (!first.isEmpty()) {
                call(first, hyper, true);
            }
            if (!later.isEmpty()) {
                call(later, hyper, false);
            }
        }
    }

    private void call(List<Integer> idx, SgdHyper hyper, boolean firstStep) {
        List<Tensor> bufs = momentum == 0 ? Collections.nCopies(idx.size(), null)
                : idx.stream().map(this::buffer).toList();
        List<Tensor> ps = paramsAt(idx);
        ps.getFirst().backend().sgdStep(ps, gradsAt(idx), bufs, hyper, firstStep);
    }

    /** Options of {@link Sgd}; defaults as torch: momentum 0, dampening 0, no nesterov, no weight decay. */
    public static final class Builder {
        private final Map<String, Tensor> params;
        private double lr = Double.NaN;
        private Schedule schedule;
        private double momentum;
        private double dampening;
        private boolean nesterov;
        private double weightDecay;

        private Builder(Map<String, Tensor> params) {
            this.params = params;
        }

        /** Fixed learning rate (or use {@link #schedule}). */
        public Builder lr(double lr) {
            this.lr = lr;
            return this;
        }

        /** Learning rate per step (instead of {@link #lr}). */
        public Builder schedule(Schedule schedule) {
            this.schedule = schedule;
            return this;
        }

        public Builder momentum(double momentum) {
            this.momentum = momentum;
            return this;
        }

        public Builder dampening(double dampening) {
            this.dampening = dampening;
            return this;
        }

        public Builder nesterov(boolean nesterov) {
            this.nesterov = nesterov;
            return this;
        }

        public Builder weightDecay(double weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        public Sgd build() {
            if (Double.isNaN(lr) && schedule == null) {
                throw new IllegalArgumentException("sgd: set lr(...) or schedule(...)");
            }
            if (!(momentum >= 0) || !(weightDecay >= 0) || !Double.isFinite(momentum + weightDecay + dampening)) {
                throw new IllegalArgumentException("sgd: momentum and weight decay must be finite and >= 0, got momentum "
                        + momentum + ", weight decay " + weightDecay + ", dampening " + dampening);
            }
            if (nesterov && (momentum <= 0 || dampening != 0)) {
                throw new IllegalArgumentException("sgd: nesterov needs momentum > 0 and dampening 0, got momentum "
                        + momentum + ", dampening " + dampening);
            }
            return new Sgd(this);
        }
    }
}
