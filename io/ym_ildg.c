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

int ym_ildg_read_header(MPI_Comm comm, const char *path, ym_config_info *info)
{
    int rank, st = YM_OK;
    MPI_Comm_rank(comm, &rank);
    memset(info, 0, sizeof *info);
    if (rank == 0) {
        long long size = 0;
        FILE *f = NULL;
        st = ym_io_file_size(path, &size);
        if (!st && !(f = fopen(path, "rb"))) st = YM_ERROR(YM_EIO, "%s: cannot open", path);
        if (!st) st = parse_lime(f, path, size, info);
        if (f) fclose(f);
    }
    st = ym_status_agree(comm, st);
    if (st) return st;
    MPI_Bcast(info, (int)sizeof *info, MPI_BYTE, 0, comm);
    return YM_OK;
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

int ym_ildg_write(ym_gauge *u, const char *path, int precision, int overwrite)
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

    /* Records: message 1 = SciDAC file XML; message 2 = record XML,
     * ildg-format, binary data, checksum (the layout QIO and tmLQCD use). */
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
    const char *text[3] = {x1, x2, x3};
    const char *types[3] = {"scidac-private-file-xml", "scidac-private-record-xml", "ildg-format"};
    unsigned char head[3 * (YM_LIME_HEADER + 520) + YM_LIME_HEADER], tail[YM_LIME_HEADER + 264];
    size_t hlen = 0;
    for (int k = 0; k < 3; ++k) {
        size_t n = strlen(text[k]), pad = (8 - n % 8) % 8;
        ym_lime_header(head + hlen, (long long)n, types[k], k != 2, k == 0);
        hlen += YM_LIME_HEADER;
        memcpy(head + hlen, text[k], n);
        memset(head + hlen + n, 0, pad);
        hlen += n + pad;
    }
    long long dlen = (long long)site_bytes * ym_grid_volume(ym_geom_grid(g));
    ym_lime_header(head + hlen, dlen, "ildg-binary-data", 0, 0);
    hlen += YM_LIME_HEADER;
    size_t n4 = strlen(x4), tlen = 0;
    ym_lime_header(tail, (long long)n4, "scidac-checksum", 0, 1);
    tlen = YM_LIME_HEADER;
    memcpy(tail + tlen, x4, n4);
    tlen += n4;
    memset(tail + tlen, 0, (8 - n4 % 8) % 8);
    tlen += (8 - n4 % 8) % 8;
    st = ym_io_write_sites(g, path, overwrite, head, hlen, buf, site_bytes, tail, tlen);
    free(buf);
    return st;
}
