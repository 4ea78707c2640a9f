/* Small HDF5 outputs of the activity commands (site tables, fields of
 * recordings' lattices), written by rank 0 with the serial HDF5 API into a
 * temporary file that is renamed into place on success (never a half-written
 * output). Local (rank 0); errors are ym_status codes naming the file. */
#ifndef YM_CLI_H5_H
#define YM_CLI_H5_H
#include <stdint.h>

typedef struct cli_h5 cli_h5;

/* Start path (refused if it exists unless overwrite). */
int cli_h5_open(cli_h5 **out, const char *path, int overwrite);
/* A double dataset of rank dims (dims[0] slowest). */
int cli_h5_doubles(cli_h5 *h, const char *name, int rank, const uint64_t *dims, const double *v);
int cli_h5_ints(cli_h5 *h, const char *name, int rank, const uint64_t *dims, const int *v);
/* A 1-D dataset of n strings. */
int cli_h5_strings(cli_h5 *h, const char *name, int n, const char *const *s);
/* Attributes of the root group. */
int cli_h5_attr_text(cli_h5 *h, const char *name, const char *text);
int cli_h5_attr_ints(cli_h5 *h, const char *name, int n, const int *v);
int cli_h5_attr_double(cli_h5 *h, const char *name, double v);
/* commit = 1: close and rename into place; 0: close and remove. NULL-safe.
 * Returns the first error of the whole file's life. */
int cli_h5_close(cli_h5 *h, int commit);

#endif
