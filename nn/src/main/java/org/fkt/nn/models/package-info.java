/** ResNet-18/34/50 with torchvision's names and initialisation, and the paper's classifier and projection heads. */
package org.fkt.nn.models;
