/** The layers of the ResNets and their heads, with PyTorch's parameter names and initialisations. */
package org.fkt.nn.layers;
