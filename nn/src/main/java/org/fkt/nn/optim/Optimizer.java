package org.fkt.nn.optim;

import java.util.Map;
import org.fkt.engine.tensor.Tensor;

/**
 * An optimizer over an ordered map of named parameters (leaf tensors requiring grad), for a
 * training loop: {@code zeroGrad(); loss.backward(); step();}.
 *
 * <p>A parameter whose {@code grad()} is null at {@link #step()} is skipped: it is not changed and its
 * state (momentum buffer) is neither created nor advanced, as in torch. {@link #zeroGrad()} keeps
 * gradients (filled with zeros, so those parameters are still stepped: weight decay and momentum act);
 * {@link #clearGrads()} drops them, so parameters that the next backward does not reach are skipped.
 *
 * <p>The learning rate is either fixed ({@link #learningRate(double)}) or follows a {@link Schedule}
 * evaluated at {@link #stepCount()}, the number of {@code step()} calls made so far (0 for the first).
 *
 * <p>Optimizer state (momentum buffers) lives outside any {@code MemoryScope} and is freed by
 * {@link #close()}; the parameters themselves belong to the caller.
 */
public interface Optimizer extends AutoCloseable {
    /** Updates every parameter that has a gradient, in place, then advances {@link #stepCount()}. */
    void step();

    /** Fills every existing gradient with zeros, keeping its memory. */
    void zeroGrad();

    /** Drops every gradient (sets it to null and frees it); the next step skips unreached parameters. */
    void clearGrads();

    /** The learning rate the next {@link #step()} uses. */
    double learningRate();

    /** Fixes the learning rate for the following steps (replacing any schedule). */
    void learningRate(double lr);

    /** Makes the learning rate follow {@code schedule} at index {@link #stepCount()} (replacing a fixed rate). */
    void schedule(Schedule schedule);

    /** Number of {@link #step()} calls made (restored by {@link #loadState}). */
    long stepCount();

    /** The parameters, by name, in the order given (unmodifiable). */
    Map<String, Tensor> parameters();

    /**
     * A copy of the state for a checkpoint: the step count and a momentum buffer per parameter that has
     * one (keyed by parameter name). The tensors are new copies owned by the caller (registered with the
     * current {@code MemoryScope} if one is open; else close the returned state).
     */
    OptimizerState state();

    /**
     * Restores a state from {@link #state()}: copies the buffers in, sets the step count. Parameters
     * absent from {@code state} get no state (as before their first step). Names that are not
     * parameters of this optimizer, or buffers of the wrong shape, are errors naming them.
     */
    void loadState(OptimizerState state);

    /** Frees the optimizer's state; later use is an error. Idempotent. */
    @Override
    void close();
}
