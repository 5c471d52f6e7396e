/* dataset_matrix.c: what every dataset parser shares: where an error is, the shape's
 * bounds, the matrix of a dataset and its narrowing to bytes (dataset_matrix.h). It calls
 * nothing else of the family, so the parsers and the entry points use it one way. */
#include "api/dataset_matrix.h"

#include <math.h>
#include <stdlib.h>

void glia__dataset_set_where(glia_dataset_where_t *w, int64_t row, int64_t column, int64_t offset)
{
    if (w != NULL) {
        w->row = row;
        w->column = column;
        w->offset = offset;
    }
}

int glia__dataset_check_shape(uint64_t samples, uint64_t features, glia_error_t *err)
{
    if (features > GLIA_DATASET_MAX_FEATURES)
        return glia_error_set(err, GLIA_ERANGE, "",
                              "%llu features: a dataset holds at most %d features",
                              (unsigned long long)features, GLIA_DATASET_MAX_FEATURES);
    if (samples > GLIA_DATASET_MAX_SAMPLES)
        return glia_error_set(err, GLIA_ERANGE, "",
                              "%llu samples: a dataset holds at most %d samples",
                              (unsigned long long)samples, GLIA_DATASET_MAX_SAMPLES);
    if (samples * features > GLIA_DATASET_MAX_CELLS)
        return glia_error_set(err, GLIA_ERANGE, "",
                              "%llu samples x %llu features = %llu values: a dataset holds at "
                              "most %d values",
                              (unsigned long long)samples, (unsigned long long)features,
                              (unsigned long long)(samples * features), GLIA_DATASET_MAX_CELLS);
    if (samples == 0)
        return glia_error_set(err, GLIA_EINVAL, "", "the file holds no samples");
    return 0;
}

int glia__dataset_alloc_matrix(glia_dataset_t *ds, uint32_t samples, uint32_t features, int is_u8)
{
    const size_t cells = (size_t)samples * features;

    ds->samples = samples;
    ds->features = features;
    ds->is_u8 = is_u8;
    if (is_u8)
        ds->x8 = malloc(cells ? cells : 1);
    else
        ds->xf = malloc((cells ? cells : 1) * sizeof(float));
    ds->labels = calloc(samples, sizeof(int32_t));
    ds->fmin = malloc(features * sizeof(double));
    ds->fmax = malloc(features * sizeof(double));
    if ((is_u8 ? (void *)ds->x8 : (void *)ds->xf) == NULL || ds->labels == NULL ||
        ds->fmin == NULL || ds->fmax == NULL)
        return GLIA_ENOMEM;
    for (uint32_t j = 0; j < features; j++) {
        ds->fmin[j] = INFINITY;
        ds->fmax[j] = -INFINITY;
    }
    return 0;
}

int glia__dataset_narrow(glia_dataset_t *ds)
{
    const size_t cells = (size_t)ds->samples * ds->features;

    for (uint32_t j = 0; j < ds->features; j++)
        if (ds->fmin[j] < 0 || ds->fmax[j] > 255)
            return 0;
    for (size_t i = 0; i < cells; i++)
        if (ds->xf[i] != floorf(ds->xf[i]))
            return 0;
    if ((ds->x8 = malloc(cells)) == NULL)
        return GLIA_ENOMEM;
    for (size_t i = 0; i < cells; i++)
        ds->x8[i] = (uint8_t)ds->xf[i];
    free(ds->xf);
    ds->xf = NULL;
    ds->is_u8 = 1;
    return 0;
}
