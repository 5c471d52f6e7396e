/* csv.h: tables of the API as CSV (RFC 4180), with the JSON's digits.
 *
 * Rows end with "\n" (like the experiment report's CSV); a field is quoted, its quotes
 * doubled, only when it holds a comma, a quote, CR or LF. Values print as the JSON body
 * prints them: integers as integers, reals in the shortest form that reads back to the
 * same double (json_write.h), booleans as true/false, null (and NaN) as an empty field.
 */
#ifndef GLIA_CSV_H
#define GLIA_CSV_H

#include <jansson.h>
#include <stddef.h>

#include "api/strbuf.h"

/* ?format of a route whose reply is a table: {"json", "csv", NULL}, in this order. */
enum { GLIA_FORMAT_JSON = 0, GLIA_FORMAT_CSV = 1 };
extern const char *const glia_table_formats[];

/* Append one field (a comma before it unless `is_first`): text, or a JSON value as above
 * (an object or array, which a table does not hold, as its compact JSON text). */
void glia_csv_text(glia_strbuf_t *b, int is_first, const char *text);
void glia_csv_value(glia_strbuf_t *b, int is_first, const json_t *v);

/* An array of JSON objects as a table: one row per object, columns its scalar members in
 * the JSON's order, flattened (member k of object member p is column "p.k", element i of
 * array member p is column "p.i"), the union over all rows in the order first seen; a row
 * without a column has an empty field. A new string (free()) and its length, or NULL on
 * out of memory. */
char *glia_csv_rows(const json_t *rows, size_t *len);

/* GET .../outputs as CSV: one row per (point, pattern) of
 *   {"patterns": [{"input", "target"}], "points": [{"episode", "outputs": [...]}]}:
 *   episode,pattern,input,target,output,correct,accuracy
 * (correct: output == target; accuracy: the fraction of output bits equal to the target's).
 * New string or NULL on out of memory. */
char *glia_csv_outputs(const json_t *doc, size_t *len);

/* GET /v1/experiments/{name}/curves as CSV (experiment_curves.h), long: one row per
 * (condition, episode, metric):
 *   condition,seeds,episode,metric,n,mean,sd,ci_low,ci_high
 * (a null metric or CI: empty fields; "reward_queries" in place of "episode" for curves
 * along reward queries, "x": "reward_queries"). New string or NULL on out of memory. */
char *glia_csv_curves(const json_t *curves, size_t *len);

#endif
