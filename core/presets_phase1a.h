/* presets_phase1a.h: the phase 1a presets, as presets.c looks them up (core/ only). */
#ifndef GLIA_PRESETS_PHASE1A_H
#define GLIA_PRESETS_PHASE1A_H

#include "core/config.h"

/* The phase 1a presets "exp<NNN>[a|b|c]-<condition>" (presets_phase1a.c): fill cfg, or
 * GLIA_ENOENT for another name. _check: every parent and field pointer of the table
 * exists (1) or not (0). */
int glia__preset_phase1a(glia_config_t *cfg, const char *name);
int glia__preset_phase1a_check(void);

#endif
