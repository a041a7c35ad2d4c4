/**
 * Reverse-mode automatic differentiation: the op records ({@link org.fkt.engine.autograd.Op}), the single
 * table of backward rules ({@code GradientTable}), the backward pass and no-grad regions.
 */
package org.fkt.engine.autograd;
