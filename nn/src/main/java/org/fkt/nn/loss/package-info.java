/** Losses of the two regimes beyond the engine's cross-entropy: NT-Xent (composed reference path). */
package org.fkt.nn.loss;
