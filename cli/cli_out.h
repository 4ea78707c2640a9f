/* Text outputs of the ymflow command: a growable buffer and atomic writes
 * (temp file in the target directory + rename), shared by embed, clusters
 * and pipeline so none of them re-implements them. */
#ifndef YM_CLI_OUT_H
#define YM_CLI_OUT_H

#include <mpi.h>
#include <stddef.h>

typedef struct {
    char *s;
    size_t n, cap;
    int oom;
} cli_buf;

/* Append formatted text; an allocation failure sets oom (checked on write). */
void cli_buf_printf(cli_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Append s as a JSON string literal (quotes and escapes included). */
void cli_buf_json_string(cli_buf *b, const char *s);
void cli_buf_free(cli_buf *b);

/* Rank 0 writes text to path atomically; an existing path is refused unless
 * overwrite. Collective (status agreed). Errors: YM_EIO, YM_ENOMEM. */
int cli_write_text(MPI_Comm comm, const char *path, int overwrite, const cli_buf *b);
/* 1 if path exists (any rank may call). */
int cli_path_exists(const char *path);
/* Create directory dir (and parents) on rank 0 if missing. Collective.
 * Errors: YM_EIO naming the directory. */
int cli_mkdir_p(MPI_Comm comm, const char *dir);

#endif
