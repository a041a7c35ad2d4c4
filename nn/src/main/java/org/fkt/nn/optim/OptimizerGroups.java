package org.fkt.nn.optim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fkt.engine.tensor.Tensor;

/**
 * Several optimizers over disjoint parameter subsets, used as one: the paper's joint regime steps
 * the encoder and projection head with LARS and the classifier with SGD. Each named group keeps its own
 * optimizer, learning rate or schedule ({@code group("classifier").schedule(...)}); {@link #step()}
 * steps every group in the order added.
 *
 * <pre>{@code
 * var opt = OptimizerGroups.builder()
 *         .add("encoder", Lars.builder(ParameterSets.notStartingWith(params, "fc.")).schedule(cosine).build())
 *         .add("classifier", Sgd.builder(ParameterSets.startingWith(params, "fc.")).lr(0.1).momentum(0.9).build())
 *         .covering(params)       // every parameter in exactly one group
 *         .build();
 * }</pre>
 *
 * Building checks that no parameter name or tensor is in two groups and, with {@link Builder#covering},
 * that the groups hold exactly the given parameters; errors name the parameters and groups. The state
 * of the whole is the union of the groups' buffers (names are unique across groups) and the step count.
 * {@link #close()} closes every group's optimizer.
 */
public final class OptimizerGroups implements Optimizer {
    private final Map<String, Optimizer> groups;
    private final Map<String, Tensor> parameters;
    private final Map<String, String> groupOf;
    private long steps;
    private boolean closed;

    private OptimizerGroups(Map<String, Optimizer> groups, Map<String, Tensor> parameters, Map<String, String> groupOf) {
        this.groups = Collections.unmodifiableMap(groups);
        this.parameters = Collections.unmodifiableMap(parameters);
        this.groupOf = groupOf;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The optimizer of group {@code name}. */
    public Optimizer group(String name) {
        Optimizer o = groups.get(name);
        if (o == null) {
            throw new IllegalArgumentException("optimizer groups: no group '" + name + "' (groups: " + groups.keySet() + ")");
        }
        return o;
    }

    /** The groups by name, in the order added. */
    public Map<String, Optimizer> groups() {
        return groups;
    }

    /** The group holding parameter {@code name}. */
    public String groupOf(String parameterName) {
        String g = groupOf.get(parameterName);
        if (g == null) {
            throw new IllegalArgumentException("optimizer groups: no parameter '" + parameterName + "'");
        }
        return g;
    }

    /** Each group's learning rate for the next step. */
    public Map<String, Double> learningRates() {
        var out = new LinkedHashMap<String, Double>();
        groups.forEach((name, o) -> out.put(name, o.learningRate()));
        return out;
    }

    @Override
    public void step() {
        checkOpen();
        for (Optimizer o : groups.values()) {
            o.step();
        }
        steps++;
    }

    @Override
    public void zeroGrad() {
        checkOpen();
        groups.values().forEach(Optimizer::zeroGrad);
    }

    @Override
    public void clearGrads() {
        checkOpen();
        groups.values().forEach(Optimizer::clearGrads);
    }

    /** The common learning rate of the groups; an error when they differ (see {@link #learningRates()}). */
    @Override
    public double learningRate() {
        checkOpen();
        Map<String, Double> rates = learningRates();
        if (rates.values().stream().distinct().count() > 1) {
            throw new IllegalStateException("optimizer groups: the groups have different learning rates " + rates
                    + "; ask one group (group(name).learningRate()) or use learningRates()");
        }
        return rates.values().iterator().next();
    }

    /** Sets the same fixed learning rate in every group. */
    @Override
    public void learningRate(double lr) {
        checkOpen();
        groups.values().forEach(o -> o.learningRate(lr));
    }

    /** Gives every group the same schedule. */
    @Override
    public void schedule(Schedule schedule) {
        checkOpen();
        groups.values().forEach(o -> o.schedule(schedule));
    }

    @Override
    public long stepCount() {
        return steps;
    }

    @Override
    public Map<String, Tensor> parameters() {
        return parameters;
    }

    @Override
    public OptimizerState state() {
        checkOpen();
        var buffers = new LinkedHashMap<String, Tensor>();
        for (Optimizer o : groups.values()) {
            buffers.putAll(o.state().buffers());
        }
        return new OptimizerState(steps, buffers);
    }

    /** Hands each buffer to the group of its parameter and sets every group's step count. */
    @Override
    public void loadState(OptimizerState state) {
        checkOpen();
        List<String> unknown = new ArrayList<>();
        var split = new LinkedHashMap<String, Map<String, Tensor>>();
        groups.keySet().forEach(g -> split.put(g, new LinkedHashMap<>()));
        state.buffers().forEach((name, t) -> {
            String g = groupOf.get(name);
            if (g == null) {
                unknown.add(name);
            } else {
                split.get(g).put(name, t);
            }
        });
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("optimizer groups loadState: buffers for parameters in no group "
                    + Names.list(unknown));
        }
        groups.forEach((g, o) -> o.loadState(new OptimizerState(state.step(), split.get(g))));
        steps = state.step();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        groups.values().forEach(Optimizer::close);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("optimizer groups: closed");
        }
    }

    @Override
    public String toString() {
        return "OptimizerGroups" + groups;
    }

    /** Collects named groups; {@link #build()} validates them. */
    public static final class Builder {
        private final Map<String, Optimizer> groups = new LinkedHashMap<>();
        private Map<String, Tensor> covering;

        private Builder() {
        }

        /** Adds group {@code name} stepped by {@code optimizer}. */
        public Builder add(String name, Optimizer optimizer) {
            if (name == null || optimizer == null) {
                throw new IllegalArgumentException("optimizer groups: null group name or optimizer (" + name + ")");
            }
            if (groups.putIfAbsent(name, optimizer) != null) {
                throw new IllegalArgumentException("optimizer groups: group '" + name + "' added twice");
            }
            return this;
        }

        /** Requires the groups together to hold exactly {@code all} (same names, same tensors). */
        public Builder covering(Map<String, Tensor> all) {
            this.covering = all;
            return this;
        }

        public OptimizerGroups build() {
            if (groups.isEmpty()) {
                throw new IllegalArgumentException("optimizer groups: no groups added");
            }
            var parameters = new LinkedHashMap<String, Tensor>();
            var groupOf = new LinkedHashMap<String, String>();
            var tensorOwner = new IdentityHashMap<Tensor, String>();
            List<String> clashes = new ArrayList<>();
            groups.forEach((g, o) -> o.parameters().forEach((name, t) -> {
                String other = groupOf.putIfAbsent(name, g);
                String sameTensor = tensorOwner.putIfAbsent(t, g + "/" + name);
                if (other != null) {
                    clashes.add("'" + name + "' is in groups '" + other + "' and '" + g + "'");
                } else if (sameTensor != null) {
                    clashes.add("'" + g + "/" + name + "' is the same tensor as '" + sameTensor + "'");
                } else {
                    parameters.put(name, t);
                }
            }));
            if (!clashes.isEmpty()) {
                throw new IllegalArgumentException("optimizer groups are not disjoint: " + String.join("; ", clashes));
            }
            if (covering != null) {
                checkCover(parameters);
            }
            return new OptimizerGroups(groups, parameters, groupOf);
        }

        private void checkCover(Map<String, Tensor> parameters) {
            List<String> missing = new ArrayList<>();
            List<String> extra = new ArrayList<>();
            List<String> different = new ArrayList<>();
            covering.forEach((name, t) -> {
                Tensor mine = parameters.get(name);
                if (mine == null) {
                    missing.add(name);
                } else if (mine != t) {
                    different.add(name);
                }
            });
            parameters.keySet().stream().filter(n -> !covering.containsKey(n)).forEach(extra::add);
            if (missing.isEmpty() && extra.isEmpty() && different.isEmpty()) {
                return;
            }
            List<String> parts = new ArrayList<>();
            if (!missing.isEmpty()) {
                parts.add("parameters in no group " + Names.list(missing));
            }
            if (!extra.isEmpty()) {
                parts.add("parameters not in the model " + Names.list(extra));
            }
            if (!different.isEmpty()) {
                parts.add("names bound to other tensors than the model's " + Names.list(different));
            }
            throw new IllegalArgumentException("optimizer groups do not cover the parameters: " + String.join("; ", parts));
        }
    }
}
