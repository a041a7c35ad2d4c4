package org.fkt.nn.optim;

import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;
import org.fkt.engine.backend.LarsHyper;
import org.fkt.engine.tensor.Tensor;

/**
 * LARS as SimCLR uses it: g = grad + weightDecay * w; the learning rate is scaled by the trust ratio
 * eta * ||w|| / ||g|| (1 when either norm is 0); v = momentum * v + scaledLr * g; w -= v (with nesterov,
 * w -= momentum * v + scaledLr * g). Momentum buffers start at zero.
 *
 * <p>Parameters for which {@link Builder#excludeFromWeightDecay} holds get no weight decay; those for
 * which {@link Builder#excludeFromAdaptation} holds keep the plain learning rate (no trust ratio).
 * SimCLR excludes BatchNorm parameters and biases from both, by name. The default here,
 * {@link #RANK_ONE}, decides by shape instead: every tensor of rank 0 or 1 (BatchNorm weight and bias,
 * every bias) is excluded, every weight matrix or convolution kernel is not. It needs no naming
 * convention and matches SimCLR on ResNets with linear heads. {@link #nameContains} gives SimCLR's
 * name rule.
 *
 * <pre>{@code
 * Lars lars = Lars.builder(params).lr(4.8).weightDecay(1e-6).build();   // momentum 0.9, eta 0.001
 * }</pre>
 */
public final class Lars extends BaseOptimizer {
    /** Default exclusion: tensors of rank 0 or 1 (BatchNorm parameters, biases). */
    public static final BiPredicate<String, Tensor> RANK_ONE = (name, t) -> t.rank() <= 1;

    private final double momentum;
    private final double weightDecay;
    private final double eta;
    private final boolean nesterov;
    private final boolean[] decay;
    private final boolean[] adapt;

    private Lars(Builder b) {
        super("lars", b.params, b.lr, b.schedule);
        this.momentum = b.momentum;
        this.weightDecay = b.weightDecay;
        this.eta = b.eta;
        this.nesterov = b.nesterov;
        decay = new boolean[params.size()];
        adapt = new boolean[params.size()];
        for (int i = 0; i < params.size(); i++) {
            decay[i] = !b.noDecay.test(names.get(i), params.get(i));
            adapt[i] = !b.noAdapt.test(names.get(i), params.get(i));
        }
    }

    /** A builder over {@code params} (name to leaf tensor requiring grad, in a fixed order). */
    public static Builder builder(Map<String, Tensor> params) {
        return new Builder(params);
    }

    /** Exclusion by name, as SimCLR: true when the name contains any of {@code parts} ("bn", "bias"). */
    public static BiPredicate<String, Tensor> nameContains(String... parts) {
        List<String> list = List.of(parts);
        return (name, t) -> list.stream().anyMatch(name::contains);
    }

    /** True when parameter {@code name} takes weight decay. */
    public boolean decays(String name) {
        return decay[indexOf(name)];
    }

    /** True when parameter {@code name}'s learning rate is scaled by the trust ratio. */
    public boolean adapts(String name) {
        return adapt[indexOf(name)];
    }

    public double momentum() {
        return momentum;
    }

    public double weightDecay() {
        return weightDecay;
    }

    public double eta() {
        return eta;
    }

    public boolean nesterov() {
        return nesterov;
    }

    @Override
    boolean keepsBuffers() {
        return true;
    }

    @Override
    void apply(List<Integer> ready, double lr) {
        var hyper = new LarsHyper(lr, momentum, weightDecay, eta, nesterov);
        for (List<Integer> idx : byDevice(ready).values()) {
            boolean[] d = new boolean[idx.size()];
            boolean[] a = new boolean[idx.size()];
            for (int k = 0; k < idx.size(); k++) {
                d[k] = decay[idx.get(k)];
                a[k] = adapt[idx.get(k)];
            }
            List<Tensor> ps = paramsAt(idx);
            List<Tensor> bufs = idx.stream().map(this::buffer).toList();
            ps.getFirst().backend().larsStep(ps, gradsAt(idx), bufs, d, a, hyper);
        }
    }

    /** Options of {@link Lars}; defaults: momentum 0.9, eta 0.001, weight decay 0 (SimCLR: 1e-6), no nesterov. */
    public static final class Builder {
        private final Map<String, Tensor> params;
        private double lr = Double.NaN;
        private Schedule schedule;
        private double momentum = 0.9;
        private double weightDecay;
        private double eta = 0.001;
        private boolean nesterov;
        private BiPredicate<String, Tensor> noDecay = RANK_ONE;
        private BiPredicate<String, Tensor> noAdapt = RANK_ONE;

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

        public Builder weightDecay(double weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        public Builder eta(double eta) {
            this.eta = eta;
            return this;
        }

        public Builder nesterov(boolean nesterov) {
            this.nesterov = nesterov;
            return this;
        }

        /** Parameters (name, tensor) that take no weight decay; default {@link #RANK_ONE}. */
        public Builder excludeFromWeightDecay(BiPredicate<String, Tensor> rule) {
            this.noDecay = rule;
            return this;
        }

        /** Parameters (name, tensor) that keep the plain learning rate; default {@link #RANK_ONE}. */
        public Builder excludeFromAdaptation(BiPredicate<String, Tensor> rule) {
            this.noAdapt = rule;
            return this;
        }

        /** Sets both exclusions to {@code rule}. */
        public Builder exclude(BiPredicate<String, Tensor> rule) {
            return excludeFromWeightDecay(rule).excludeFromAdaptation(rule);
        }

        public Lars build() {
            if (Double.isNaN(lr) && schedule == null) {
                throw new IllegalArgumentException("lars: set lr(...) or schedule(...)");
            }
            if (!(momentum >= 0) || !(weightDecay >= 0) || !(eta > 0)
                    || !Double.isFinite(momentum + weightDecay + eta)) {
                throw new IllegalArgumentException("lars: momentum and weight decay must be finite and >= 0 and eta > 0,"
                        + " got momentum " + momentum + ", weight decay " + weightDecay + ", eta " + eta);
            }
            if (noDecay == null || noAdapt == null) {
                throw new IllegalArgumentException("lars: exclusion rule is null (use (n, t) -> false to exclude nothing)");
            }
            return new Lars(this);
        }
    }
}
