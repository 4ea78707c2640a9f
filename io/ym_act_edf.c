/* EDF, EDF+ and BDF(+) through EDFlib (see ym_activity.h). EDFlib checks
 * the header and that the file size matches it; here: what EDFlib leaves to
 * the caller (rates, empty files, label and type conventions). */
#include "ym_act_util.h"
#include "ym_status.h"

#include <ctype.h>
#include <edflib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *edflib_reason(int code)
{
    switch (code) {
    case EDFLIB_MALLOC_ERROR: return "out of memory in EDFlib";
    case EDFLIB_NO_SUCH_FILE_OR_DIRECTORY: return "cannot open";
    case EDFLIB_FILE_CONTAINS_FORMAT_ERRORS:
        return "not a valid EDF/BDF file (a header field is malformed, or the file size does not match the "
               "header: truncated?)";
    case EDFLIB_MAXFILES_REACHED: return "too many EDF files open";
    case EDFLIB_FILE_READ_ERROR: return "read error";
    case EDFLIB_FILE_ALREADY_OPENED: return "already opened";
    case EDFLIB_FILETYPE_ERROR: return "not an EDF/BDF file";
    case EDFLIB_NUMBER_OF_SIGNALS_INVALID: return "invalid number of signals";
    case EDFLIB_FILE_IS_DISCONTINUOUS:
        return "EDF+D/BDF+D (discontinuous) file: EDFlib reads continuous recordings only and ymflow never "
               "joins segments across a gap; export each continuous segment as EDF+C";
    case EDFLIB_INVALID_READ_ANNOTS_VALUE: return "invalid annotation request";
    case EDFLIB_ARCH_ERROR: return "EDFlib architecture error";
    default: return "EDFlib could not open it";
    }
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    size_t i = 0;
    while (s[i] && isspace((unsigned char)s[i]))
        i++;
    memmove(s, s + i, n - i + 1);
}

/* The type from the label's prefix (EDF+ labels read "EEG Fpz-Cz"; clinical
 * files say "EKGL"); otherwise ECOG for a voltage, MISC for anything else. */
static const char *type_of(const char *label, const char *unit)
{
    static const char *const pre[] = {"SEEG", "ECOG", "EEG", "EKG", "ECG", "EMG", "EOG", "RESP", "TRIG", "SAO2"};
    for (size_t i = 0; i < sizeof pre / sizeof *pre; i++) {
        size_t n = strlen(pre[i]);
        if (!strncasecmp(label, pre[i], n))
            return !strcmp(pre[i], "ECG") ? "EKG" : pre[i];
    }
    size_t u = strlen(unit);
    if (u && unit[u - 1] == 'V')
        return "ECOG";
    return "MISC";
}

int ym_act_edf(ym_recording **out, const char *path)
{
    *out = NULL;
    struct edf_hdr_struct *h = calloc(1, sizeof *h);
    if (!h)
        return YM_ERROR(YM_ENOMEM, "%s: out of memory", path);
    if (edfopen_file_readonly(path, h, EDFLIB_READ_ALL_ANNOTATIONS) < 0) {
        int code = h->filetype;
        free(h);
        return YM_ERROR(code == EDFLIB_NO_SUCH_FILE_OR_DIRECTORY ? YM_EIO : YM_EFORMAT, "%s: %s", path,
                        edflib_reason(code));
    }
    int st = YM_OK, ns = h->edfsignals, hd = h->handle;
    double *rate = NULL;
    int *keep = NULL, nkeep = 0;
    double common = 0;
    if (ns < 1 || ns > EDFLIB_MAXSIGNALS)
        st = YM_ERROR(YM_EFORMAT, "%s: no data signals (only annotations)", path);
    else if (h->datarecord_duration <= 0)
        st = YM_ERROR(YM_EFORMAT, "%s: data record duration %lld x 100 ns is not positive", path,
                      h->datarecord_duration);
    else if (h->datarecords_in_file < 1)
        st = YM_ERROR(YM_EFORMAT, "%s: no data records", path);
    if (!st) {
        rate = calloc((size_t)ns, sizeof *rate);
        keep = calloc((size_t)ns, sizeof *keep);
        if (!rate || !keep)
            st = YM_ERROR(YM_ENOMEM, "%s: out of memory", path);
    }
    /* The common rate is the one most signals share (ties: the earliest),
     * so a file of 64 ECoG channels and one slow sensor keeps the ECoG. */
    for (int s = 0; !st && s < ns; s++) {
        if (h->signalparam[s].smp_in_datarecord < 1)
            st = YM_ERROR(YM_EFORMAT, "%s: signal %d has %d samples per record", path, s + 1,
                          h->signalparam[s].smp_in_datarecord);
        rate[s] = (double)h->signalparam[s].smp_in_datarecord * (double)EDFLIB_TIME_DIMENSION /
                  (double)h->datarecord_duration;
    }
    if (!st) {
        int best = 0;
        for (int s = 0; s < ns; s++) {
            int cnt = 0;
            for (int t = 0; t < ns; t++)
                cnt += h->signalparam[t].smp_in_datarecord == h->signalparam[s].smp_in_datarecord;
            if (cnt > best) {
                best = cnt;
                common = rate[s];
            }
        }
        for (int s = 0; s < ns; s++) {
            if (rate[s] == common) {
                keep[nkeep++] = s;
            } else {
                char lab[32];
                snprintf(lab, sizeof lab, "%s", h->signalparam[s].label);
                trim(lab);
                ym_act_note("%s: signal '%s' at %.6g Hz left out (the recording's rate is %.6g Hz)", path, lab,
                            rate[s], common);
            }
        }
        if (!isfinite(common) || common <= 0)
            st = YM_ERROR(YM_EFORMAT, "%s: sampling rate %g Hz is not valid", path, common);
    }
    long long nsamp = 0;
    if (!st) {
        nsamp = h->signalparam[keep[0]].smp_in_file;
        if (nsamp < 1 || (double)nsamp * nkeep > YM_ACT_MAX_VALUES)
            st = YM_ERROR(YM_EFORMAT, "%s: %d signals x %lld samples is not a plausible size", path, nkeep, nsamp);
    }
    if (!st)
        st = ym_recording_create(out, nkeep, 0, nsamp, common);
    for (int k = 0; !st && k < nkeep; k++) {
        int s = keep[k];
        char lab[32], unit[16];
        snprintf(lab, sizeof lab, "%s", h->signalparam[s].label);
        snprintf(unit, sizeof unit, "%s", h->signalparam[s].physdimension);
        trim(lab);
        trim(unit);
        if (!lab[0])
            snprintf(lab, sizeof lab, "%d", s);
        if (ym_recording_find_channel(*out, lab) >= 0)
            ym_act_note("%s: two signals are labelled '%s'", path, lab);
        st = ym_recording_set_channel(*out, k, lab, unit, type_of(lab, unit));
        double *d = ym_recording_data(*out, k);
        long long done = 0;
        while (!st && done < nsamp) {
            long long want = nsamp - done;
            if (want > (1 << 20))
                want = 1 << 20;
            int got = edfread_physical_samples(hd, s, (int)want, d + done);
            if (got <= 0)
                st = YM_ERROR(YM_EFORMAT, "%s: signal '%s' ends after %lld of %lld samples", path, lab, done,
                              nsamp);
            done += got > 0 ? got : 0;
        }
    }
    for (long long i = 0; !st && i < h->annotations_in_file; i++) {
        struct edf_annotation_struct a;
        if (edf_get_annotation(hd, (int)i, &a)) {
            st = YM_ERROR(YM_EFORMAT, "%s: annotation %lld cannot be read", path, i + 1);
            break;
        }
        double dur = a.duration_l > 0 ? (double)a.duration_l / EDFLIB_TIME_DIMENSION : 0.0;
        st = ym_recording_add_event(*out, (double)a.onset / EDFLIB_TIME_DIMENSION, dur, a.annotation);
    }
    edfclose_file(hd);
    free(h);
    free(rate);
    free(keep);
    if (st) {
        ym_recording_free(*out);
        *out = NULL;
    }
    return st;
}
