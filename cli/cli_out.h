/* Text outputs of the ymflow command: a growable buffer and atomic writes
 * (temp file in the target directory + rename), shared by embed, clusters
 * and pipeline so none of them re-implements them. */
#ifndef YM_CLI_OUT_H
#define YM_CLI_OUT_H

#include <mpi.h>
#include <stddef.h>

#include "ym_card.h"

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
/* Append the card text of a parameter table (ym_card_write: prefix "" reads
 * back as a run card, "# " comments it out for a CSV header). */
void cli_buf_card(cli_buf *b, const ym_param *t, int n, const char *prefix);
/* Append the table as "section.key = value" lines: the metadata written into
 * configuration files (NERSC headers have no sections). */
void cli_buf_card_lines(cli_buf *b, const ym_param *t, int n);
/* 1 if two entries of parameter tables have the same card text (how a resume
 * compares its parameters with the checkpoint's); 0 also when out of memory. */
int cli_param_same(const ym_param *a, const ym_param *b);

/* Rank 0 writes text to path atomically; an existing path is refused unless
 * overwrite. Collective (status agreed). Errors: YM_EIO, YM_ENOMEM. */
int cli_write_text(MPI_Comm comm, const char *path, int overwrite, const cli_buf *b);
/* 1 if path exists (any rank may call). */
int cli_path_exists(const char *path);
/* Create directory dir (and parents) on rank 0 if missing. created (may
 * be NULL; n bytes) gets the topmost directory this call made, "" if none
 * (on rank 0). Collective. Errors: YM_EIO naming the directory. */
int cli_mkdir_p(MPI_Comm comm, const char *dir, char *created, size_t n);
/* After a failed run: remove, deepest first, the directories of dir up to
 * created (cli_mkdir_p's report) that are still empty. Rank 0 acts. */
void cli_rmdir_created(MPI_Comm comm, const char *dir, const char *created);

#endif
