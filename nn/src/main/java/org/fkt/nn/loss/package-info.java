/**
 * Losses of the two regimes beyond the engine's cross-entropy: NT-Xent, by the engine's fused op
 * (default) or composed from engine ops (the reference), selectable with {@link org.fkt.nn.loss.NtXentPath}.
 */
package org.fkt.nn.loss;
