/* BIDS sidecars beside a recording (see ym_activity.h): electrodes.tsv,
 * channels.tsv, events.tsv, and coordsystem.json for the position unit. */
#include "ym_act_util.h"
#include "ym_status.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TSV_MAXCOL 64
#define TSV_MAXLINE 65536

/* One TSV file: the header's column indices of interest and a line buffer. */
typedef struct {
    FILE *f;
    const char *path;
    char *line;
    char *cell[TSV_MAXCOL];
    int ncell, lineno;
} tsv;

static int tsv_split(tsv *t)
{
    size_t n = strlen(t->line);
    while (n && (t->line[n - 1] == '\n' || t->line[n - 1] == '\r'))
        t->line[--n] = '\0';
    t->ncell = 0;
    char *p = t->line;
    for (;;) {
        if (t->ncell == TSV_MAXCOL)
            return YM_ERROR(YM_EFORMAT, "%s:%d: more than %d columns", t->path, t->lineno, TSV_MAXCOL);
        t->cell[t->ncell++] = p;
        char *tab = strchr(p, '\t');
        if (!tab)
            break;
        *tab = '\0';
        p = tab + 1;
    }
    return YM_OK;
}

/* Next non-empty line, split; 0 at the end, <0 never (errors are >0). */
static int tsv_next(tsv *t, int *got)
{
    *got = 0;
    while (fgets(t->line, TSV_MAXLINE, t->f)) {
        t->lineno++;
        size_t n = strlen(t->line);
        if (n == TSV_MAXLINE - 1 && t->line[n - 1] != '\n')
            return YM_ERROR(YM_EFORMAT, "%s:%d: line longer than %d bytes", t->path, t->lineno, TSV_MAXLINE - 2);
        int blank = 1;
        for (size_t i = 0; i < n; i++)
            blank &= isspace((unsigned char)t->line[i]) != 0;
        if (blank)
            continue;
        *got = 1;
        return tsv_split(t);
    }
    return ferror(t->f) ? YM_ERROR(YM_EIO, "%s: read error", t->path) : YM_OK;
}

static int tsv_open(tsv *t, const char *path)
{
    memset(t, 0, sizeof *t);
    t->path = path;
    t->f = fopen(path, "r");
    if (!t->f)
        return YM_ERROR(YM_EIO, "%s: cannot open", path);
    t->line = malloc(TSV_MAXLINE);
    if (!t->line) {
        fclose(t->f);
        return YM_ERROR(YM_ENOMEM, "%s: out of memory", path);
    }
    int got = 0, st = tsv_next(t, &got);
    if (!st && !got)
        st = YM_ERROR(YM_EFORMAT, "%s: empty (no header line)", path);
    if (st) {
        fclose(t->f);
        free(t->line);
    }
    return st;
}

static void tsv_close(tsv *t)
{
    fclose(t->f);
    free(t->line);
}

static int tsv_col(const tsv *t, const char *name)
{
    for (int i = 0; i < t->ncell; i++)
        if (!strcmp(t->cell[i], name))
            return i;
    return -1;
}

/* A cell as a number: 1 ok, 0 n/a (or empty), error otherwise. */
static int tsv_num(tsv *t, int col, const char *what, double *v, int *ok)
{
    *ok = 0;
    if (col < 0 || col >= t->ncell)
        return col < 0 ? YM_OK : YM_ERROR(YM_EFORMAT, "%s:%d: missing %s column", t->path, t->lineno, what);
    const char *s = t->cell[col];
    if (!*s || !strcmp(s, "n/a"))
        return YM_OK;
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    while (isspace((unsigned char)*end))
        end++;
    if (end == s || *end || errno == ERANGE || !isfinite(*v))
        return YM_ERROR(YM_EFORMAT, "%s:%d: %s '%s' is not a number", t->path, t->lineno, what, s);
    *ok = 1;
    return YM_OK;
}

static const char *tsv_str(const tsv *t, int col)
{
    return col >= 0 && col < t->ncell ? t->cell[col] : "";
}

/* The unit coordsystem.json gives for electrode positions ("m", "mm",
 * "cm", or "" when unknown): a search for the Units key, since ymflow has
 * no JSON dependency and needs only this string. */
static void coord_unit(const char *json_path, char unit[8])
{
    unit[0] = '\0';
    FILE *f = fopen(json_path, "r");
    if (!f)
        return;
    char buf[16384];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strstr(buf, "CoordinateUnits\"");
    if (!p)
        return;
    p = strchr(p + 16, '"');
    if (!p)
        return;
    sscanf(p + 1, "%7[a-z]", unit);
}

int ym_act_electrodes(ym_recording *r, const char *path)
{
    tsv t;
    int st = tsv_open(&t, path);
    if (st)
        return st;
    int cn = tsv_col(&t, "name"), cx = tsv_col(&t, "x"), cy = tsv_col(&t, "y"), cz = tsv_col(&t, "z");
    if (cn < 0 || cx < 0 || cy < 0 || cz < 0) {
        tsv_close(&t);
        return YM_ERROR(YM_EFORMAT, "%s: electrodes.tsv needs columns name, x, y, z", path);
    }
    /* coordsystem.json beside it: <prefix>_coordsystem.json, or the only one. */
    char unit[8] = "";
    {
        char js[4096];
        const char *us = strrchr(path, '_');
        if (us && (size_t)(us - path) < sizeof js - 20) {
            snprintf(js, sizeof js, "%.*s_coordsystem.json", (int)(us - path), path);
            coord_unit(js, unit);
        }
    }
    double scale = !strcmp(unit, "mm") ? 1e-3 : !strcmp(unit, "cm") ? 1e-2 : 1.0;
    int nset = 0, nunk = 0, nnopos = 0, got = 0;
    double maxabs = 0;
    int *set = calloc((size_t)ym_recording_nchan(r), sizeof *set);
    double(*pos)[3] = calloc((size_t)ym_recording_nchan(r), sizeof *pos);
    if (!set || !pos)
        st = YM_ERROR(YM_ENOMEM, "%s: out of memory", path);
    char first_unknown[YM_REC_NAMEMAX] = "";
    while (!st && !(st = tsv_next(&t, &got)) && got) {
        const char *name = tsv_str(&t, cn);
        double p[3];
        int ok[3];
        st = tsv_num(&t, cx, "x", &p[0], &ok[0]);
        if (!st)
            st = tsv_num(&t, cy, "y", &p[1], &ok[1]);
        if (!st)
            st = tsv_num(&t, cz, "z", &p[2], &ok[2]);
        if (st)
            break;
        int ch = ym_recording_find_channel(r, name);
        if (ch < 0) {
            if (!nunk++)
                snprintf(first_unknown, sizeof first_unknown, "%s", name);
            continue;
        }
        if (!(ok[0] && ok[1] && ok[2])) {
            nnopos++;
            continue;
        }
        for (int k = 0; k < 3; k++) {
            pos[ch][k] = p[k];
            maxabs = fmax(maxabs, fabs(p[k]));
        }
        set[ch] = 1;
    }
    tsv_close(&t);
    /* Positions in metres lie within |x| < 1; a file that says mm but holds
     * such numbers was written in metres (a common mistake): keep them. */
    if (!st && scale != 1.0 && maxabs > 0 && maxabs < 1.0) {
        ym_act_note("%s: coordsystem.json says %s but the positions look like metres (max |x| %g): taken as metres",
                    path, unit, maxabs);
        scale = 1.0;
    }
    for (int ch = 0; !st && ch < ym_recording_nchan(r); ch++) {
        if (!set[ch])
            continue;
        double q[3] = {pos[ch][0] * scale, pos[ch][1] * scale, pos[ch][2] * scale};
        st = ym_recording_set_position(r, ch, q);
        nset++;
    }
    free(set);
    free(pos);
    if (!st) {
        ym_act_note("%s: positions for %d channels%s%s%s", path, nset, unit[0] ? " (coordsystem unit " : "",
                    unit, unit[0] ? ")" : "");
        if (nunk)
            ym_act_note("%s: %d electrodes not in the recording ignored (first: %s)", path, nunk, first_unknown);
        if (nnopos)
            ym_act_note("%s: %d electrodes without coordinates (n/a)", path, nnopos);
    }
    return st;
}

int ym_act_channels(ym_recording *r, const char *path)
{
    tsv t;
    int st = tsv_open(&t, path);
    if (st)
        return st;
    int cn = tsv_col(&t, "name"), ct = tsv_col(&t, "type"), cs = tsv_col(&t, "status"), cu = tsv_col(&t, "units");
    if (cn < 0) {
        tsv_close(&t);
        return YM_ERROR(YM_EFORMAT, "%s: channels.tsv needs a name column", path);
    }
    int got = 0, nbad = 0, nunk = 0;
    while (!(st = tsv_next(&t, &got)) && got) {
        int ch = ym_recording_find_channel(r, tsv_str(&t, cn));
        if (ch < 0) {
            nunk++;
            continue;
        }
        char type[YM_REC_NAMEMAX];
        snprintf(type, sizeof type, "%s", tsv_str(&t, ct));
        for (char *p = type; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        const char *unit = tsv_str(&t, cu);
        ym_recording_set_channel(r, ch, NULL, *unit && strcmp(unit, "n/a") ? unit : NULL,
                                 type[0] && strcmp(type, "N/A") ? type : NULL);
        const char *status = tsv_str(&t, cs);
        if (!strcmp(status, "bad")) {
            ym_recording_set_bad(r, ch, 1);
            nbad++;
        } else if (*status && strcmp(status, "good") && strcmp(status, "n/a")) {
            st = YM_ERROR(YM_EFORMAT, "%s:%d: status '%s' is neither good nor bad", path, t.lineno, status);
            break;
        }
    }
    tsv_close(&t);
    if (!st)
        ym_act_note("%s: %d bad channels%s", path, nbad, nunk ? " (channels not in the recording ignored)" : "");
    return st;
}

int ym_act_events(ym_recording *r, const char *path)
{
    tsv t;
    int st = tsv_open(&t, path);
    if (st)
        return st;
    int co = tsv_col(&t, "onset"), cd = tsv_col(&t, "duration"), cl = tsv_col(&t, "trial_type");
    if (cl < 0)
        cl = tsv_col(&t, "value");
    if (co < 0 || cd < 0) {
        tsv_close(&t);
        return YM_ERROR(YM_EFORMAT, "%s: events.tsv needs columns onset and duration", path);
    }
    int got = 0, n = 0;
    while (!(st = tsv_next(&t, &got)) && got) {
        double on = 0, du = 0;
        int okon, okdu;
        st = tsv_num(&t, co, "onset", &on, &okon);
        if (!st)
            st = tsv_num(&t, cd, "duration", &du, &okdu);
        if (!st && !okon)
            st = YM_ERROR(YM_EFORMAT, "%s:%d: onset is n/a", path, t.lineno);
        if (!st && okdu && du < 0)
            st = YM_ERROR(YM_EFORMAT, "%s:%d: negative duration %g", path, t.lineno, du);
        if (st)
            break;
        const char *lab = tsv_str(&t, cl);
        st = ym_recording_add_event(r, on, okdu ? du : 0.0, *lab && strcmp(lab, "n/a") ? lab : "event");
        if (st)
            break;
        n++;
    }
    tsv_close(&t);
    if (!st)
        ym_act_note("%s: %d events", path, n);
    return st;
}

/* <dir>/<name> into buf; 0 if it does not fit. */
static int join(char *buf, size_t n, const char *dir, const char *name)
{
    int k = snprintf(buf, n, "%s/%s", dir, name);
    return k > 0 && (size_t)k < n;
}

static int is_file(const char *p)
{
    struct stat sb;
    return !stat(p, &sb) && S_ISREG(sb.st_mode);
}

/* Is every entity of cand's prefix (key-value before the suffix) one of
 * the recording's? "sub-01_ses-x_electrodes.tsv" fits
 * "sub-01_ses-x_task-y_run-1" (BIDS inheritance drops entities). */
static int entities_fit(const char *cand, const char *prefix, size_t suffix_len)
{
    size_t n = strlen(cand);
    if (n <= suffix_len + 1)
        return 0;
    char c[512];
    if (n - suffix_len >= sizeof c)
        return 0;
    memcpy(c, cand, n - suffix_len - 1);
    c[n - suffix_len - 1] = '\0';
    char *save = NULL;
    for (char *e = strtok_r(c, "_", &save); e; e = strtok_r(NULL, "_", &save)) {
        size_t el = strlen(e);
        const char *p = prefix;
        int found = 0;
        while ((p = strstr(p, e))) {
            if ((p == prefix || p[-1] == '_') && (p[el] == '_' || p[el] == '\0')) {
                found = 1;
                break;
            }
            p++;
        }
        if (!found)
            return 0;
    }
    return 1;
}

/* Find the sidecar of a kind ("electrodes.tsv"): exact prefix, then an
 * inheriting name, then the only such file in the directory. */
static int find_sidecar(const char *dir, const char *prefix, const char *kind, char *out, size_t n)
{
    char name[1024];
    snprintf(name, sizeof name, "%s_%s", prefix, kind);
    if (prefix[0] && join(out, n, dir, name) && is_file(out))
        return 1;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    char fit[1024] = "", any[1024] = "";
    int nfit = 0, nany = 0;
    size_t kl = strlen(kind);
    for (struct dirent *e; (e = readdir(d));) {
        size_t l = strlen(e->d_name);
        if (l < kl || strcmp(e->d_name + l - kl, kind) || l >= sizeof any)
            continue;
        if (l > kl && e->d_name[l - kl - 1] != '_')
            continue;
        nany++;
        snprintf(any, sizeof any, "%s", e->d_name);
        if (prefix[0] && entities_fit(e->d_name, prefix, kl)) {
            nfit++;
            snprintf(fit, sizeof fit, "%s", e->d_name);
        }
    }
    closedir(d);
    if (nfit == 1)
        return join(out, n, dir, fit) && is_file(out);
    if (nfit == 0 && nany == 1)
        return join(out, n, dir, any) && is_file(out);
    if (nfit > 1 || nany > 1)
        ym_act_note("%s: several *_%s, none matches the recording's name: none applied", dir, kind);
    return 0;
}

int ym_act_sidecars(ym_recording *r, const char *recording_path)
{
    char dir[4096], base[1024], prefix[1024];
    const char *slash = strrchr(recording_path, '/');
    if (slash) {
        if ((size_t)(slash - recording_path) >= sizeof dir)
            return YM_ERROR(YM_EINVAL, "%s: path too long", recording_path);
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - recording_path), recording_path);
        if (!dir[0])
            snprintf(dir, sizeof dir, "/");
        snprintf(base, sizeof base, "%s", slash + 1);
    } else {
        snprintf(dir, sizeof dir, ".");
        snprintf(base, sizeof base, "%s", recording_path);
    }
    snprintf(prefix, sizeof prefix, "%s", base);
    char *us = strrchr(prefix, '_');
    if (us)
        *us = '\0';
    else
        prefix[0] = '\0';
    static const char *const kinds[3] = {"electrodes.tsv", "channels.tsv", "events.tsv"};
    int st = YM_OK;
    for (int k = 0; !st && k < 3; k++) {
        char p[4096];
        if (!find_sidecar(dir, prefix, kinds[k], p, sizeof p))
            continue;
        st = k == 0 ? ym_act_electrodes(r, p) : k == 1 ? ym_act_channels(r, p) : ym_act_events(r, p);
    }
    return st;
}
