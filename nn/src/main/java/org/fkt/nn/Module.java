package org.fkt.nn;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.Tensor;

/**
 * A layer or a network: named parameters (leaf tensors that require grad), named buffers (state
 * such as BatchNorm's running statistics) and named child modules, all in registration order.
 * Full names join the path with dots exactly as PyTorch's state_dict does ("layer1.0.conv1.weight"),
 * and {@link #stateDict()} lists a module's own parameters, then its buffers, then each child's,
 * which is PyTorch's order. A module owns its parameters and buffers: they live outside any
 * {@link MemoryScope} and are freed by {@link #close()}.
 */
public abstract class Module implements AutoCloseable {
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** Applies the module. */
    public abstract Tensor forward(Tensor x);

    /** Registers a child under {@code name}; returns it. */
    protected final <M extends Module> M child(String name, M module) {
        checkName(name);
        children.put(name, module);
        return module;
    }

    /** Registers a parameter (marked as requiring grad, owned by this module); returns it. */
    protected final Tensor parameter(String name, Tensor value) {
        checkName(name);
        parameters.put(name, own(value.requiresGrad(true)));
        return value;
    }

    /** Registers a buffer (state without gradient, owned by this module); returns it. */
    protected final Tensor buffer(String name, Tensor value) {
        checkName(name);
        buffers.put(name, own(value));
        return value;
    }

    private static Tensor own(Tensor t) {
        if (t.owner() != null) {
            t.owner().release(t);
        }
        return t;
    }

    private void checkName(String name) {
        if (name.isEmpty() || name.contains(".") || parameters.containsKey(name) || buffers.containsKey(name)
                || children.containsKey(name)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": invalid or duplicate member name '"
                    + name + "'");
        }
    }

    /** This module's own parameter {@code name} (layers read their weights through this). */
    protected final Tensor param(String name) {
        return parameters.get(name);
    }

    /** This module's own buffer {@code name}. */
    protected final Tensor buf(String name) {
        return buffers.get(name);
    }

    /**
     * Converts every floating-point parameter and buffer to {@code type} in place (PyTorch's
     * {@code model.double()}), recursively; integer buffers (counters) keep their type. Gradients
     * are dropped. Used to run a model in float64 as a numerical reference.
     */
    public Module to(DType type) {
        if (!type.isFloating()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ".to: " + type.label() + " is not floating-point");
        }
        convert(parameters, type, true);
        convert(buffers, type, false);
        children.values().forEach(m -> m.to(type));
        return this;
    }

    /**
     * Moves every parameter and buffer to {@code device} in place (PyTorch's {@code model.to(device)}),
     * recursively. Gradients are dropped.
     */
    public Module to(Device device) {
        move(parameters, device, true);
        move(buffers, device, false);
        children.values().forEach(m -> m.to(device));
        return this;
    }

    private static void move(Map<String, Tensor> tensors, Device device, boolean requiresGrad) {
        for (var e : tensors.entrySet()) {
            Tensor old = e.getValue();
            if (old.device().equals(device)) {
                continue;
            }
            Tensor moved = MemoryScope.unscoped(() -> old.to(device)).name(old.name());
            e.setValue(requiresGrad ? moved.requiresGrad(true) : moved);
            old.close();
        }
    }

    private static void convert(Map<String, Tensor> tensors, DType type, boolean requiresGrad) {
        for (var e : tensors.entrySet()) {
            Tensor old = e.getValue();
            if (!old.dtype().isFloating() || old.dtype() == type) {
                continue;
            }
            Tensor converted = MemoryScope.unscoped(() -> old.to(type)).name(old.name());
            e.setValue(requiresGrad ? converted.requiresGrad(true) : converted);
            old.close();
        }
    }

    /** Children in registration order. */
    public final Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** Every parameter by full dotted name, in state_dict order. */
    public final Map<String, Tensor> namedParameters() {
        var out = new LinkedHashMap<String, Tensor>();
        collect("", out, true, false);
        return out;
    }

    /** Every buffer by full dotted name, in state_dict order. */
    public final Map<String, Tensor> namedBuffers() {
        var out = new LinkedHashMap<String, Tensor>();
        collect("", out, false, true);
        return out;
    }

    /** Parameters and buffers by full dotted name, in PyTorch's state_dict order; values are live. */
    public final Map<String, Tensor> stateDict() {
        syncBuffers();
        var out = new LinkedHashMap<String, Tensor>();
        collect("", out, true, true);
        return out;
    }

    private void collect(String prefix, Map<String, Tensor> out, boolean params, boolean bufs) {
        if (params) {
            parameters.forEach((n, t) -> out.put(prefix + n, t));
        }
        if (bufs) {
            buffers.forEach((n, t) -> out.put(prefix + n, t));
        }
        children.forEach((n, m) -> m.collect(prefix + n + ".", out, params, bufs));
    }

    /**
     * Copies host-side state (counters) into their buffers before they are read; and, through
     * {@link #buffersLoaded()}, back after a load. Modules with such state override both.
     */
    protected void syncBuffersToTensors() {
    }

    /** Called after the buffers were overwritten (a checkpoint was loaded). */
    protected void buffersLoaded() {
    }

    private void syncBuffers() {
        syncBuffersToTensors();
        children.values().forEach(Module::syncBuffers);
    }

    /** Tells every module that its buffers were just overwritten. */
    public final void afterLoad() {
        buffersLoaded();
        children.values().forEach(Module::afterLoad);
    }

    /** Switches training mode (batch statistics) or evaluation mode, recursively. */
    public Module train(boolean on) {
        training = on;
        children.values().forEach(m -> m.train(on));
        return this;
    }

    /** Evaluation mode. */
    public final Module eval() {
        return train(false);
    }

    public final boolean isTraining() {
        return training;
    }

    /** Zeroes every parameter's gradient in place. */
    public final void zeroGrad() {
        namedParameters().values().forEach(Tensor::zeroGrad);
    }

    /** Number of parameter elements. */
    public final long parameterCount() {
        return namedParameters().values().stream().mapToLong(Tensor::numel).sum();
    }

    /** Frees every parameter, gradient and buffer of this module and its children. */
    @Override
    public void close() {
        parameters.values().forEach(Tensor::close);
        buffers.values().forEach(Tensor::close);
        children.values().forEach(Module::close);
    }
}
