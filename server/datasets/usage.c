/* usage.c: which session uses a dataset (see usage.h). */
#include "server/datasets/usage.h"

#include <stdio.h>
#include <string.h>

#include "server/sessions/registry.h"

/* The dataset a resolved config names, or NULL (borrowed). */
static const char *named_dataset(const json_t *config)
{
    const json_t *d = json_object_get(config, "dataset");

    if (json_is_object(d))
        d = json_object_get(d, "name");
    return json_string_value(d);
}

int glia_dataset_user(glia_server_t *srv, const char *dataset, char *session, size_t size)
{
    glia_entry_t **all;
    size_t n = glia_registry_list(&srv->registry, &all);
    int found = 0;

    for (size_t i = 0; i < n && !found; i++) {
        const char *used = all[i]->is_deleted ? NULL : named_dataset(all[i]->config_json);
        if (used != NULL && strcmp(used, dataset) == 0) {
            snprintf(session, size, "%s", all[i]->name);
            found = 1;
        }
    }
    glia_registry_list_free(all, n);
    return found;
}
