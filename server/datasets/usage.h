/* usage.h: which session uses a dataset (DELETE /v1/datasets/{name} refuses while one does).
 *
 * A session uses a dataset when its resolved config names it: a "dataset" member that is
 * the dataset's name, or an object whose "name" is. No config has that member yet (the
 * config parser refuses unknown members): classification on datasets is the next step of
 * issue 20, and this lookup is where it takes effect (docs/datasets.md).
 */
#ifndef GLIA_DATASET_USAGE_H
#define GLIA_DATASET_USAGE_H

#include <stddef.h>

#include "server/server.h"

/* Loop thread. 1 with the first such session's name in `session` (in name order), or 0. */
int glia_dataset_user(glia_server_t *srv, const char *dataset, char *session, size_t size);

#endif
