/* Per-site binary records (see ym_sitestate.h). */
#include "ym_sitestate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ym_ioutil.h"
#include "ym_status.h"

#define HDR 256

typedef struct {
    char id[HDR];
    long long rec, vol, size;
} hdr;

static int parse(const char *path, FILE *f, unsigned char *head, size_t got, long long size, void *out)
{
    (void)f;
    hdr *h = out;
    char *s = (char *)head, *e;
    if (got < HDR || strncmp(s, "ymflow-site-state 1\nid ", 23))
        return YM_ERROR(YM_EFORMAT, "%s: not an ymflow site-state file", path);
    s += 23;
    e = strchr(s, '\n');
    if (!e || e - s >= HDR) return YM_ERROR(YM_EFORMAT, "%s: malformed site-state header", path);
    memcpy(h->id, s, (size_t)(e - s));
    h->id[e - s] = 0;
    if (sscanf(e + 1, "record_bytes %lld volume %lld", &h->rec, &h->vol) != 2)
        return YM_ERROR(YM_EFORMAT, "%s: malformed site-state header", path);
    h->size = size;
    return YM_OK;
}

int ym_sitestate_write(const ym_geom *g, const char *path, int overwrite, const char *id, const unsigned char *buf,
                       size_t site_bytes)
{
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(g));
    char head[HDR + 1];
    int st = YM_OK;
    if (strlen(id) > YM_SITESTATE_IDMAX || strchr(id, '\n'))
        st = YM_ERROR(YM_EINVAL, "site state: identity too long or with a newline");
    st = ym_status_agree(comm, st);
    if (st) return st;
    memset(head, ' ', HDR);
    int n = snprintf(head, sizeof head, "ymflow-site-state 1\nid %s\nrecord_bytes %zu\nvolume %lld\n", id, site_bytes,
                     (long long)ym_grid_volume(ym_geom_grid(g)));
    head[n] = ' ';
    head[HDR - 1] = '\n';
    return ym_io_write_sites(g, path, overwrite, head, HDR, buf, site_bytes, NULL, 0);
}

int ym_sitestate_read(const ym_geom *g, const char *path, const char *id, unsigned char *buf, size_t site_bytes)
{
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(g));
    hdr h;
    int st = ym_io_read_header(comm, path, HDR, parse, &h, sizeof h);
    if (st) return st;
    long long vol = (long long)ym_grid_volume(ym_geom_grid(g));
    if (strcmp(h.id, id))
        st = YM_ERROR(YM_EFORMAT, "%s: holds '%s', expected '%s'", path, h.id, id);
    else if (h.rec != (long long)site_bytes || h.vol != vol)
        st = YM_ERROR(YM_EFORMAT, "%s: %lld sites of %lld bytes, expected %lld of %zu", path, h.vol, h.rec, vol,
                      site_bytes);
    else if (h.size != HDR + vol * h.rec)
        st = YM_ERROR(YM_EFORMAT, "%s: %lld bytes, expected %lld (truncated?)", path, h.size, HDR + vol * h.rec);
    st = ym_status_agree(comm, st);
    if (st) return st;
    unsigned char *tmp = NULL;
    st = ym_io_read_sites(g, path, HDR, site_bytes, &tmp);
    if (!st) memcpy(buf, tmp, (size_t)ym_geom_ninterior(g) * site_bytes);
    free(tmp);
    return st;
}
