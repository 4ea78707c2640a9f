/* The LIME container (USQCD c-lime): a sequence of records, each a 144-byte
 * big-endian header (magic 0x456789ab, version 1, MB/ME flags, payload
 * length, 128-byte NUL-padded type) and a payload padded to 8 bytes.
 */
#ifndef YM_LIME_H
#define YM_LIME_H

#include <mpi.h>
#include <stdio.h>

#define YM_LIME_MAGIC 0x456789abu
#define YM_LIME_HEADER 144
#define YM_LIME_MAXREC 1024

typedef struct {
    char type[129];
    long long offset; /* payload start */
    long long length; /* payload length (without padding) */
    int mb, me;       /* message-begin / message-end flags */
} ym_lime_record;

/* Scan the records of an open file of size bytes. Local (rank 0 calls it).
 * *rec (free() it) gets *nrec records. Errors: YM_EFORMAT (bad magic or
 * version, a record running past the end of the file, too many records),
 * YM_EIO, YM_ENOMEM; messages name path and the record. */
int ym_lime_scan(FILE *f, const char *path, long long size, ym_lime_record **rec, int *nrec);

/* The first record of that type, or NULL. Local. */
const ym_lime_record *ym_lime_find(const ym_lime_record *rec, int nrec, const char *type);

/* Read a record's payload as a NUL-terminated string (at most max bytes,
 * else YM_EFORMAT). Local. *out: free() it. */
int ym_lime_read_text(FILE *f, const char *path, const ym_lime_record *r, size_t max, char **out);

/* LIME records held in memory: what a reader carries from one file to
 * another without interpreting it (type and payload bytes unchanged). */
typedef struct {
    char type[129];
    long long length;
    unsigned char *data; /* length bytes, then a NUL (so text records print as strings) */
} ym_lime_blob;

typedef struct {
    int n;
    ym_lime_blob *rec;
} ym_lime_list;

#define YM_LIME_LIST_INIT {0, NULL}

/* Append a copy of a record (type at most 128 bytes, not empty). Local.
 * Errors: YM_EINVAL (type), YM_ENOMEM. */
int ym_lime_list_add(ym_lime_list *l, const char *type, const void *data, long long length);
/* Free the records and reset the list to empty. Local. */
void ym_lime_list_free(ym_lime_list *l);
/* Broadcast rank root's list to every rank of comm (the others' lists are
 * replaced). Collective. Errors: YM_ENOMEM (agreed). */
int ym_lime_list_bcast(ym_lime_list *l, int root, MPI_Comm comm);

/* Fill a record header (payload length len, type, flags). Local. */
void ym_lime_header(unsigned char h[YM_LIME_HEADER], long long len, const char *type, int mb, int me);

#endif
