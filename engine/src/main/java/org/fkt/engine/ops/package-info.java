/**
 * The differentiable operations on tensors: argument checks with clear messages, output allocation,
 * backend dispatch and graph recording.
 */
package org.fkt.engine.ops;
