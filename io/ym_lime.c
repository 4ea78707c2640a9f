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
