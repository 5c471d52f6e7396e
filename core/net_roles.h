/* net_roles.h: what a neuron is for (a leaf header: net.h and the layouts share it). */
#ifndef GLIA_NET_ROLES_H
#define GLIA_NET_ROLES_H

enum glia_role {
    GLIA_ROLE_INPUT = 0,
    GLIA_ROLE_OUTPUT = 1,
    GLIA_ROLE_MODULATORY = 2,
    GLIA_ROLE_REGULAR = 3,
    GLIA_ROLE_BIAS = 4, /* network.bias: always fires, never driven or read */
};

/* Input and bias neurons are sources: their state is set, never computed, so nothing
 * (synapses, thresholds, homeostasis) acts on them. */
#define GLIA_ROLE_IS_SOURCE(role) ((role) == GLIA_ROLE_INPUT || (role) == GLIA_ROLE_BIAS)

#endif
