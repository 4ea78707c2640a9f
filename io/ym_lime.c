/* LIME record scanning and writing (see ym_lime.h). */
#include "ym_lime.h"
#include "ym_ioutil.h"
#include "ym_status.h"

#include <stdlib.h>
#include <string.h>

int ym_lime_scan(FILE *f, const char *path, long long size, ym_lime_record **rec, int *nrec)
{
    *rec = NULL;
    *nrec = 0;
    ym_lime_record *r = calloc(YM_LIME_MAXREC, sizeof *r);
    if (!r) return YM_ERROR(YM_ENOMEM, "%s: out of memory", path);
    long long pos = 0;
    int n = 0;
    while (pos < size) {
        unsigned char h[YM_LIME_HEADER];
        if (n == YM_LIME_MAXREC) {
            free(r);
            return YM_ERROR(YM_EFORMAT, "%s: more than %d LIME records", path, YM_LIME_MAXREC);
        }
        if (size - pos < YM_LIME_HEADER || fseeko(f, (off_t)pos, SEEK_SET) != 0 || fread(h, 1, sizeof h, f) != sizeof h) {
            free(r);
            return YM_ERROR(YM_EFORMAT, "%s: LIME record %d at byte %lld: header truncated (%lld bytes left, need %d)",
                            path, n, pos, size - pos, YM_LIME_HEADER);
        }
        uint32_t magic = ym_io_be32(h);
        unsigned version = (unsigned)h[4] << 8 | h[5];
        if (magic != YM_LIME_MAGIC || version != 1) {
            free(r);
            return magic != YM_LIME_MAGIC
                       ? YM_ERROR(YM_EFORMAT, "%s: LIME record %d at byte %lld: magic %08x, expected %08x", path, n,
                                  pos, (unsigned)magic, YM_LIME_MAGIC)
                       : YM_ERROR(YM_EFORMAT, "%s: LIME record %d at byte %lld: version %u, expected 1", path, n, pos,
                                  version);
        }
        uint64_t len = ym_io_be64(h + 8);
        long long avail = size - pos - YM_LIME_HEADER;
        if (len > (uint64_t)avail) {
            free(r);
            return YM_ERROR(YM_EFORMAT, "%s: LIME record %d ('%.128s') at byte %lld: length %llu runs past the end of "
                                        "the file (%lld bytes left; truncated?)",
                            path, n, (const char *)h + 16, pos, (unsigned long long)len, avail);
        }
        memcpy(r[n].type, h + 16, 128);
        r[n].type[128] = '\0';
        r[n].offset = pos + YM_LIME_HEADER;
        r[n].length = (long long)len;
        r[n].mb = (h[6] & 0x80) != 0;
        r[n].me = (h[6] & 0x40) != 0;
        ++n;
        pos += YM_LIME_HEADER + (long long)((len + 7) & ~(uint64_t)7);
    }
    if (n == 0) {
        free(r);
        return YM_ERROR(YM_EFORMAT, "%s: empty file (no LIME records)", path);
    }
    *rec = r;
    *nrec = n;
    return YM_OK;
}

const ym_lime_record *ym_lime_find(const ym_lime_record *rec, int nrec, const char *type)
{
    for (int i = 0; i < nrec; ++i)
        if (!strcmp(rec[i].type, type)) return rec + i;
    return NULL;
}

int ym_lime_read_text(FILE *f, const char *path, const ym_lime_record *r, size_t max, char **out)
{
    *out = NULL;
    if ((unsigned long long)r->length > max)
        return YM_ERROR(YM_EFORMAT, "%s: LIME record '%s' is %lld bytes, more than the %zu allowed", path, r->type,
                        r->length, max);
    char *s = malloc((size_t)r->length + 1);
    if (!s) return YM_ERROR(YM_ENOMEM, "%s: out of memory", path);
    if (fseeko(f, (off_t)r->offset, SEEK_SET) != 0 || fread(s, 1, (size_t)r->length, f) != (size_t)r->length) {
        free(s);
        return YM_ERROR(YM_EIO, "%s: cannot read LIME record '%s'", path, r->type);
    }
    s[r->length] = '\0';
    *out = s;
    return YM_OK;
}

void ym_lime_header(unsigned char h[YM_LIME_HEADER], long long len, const char *type, int mb, int me)
{
    memset(h, 0, YM_LIME_HEADER);
    h[0] = 0x45, h[1] = 0x67, h[2] = 0x89, h[3] = 0xab;
    h[5] = 1;
    h[6] = (unsigned char)((mb ? 0x80 : 0) | (me ? 0x40 : 0));
    for (int k = 0; k < 8; ++k) h[8 + k] = (unsigned char)((unsigned long long)len >> (56 - 8 * k));
    size_t n = strlen(type);
    memcpy(h + 16, type, n < 128 ? n : 128);
}

int ym_lime_list_add(ym_lime_list *l, const char *type, const void *data, long long length)
{
    size_t tl = type ? strlen(type) : 0;
    if (tl == 0 || tl > 128) return YM_ERROR(YM_EINVAL, "LIME record type '%s' is empty or longer than 128 bytes", type ? type : "");
    if (length < 0 || (length > 0 && !data)) return YM_ERROR(YM_EINVAL, "LIME record '%s': no payload", type);
    ym_lime_blob *r = realloc(l->rec, sizeof *r * (size_t)(l->n + 1));
    if (!r) return YM_ERROR(YM_ENOMEM, "out of memory for LIME record '%s'", type);
    l->rec = r;
    ym_lime_blob *b = &r[l->n];
    memset(b->type, 0, sizeof b->type);
    memcpy(b->type, type, tl);
    b->length = length;
    if (!(b->data = malloc((size_t)length + 1))) return YM_ERROR(YM_ENOMEM, "out of memory for LIME record '%s'", type);
    if (length) memcpy(b->data, data, (size_t)length);
    b->data[length] = '\0';
    ++l->n;
    return YM_OK;
}

void ym_lime_list_free(ym_lime_list *l)
{
    for (int i = 0; i < l->n; ++i) free(l->rec[i].data);
    free(l->rec);
    l->n = 0;
    l->rec = NULL;
}

int ym_lime_list_bcast(ym_lime_list *l, int root, MPI_Comm comm)
{
    int rank, n = l->n, st = YM_OK;
    MPI_Comm_rank(comm, &rank);
    MPI_Bcast(&n, 1, MPI_INT, root, comm);
    if (rank != root) ym_lime_list_free(l);
    for (int i = 0; i < n; ++i) {
        char type[129];
        long long len = 0;
        if (rank == root) {
            memcpy(type, l->rec[i].type, sizeof type);
            len = l->rec[i].length;
        }
        MPI_Bcast(type, (int)sizeof type, MPI_CHAR, root, comm);
        MPI_Bcast(&len, 1, MPI_LONG_LONG, root, comm);
        unsigned char *buf = rank == root ? l->rec[i].data : malloc((size_t)len + 1);
        int ok = buf != NULL, all;
        MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, comm);
        if (!all) {
            if (rank != root) free(buf);
            st = YM_ERROR(YM_ENOMEM, "out of memory broadcasting LIME record '%s'", type);
            break;
        }
        /* in chunks: MPI counts are int */
        for (long long off = 0; off < len; off += 1 << 30) {
            long long k = len - off < (1 << 30) ? len - off : (1 << 30);
            MPI_Bcast(buf + off, (int)k, MPI_BYTE, root, comm);
        }
        if (rank != root) {
            type[128] = '\0';
            if (!st) st = ym_lime_list_add(l, type, buf, len);
            free(buf);
        }
    }
    return ym_status_agree(comm, st);
}
