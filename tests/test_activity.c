/* Activity readers (io/ym_activity.h): EDF/EDF+/BDF, NPY, NWB, plain HDF5,
 * BIDS sidecars.
 *
 * Oracles:
 * - files assembled here byte by byte from the format specifications (NPY,
 *   EDF, EDF+, BDF) or through the HDF5 C API with the NWB layout: every
 *   sample read back equals the value written (NPY exactly; EDF/BDF the
 *   physical value phys = (pmax-pmin)/(dmax-dmin) * (d - dmax) + pmax of the
 *   spec, to 1e-12; NWB volts = data * conversion * channel_conversion +
 *   offset, to 1e-15), and names, units, rates, events and positions too;
 * - external references: the ECoG EDF in reference/neuro (SOURCE.txt: 79
 *   signals of which one is the annotation signal, 238 samples per 0.23814 s
 *   record, 91 records, uV, "eeg sz start" at 10.229 s, positions for C1..C64
 *   in sample_ecog_electrodes.tsv); the SIMA movies (SOURCE.txt: shapes,
 *   axis orders, element_size_um, mean 1096 of example.h5), compared
 *   element by element with the HDF5 library's own read of the dataset;
 * - refusals: truncated copies, wrong sizes, negative/NaN rates, zero
 *   channels, overflowing shapes, irregular timestamps and EDF+D gaps give
 *   a status and one line that starts with the file name.
 */
#include "act_write.h"
#include "tap.h"
#include "ym_activity.h"
#include "ym_status.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[4096];

static const char *tpath(const char *name)
{
    static char buf[8][4200];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

/* A failure with a message that starts with the file name. */
static int refused(int st, const char *path)
{
    int ok = st != YM_OK && !strncmp(ym_errmsg(), path, strlen(path)) && !strchr(ym_errmsg(), '\n');
    if (!ok)
        tap_diag("status %s, message '%s'", ym_strerror(st), ym_errmsg());
    ym_error_clear();
    return ok;
}

/* Copy the first n bytes of src to dst (truncated copies). */
static void copy_prefix(const char *src, const char *dst, long n)
{
    FILE *i = fopen(src, "rb"), *o = fopen(dst, "wb");
    for (long k = 0; i && o && k < n; k++) {
        int c = fgetc(i);
        if (c == EOF)
            break;
        fputc(c, o);
    }
    if (i)
        fclose(i);
    if (o)
        fclose(o);
}

static long fsize(const char *p)
{
    struct stat sb;
    return stat(p, &sb) ? -1 : (long)sb.st_size;
}

static void write_text(const char *p, const char *text)
{
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* ------------------------------------------------------------ NPY */

static double f_real(size_t c, size_t t, size_t k, int part)
{
    (void)k;
    (void)part;
    return (double)(c * 10 + t);
}

static double f_cplx(size_t c, size_t b, size_t t, int part)
{
    return part ? -(double)t - 0.5 : (double)(c * 100 + b * 10 + t);
}

static void test_npy(void)
{
    const char kinds[4] = {'i', 'u', 'f', 'f'};
    const int sizes[4] = {2, 2, 4, 8};
    size_t shape[2] = {3, 7};
    int all = 1, n = 0;
    for (int v = 1; v <= 3; v++)
        for (int fo = 0; fo < 2; fo++)
            for (int big = 0; big < 2; big++)
                for (int d = 0; d < 4; d++) {
                    const char *p = tpath("a.npy");
                    npyw_write(p, v, kinds[d], sizes[d], big, fo, 2, shape, f_real);
                    ym_recording *r = NULL;
                    int st = ym_activity_read_npy(&r, p, 250.0), ok = st == YM_OK;
                    if (ok)
                        ok = ym_recording_nchan(r) == 3 && ym_recording_nsamples(r) == 7 &&
                             ym_recording_nbands(r) == 0 && ym_recording_rate(r) == 250.0 &&
                             !strcmp(ym_recording_channel_name(r, 2), "2");
                    for (int c = 0; ok && c < 3; c++)
                        for (int t = 0; t < 7; t++)
                            ok &= ym_recording_data(r, c)[t] == f_real((size_t)c, (size_t)t, 0, 0);
                    if (!ok)
                        tap_diag("npy v%d %s %s %c%d: %s", v, fo ? "F" : "C", big ? "big" : "little", kinds[d],
                                 sizes[d], ym_errmsg());
                    all &= ok;
                    n++;
                    ym_recording_free(r);
                }
    tap_ok(all, "NPY real 3x7: %d files (v1-3, C/F order, both endiannesses, i2 u2 f4 f8) read exactly", n);

    size_t cs[3] = {2, 3, 5};
    all = 1;
    n = 0;
    for (int v = 1; v <= 3; v += 2)
        for (int fo = 0; fo < 2; fo++)
            for (int big = 0; big < 2; big++)
                for (int sz = 8; sz <= 16; sz += 8) {
                    const char *p = tpath("c.npy");
                    npyw_write(p, v, 'c', sz, big, fo, 3, cs, f_cplx);
                    ym_recording *r = NULL;
                    int st = ym_activity_read_npy(&r, p, 100.0), ok = st == YM_OK;
                    if (ok)
                        ok = ym_recording_nchan(r) == 2 && ym_recording_nbands(r) == 3 &&
                             ym_recording_nsamples(r) == 5 && ym_recording_data(r, 0) == NULL;
                    for (int c = 0; ok && c < 2; c++)
                        for (int b = 0; b < 3; b++)
                            for (int t = 0; t < 5; t++) {
                                const double *z = ym_recording_cdata(r, c, b);
                                ok &= z[2 * t] == f_cplx((size_t)c, (size_t)b, (size_t)t, 0) &&
                                      z[2 * t + 1] == f_cplx((size_t)c, (size_t)b, (size_t)t, 1);
                            }
                    all &= ok;
                    n++;
                    ym_recording_free(r);
                }
    tap_ok(all, "NPY complex (2 channels, 3 bands, 5 samples): %d files (c8, c16, C/F, both orders) as analytic "
                "signals, exact",
           n);

    /* Refusals. */
    const char *p = tpath("good.npy"), *q = tpath("bad.npy");
    npyw_write(p, 1, 'f', 8, 0, 0, 2, shape, f_real);
    ym_recording *r = NULL;
    copy_prefix(p, q, fsize(p) - 1);
    tap_ok(refused(ym_activity_read_npy(&r, q, 10), q) && !r, "NPY: truncated by one byte refused");
    copy_prefix(p, q, 40);
    tap_ok(refused(ym_activity_read_npy(&r, q, 10), q), "NPY: truncated inside the header refused");
    copy_prefix(p, q, fsize(p));
    FILE *f = fopen(q, "ab");
    fputc(0, f);
    fclose(f);
    tap_ok(refused(ym_activity_read_npy(&r, q, 10), q), "NPY: a trailing byte refused (size != shape)");
    {
        /* a header that ends just inside the descr string (found by the
         * fuzzer: the dtype parse read past the header's end) */
        static const char hd[] = "{'fortran_order': False, 'shape': (3,), 'descr': '";
        FILE *g = fopen(q, "wb");
        unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(sizeof hd - 1), 0};
        fwrite(pre, 1, sizeof pre, g);
        fwrite(hd, 1, sizeof hd - 1, g);
        for (int k = 0; k < 64; ++k) fputc(0x20, g);
        fclose(g);
        tap_ok(refused(ym_activity_read_npy(&r, q, 10), q), "NPY: a header ending inside descr refused");
    }
    tap_ok(refused(ym_activity_read_npy(&r, p, -5), p), "NPY: negative rate refused");
    tap_ok(refused(ym_activity_read_npy(&r, p, NAN), p), "NPY: NaN rate refused");
    tap_ok(refused(ym_activity_read_npy(&r, p, 0), p), "NPY: missing rate refused");
    size_t z[2] = {0, 7};
    npyw_write(q, 1, 'f', 8, 0, 0, 2, z, f_real);
    tap_ok(refused(ym_activity_read_npy(&r, q, 10), q), "NPY: zero channels refused");
    /* A header claiming an overflowing shape over a tiny payload. */
    f = fopen(q, "wb");
    const char *h = "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967297), }";
    unsigned char m[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(strlen(h) + 1), 0};
    fwrite(m, 1, 10, f);
    fputs(h, f);
    fputs("\n12345678", f);
    fclose(f);
    tap_ok(refused(ym_activity_read_npy(&r, q, 10), q), "NPY: overflowing shape refused");
    f = fopen(q, "wb");
    h = "{'descr': '<i8', 'fortran_order': False, 'shape': (1, 1), }";
    m[8] = (unsigned char)(strlen(h) + 1);
    fwrite(m, 1, 10, f);
    fputs(h, f);
    fputs("\n12345678", f);
    fclose(f);
    tap_ok(refused(ym_activity_read_npy(&r, q, 10), q), "NPY: unsupported dtype int64 refused");
    size_t s4[3] = {2, 2, 2};
    npyw_write(q, 1, 'f', 8, 0, 0, 3, s4, f_real);
    tap_ok(refused(ym_activity_read_npy(&r, q, 10), q), "NPY: real 3-D array refused");
    int kind = -1;
    tap_ok(ym_activity_detect(p, &kind) == YM_OK && kind == YM_ACT_NPY, "detect: NPY");
}

/* ------------------------------------------------------------ EDF */

/* The physical value EDFlib's definition gives for a digital sample. */
static double edf_phys(const edfw_sig *s, int d)
{
    double bv = (s->pmax - s->pmin) / (double)(s->dmax - s->dmin);
    return bv * ((s->pmax / bv - s->dmax) + d);
}

static int check_edf_values(ym_recording *r, const edfw_sig *sig, const int *which, int n, int nrec)
{
    int ok = 1;
    for (int k = 0; k < n; k++) {
        const edfw_sig *s = &sig[which[k]];
        const double *x = ym_recording_data(r, k);
        double tol = 1e-12 * (s->pmax - s->pmin);
        for (long i = 0; i < (long)nrec * s->spr; i++)
            if (fabs(x[i] - edf_phys(s, edfw_digital(s, which[k], i))) > tol) {
                tap_diag("signal %d sample %ld: %.17g vs %.17g", k, i, x[i], edf_phys(s, edfw_digital(s, which[k], i)));
                return 0;
            }
    }
    return ok;
}

static void test_edf(void)
{
    static const edfw_sig sig[4] = {
        {"C1", "uV", -3276.8, 3276.7, -32768, 32767, 50},
        {"C2", "uV", -1000, 1000, -2048, 2047, 50},
        {"TEMP", "degC", 30, 40, 0, 1000, 5},
        {"EKGL", "mV", -5, 5, -32768, 32767, 50},
    };
    const char *annot[4] = {"", "+1.5\x14stim A\x14", ("+2.25\x15" "0.5\x14sz start\x14"), ""};
    edfw_file F = {0, 1, 0, 4, 0.5, 4, sig, NULL, annot, 30};
    const char *p = tpath("a.edf");
    edfw_write(p, &F);
    ym_recording *r = NULL;
    int st = ym_activity_read_edf(&r, p);
    int ok = st == YM_OK;
    if (!ok)
        tap_diag("%s", ym_errmsg());
    tap_ok(ok && ym_recording_nchan(r) == 3 && ym_recording_rate(r) == 100.0 && ym_recording_nsamples(r) == 200,
           "EDF+C: 3 signals at 100 Hz x 200 samples (the 10 Hz signal left out)");
    const int keep[3] = {0, 1, 3};
    tap_ok(ok && check_edf_values(r, sig, keep, 3, 4), "EDF+C: physical values as the EDF scaling rule gives (1e-12)");
    tap_ok(ok && !strcmp(ym_recording_channel_name(r, 2), "EKGL") && !strcmp(ym_recording_channel_unit(r, 0), "uV") &&
               !strcmp(ym_recording_channel_unit(r, 2), "mV") && !strcmp(ym_recording_channel_type(r, 0), "ECOG") &&
               !strcmp(ym_recording_channel_type(r, 2), "EKG"),
           "EDF+C: names, units kept as written (uV, mV), types ECOG/EKG");
    tap_ok(ok && strstr(ym_activity_note(), "TEMP") != NULL, "EDF+C: the note names the signal left out");
    ok = ok && ym_recording_nevents(r) == 2;
    if (ok) {
        const ym_rec_event *a = ym_recording_event(r, 0), *b = ym_recording_event(r, 1);
        ok = fabs(a->onset - 1.5) < 1e-9 && a->duration == 0 && !strcmp(a->label, "stim A") &&
             fabs(b->onset - 2.25) < 1e-9 && fabs(b->duration - 0.5) < 1e-9 && !strcmp(b->label, "sz start");
    }
    tap_ok(ok, "EDF+C: annotations are events (onset, duration, label)");
    ym_recording_free(r);
    int kind = -1;
    tap_ok(ym_activity_detect(p, &kind) == YM_OK && kind == YM_ACT_EDF, "detect: EDF");

    /* Plain EDF (no annotation signal). */
    edfw_file E = {0, 0, 0, 3, 1.0, 2, sig, NULL, NULL, 0};
    const char *pe = tpath("plain.edf");
    edfw_write(pe, &E);
    st = ym_activity_read_edf(&r, pe);
    const int k2[2] = {0, 1};
    tap_ok(st == YM_OK && ym_recording_nchan(r) == 2 && ym_recording_rate(r) == 50.0 &&
               check_edf_values(r, sig, k2, 2, 3) && ym_recording_nevents(r) == 0,
           "EDF (not EDF+): values and rate");
    ym_recording_free(r);
    r = NULL;

    /* BDF+ (24-bit). */
    static const edfw_sig bsig[2] = {
        {"EEG Fz", "uV", -262144, 262143, -8388608, 8388607, 64},
        {"EEG Cz", "uV", -100, 100, -1000000, 1000000, 64},
    };
    const char *bann[3] = {"+0.1\x14go\x14", "", ""};
    edfw_file B = {1, 1, 0, 3, 0.25, 2, bsig, NULL, bann, 20};
    const char *pb = tpath("a.bdf");
    edfw_write(pb, &B);
    st = ym_activity_read_edf(&r, pb);
    const int kb[2] = {0, 1};
    tap_ok(st == YM_OK && ym_recording_rate(r) == 256.0 && check_edf_values(r, bsig, kb, 2, 3) &&
               !strcmp(ym_recording_channel_name(r, 0), "EEG Fz") && !strcmp(ym_recording_channel_type(r, 0), "EEG") &&
               ym_recording_nevents(r) == 1,
           "BDF+: 24-bit values, rate 256 Hz, EEG type from the label, annotation");
    if (st)
        tap_diag("%s", ym_errmsg());
    ym_recording_free(r);
    r = NULL;
    tap_ok(ym_activity_detect(pb, &kind) == YM_OK && kind == YM_ACT_BDF, "detect: BDF");

    /* EDF+D: EDFlib reads continuous recordings only, so every EDF+D file
     * is refused (ymflow never joins segments across a gap). */
    double on_ok[4] = {0, 0.5, 1.0, 1.5}, on_gap[4] = {0, 0.5, 3.0, 3.5};
    edfw_file D = F;
    D.discontinuous = 1;
    D.rec_onset = on_gap;
    const char *pd = tpath("d.edf");
    edfw_write(pd, &D);
    st = ym_activity_read_edf(&r, pd);
    int dmsg = st && strstr(ym_errmsg(), "discontinuous") != NULL;
    tap_ok(refused(st, pd) && dmsg && !r, "EDF+D with a gap: refused, the message says discontinuous");
    D.rec_onset = on_ok;
    edfw_write(pd, &D);
    tap_ok(refused(ym_activity_read_edf(&r, pd), pd), "EDF+D without gaps: refused too (EDFlib reads EDF+C only)");
    /* Damage. */
    const char *q = tpath("bad.edf");
    copy_prefix(p, q, fsize(p) - 7);
    tap_ok(refused(ym_activity_read_edf(&r, q), q), "EDF: truncated copy refused");
    copy_prefix(p, q, 300);
    tap_ok(refused(ym_activity_read_edf(&r, q), q), "EDF: truncated inside the header refused");
    edfw_file W = F;
    W.nrec = 5; /* header says 5 records, 4 written */
    W.rec_annot = NULL;
    edfw_write(q, &W);
    {
        /* rewrite with 4 records of data but header 5: write 4 then patch */
        edfw_file W4 = F;
        W4.rec_annot = NULL;
        edfw_write(q, &W4);
        FILE *f = fopen(q, "r+b");
        fseek(f, 236, SEEK_SET);
        fputs("5       ", f);
        fclose(f);
    }
    tap_ok(refused(ym_activity_read_edf(&r, q), q), "EDF: record count larger than the data refused");
    edfw_file N = F;
    N.recdur = -0.5;
    edfw_write(q, &N);
    tap_ok(refused(ym_activity_read_edf(&r, q), q), "EDF: negative record duration refused");
    edfw_file Z = F;
    Z.nsig = 0;
    edfw_write(q, &Z);
    tap_ok(refused(ym_activity_read_edf(&r, q), q), "EDF+: zero data signals (annotations only) refused");
    tap_ok(refused(ym_activity_read_edf(&r, tpath("missing.edf")), tpath("missing.edf")), "EDF: missing file refused");
}

/* ------------------------------------------------------------ reference data */

static const char *refdir(void)
{
    static char buf[4096];
    const char *e = getenv("YM_REFERENCE_DIR");
    if (e && *e)
        return e;
    const char *s = getenv("srcdir");
    snprintf(buf, sizeof buf, "%s/../shared/reference", s && *s ? s : ".");
    return buf;
}

static void test_ecog(void)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/neuro/ecog-8x8-grid/sub-pat01_ses-test_acq-ecog_ieeg.edf", refdir());
#ifdef YM_SRCDATADIR
    /* The copy shipped in data/ (same blob, SOURCE.txt) when the reference folder is absent. */
    if (fsize(p) < 0)
        snprintf(p, sizeof p, "%s/ecog-8x8-grid/sub-pat01_ses-test_acq-ecog_ieeg.edf", YM_SRCDATADIR);
#endif
    tap_diag("ECoG recording: %s", p);
    if (fsize(p) < 0) {
        for (int i = 0; i < 6; i++)
            tap_skip("ECoG reference recording not found (YM_REFERENCE_DIR)");
        return;
    }
    ym_recording *r = NULL;
    int st = ym_activity_read(&r, p, NULL);
    if (st)
        tap_diag("%s", ym_errmsg());
    int ok = st == YM_OK;
    /* 79 signals in the file, one of them the EDF Annotations signal. */
    tap_ok(ok && ym_recording_nchan(r) == 78, "ECoG: 78 data signals (+ the annotation signal = 79)");
    tap_ok(ok && fabs(ym_recording_rate(r) - 238.0 / 0.23814) < 1e-9 && ym_recording_nsamples(r) == 91 * 238,
           "ECoG: 238 samples per 0.23814 s record = %.6f Hz, 91 records = %.4f s", ok ? ym_recording_rate(r) : 0.0,
           ok ? ym_recording_nsamples(r) / ym_recording_rate(r) : 0.0);
    int npos = 0, grid_pos = 1, units = 1;
    for (int c = 0; ok && c < ym_recording_nchan(r); c++) {
        double x[3];
        int has = ym_recording_position(r, c, x);
        const char *nm = ym_recording_channel_name(r, c);
        int grid = nm[0] == 'C' && atoi(nm + 1) >= 1 && atoi(nm + 1) <= 64;
        npos += has;
        grid_pos &= grid == has;
        units &= !strcmp(ym_recording_channel_unit(r, c), "uV");
    }
    tap_ok(ok && npos == 64 && grid_pos, "ECoG: C1..C64 and only they get positions (single *electrodes.tsv beside)");
    int c1 = ok ? ym_recording_find_channel(r, "C1") : -1;
    double x1[3] = {0, 0, 0};
    if (c1 >= 0)
        ym_recording_position(r, c1, x1);
    tap_ok(c1 >= 0 && x1[0] == -0.0132 && x1[1] == -0.0654 && x1[2] == 0.0702, "ECoG: C1 at (-0.0132, -0.0654, 0.0702) m as in the TSV");
    int ekg = ok ? ym_recording_find_channel(r, "EKGL") : -1;
    tap_ok(ok && units && ekg >= 0 && !strcmp(ym_recording_channel_type(r, ekg), "EKG") &&
               !strcmp(ym_recording_channel_type(r, c1), "ECOG"),
           "ECoG: units uV, EKGL typed EKG, C1 ECOG");
    /* SOURCE.txt gives the onset to the millisecond. */
    int sz = 0;
    double onset = NAN;
    for (int i = 0; ok && i < ym_recording_nevents(r); i++) {
        const ym_rec_event *e = ym_recording_event(r, i);
        if (!strcmp(e->label, "eeg sz start") && fabs(e->onset - 10.229) <= 5e-4)
            sz = 1, onset = e->onset;
    }
    tap_ok(sz, "ECoG: annotation 'eeg sz start' at %.5f s (10.229 s to 1 ms) is an event", onset);
    ym_recording_free(r);
}

static void test_sima(void)
{
    char p[4200], v[4200];
    snprintf(p, sizeof p, "%s/neuro/twophoton-sima/example.h5", refdir());
    snprintf(v, sizeof v, "%s/neuro/twophoton-sima/example-volume.h5", refdir());
    if (fsize(p) < 0 || fsize(v) < 0) {
        for (int i = 0; i < 8; i++)
            tap_skip("SIMA reference movies not found (YM_REFERENCE_DIR)");
        return;
    }
    ym_activity_opts o;
    memset(&o, 0, sizeof o);
    o.axes = "y,x,t";
    o.rate = 15.0;
    char spec[4300];
    snprintf(spec, sizeof spec, "%s:/imaging", p);
    ym_recording *r = NULL;
    int st = ym_activity_read(&r, spec, &o), shape[3] = {0, 0, 0};
    double sp[3];
    if (st)
        tap_diag("%s", ym_errmsg());
    tap_ok(st == YM_OK && ym_recording_image(r, shape, sp) && shape[0] == 256 && shape[1] == 128 && shape[2] == 1 &&
               ym_recording_nsamples(r) == 20 && ym_recording_rate(r) == 15.0,
           "SIMA example.h5 (y,x,t): 256 x 128 pixels, 20 frames");
    /* The HDF5 library's own read of the raw uint16 array. */
    hid_t f = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT), d = H5Dopen2(f, "/imaging", H5P_DEFAULT);
    uint16_t *raw = malloc(sizeof(uint16_t) * 128 * 256 * 20);
    H5Dread(d, H5T_NATIVE_UINT16, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw);
    H5Dclose(d);
    H5Fclose(f);
    int same = st == YM_OK;
    double sum = 0;
    for (int y = 0; same && y < 128; y++)
        for (int x = 0; x < 256; x++)
            for (int t = 0; t < 20; t++) {
                double a = ym_recording_data(r, x + 256 * y)[t];
                same &= a == raw[(y * 256 + x) * 20 + t];
                sum += a;
            }
    double mean = sum / (128.0 * 256 * 20);
    tap_ok(same && fabs(mean - 1096) < 1, "SIMA example.h5: every value as HDF5 reads it, mean %.1f (SOURCE.txt 1096)", mean);
    ym_recording_free(r);
    r = NULL;
    free(raw);
    /* Without a dataset path: the only dataset at the root. */
    st = ym_activity_read(&r, p, &o);
    tap_ok(st == YM_OK && ym_recording_nchan(r) == 256 * 128 && strstr(ym_activity_note(), "/imaging") != NULL,
           "SIMA example.h5 without :/imaging: the only root dataset is taken, with a note");
    ym_recording_free(r);
    r = NULL;

    o.axes = "t,z,y,x,c";
    o.plane = 1;
    snprintf(spec, sizeof spec, "%s:/imaging", v);
    st = ym_activity_read(&r, spec, &o);
    if (st)
        tap_diag("%s", ym_errmsg());
    int vol_ok = st == YM_OK && ym_recording_image(r, shape, sp) && shape[0] == 64 && shape[1] == 64 && shape[2] == 3 &&
               ym_recording_nsamples(r) == 10 && fabs(sp[0] - 0.2939) < 5e-5 && fabs(sp[1] - 0.2926) < 5e-5 &&
               sp[2] == 1.0;
    tap_ok(vol_ok, "SIMA example-volume.h5 (t,z,y,x,c): 64 x 64 x 3, 10 frames, spacing (%.6g, %.6g, %g) um (SOURCE.txt: 0.2939, 0.2926, 1)",
           sp[0], sp[1], sp[2]);
    f = H5Fopen(v, H5F_ACC_RDONLY, H5P_DEFAULT);
    d = H5Dopen2(f, "/imaging", H5P_DEFAULT);
    uint8_t *rv = malloc(10 * 3 * 64 * 64 * 2);
    H5Dread(d, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, rv);
    H5Dclose(d);
    H5Fclose(f);
    same = st == YM_OK;
    for (int t = 0; same && t < 10; t++)
        for (int z = 0; z < 3; z++)
            for (int y = 0; y < 64; y++)
                for (int x = 0; x < 64; x++)
                    same &= ym_recording_data(r, x + 64 * (y + 64 * z))[t] == rv[(((t * 3 + z) * 64 + y) * 64 + x) * 2 + 1];
    tap_ok(same, "SIMA example-volume.h5: colour channel 1, every value as HDF5 reads it");
    ym_recording_free(r);
    r = NULL;
    free(rv);
    o.plane = 2;
    tap_ok(refused(ym_activity_read(&r, spec, &o), v), "SIMA volume: colour channel 2 of 2 refused");
    o.plane = 0;
    o.axes = NULL;
    {
        int st = ym_activity_read(&r, spec, &o), hint = st && strstr(ym_errmsg(), "(the default)") &&
                                                        strstr(ym_errmsg(), "--axes");
        tap_ok(refused(st, v) && hint, "SIMA volume: default axes t,c do not fit 5 dimensions, and --axes is named");
    }
    o.axes = "t,z,y,x,c";
    o.rate = 0;
    tap_ok(refused(ym_activity_read(&r, spec, &o), v), "SIMA volume: no rate anywhere refused");
}

/* ------------------------------------------------------------ NWB */

static void test_nwb(void)
{
    const char *p = tpath("es.nwb");
    h5w_nwb_es(p, "ecog", 50, 4, 0, 250.0, NULL);
    int kind = -1;
    tap_ok(ym_activity_detect(p, &kind) == YM_OK && kind == YM_ACT_NWB, "detect: NWB");
    ym_recording *r = NULL;
    int st = ym_activity_read(&r, p, NULL), ok = st == YM_OK;
    if (st)
        tap_diag("%s", ym_errmsg());
    tap_ok(ok && ym_recording_nchan(r) == 4 && ym_recording_nsamples(r) == 50 && ym_recording_rate(r) == 250.0 &&
               ym_recording_start(r) == 1.5,
           "NWB ElectricalSeries: 4 channels x 50 samples, rate 250 Hz and start 1.5 s from starting_time");
    const double cc[4] = {1, 2, 0.5, 4};
    double worst = 0;
    for (int c = 0; ok && c < 4; c++)
        for (int t = 0; t < 50; t++) {
            double want = ((t * 7 + c * 13) % 200 - 100) * 2.5e-6 * cc[c] + 1e-3;
            worst = fmax(worst, fabs(ym_recording_data(r, c)[t] - want) / fabs(want));
        }
    tap_ok(ok && worst <= 1e-15, "NWB: volts = data x conversion x channel_conversion + offset (max rel. err %.1e)", worst);
    /* electrodes rows 5, 3, 1, 0: labels E15, E13, E11, E10; x = 1e-3 (row+1). */
    double x[3] = {0, 0, 0};
    ok = ok && !strcmp(ym_recording_channel_name(r, 0), "E15") && !strcmp(ym_recording_channel_name(r, 3), "E10") &&
         ym_recording_position(r, 1, x) && fabs(x[0] - 4e-3) < 1e-9 && fabs(x[1] - 8e-3) < 1e-9 &&
         fabs(x[2] - 12e-3) < 1e-9;
    tap_ok(ok, "NWB: electrodes region (rows 5,3,1,0) gives labels and x, y, z through the table reference");
    ym_recording_free(r);
    r = NULL;

    /* The typed ElectrodesTable with rel_x/rel_y (the contacts' places on
     * the array) is preferred to brain coordinates. */
    const char *pr = tpath("rel.nwb");
    hid_t fr = h5w_nwb_root(pr);
    h5w_electrodes(fr, 6, 1);
    h5w_nwb_es(pr, "ecog", 10, 4, 0, 250.0, &fr);
    H5Fclose(fr);
    st = ym_activity_read(&r, pr, NULL);
    /* row 3 (channel 1): rel_x = 4e-3 * 4 + 0.5, rel_y = 5e-3 * 4 + 0.5, stored as float32 */
    ok = st == YM_OK && ym_recording_position(r, 1, x) && fabs(x[0] - 0.516) < 1e-7 && fabs(x[1] - 0.52) < 1e-7 &&
         x[2] == 0.0 && strstr(ym_activity_note(), "rel_x") != NULL;
    tap_ok(ok, "NWB: ElectrodesTable with rel_x, rel_y: positions on the array (%.7g, %.7g)", ok ? x[0] : 0.0,
           ok ? x[1] : 0.0);
    ym_recording_free(r);
    r = NULL;

    /* Without the region's "table" reference: the table at its fixed path. */
    fr = h5w_nwb_root(pr);
    h5w_electrodes(fr, 6, 0);
    h5w_nwb_es(pr, "ecog", 10, 4, 0, 250.0, &fr);
    H5Adelete_by_name(fr, "acquisition/ecog/electrodes", "table", H5P_DEFAULT);
    H5Fclose(fr);
    st = ym_activity_read(&r, pr, NULL);
    tap_ok(st == YM_OK && !strcmp(ym_recording_channel_name(r, 1), "E13") && ym_recording_position(r, 1, x),
           "NWB: electrodes region without a table reference: general/extracellular_ephys/electrodes");
    ym_recording_free(r);
    r = NULL;

    /* Several series: an error listing them, or one picked by path. */
    const char *p2 = tpath("two.nwb");
    hid_t f = -1;
    h5w_nwb_es(p2, "a", 20, 4, 0, 100.0, &f);
    h5w_nwb_es(p2, "b", 30, 4, 1, 200.0, &f);
    H5Fclose(f);
    st = ym_activity_read(&r, p2, NULL);
    int lists = st && strstr(ym_errmsg(), "acquisition/a") && strstr(ym_errmsg(), "acquisition/b");
    tap_ok(refused(st, p2) && lists, "NWB: two series and none chosen: refused, both listed");
    char spec[4400];
    snprintf(spec, sizeof spec, "%s:/acquisition/b", p2);
    st = ym_activity_read(&r, spec, NULL);
    tap_ok(st == YM_OK && ym_recording_nsamples(r) == 30 && fabs(ym_recording_rate(r) - 200.0) < 1e-9 &&
               ym_recording_start(r) == 2.0,
           "NWB: series picked by path; uniform timestamps give rate 200 Hz, start 2 s");
    ym_recording_free(r);
    r = NULL;

    const char *p3 = tpath("irr.nwb");
    h5w_nwb_es(p3, "es", 40, 4, 2, 100.0, NULL);
    st = ym_activity_read(&r, p3, NULL);
    int irr = st && strstr(ym_errmsg(), "irregular");
    tap_ok(refused(st, p3) && irr, "NWB: irregular timestamps refused ('irregular')");
    h5w_nwb_es(p3, "es", 40, 4, 0, -100.0, NULL);
    tap_ok(refused(ym_activity_read(&r, p3, NULL), p3), "NWB: negative rate refused");
    h5w_nwb_es(p3, "es", 40, 4, 0, NAN, NULL);
    tap_ok(refused(ym_activity_read(&r, p3, NULL), p3), "NWB: NaN rate refused");
    {
        hid_t g = h5w_nwb_root(p3);
        hid_t s = h5w_group(g, "acquisition/es", "ElectricalSeries");
        hsize_t dims[2] = {10, 0};
        double t0 = 0;
        H5Dclose(h5w_data(s, "data", H5T_IEEE_F32LE, 2, dims, &t0));
        hid_t d = h5w_data(s, "starting_time", H5T_IEEE_F64LE, 0, NULL, &t0);
        h5w_attr_dbl(d, "rate", 10);
        H5Dclose(d);
        H5Gclose(s);
        H5Fclose(g);
    }
    tap_ok(refused(ym_activity_read(&r, p3, NULL), p3), "NWB: zero channels refused");
    const char *q = tpath("trunc.nwb");
    copy_prefix(p, q, fsize(p) / 2);
    tap_ok(refused(ym_activity_read_nwb(&r, q, NULL), q), "NWB: truncated copy refused");

    /* TwoPhotonSeries: frames x X x Y with the imaging plane's grid spacing. */
    const char *pt = tpath("2p.nwb");
    h5w_nwb_2p(pt);
    st = ym_activity_read(&r, pt, NULL);
    int shape[3] = {0, 0, 0};
    double sp[3] = {0, 0, 0};
    ok = st == YM_OK && ym_recording_image(r, shape, sp) && shape[0] == 4 && shape[1] == 3 && shape[2] == 1 &&
         fabs(sp[0] - 2) < 1e-9 && fabs(sp[1] - 3) < 1e-9 && ym_recording_rate(r) == 30.0;
    for (int t = 0; ok && t < 6; t++)
        for (int xx = 0; xx < 4; xx++)
            for (int y = 0; y < 3; y++)
                ok &= ym_recording_data(r, xx + 4 * y)[t] == 100 * t + 10 * xx + y;
    if (st)
        tap_diag("%s", ym_errmsg());
    tap_ok(ok, "NWB TwoPhotonSeries: 4 x 3 pixels, spacing (2, 3) um from grid_spacing, pixel x + nx*y exact");
    ym_recording_free(r);
}

/* ------------------------------------------------------------ plain HDF5 */

static void test_hdf5(void)
{
    /* Real t x c with a rate attribute; complex (h5py's compound r, i)
     * c x b x t as analytic signals. */
    const char *p = tpath("plain.h5");
    hid_t f = H5Fcreate(p, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    double v[6 * 3];
    for (int t = 0; t < 6; t++)
        for (int c = 0; c < 3; c++)
            v[t * 3 + c] = f_real((size_t)c, (size_t)t, 0, 0);
    hsize_t d2[2] = {6, 3};
    hid_t d = h5w_data(f, "lfp", H5T_IEEE_F32LE, 2, d2, v);
    h5w_attr_dbl(d, "sampling_rate", 500.0);
    H5Dclose(d);
    hid_t ct = H5Tcreate(H5T_COMPOUND, 16);
    H5Tinsert(ct, "r", 0, H5T_NATIVE_DOUBLE);
    H5Tinsert(ct, "i", 8, H5T_NATIVE_DOUBLE);
    double z[2 * 3 * 5][2];
    for (int c = 0; c < 2; c++)
        for (int b = 0; b < 3; b++)
            for (int t = 0; t < 5; t++) {
                z[(c * 3 + b) * 5 + t][0] = f_cplx((size_t)c, (size_t)b, (size_t)t, 0);
                z[(c * 3 + b) * 5 + t][1] = f_cplx((size_t)c, (size_t)b, (size_t)t, 1);
            }
    hsize_t d3[3] = {2, 3, 5};
    hid_t s3 = H5Screate_simple(3, d3, NULL);
    d = H5Dcreate2(f, "analytic", ct, s3, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, ct, H5S_ALL, H5S_ALL, H5P_DEFAULT, z);
    H5Dclose(d);
    H5Sclose(s3);
    H5Tclose(ct);
    H5Fclose(f);
    int kind = -1;
    tap_ok(ym_activity_detect(p, &kind) == YM_OK && kind == YM_ACT_HDF5, "detect: plain HDF5");

    ym_activity_opts o;
    memset(&o, 0, sizeof o);
    char spec[4400];
    snprintf(spec, sizeof spec, "%s:/lfp", p);
    ym_recording *r = NULL;
    int st = ym_activity_read(&r, spec, &o), ok = st == YM_OK && ym_recording_nchan(r) == 3 &&
                                                 ym_recording_nsamples(r) == 6 && ym_recording_rate(r) == 500.0;
    for (int c = 0; ok && c < 3; c++)
        for (int t = 0; t < 6; t++)
            ok &= ym_recording_data(r, c)[t] == f_real((size_t)c, (size_t)t, 0, 0);
    if (st)
        tap_diag("%s", ym_errmsg());
    tap_ok(ok, "HDF5 :/lfp with default axes t,c: 3 channels x 6 samples, rate from sampling_rate, exact");
    ym_recording_free(r);
    r = NULL;

    snprintf(spec, sizeof spec, "%s:/analytic", p);
    o.axes = "c,b,t";
    o.rate = 100;
    st = ym_activity_read(&r, spec, &o);
    ok = st == YM_OK && ym_recording_nchan(r) == 2 && ym_recording_nbands(r) == 3 && ym_recording_nsamples(r) == 5;
    for (int c = 0; ok && c < 2; c++)
        for (int b = 0; b < 3; b++)
            for (int t = 0; t < 5; t++) {
                const double *zz = ym_recording_cdata(r, c, b);
                ok &= zz[2 * t] == f_cplx((size_t)c, (size_t)b, (size_t)t, 0) &&
                      zz[2 * t + 1] == f_cplx((size_t)c, (size_t)b, (size_t)t, 1);
            }
    if (st)
        tap_diag("%s", ym_errmsg());
    tap_ok(ok, "HDF5 complex compound (r, i) with axes c,b,t: analytic signals, exact");
    ym_recording_free(r);
    r = NULL;
    snprintf(spec, sizeof spec, "%s:/lfp", p);
    o.axes = "t,b";
    tap_ok(refused(ym_activity_read(&r, spec, &o), p), "HDF5: a band axis on real data refused");
    o.axes = "t,t";
    tap_ok(refused(ym_activity_read(&r, spec, &o), p), "HDF5: an axis named twice refused");
    o.axes = "t,c";
    snprintf(spec, sizeof spec, "%s:/nothing", p);
    tap_ok(refused(ym_activity_read(&r, spec, &o), p), "HDF5: a missing dataset refused");
    o.dataset = NULL;
    tap_ok(refused(ym_activity_read(&r, p, &o), p), "HDF5: two root datasets and no path: refused");
}

/* ------------------------------------------------------------ BIDS */

static void test_bids(void)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/bids", tmpdir);
    mkdir(dir, 0700);
    static const edfw_sig sig[3] = {
        {"G1", "uV", -100, 100, -32768, 32767, 10},
        {"G2", "uV", -100, 100, -32768, 32767, 10},
        {"G3", "uV", -100, 100, -32768, 32767, 10},
    };
    edfw_file F = {0, 1, 0, 2, 1.0, 3, sig, NULL, NULL, 30};
    char p[4400], e[4400], c[4400], v[4400], j[4400];
    snprintf(p, sizeof p, "%s/sub-01_ses-1_task-rest_run-1_ieeg.edf", dir);
    snprintf(e, sizeof e, "%s/sub-01_ses-1_electrodes.tsv", dir);
    snprintf(c, sizeof c, "%s/sub-01_ses-1_task-rest_run-1_channels.tsv", dir);
    snprintf(v, sizeof v, "%s/sub-01_ses-1_task-rest_run-1_events.tsv", dir);
    snprintf(j, sizeof j, "%s/sub-01_ses-1_coordsystem.json", dir);
    edfw_write(p, &F);
    write_text(e, "name\tx\ty\tz\tsize\nG1\t0.01\t0.02\t0.03\t4\nG2\tn/a\tn/a\tn/a\t4\nG3\t-0.01\t0\t0.5\t4\nX9\t1\t1\t1\t4\n");
    write_text(c, "name\ttype\tunits\tstatus\nG1\tECOG\tuV\tgood\nG2\tECOG\tuV\tbad\nG3\tSEEG\tuV\tn/a\n");
    write_text(v, "onset\tduration\ttrial_type\n0.5\t0.25\tstim\n1.25\tn/a\tresp\n");
    write_text(j, "{\"iEEGCoordinateSystem\": \"Other\", \"iEEGCoordinateUnits\": \"mm\"}\n");
    ym_recording *r = NULL;
    int st = ym_activity_read(&r, p, NULL), ok = st == YM_OK;
    if (st)
        tap_diag("%s", ym_errmsg());
    double x[3] = {0, 0, 0};
    tap_ok(ok && ym_recording_position(r, 0, x) && x[0] == 0.01 && x[2] == 0.03 && !ym_recording_position(r, 1, x) &&
               ym_recording_position(r, 2, x) && x[2] == 0.5,
           "BIDS: electrodes.tsv inherited without task/run entities: positions, n/a = none");
    tap_ok(ok && strstr(ym_activity_note(), "look like metres") != NULL,
           "BIDS: coordsystem says mm but positions look like metres: kept, with a note");
    tap_ok(ok && !ym_recording_is_bad(r, 0) && ym_recording_is_bad(r, 1) && !ym_recording_is_bad(r, 2) &&
               !strcmp(ym_recording_channel_type(r, 2), "SEEG"),
           "BIDS: channels.tsv status=bad flags G2, type SEEG for G3");
    ok = ok && ym_recording_nevents(r) == 2 && ym_recording_event(r, 0)->onset == 0.5 &&
         ym_recording_event(r, 0)->duration == 0.25 && !strcmp(ym_recording_event(r, 1)->label, "resp") &&
         ym_recording_event(r, 1)->duration == 0;
    tap_ok(ok, "BIDS: events.tsv onsets, durations (n/a = 0), trial_type");
    ym_recording_free(r);
    r = NULL;
    /* mm positions in a mm file are scaled to metres. */
    write_text(e, "name\tx\ty\tz\tsize\nG1\t10\t20\t30\t4\n");
    st = ym_activity_read(&r, p, NULL);
    tap_ok(st == YM_OK && ym_recording_position(r, 0, x) && fabs(x[0] - 0.01) < 1e-15 && fabs(x[2] - 0.03) < 1e-15,
           "BIDS: positions in mm (coordsystem mm) become metres");
    ym_recording_free(r);
    r = NULL;
    write_text(e, "name\tx\ty\tz\nG1\tabc\t0\t0\n");
    tap_ok(refused(ym_activity_read(&r, p, NULL), e), "BIDS: a non-number in electrodes.tsv refused, naming the TSV");
    write_text(e, "name\tx\ty\tz\nG1\t0\t0\t0\n");
    write_text(v, "onset\tduration\ttrial_type\n0.5\t-1\tstim\n");
    tap_ok(refused(ym_activity_read(&r, p, NULL), v), "BIDS: negative event duration refused, naming the TSV");
    ym_activity_opts o;
    memset(&o, 0, sizeof o);
    o.no_sidecars = 1;
    st = ym_activity_read(&r, p, &o);
    tap_ok(st == YM_OK && ym_recording_nevents(r) == 0 && !ym_recording_is_bad(r, 1), "BIDS: no_sidecars skips them");
    ym_recording_free(r);
}

static void rmtree(const char *d)
{
    char cmd[4400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
    if (system(cmd)) {
    }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    ym_init();
    tap_init();
    const char *t = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/ymact-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(tmpdir)) {
        printf("Bail out! cannot create %s\n", tmpdir);
        return 1;
    }
    test_npy();
    test_edf();
    test_nwb();
    test_hdf5();
    test_bids();
    test_ecog();
    test_sima();
    rmtree(tmpdir);
    int rc = tap_done();
    MPI_Finalize();
    return rc;
}
