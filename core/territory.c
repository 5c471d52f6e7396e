/* territory.c: the astrocyte grid and its territories (spec 6, "Astrocytes"). */
#include "core/territory.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/net_storage.h"

static int territory(const glia_config_t *cfg, const glia_net_t *net, glia_territory_t *a,
                     uint8_t *in_terr)
{
    const double radius = cfg->learner.astrocyte.territory_radius;

    a->ids = malloc((size_t)net->n * sizeof(int));
    a->pos = malloc((size_t)net->n * sizeof(int));
    if (a->ids == NULL || a->pos == NULL)
        return GLIA_ENOMEM;
    memset(in_terr, 0, (size_t)net->id_space);
    for (int j = 0; j < net->n; j++) {
        double dx, dy;
        if (net->cluster[j] != a->cluster)
            continue;
        dx = net->x[j] - a->x;
        dy = net->y[j] - a->y;
        /* The square root is taken, then compared (not d^2 against r^2). */
        if (sqrt(dx * dx + dy * dy) <= radius) {
            a->pos[a->n_ids] = j;
            a->ids[a->n_ids++] = net->id[j];
            in_terr[net->id[j]] = 1;
        }
    }
    a->n_syn = 0;
    for (int k = 0; k < net->n_syn; k++)
        a->n_syn += in_terr[net->pre[k]] || in_terr[net->post[k]];
    a->syn = malloc((size_t)(a->n_syn ? a->n_syn : 1) * sizeof(int));
    if (a->syn == NULL)
        return GLIA_ENOMEM;
    for (int k = 0, i = 0; k < net->n_syn; k++) {
        if (in_terr[net->pre[k]] || in_terr[net->post[k]])
            a->syn[i++] = k;
    }
    return 0;
}

void glia_territories_destroy(glia_territories_t *t)
{
    for (int i = 0; t->t != NULL && i < t->count; i++) {
        free(t->t[i].ids);
        free(t->t[i].pos);
        free(t->t[i].syn);
    }
    free(t->t);
    t->t = NULL;
    t->count = 0;
}

int glia_territories_init(glia_territories_t *out, const glia_config_t *cfg, const glia_net_t *net)
{
    const int per = cfg->learner.astrocyte.per_cluster;
    const int g = (int)lround(sqrt((double)per));
    uint8_t *in_terr;
    int rc = 0;

    out->count = per * cfg->network.clusters;
    out->t = calloc((size_t)out->count, sizeof(glia_territory_t));
    in_terr = malloc((size_t)net->id_space);
    if (out->t == NULL || in_terr == NULL) {
        rc = GLIA_ENOMEM;
        goto done;
    }
    for (int c = 0; c < cfg->network.clusters && rc == 0; c++) {
        double minx = INFINITY, maxx = -INFINITY, miny = INFINITY, maxy = -INFINITY;
        double midx, midy, qx, qy;
        for (int j = 0; j < net->n; j++) {
            if (net->cluster[j] != c)
                continue;
            minx = fmin(minx, net->x[j]);
            maxx = fmax(maxx, net->x[j]);
            miny = fmin(miny, net->y[j]);
            maxy = fmax(maxy, net->y[j]);
        }
        midx = (minx + maxx) / 2.0;
        midy = (miny + maxy) / 2.0;
        /* Cell centres mid + k*q, k = 2i-(g-1); for the reference's 2x2 grid this is
         * exactly mid -/+ (max-min)/4, in the order (-,-), (+,-), (-,+), (+,+). */
        qx = (maxx - minx) / (2.0 * g);
        qy = (maxy - miny) / (2.0 * g);
        for (int iy = 0; iy < g && rc == 0; iy++) {
            for (int ix = 0; ix < g && rc == 0; ix++) {
                glia_territory_t *a = &out->t[c * per + iy * g + ix];
                a->cluster = c;
                a->x = midx + (double)(2 * ix - (g - 1)) * qx;
                a->y = midy + (double)(2 * iy - (g - 1)) * qy;
                rc = territory(cfg, net, a, in_terr);
            }
        }
    }
done:
    free(in_terr);
    if (rc != 0)
        glia_territories_destroy(out);
    return rc;
}
