/* Run cards: INI files ([section], key = value, # or ; comments) read into
 * typed parameter tables that modules declare (DESIGN.md section 6).
 *
 * A module lists its parameters in a ym_param table whose targets hold the
 * defaults; ym_card_parse fills them from a card, ym_card_override from
 * command-line --section.key=value options (which win over the card), and
 * ym_card_write records the effective values in outputs. Example:
 *
 *     double eps = 0.01, tmax = 1.0;
 *     char integ[YM_CARD_STRMAX] = "rk3";
 *     int L[4] = {8, 8, 8, 8};
 *     ym_param t[] = {
 *         {"flow", "eps", YM_PARAM_DOUBLE, &eps, .min = 1e-8, .max = 1, .help = "step size"},
 *         {"flow", "tmax", YM_PARAM_DOUBLE, &tmax, .min = 0, .max = 1e6, .required = 1},
 *         {"flow", "integrator", YM_PARAM_CHOICE, integ, .choices = "euler|rk2|rk3"},
 *         {"lattice", "dims", YM_PARAM_DIMS, L},
 *     };
 *     st = ym_card_parse(comm, "run.in", t, 4);
 *
 * Everything the card or an option gets wrong is YM_EINVAL with a message
 * naming the place and the key, e.g. "run.in:5: unknown key 'epsilon' in
 * [flow]" or "--flow.eps=x: malformed number 'x'". The card is parsed with
 * libinih; lines count from 1. Leading blanks are ignored (no multi-line
 * values); an inline comment starts at " ;" or " #". A line may be at most
 * as long as the system's libinih allows (INI_MAX_LINE: 198 characters with
 * Debian's build); a longer one is an error, not silently split.
 */
#ifndef YM_CARD_H
#define YM_CARD_H

#include <mpi.h>
#include <stddef.h>
#include <stdio.h>

/* Size of a STRING / CHOICE target when ym_param.size is 0 (so a path fits). */
#define YM_CARD_STRMAX 4096

typedef enum {
    YM_PARAM_DOUBLE, /* target double *: finite, decimal (strtod); range [min, max] */
    YM_PARAM_INT,    /* target int *: decimal integer; range [min, max] */
    YM_PARAM_STRING, /* target char[size]: the trimmed value, may be empty */
    YM_PARAM_BOOL,   /* target int * (0/1): true/false, yes/no, on/off, 1/0 */
    YM_PARAM_CHOICE, /* target char[size]: one of choices ("euler|rk2|rk3"), the
                      * registry key a module looks its type up by */
    YM_PARAM_DIMS    /* target int[4]: "AxBxCxD" or "A" (all four), entries >= 1 */
} ym_param_type;

typedef struct {
    const char *section, *key; /* [section] key; lower-case by convention, no '.' in section */
    ym_param_type type;
    void *target;        /* holds the default before parsing and the value after */
    const char *choices; /* CHOICE only: allowed values separated by '|' */
    double min, max;     /* DOUBLE, INT, DIMS (each entry): inclusive range, applied
                          * only when min < max (leave both 0 for "any value") */
    int required;        /* 1: the card must set it (a default is not enough) */
    const char *help;    /* one line for --help listings; may be NULL */
    size_t size;         /* STRING, CHOICE: bytes of target (0 = YM_CARD_STRMAX) */
    int set;             /* output: 1 if the card or an override gave the value */
} ym_param;

/* Read the run card path into table (n entries): rank 0 opens and parses,
 * then every target and set flag is broadcast, so all ranks end with the
 * same values (also after a failure, when they are partly updated) and the
 * same status. Clears the set flags first. Collective on comm.
 * Errors: YM_EIO (missing, unreadable or a directory; names the file),
 * YM_EINVAL ("file:line: ..." for unknown sections and keys, keys outside a
 * section, duplicates, malformed, non-finite or out-of-range numbers,
 * invalid choices (listing the allowed ones), missing required keys, syntax
 * errors, over-long lines; or a malformed table). */
int ym_card_parse(MPI_Comm comm, const char *path, ym_param *table, int n);

/* Apply one command-line option "--section.key=value" (the leading "--" is
 * optional) to table, marking it set. Call after ym_card_parse so options
 * win over the card. Local (call with the same arguments on every rank).
 * Errors: YM_EINVAL naming the option (not of that form, unknown key,
 * invalid value as for the card). */
int ym_card_override(ym_param *table, int n, const char *arg);

/* Write the effective parameters as a run card, each line preceded by
 * prefix ("" gives a card ym_card_parse reads back to identical values,
 * doubles exact via %.17g; "# " gives a comment block for CSV outputs):
 *     <prefix>[flow]
 *     <prefix>eps = 0.01
 * A new [section] line starts whenever the section changes along the table.
 * A CHOICE with no value is omitted. Local.
 * Errors: YM_EINVAL (a string that would not read back: leading or trailing
 * blanks, a newline, " #" or " ;"), YM_EIO (write failed). */
int ym_card_write(FILE *f, const ym_param *table, int n, const char *prefix);

/* The entry for section.key, or NULL. Local. */
ym_param *ym_card_find(ym_param *table, int n, const char *section, const char *key);

#endif
