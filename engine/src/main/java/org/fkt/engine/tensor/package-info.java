/**
 * Tensors: element type, device, shape and strides over reference-counted storage, and the user-facing
 * tensor API (creation, views, host access, the autograd entry points).
 */
package org.fkt.engine.tensor;
