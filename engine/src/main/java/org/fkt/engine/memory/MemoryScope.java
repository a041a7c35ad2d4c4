package org.fkt.engine.memory;

import java.util.ArrayList;
import java.util.List;

/**
 * Deterministic ownership of native memory. While a scope is open on a thread, every tensor created
 * on that thread is registered with it, and closing the scope closes them all (newest first). Scopes
 * nest: a training step opens one per step inside the long-lived scope of the parameters.
 * {@link #keep} hands a result to the enclosing scope, {@link #release} to the caller.
 *
 * <pre>{@code
 * try (var step = MemoryScope.open()) {
 *     Tensor loss = model.loss(batch);
 *     loss.backward();
 *     optimizer.step();
 * }   // every activation and temporary gradient of the step is freed here
 * }</pre>
 */
public final class MemoryScope implements AutoCloseable {
    private static final ThreadLocal<MemoryScope> CURRENT = new ThreadLocal<>();

    private final MemoryScope parent;
    private final Thread thread;
    private final List<Owned> owned = new ArrayList<>();
    private boolean closed;

    private MemoryScope(MemoryScope parent) {
        this.parent = parent;
        this.thread = Thread.currentThread();
    }

    /** Opens a scope nested in the current one and makes it current on this thread. */
    public static MemoryScope open() {
        var scope = new MemoryScope(CURRENT.get());
        CURRENT.set(scope);
        return scope;
    }

    /** The innermost open scope on this thread, or null. */
    public static MemoryScope current() {
        return CURRENT.get();
    }

    /** Runs {@code body} with no current scope: what it creates belongs to the caller. */
    public static <T> T unscoped(java.util.function.Supplier<T> body) {
        MemoryScope saved = CURRENT.get();
        CURRENT.remove();
        try {
            return body.get();
        } finally {
            if (saved != null) {
                CURRENT.set(saved);
            }
        }
    }

    /** Registers a new resource with the current scope, if there is one. */
    public static void adopt(Owned resource) {
        MemoryScope scope = CURRENT.get();
        if (scope != null) {
            scope.add(resource);
        }
    }

    /** Takes ownership of {@code resource} (removing it from its previous scope). */
    public <T extends Owned> T add(T resource) {
        ensureOpen();
        resource.owner(this);
        owned.add(resource);
        return resource;
    }

    /** Moves {@code resource} to the enclosing scope (or to the caller when there is none). */
    public <T extends Owned> T keep(T resource) {
        if (parent != null) {
            parent.add(resource);
        } else {
            resource.owner(null);
        }
        return resource;
    }

    /** Removes {@code resource} from this scope; the caller must close it. */
    public <T extends Owned> T release(T resource) {
        if (resource.owner() == this) {
            resource.owner(null);
        }
        return resource;
    }

    /** Number of resources registered over this scope's life (including moved and closed ones). */
    public int registeredCount() {
        return owned.size();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException("memory scope opened on " + thread.getName()
                    + " closed from " + Thread.currentThread().getName());
        }
        closed = true;
        if (CURRENT.get() == this) {
            if (parent != null) {
                CURRENT.set(parent);
            } else {
                CURRENT.remove();
            }
        }
        RuntimeException failure = null;
        for (int i = owned.size() - 1; i >= 0; i--) {
            Owned r = owned.get(i);
            if (r.owner() == this) {
                try {
                    r.owner(null);
                    r.close();
                } catch (RuntimeException e) {
                    failure = failure == null ? e : failure;
                }
            }
        }
        owned.clear();
        if (failure != null) {
            throw failure;
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("memory scope is closed");
        }
    }
}
