/* Seeds for the activity-reader fuzzers: small NPY, EDF/EDF+/BDF+ and NWB
 * files written by tests/act_write.h (assembled from the formats'
 * specifications; no third-party data).
 *   gen_act_seeds CORPUSDIR   (writes CORPUSDIR/act_{npy,edf,nwb}/)
 */
#include "../act_write.h"

#include <sys/stat.h>

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

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_act_seeds CORPUSDIR\n");
        return 1;
    }
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    char p[4096];
    const char *dirs[3] = {"act_npy", "act_edf", "act_nwb"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", argv[1], dirs[i]);
        mkdir(p, 0755);
    }
    size_t s2[2] = {3, 7}, s3[3] = {2, 3, 5};
    snprintf(p, sizeof p, "%s/act_npy/f8_v1_c.npy", argv[1]);
    npyw_write(p, 1, 'f', 8, 0, 0, 2, s2, f_real);
    snprintf(p, sizeof p, "%s/act_npy/i2_v2_f_big.npy", argv[1]);
    npyw_write(p, 2, 'i', 2, 1, 1, 2, s2, f_real);
    snprintf(p, sizeof p, "%s/act_npy/u2_v1_c.npy", argv[1]);
    npyw_write(p, 1, 'u', 2, 0, 0, 2, s2, f_real);
    snprintf(p, sizeof p, "%s/act_npy/f4_v3_c_big.npy", argv[1]);
    npyw_write(p, 3, 'f', 4, 1, 0, 2, s2, f_real);
    snprintf(p, sizeof p, "%s/act_npy/c16_v1_f.npy", argv[1]);
    npyw_write(p, 1, 'c', 16, 0, 1, 3, s3, f_cplx);
    snprintf(p, sizeof p, "%s/act_npy/c8_v2_c_big.npy", argv[1]);
    npyw_write(p, 2, 'c', 8, 1, 0, 3, s3, f_cplx);

    static const edfw_sig sig[3] = {
        {"C1", "uV", -3276.8, 3276.7, -32768, 32767, 8},
        {"EKGL", "mV", -5, 5, -2048, 2047, 8},
        {"TEMP", "degC", 30, 40, 0, 1000, 2},
    };
    const char *annot[3] = {"+0.25\x14stim\x14", "", ("+1.5\x15" "0.5\x14sz\x14")};
    edfw_file F = {0, 1, 0, 3, 0.5, 3, sig, NULL, annot, 16};
    snprintf(p, sizeof p, "%s/act_edf/edfplus.edf", argv[1]);
    edfw_write(p, &F);
    edfw_file E = {0, 0, 0, 2, 1.0, 2, sig, NULL, NULL, 0};
    snprintf(p, sizeof p, "%s/act_edf/plain.edf", argv[1]);
    edfw_write(p, &E);
    static const edfw_sig bsig[1] = {{"EEG Fz", "uV", -262144, 262143, -8388608, 8388607, 8}};
    edfw_file B = {1, 1, 0, 2, 0.25, 1, bsig, NULL, annot, 12};
    snprintf(p, sizeof p, "%s/act_edf/bdfplus.bdf", argv[1]);
    edfw_write(p, &B);

    h5w_compact = 1; /* seeds under the smoke run's 12000-byte max_len */
    snprintf(p, sizeof p, "%s/act_nwb/es_rate.nwb", argv[1]);
    h5w_nwb_es(p, "es", 10, 4, 0, 250.0, NULL);
    snprintf(p, sizeof p, "%s/act_nwb/es_timestamps.nwb", argv[1]);
    h5w_nwb_es(p, "es", 8, 2, 1, 100.0, NULL);
    snprintf(p, sizeof p, "%s/act_nwb/twophoton.nwb", argv[1]);
    h5w_nwb_2p(p);
    return 0;
}
