/* names.h: how long a name of a session, experiment or preset may be.
 *
 * A leaf header (no includes), so that layers which only store or copy names (the store's
 * rows, the router's {name} parameter) need not include what routes or validates them.
 * What a valid name is: glia_name_valid (router.h).
 */
#ifndef GLIA_NAMES_H
#define GLIA_NAMES_H

#define GLIA_NAME_MAX 64 /* characters of a name, without the final NUL */

#endif
