package org.fkt.nn.optim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.Tensor;

/**
 * What SGD and LARS share: the validated parameter list, one momentum buffer slot per parameter
 * (null until the parameter's first step, so "first step" is tracked per parameter), the learning
 * rate or schedule, the step count, gradient checks and state copies. Subclasses only turn the
 * parameters that have a gradient into backend calls, one per device (see {@link #byDevice}).
 */
abstract sealed class BaseOptimizer implements Optimizer permits Sgd, Lars {
    private final String kind;
    final List<String> names;
    final List<Tensor> params;
    final Tensor[] buffers;   // buffers[i]: same shape as params[i], or null when it has no state yet
    private final Map<String, Tensor> view;
    private final Map<String, Integer> index = new LinkedHashMap<>();
    private double lr;
    private Schedule schedule;
    private long steps;
    private boolean closed;

    BaseOptimizer(String kind, Map<String, Tensor> parameters, double lr, Schedule schedule) {
        this.kind = kind;
        if (parameters == null || parameters.isEmpty()) {
            throw new IllegalArgumentException(kind + ": no parameters given");
        }
        var seen = new IdentityHashMap<Tensor, String>();
        names = new ArrayList<>(parameters.size());
        params = new ArrayList<>(parameters.size());
        for (var e : parameters.entrySet()) {
            String name = e.getKey();
            Tensor p = e.getValue();
            checkParameter(name, p);
            String other = seen.put(p, name);
            if (other != null) {
                throw new IllegalArgumentException(kind + ": parameters '" + other + "' and '" + name
                        + "' are the same tensor; it would be stepped twice");
            }
            index.put(name, names.size());
            names.add(name);
            params.add(p);
        }
        buffers = new Tensor[params.size()];
        var m = new LinkedHashMap<String, Tensor>();
        for (int i = 0; i < names.size(); i++) {
            m.put(names.get(i), params.get(i));
        }
        view = Collections.unmodifiableMap(m);
        if (schedule != null) {
            schedule(schedule);
        } else {
            learningRate(lr);
        }
    }

    private void checkParameter(String name, Tensor p) {
        if (name == null || p == null) {
            throw new IllegalArgumentException(kind + ": null parameter name or tensor (" + name + ")");
        }
        p.checkOpen(kind, "parameter '" + name + "'");
        if (p.gradFn() != null || !p.requiresGrad()) {
            throw new IllegalArgumentException(kind + ": parameter '" + name + "' " + p.describe()
                    + (p.gradFn() != null ? " is not a leaf (it is the result of " + p.gradFn().name() + ")"
                            : " does not require grad (call requiresGrad(true) or leave it out)"));
        }
        if (!p.isContiguous()) {
            throw new IllegalArgumentException(kind + ": parameter '" + name + "' " + p.describe()
                    + " is not contiguous");
        }
    }

    /** The position of parameter {@code name}, or an error naming it. */
    final int indexOf(String name) {
        Integer i = index.get(name);
        if (i == null) {
            throw new IllegalArgumentException(kind + ": no parameter '" + name + "'");
        }
        return i;
    }

    /** Applies one update with learning rate {@code lr} to the parameters {@code ready} (indices). */
    abstract void apply(List<Integer> ready, double lr);

    @Override
    public final void step() {
        checkOpen();
        double now = learningRate();
        List<Integer> ready = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            Tensor g = params.get(i).grad();
            if (g != null) {
                checkGradient(i, g);
                ready.add(i);
            }
        }
        if (!ready.isEmpty()) {
            apply(ready, now);
        }
        steps++;
    }

    private void checkGradient(int i, Tensor g) {
        Tensor p = params.get(i);
        p.checkOpen(kind + " step", "parameter '" + names.get(i) + "'");
        g.checkOpen(kind + " step", "gradient of '" + names.get(i) + "'");
        if (!g.sameShape(p) || g.dtype() != p.dtype() || !g.device().equals(p.device()) || !g.isContiguous()) {
            throw new IllegalStateException(kind + " step: gradient " + g.describe() + " of parameter '"
                    + names.get(i) + "' " + p.describe() + " does not match it"
                    + (g.isContiguous() ? "" : " (gradient not contiguous)"));
        }
    }

    /** The indices of {@code ready}, grouped by device in first-seen order. */
    final Map<Device, List<Integer>> byDevice(List<Integer> ready) {
        var groups = new LinkedHashMap<Device, List<Integer>>();
        for (int i : ready) {
            groups.computeIfAbsent(params.get(i).device(), d -> new ArrayList<>()).add(i);
        }
        return groups;
    }

    /** The buffer of parameter i, created as zeros (outside any scope) when it has none yet. */
    final Tensor buffer(int i) {
        if (buffers[i] == null) {
            Tensor p = params.get(i);
            buffers[i] = MemoryScope.unscoped(() -> Tensor.zeros(p.dtype(), p.device(), p.shape()))
                    .name("momentum." + names.get(i));
        }
        return buffers[i];
    }

    final List<Tensor> paramsAt(List<Integer> idx) {
        return idx.stream().map(params::get).toList();
    }

    final List<Tensor> gradsAt(List<Integer> idx) {
        return idx.stream().map(i -> params.get(i).grad()).toList();
    }

    /** True when this optimizer keeps a momentum buffer per parameter. */
    abstract boolean keepsBuffers();

    @Override
    public final void zeroGrad() {
        checkOpen();
        for (Tensor p : params) {
            p.zeroGrad();
        }
    }

    @Override
    public final void clearGrads() {
        checkOpen();
        for (Tensor p : params) {
            p.grad(null);
        }
    }

    @Override
    public final double learningRate() {
        checkOpen();
        double now = schedule != null ? schedule.at(steps) : lr;
        if (!(now >= 0) || Double.isInfinite(now)) {
            throw new IllegalStateException(kind + ": learning rate at step " + steps + " is " + now
                    + (schedule != null ? " (from " + schedule + ")" : ""));
        }
        return now;
    }

    @Override
    public final void learningRate(double lr) {
        checkOpen();
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException(kind + ": learning rate must be finite and >= 0, got " + lr);
        }
        this.lr = lr;
        this.schedule = null;
    }

    @Override
    public final void schedule(Schedule schedule) {
        checkOpen();
        if (schedule == null) {
            throw new IllegalArgumentException(kind + ": schedule is null (use learningRate(lr) for a fixed rate)");
        }
        this.schedule = schedule;
    }

    @Override
    public final long stepCount() {
        return steps;
    }

    @Override
    public final Map<String, Tensor> parameters() {
        return view;
    }

    @Override
    public final OptimizerState state() {
        checkOpen();
        var out = new LinkedHashMap<String, Tensor>();
        for (int i = 0; i < buffers.length; i++) {
            if (buffers[i] != null) {
                out.put(names.get(i), buffers[i].to(buffers[i].device()).name(names.get(i)));
            }
        }
        return new OptimizerState(steps, out);
    }

    @Override
    public final void loadState(OptimizerState state) {
        checkOpen();
        List<String> unknown = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        for (var e : state.buffers().entrySet()) {
            Integer i = index.get(e.getKey());
            if (i == null) {
                unknown.add(e.getKey());
            } else if (!e.getValue().sameShape(params.get(i)) || !e.getValue().dtype().isFloating()) {
                wrong.add("'" + e.getKey() + "': " + e.getValue().describe() + " for " + params.get(i).describe());
            }
        }
        if (!unknown.isEmpty() || !wrong.isEmpty()) {
            throw new IllegalArgumentException(kind + " loadState: " + (unknown.isEmpty() ? ""
                    : "buffers for unknown parameters " + Names.list(unknown) + (wrong.isEmpty() ? "" : "; "))
                    + (wrong.isEmpty() ? "" : "buffers of the wrong shape or type " + String.join(", ", wrong)));
        }
        if (!keepsBuffers() && !state.buffers().isEmpty()) {
            throw new IllegalArgumentException(kind + " loadState: this optimizer keeps no momentum buffers"
                    + " but the state holds " + Names.list(List.copyOf(state.buffers().keySet())));
        }
        for (int i = 0; i < buffers.length; i++) {
            Tensor src = state.buffers().get(names.get(i));
            if (buffers[i] != null) {
                buffers[i].close();
                buffers[i] = null;
            }
            if (src != null) {
                buffers[i] = copyLike(src, params.get(i)).name("momentum." + names.get(i));
            }
        }
        steps = state.step();
    }

    /** A copy of {@code src} with the device and type of {@code like}, outside any scope. */
    private static Tensor copyLike(Tensor src, Tensor like) {
        return MemoryScope.unscoped(() -> {
            Tensor moved = src.to(like.device());
            if (moved.dtype() == like.dtype()) {
                return moved;
            }
            try (moved) {
                return moved.to(like.dtype());
            }
        });
    }

    final void checkOpen() {
        if (closed) {
            throw new IllegalStateException(kind + ": optimizer is closed");
        }
    }

    @Override
    public final void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = 0; i < buffers.length; i++) {
            if (buffers[i] != null) {
                buffers[i].close();
                buffers[i] = null;
            }
        }
    }

    @Override
    public String toString() {
        return kind + "(" + params.size() + " parameters, step " + steps + ", "
                + (schedule != null ? schedule.toString() : "lr " + lr) + ")";
    }
}
