package org.fkt.engine.autograd;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.tensor.Tensor;

/**
 * Reverse-mode differentiation over the graph that ops record, and the no-grad switch.
 * {@link #backward} visits the graph in reverse topological order, frees each intermediate gradient
 * as soon as it has been consumed, and accumulates into leaves' {@code grad} (allocated outside any
 * scope, owned by the leaf).
 */
public final class Autograd {
    private static final ThreadLocal<Boolean> ENABLED = ThreadLocal.withInitial(() -> Boolean.TRUE);

    private Autograd() {
    }

    /** True unless inside a {@link #noGrad()} region on this thread. */
    public static boolean isGradEnabled() {
        return ENABLED.get();
    }

    /** A region in which ops record nothing: {@code try (var off = Autograd.noGrad()) { ... }}. */
    public static NoGrad noGrad() {
        boolean previous = ENABLED.get();
        ENABLED.set(Boolean.FALSE);
        return () -> ENABLED.set(previous);
    }

    /** Restores the previous grad mode on close. */
    @FunctionalInterface
    public interface NoGrad extends AutoCloseable {
        @Override
        void close();
    }

    /** Back-propagates from {@code root}; {@code seed} null means 1 for a one-element root. */
    public static void backward(Tensor root, Tensor seed) {
        root.checkOpen("backward", "root");
        if (!root.requiresGrad()) {
            throw new IllegalStateException("backward: " + root.describe()
                    + " does not require grad (no input requires grad, or it was computed in a no-grad region)");
        }
        Tensor g;
        if (seed == null) {
            if (root.numel() != 1) {
                throw new IllegalArgumentException("backward: " + root.describe()
                        + " is not a scalar; pass a seed gradient of shape " + org.fkt.engine.tensor.Shapes.toString(root.shape()));
            }
            g = Tensor.full(1, root.dtype(), root.device(), root.shape());
        } else {
            seed.checkOpen("backward", "seed");
            if (!seed.sameShape(root) || !seed.device().equals(root.device()) || seed.dtype() != root.dtype()) {
                throw new IllegalArgumentException("backward: seed " + seed.describe() + " does not match root "
                        + root.describe());
            }
            g = seed.detach();
        }
        if (root.gradFn() == null) {
            accumulateLeaf(root, g);
            return;
        }
        Map<Tensor, Tensor> grads = new IdentityHashMap<>();
        grads.put(root, g);
        for (Tensor t : reverseTopologicalOrder(root)) {
            Tensor gt = grads.remove(t);
            if (gt == null) {
                continue;
            }
            Op op = t.gradFn();
            for (Tensor saved : op.saved()) {
                saved.checkOpen("backward", "a tensor saved by " + op.name() + " for " + t.describe() + ",");
            }
            Tensor[] inputGrads;
            try {
                inputGrads = GradientTable.backward(op, t, gt);
            } finally {
                gt.close();
            }
            List<Tensor> inputs = op.inputs();
            for (int i = 0; i < inputs.size(); i++) {
                Tensor in = inputs.get(i);
                Tensor gi = inputGrads[i];
                if (gi == null) {
                    continue;
                }
                if (!in.requiresGrad()) {
                    gi.close();
                } else if (in.gradFn() == null) {
                    accumulateLeaf(in, gi);
                } else {
                    Tensor prev = grads.put(in, gi);
                    if (prev != null) {
                        Tensor sum = Tensor.empty(gi.dtype(), gi.device(), gi.shape());
                        gi.backend().addScaled(prev, 1, gi, 1, sum);
                        prev.close();
                        gi.close();
                        grads.put(in, sum);
                    }
                }
            }
        }
    }

    private static void accumulateLeaf(Tensor leaf, Tensor g) {
        try (g) {
            if (leaf.grad() == null) {
                Tensor copy = MemoryScope.unscoped(() -> Tensor.empty(g.dtype(), g.device(), g.shape()));
                g.backend().copy(g, copy);
                leaf.grad(copy.name(leaf.name() == null ? null : "grad." + leaf.name()));
            } else {
                g.backend().accumulate(leaf.grad(), g, 1);
            }
        }
    }

    /** Non-leaf tensors reachable from root, each after every tensor that consumes it. */
    private static List<Tensor> reverseTopologicalOrder(Tensor root) {
        List<Tensor> postOrder = new ArrayList<>();
        Map<Tensor, Boolean> visited = new IdentityHashMap<>();
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[] {root, 0});
        visited.put(root, Boolean.TRUE);
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Tensor t = (Tensor) frame[0];
            List<Tensor> inputs = t.gradFn().inputs();
            int next = (Integer) frame[1];
            if (next < inputs.size()) {
                frame[1] = next + 1;
                Tensor in = inputs.get(next);
                if (in.gradFn() != null && in.requiresGrad() && visited.put(in, Boolean.TRUE) == null) {
                    stack.push(new Object[] {in, 0});
                }
            } else {
                stack.pop();
                postOrder.add(t);
            }
        }
        java.util.Collections.reverse(postOrder);
        return postOrder;
    }
}
