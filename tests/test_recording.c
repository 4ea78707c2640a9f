/* The recording object (io/ym_recording): what every activity reader fills.
 *
 * Oracles: values written through the accessors read back bit for bit;
 * channel-major and complex (channel, band) layouts do not overlap (each
 * element set to its own index is found again); absurd shapes and rates are
 * refused with YM_EINVAL; under MPI, ym_recording_bcast gives every rank a
 * recording identical to the root's in every field (compared exactly).
 * A recording of more than 32 MB (huge-page mapped, lattice/ym_bigmem) starts
 * zeroed in every sample, keeps what is written at both ends and survives a
 * broadcast; ym_bigmem itself hands out zeroed buffers of 0, small and large
 * sizes, each written over and freed (leaks and overruns are the sanitizer
 * build's to catch).
 */
#include "tap.h"
#include "ym_bigmem.h"
#include "ym_recording.h"
#include "ym_status.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* A recording whose every value is a function of its position. */
static int make(ym_recording **r, int nb)
{
    int st = ym_recording_create(r, 5, nb, 37, 999.41);
    if (st)
        return st;
    for (int c = 0; c < 5; c++) {
        char name[16];
        snprintf(name, sizeof name, "C%d", c + 1);
        ym_recording_set_channel(*r, c, name, "uV", c == 4 ? "EKG" : "ECOG");
        double p[3] = {0.01 * c, -0.02 * c, 0.5};
        if (c != 2)
            ym_recording_set_position(*r, c, p);
        if (nb == 0) {
            double *d = ym_recording_data(*r, c);
            for (int i = 0; i < 37; i++)
                d[i] = 1000.0 * c + i + 0.25;
        } else {
            for (int b = 0; b < nb; b++) {
                double *d = ym_recording_cdata(*r, c, b);
                for (int i = 0; i < 2 * 37; i++)
                    d[i] = 1e4 * c + 100.0 * b + i;
            }
        }
    }
    ym_recording_set_bad(*r, 3, 1);
    ym_recording_set_start(*r, 1.5);
    ym_recording_set_source(*r, "/data/sub-01_ieeg.edf");
    ym_recording_add_event(*r, 10.229, 0, "eeg sz start");
    ym_recording_add_event(*r, 2.0, 0.5, "stim");
    return YM_OK;
}

static int same(const ym_recording *a, const ym_recording *b)
{
    int nb = ym_recording_nbands(a);
    if (ym_recording_nchan(a) != ym_recording_nchan(b) || nb != ym_recording_nbands(b) ||
        ym_recording_nsamples(a) != ym_recording_nsamples(b) || ym_recording_rate(a) != ym_recording_rate(b) ||
        ym_recording_start(a) != ym_recording_start(b) || strcmp(ym_recording_source(a), ym_recording_source(b)) ||
        ym_recording_nevents(a) != ym_recording_nevents(b))
        return 0;
    int64_t n = ym_recording_nsamples(a);
    for (int c = 0; c < ym_recording_nchan(a); c++) {
        if (strcmp(ym_recording_channel_name(a, c), ym_recording_channel_name(b, c)) ||
            strcmp(ym_recording_channel_unit(a, c), ym_recording_channel_unit(b, c)) ||
            strcmp(ym_recording_channel_type(a, c), ym_recording_channel_type(b, c)) ||
            ym_recording_is_bad(a, c) != ym_recording_is_bad(b, c))
            return 0;
        double pa[3], pb[3];
        int ha = ym_recording_position(a, c, pa), hb = ym_recording_position(b, c, pb);
        if (ha != hb || (ha && memcmp(pa, pb, sizeof pa)))
            return 0;
        for (int band = 0; band < (nb ? nb : 1); band++) {
            const double *da = nb ? ym_recording_cdata_ro(a, c, band) : ym_recording_data_ro(a, c);
            const double *db = nb ? ym_recording_cdata_ro(b, c, band) : ym_recording_data_ro(b, c);
            if (memcmp(da, db, (size_t)n * (nb ? 2 : 1) * sizeof(double)))
                return 0;
        }
    }
    for (int i = 0; i < ym_recording_nevents(a); i++) {
        const ym_rec_event *ea = ym_recording_event(a, i), *eb = ym_recording_event(b, i);
        if (ea->onset != eb->onset || ea->duration != eb->duration || strcmp(ea->label, eb->label))
            return 0;
    }
    int sa[3], sb[3];
    double spa[3], spb[3];
    int ia = ym_recording_image(a, sa, spa), ib = ym_recording_image(b, sb, spb);
    return ia == ib && (!ia || (!memcmp(sa, sb, sizeof sa) && !memcmp(spa, spb, sizeof spa)));
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    ym_init();
    tap_init();
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);

    ym_recording *r = NULL;
    int st = make(&r, 0);
    tap_ok(st == YM_OK, "create a 5-channel real recording");
    int ok = 1;
    for (int c = 0; c < 5 && r; c++)
        for (int i = 0; i < 37; i++)
            ok &= ym_recording_data(r, c)[i] == 1000.0 * c + i + 0.25;
    tap_ok(r && ok, "channel-major samples read back exactly");
    tap_ok(r && ym_recording_find_channel(r, "C4") == 3 && ym_recording_find_channel(r, "C9") == -1,
           "channels found by name");
    double p[3];
    tap_ok(r && ym_recording_position(r, 1, p) && p[1] == -0.02 && !ym_recording_position(r, 2, p),
           "positions: present where set, absent elsewhere");
    tap_ok(r && ym_recording_is_bad(r, 3) && !ym_recording_is_bad(r, 0), "bad-channel flags");
    tap_ok(r && ym_recording_nevents(r) == 2 && !strcmp(ym_recording_event(r, 0)->label, "eeg sz start") &&
               ym_recording_event(r, 0)->onset == 10.229 && ym_recording_event(r, 2) == NULL,
           "events kept in order");
    tap_ok(r && ym_recording_cdata(r, 0, 0) == NULL, "a real recording has no complex samples");
    tap_ok(r && ym_recording_set_image(r, 2, 2, 1, NULL) == YM_EINVAL, "image shape must match the channels");
    double sp[3] = {0.29, 0.29, 1.0};
    tap_ok(r && ym_recording_set_image(r, 5, 1, 1, sp) == YM_OK, "image shape 5x1x1");
    ym_error_clear();

    ym_recording *z = NULL;
    st = make(&z, 3);
    ok = st == YM_OK && ym_recording_data(z, 0) == NULL;
    for (int c = 0; c < 5 && ok; c++)
        for (int b = 0; b < 3; b++)
            for (int i = 0; i < 74; i++)
                ok &= ym_recording_cdata(z, c, b)[i] == 1e4 * c + 100.0 * b + i;
    tap_ok(ok, "complex channels x bands x samples do not overlap");

    ym_recording *bad = NULL;
    tap_ok(ym_recording_create(&bad, 0, 0, 10, 100) == YM_EINVAL && !bad, "zero channels refused");
    tap_ok(ym_recording_create(&bad, 2, 0, 0, 100) == YM_EINVAL, "zero samples refused");
    tap_ok(ym_recording_create(&bad, 2, 0, 10, -5) == YM_EINVAL, "negative rate refused");
    tap_ok(ym_recording_create(&bad, 2, 0, 10, NAN) == YM_EINVAL, "NaN rate refused");
    tap_ok(ym_recording_create(&bad, 1 << 30, 0, (int64_t)1 << 40, 100) == YM_EINVAL,
           "a size that overflows is refused: %s", ym_errmsg());
    tap_ok(r && ym_recording_add_event(r, NAN, 0, "x") == YM_EINVAL &&
               ym_recording_add_event(r, 1, -1, "x") == YM_EINVAL,
           "non-finite onset and negative duration refused");
    double nanp[3] = {0, NAN, 0};
    tap_ok(r && ym_recording_set_position(r, 0, nanp) == YM_EINVAL, "non-finite position refused");
    ym_error_clear();

    /* Broadcast: other ranks start from nothing, or from a recording to replace. */
    for (int k = 0; k < 2; k++) {
        ym_recording *src = k ? z : r, *got = NULL;
        if (rank == 0)
            got = src;
        else if (k == 1 && ym_recording_create(&got, 1, 0, 1, 1.0) != YM_OK)
            got = NULL;
        st = ym_recording_bcast(&got, 0, MPI_COMM_WORLD);
        tap_ok(st == YM_OK && got && same(got, src), "bcast of a %s recording: identical on every rank",
               k ? "complex" : "real");
        if (rank != 0)
            ym_recording_free(got);
    }
    /* 64 channels x 8 bands x 8 192 complex samples: 64 MB, over the
     * huge-page threshold */
    ym_recording *big = NULL;
    st = ym_recording_create(&big, 64, 8, 8192, 1000.0);
    ok = st == YM_OK;
    for (int c = 0; c < 64 && ok; c++)
        for (int b = 0; b < 8; b++) {
            double *d = ym_recording_cdata(big, c, b);
            for (int i = 0; i < 2 * 8192; i++) ok &= d[i] == 0.0;
        }
    tap_ok(ok, "a 64 MB recording starts with every sample zero");
    if (big) {
        ym_recording_cdata(big, 0, 0)[0] = 1.5;
        ym_recording_cdata(big, 63, 7)[2 * 8192 - 1] = -2.5;
    }
    ym_recording *bigr = rank == 0 ? big : NULL;
    st = ym_recording_bcast(&bigr, 0, MPI_COMM_WORLD);
    tap_ok(st == YM_OK && bigr && ym_recording_cdata(bigr, 0, 0)[0] == 1.5 &&
               ym_recording_cdata(bigr, 63, 7)[2 * 8192 - 1] == -2.5 && ym_recording_cdata(bigr, 31, 3)[77] == 0.0,
           "the 64 MB recording keeps its first and last samples, also after a broadcast");
    if (rank != 0) ym_recording_free(bigr);
    ym_recording_free(big);
    const size_t sizes[3] = {0, 1000, (size_t)40 << 20};
    for (int k = 0; k < 3; k++) {
        unsigned char *m = ym_bigmem_alloc(sizes[k]);
        ok = m != NULL;
        for (size_t i = 0; ok && i < sizes[k]; i++) ok &= m[i] == 0;
        if (ok && sizes[k]) memset(m, 0xa5, sizes[k]);
        ym_bigmem_free(m, sizes[k]);
        tap_ok(ok, "ym_bigmem: %zu bytes come zeroed, are written over and freed", sizes[k]);
    }
    ym_bigmem_free(NULL, (size_t)40 << 20);

    ym_recording_free(r);
    ym_recording_free(z);
    ym_recording_free(NULL);
    int rc = tap_done();
    MPI_Finalize();
    return rc;
}
