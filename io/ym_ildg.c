/* ILDG / SciDAC reading and writing (see ym_ildg.h). */
#include "ym_ildg.h"
#include "ym_ioutil.h"
#include "ym_lime.h"
#include "ym_status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XML_MAX 65536

/* Text between <tag> and </tag> (attributes and namespace prefixes are not
 * used by the writers we know), copied into out; 0 if absent. */
static int xml_get(const char *xml, const char *tag, char *out, size_t outlen)
{
    char open[80], close[80];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    const char *a = strstr(xml, open);
    if (!a) return 0;
    a += strlen(open);
    const char *b = strstr(a, close);
    if (!b || (size_t)(b - a) >= outlen) return 0;
    memcpy(out, a, (size_t)(b - a));
    out[b - a] = '\0';
    return 1;
}

static int xml_int(const char *xml, const char *tag, int *v)
{
    char s[64], extra;
    return xml_get(xml, tag, s, sizeof s) && sscanf(s, " %d %c", v, &extra) == 1;
}

static int parse_lime(FILE *f, const char *path, long long size, ym_config_info *info)
{
    ym_lime_record *rec;
    int nrec, st = ym_lime_scan(f, path, size, &rec, &nrec);
    if (st) return st;
    char *xml = NULL;
    const ym_lime_record *r, *data;
    int N = 0, prec = 0, L[4] = {0, 0, 0, 0};
    info->format = YM_FMT_SCIDAC;
    if ((r = ym_lime_find(rec, nrec, "ildg-format"))) {
        info->format = YM_FMT_ILDG;
        if ((st = ym_lime_read_text(f, path, r, XML_MAX, &xml))) goto out;
        char field[64];
        static const char *tags[4] = {"lx", "ly", "lz", "lt"};
        if (!xml_get(xml, "field", field, sizeof field) || sscanf(field, " su%dgauge", &N) != 1) {
            st = YM_ERROR(YM_EFORMAT, "%s: ildg-format: field is not 'su<N>gauge'", path);
            goto out;
        }
        snprintf(info->datatype, sizeof info->datatype, "su%dgauge", N);
        if (!xml_int(xml, "precision", &prec) || (prec != 32 && prec != 64)) {
            st = YM_ERROR(YM_EFORMAT, "%s: ildg-format: precision missing or not 32/64", path);
            goto out;
        }
        for (int mu = 0; mu < 4; ++mu)
            if (!xml_int(xml, tags[mu], &L[mu])) {
                st = YM_ERROR(YM_EFORMAT, "%s: ildg-format: <%s> missing or not an integer", path, tags[mu]);
                goto out;
            }
        free(xml);
        xml = NULL;
    }
    if ((r = ym_lime_find(rec, nrec, "scidac-private-file-xml"))) {
        if ((st = ym_lime_read_text(f, path, r, XML_MAX, &xml))) goto out;
        char dims[128];
        int d[4];
        if (xml_get(xml, "dims", dims, sizeof dims) && sscanf(dims, "%d %d %d %d", d, d + 1, d + 2, d + 3) == 4) {
            if (info->format == YM_FMT_ILDG && memcmp(d, L, sizeof d) != 0) {
                st = YM_ERROR(YM_EFORMAT, "%s: SciDAC dims %d %d %d %d disagree with ildg-format %d %d %d %d", path,
                              d[0], d[1], d[2], d[3], L[0], L[1], L[2], L[3]);
                goto out;
            }
            memcpy(L, d, sizeof L);
        }
        free(xml);
        xml = NULL;
    }
    if ((r = ym_lime_find(rec, nrec, "scidac-private-record-xml"))) {
        if ((st = ym_lime_read_text(f, path, r, XML_MAX, &xml))) goto out;
        char p[16];
        int colors;
        if (info->format == YM_FMT_SCIDAC) {
            if (xml_get(xml, "precision", p, sizeof p)) prec = !strcmp(p, "F") ? 32 : !strcmp(p, "D") ? 64 : 0;
            if (xml_int(xml, "colors", &colors)) N = colors;
            xml_get(xml, "datatype", info->datatype, sizeof info->datatype);
        }
        free(xml);
        xml = NULL;
    }
    if (N < 1 || N > YM_NMAX || (prec != 32 && prec != 64)) {
        st = YM_ERROR(YM_EFORMAT, "%s: no usable ildg-format or SciDAC record (N = %d, precision %d)", path, N, prec);
        goto out;
    }
    for (int mu = 0; mu < 4; ++mu)
        if (L[mu] < 1 || L[mu] > YM_LMAX) {
            st = YM_ERROR(YM_EFORMAT, "%s: extent %d = %d is outside 1..%d", path, mu, L[mu], YM_LMAX);
            goto out;
        }
    data = ym_lime_find(rec, nrec, "ildg-binary-data");
    if (!data) data = ym_lime_find(rec, nrec, "scidac-binary-data");
    if (!data) {
        st = YM_ERROR(YM_EFORMAT, "%s: no ildg-binary-data or scidac-binary-data record", path);
        goto out;
    }
    double want = (double)L[0] * L[1] * L[2] * L[3] * 4.0 * N * N * 2 * (prec / 8);
    if ((double)data->length != want) {
        st = YM_ERROR(YM_EFORMAT, "%s: binary data record is %lld bytes, expected %.0f for SU(%d) %dx%dx%dx%d at %d bit",
                      path, data->length, want, N, L[0], L[1], L[2], L[3], prec);
        goto out;
    }
    info->N = N;
    info->rows = N;
    info->precision = prec;
    info->big_endian = 1;
    memcpy(info->L, L, sizeof L);
    info->data_offset = data->offset;
    if ((r = ym_lime_find(rec, nrec, "scidac-checksum"))) {
        if ((st = ym_lime_read_text(f, path, r, XML_MAX, &xml))) goto out;
        char a[32], b[32], extra;
        unsigned sa, sb;
        if (!xml_get(xml, "suma", a, sizeof a) || !xml_get(xml, "sumb", b, sizeof b) ||
            sscanf(a, " %x %c", &sa, &extra) != 1 || sscanf(b, " %x %c", &sb, &extra) != 1) {
            st = YM_ERROR(YM_EFORMAT, "%s: scidac-checksum record lacks readable suma/sumb", path);
            goto out;
        }
        info->has_checksum = 1;
        info->nchecksum = 2;
        info->sum[0] = sa;
        info->sum[1] = sb;
    }
out:
    free(xml);
    free(rec);
    return st;
}

static int parse_file(const char *path, FILE *f, unsigned char *head, size_t got, long long size, void *out)
{
    (void)head;
    (void)got;
    return parse_lime(f, path, size, out);
}

int ym_ildg_read_header(MPI_Comm comm, const char *path, ym_config_info *info)
{
    /* nothing read ahead: the record scan seeks through the file */
    return ym_io_read_header(comm, path, 0, parse_file, info, sizeof *info);
}

static int verify_scidac(const ym_geom *g, const char *path, unsigned char *buf, size_t site_bytes,
                         ym_config_info *info)
{
    if (!info->has_checksum) return YM_OK;
    uint32_t s[2];
    ym_io_scidac_sums(g, buf, site_bytes, s);
    if ((s[0] != info->sum[0] || s[1] != info->sum[1]) && (info->flags & YM_CONFIG_ACCEPT_BAD_CHECKSUM)) {
        info->checksum_bad = 1;
        return YM_OK;
    }
    if (s[0] != info->sum[0] || s[1] != info->sum[1])
        return YM_ERROR(YM_EFORMAT, "%s: SciDAC checksum mismatch: stored %08x %08x, data %08x %08x", path,
                        info->sum[0], info->sum[1], s[0], s[1]);
    info->checksum_ok = 1;
    return YM_OK;
}

int ym_ildg_read(ym_gauge *u, const char *path, ym_config_info *info)
{
    return ym_io_read_links(u, path, info, verify_scidac, NULL);
}

int ym_ildg_generated(const char *type)
{
    static const char *gen[] = {"ildg-format",     "ildg-binary-data",        "scidac-binary-data",
                                "scidac-checksum", "scidac-private-file-xml", "scidac-private-record-xml"};
    for (size_t k = 0; k < sizeof gen / sizeof gen[0]; ++k)
        if (!strcmp(type, gen[k])) return 1;
    return 0;
}

int ym_ildg_read_extra(MPI_Comm comm, const char *path, ym_lime_list *extra)
{
    int rank, st = YM_OK;
    MPI_Comm_rank(comm, &rank);
    ym_lime_list_free(extra);
    if (rank == 0) {
        long long size = 0, total = 0;
        FILE *f = NULL;
        ym_lime_record *rec = NULL;
        int nrec = 0;
        st = ym_io_file_size(path, &size);
        if (!st && !(f = fopen(path, "rb"))) st = YM_ERROR(YM_EIO, "%s: cannot open", path);
        if (!st) st = ym_lime_scan(f, path, size, &rec, &nrec);
        for (int i = 0; !st && i < nrec; ++i) {
            if (ym_ildg_generated(rec[i].type)) continue;
            total += rec[i].length;
            if (total > YM_ILDG_EXTRA_MAX) {
                st = YM_ERROR(YM_EFORMAT, "%s: records other than the binary data exceed %lld bytes (at '%s')", path,
                              YM_ILDG_EXTRA_MAX, rec[i].type);
                break;
            }
            unsigned char *buf = malloc((size_t)rec[i].length + 1);
            if (!buf) st = YM_ERROR(YM_ENOMEM, "%s: out of memory for LIME record '%s'", path, rec[i].type);
            else if (fseeko(f, (off_t)rec[i].offset, SEEK_SET) != 0 ||
                     fread(buf, 1, (size_t)rec[i].length, f) != (size_t)rec[i].length)
                st = YM_ERROR(YM_EIO, "%s: cannot read LIME record '%s'", path, rec[i].type);
            else if (!rec[i].type[0])
                st = YM_ERROR(YM_EFORMAT, "%s: LIME record %d has an empty type", path, i);
            else
                st = ym_lime_list_add(extra, rec[i].type, buf, rec[i].length);
            free(buf);
        }
        free(rec);
        if (f) fclose(f);
        if (st) ym_lime_list_free(extra);
    }
    st = ym_status_agree(comm, st);
    if (!st) st = ym_lime_list_bcast(extra, 0, comm);
    return st;
}

/* Growable byte buffer for the LIME records around the binary data. */
typedef struct {
    unsigned char *p;
    size_t n, cap;
    int oom;
} bytes;

static void put(bytes *b, const void *s, size_t n)
{
    if (b->oom) return;
    if (b->n + n > b->cap) {
        size_t cap = 2 * (b->n + n) + 4096;
        unsigned char *q = realloc(b->p, cap);
        if (!q) {
            b->oom = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

static void put_record(bytes *b, const char *type, const void *data, long long len, int mb, int me)
{
    unsigned char h[YM_LIME_HEADER];
    static const unsigned char zero[8] = {0};
    ym_lime_header(h, len, type, mb, me);
    put(b, h, sizeof h);
    if (len) put(b, data, (size_t)len);
    put(b, zero, (size_t)((8 - len % 8) % 8));
}

/* Index of the first carried record of type, or -1. */
static int carried(const ym_lime_list *x, const char *type)
{
    for (int i = 0; x && i < x->n; ++i)
        if (!strcmp(x->rec[i].type, type)) return i;
    return -1;
}

int ym_ildg_write(ym_gauge *u, const char *path, int precision, int overwrite)
{
    return ym_ildg_write_ex(u, path, precision, overwrite, NULL, NULL);
}

int ym_ildg_write_ex(ym_gauge *u, const char *path, int precision, int overwrite, const char *metadata,
                     const ym_lime_list *extra)
{
    const ym_geom *g = ym_gauge_geom(u);
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(g));
    if (precision != 32 && precision != 64)
        return ym_status_agree(comm, YM_ERROR(YM_EINVAL, "%s: ILDG precision %d (must be 32 or 64)", path, precision));
    int N = ym_gauge_N(u), prec = precision / 8, nloc = ym_geom_ninterior(g);
    const int *L = ym_grid_L(ym_geom_grid(g));
    size_t link_bytes = (size_t)N * N * 2 * prec, site_bytes = 4 * link_bytes;
    unsigned char *buf = malloc(site_bytes * (size_t)nloc + 1);
    int st = ym_status_agree(comm, buf ? YM_OK : YM_ERROR(YM_ENOMEM, "%s: out of memory for the write buffer", path));
    if (st) return st;
    const int *in = ym_geom_interior(g);
    for (int i = 0; i < nloc; ++i)
        for (int mu = 0; mu < 4; ++mu)
            ym_io_encode_link(buf + (size_t)i * site_bytes + mu * link_bytes, prec, N, N, ym_gauge_link(u, in[i], mu));
    if (ym_io_is_little()) ym_io_swap(buf, site_bytes * (size_t)nloc / prec, (size_t)prec);
    uint32_t s[2];
    ym_io_scidac_sums(g, buf, site_bytes, s);

    /* Records: message 1 = SciDAC file XML (+ user file XML); message 2 =
     * record XML (+ user record XML), ildg-format (+ ildg-data-lfn), binary
     * data, checksum (the layout QIO and tmLQCD use); then one message per
     * metadata or carried record. */
    char x1[512], x2[512], x3[512], x4[256];
    snprintf(x1, sizeof x1,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?><scidacFile><version>1.1</version><spacetime>4</spacetime>"
             "<dims>%d %d %d %d </dims><volfmt>0</volfmt></scidacFile>",
             L[0], L[1], L[2], L[3]);
    snprintf(x2, sizeof x2,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?><scidacRecord><version>1.0</version><globaldata>0</globaldata>"
             "<datatype>ymflow_%c%d_ColorMatrix</datatype><precision>%c</precision><colors>%d</colors>"
             "<typesize>%zu</typesize><datacount>4</datacount></scidacRecord>",
             prec == 4 ? 'F' : 'D', N, prec == 4 ? 'F' : 'D', N, link_bytes);
    snprintf(x3, sizeof x3,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ildgFormat xmlns=\"http://www.lqcd.org/ildg\">"
             "<version>1.0</version><field>su%dgauge</field><precision>%d</precision>"
             "<lx>%d</lx><ly>%d</ly><lz>%d</lz><lt>%d</lt></ildgFormat>",
             N, precision, L[0], L[1], L[2], L[3]);
    snprintf(x4, sizeof x4,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?><scidacChecksum><version>1.0</version><suma>%08x</suma>"
             "<sumb>%08x</sumb></scidacChecksum>",
             s[0], s[1]);
    const ym_lime_list *x = extra;
    int has_meta = metadata && *metadata;
    int ifx = carried(x, "scidac-file-xml"), irx = carried(x, "scidac-record-xml"), ilfn = carried(x, "ildg-data-lfn");
    bytes head = {0}, tail = {0};
    put_record(&head, "scidac-private-file-xml", x1, (long long)strlen(x1), 1, ifx < 0);
    if (ifx >= 0) put_record(&head, x->rec[ifx].type, x->rec[ifx].data, x->rec[ifx].length, 0, 1);
    put_record(&head, "scidac-private-record-xml", x2, (long long)strlen(x2), 1, 0);
    if (irx >= 0) put_record(&head, x->rec[irx].type, x->rec[irx].data, x->rec[irx].length, 0, 0);
    put_record(&head, "ildg-format", x3, (long long)strlen(x3), 0, 0);
    if (ilfn >= 0) put_record(&head, x->rec[ilfn].type, x->rec[ilfn].data, x->rec[ilfn].length, 0, 0);
    long long dlen = (long long)site_bytes * ym_grid_volume(ym_geom_grid(g));
    unsigned char dh[YM_LIME_HEADER];
    ym_lime_header(dh, dlen, "ildg-binary-data", 0, 0);
    put(&head, dh, sizeof dh);
    put_record(&tail, "scidac-checksum", x4, (long long)strlen(x4), 0, 1);
    if (has_meta) put_record(&tail, YM_ILDG_METADATA, metadata, (long long)strlen(metadata), 1, 1);
    for (int i = 0; x && i < x->n; ++i) {
        const ym_lime_blob *r = &x->rec[i];
        if (i == ifx || i == irx || i == ilfn || ym_ildg_generated(r->type) ||
            (has_meta && !strcmp(r->type, YM_ILDG_METADATA)))
            continue;
        put_record(&tail, r->type, r->data, r->length, 1, 1);
    }
    st = ym_status_agree(comm, head.oom || tail.oom ? YM_ERROR(YM_ENOMEM, "%s: out of memory for the records", path)
                                                    : YM_OK);
    /* Every rank places its links after the head: the lengths must agree. */
    long long hl[2] = {(long long)head.n, -(long long)head.n};
    if (!st) MPI_Allreduce(MPI_IN_PLACE, hl, 2, MPI_LONG_LONG, MPI_MAX, comm);
    if (!st && hl[0] != -hl[1])
        st = ym_status_agree(comm, YM_ERROR(YM_EINVAL, "%s: metadata or carried records differ between ranks", path));
    if (!st) st = ym_io_write_sites(g, path, overwrite, head.p, head.n, buf, site_bytes, tail.p, tail.n);
    free(head.p);
    free(tail.p);
    free(buf);
    return st;
}
