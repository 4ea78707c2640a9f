/* PNG plots with cairo (see plot.h). Drawing is plain cairo paths and text;
 * the PNG encoding is cairo's. */
#include "plot.h"

#include "ym_status.h"

#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Write the surface to a temporary file beside path, then rename. */
static int save(cairo_surface_t *sf, const char *path, int force)
{
    if (!force && access(path, F_OK) == 0) return YM_ERROR(YM_EIO, "%s exists (use --force to replace it)", path);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    cairo_status_t cs = cairo_surface_write_to_png(sf, tmp);
    if (cs != CAIRO_STATUS_SUCCESS) {
        remove(tmp);
        return YM_ERROR(YM_EIO, "%s: cannot write PNG (%s)", path, cairo_status_to_string(cs));
    }
    if (rename(tmp, path)) {
        remove(tmp);
        return YM_ERROR(YM_EIO, "%s: cannot rename the temporary file into place", path);
    }
    return YM_OK;
}

static void text(cairo_t *cr, double x, double y, double size, double align, const char *s)
{
    cairo_text_extents_t e;
    cairo_set_font_size(cr, size);
    cairo_text_extents(cr, s, &e);
    cairo_move_to(cr, x - align * e.width - e.x_bearing, y);
    cairo_show_text(cr, s);
}

static void range(const double *v, int n, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (int i = 0; i < n; ++i)
        if (isfinite(v[i])) {
            if (v[i] < *lo) *lo = v[i];
            if (v[i] > *hi) *hi = v[i];
        }
    if (!isfinite(*lo)) *lo = 0, *hi = 1;
    if (*hi - *lo < 1e-12 * (fabs(*hi) + 1)) {
        *lo -= 0.5;
        *hi += 0.5;
    }
}

int cli_plot_flow(const char *path, int force, const double *t, const double *t2E, const double *Q, int n,
                  const char *title)
{
    const int W = 720, H = 440;
    const double x0 = 80, x1 = W - 80, y0 = 50, y1 = H - 60;
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    cairo_t *cr = cairo_create(sf);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    double tlo, thi, elo, ehi, qlo = -1, qhi = 1;
    range(t, n, &tlo, &thi);
    range(t2E, n, &elo, &ehi);
    if (Q) range(Q, n, &qlo, &qhi);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, x0, y0, x1 - x0, y1 - y0);
    cairo_stroke(cr);
    char buf[64];
    for (int k = 0; k <= 4; ++k) {
        double f = k / 4.0;
        snprintf(buf, sizeof buf, "%.3g", tlo + f * (thi - tlo));
        text(cr, x0 + f * (x1 - x0), y1 + 18, 11, 0.5, buf);
        snprintf(buf, sizeof buf, "%.3g", elo + f * (ehi - elo));
        text(cr, x0 - 6, y1 - f * (y1 - y0) + 4, 11, 1, buf);
        if (Q) {
            snprintf(buf, sizeof buf, "%.3g", qlo + f * (qhi - qlo));
            text(cr, x1 + 6, y1 - f * (y1 - y0) + 4, 11, 0, buf);
        }
    }
    text(cr, (x0 + x1) / 2, H - 15, 13, 0.5, "flow time t");
    cairo_set_source_rgb(cr, 0.1, 0.3, 0.8);
    text(cr, x0, y0 - 10, 13, 0.5, "t\xc2\xb2" "E");
    for (int pass = 0; pass < (Q ? 2 : 1); ++pass) {
        const double *v = pass ? Q : t2E;
        double lo = pass ? qlo : elo, hi = pass ? qhi : ehi;
        if (pass) {
            cairo_set_source_rgb(cr, 0.8, 0.2, 0.1);
            text(cr, x1, y0 - 10, 13, 0.5, "Q");
        }
        cairo_set_line_width(cr, 2);
        int started = 0;
        for (int i = 0; i < n; ++i) {
            if (!isfinite(v[i]) || !isfinite(t[i])) continue;
            double px = x0 + (t[i] - tlo) / (thi - tlo) * (x1 - x0), py = y1 - (v[i] - lo) / (hi - lo) * (y1 - y0);
            if (started) cairo_line_to(cr, px, py);
            else cairo_move_to(cr, px, py);
            started = 1;
        }
        cairo_stroke(cr);
        for (int i = 0; i < n; ++i) {
            if (!isfinite(v[i]) || !isfinite(t[i])) continue;
            double px = x0 + (t[i] - tlo) / (thi - tlo) * (x1 - x0), py = y1 - (v[i] - lo) / (hi - lo) * (y1 - y0);
            cairo_arc(cr, px, py, 3, 0, 2 * M_PI);
            cairo_fill(cr);
        }
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    if (title) text(cr, W / 2.0, 22, 14, 0.5, title);
    cairo_destroy(cr);
    int st = save(sf, path, force);
    cairo_surface_destroy(sf);
    return st;
}

/* Diverging blue-white-red map of v in [-1, 1]. */
static void diverging(cairo_t *cr, double v)
{
    if (!isfinite(v)) v = 0;
    if (v > 1) v = 1;
    if (v < -1) v = -1;
    if (v >= 0) cairo_set_source_rgb(cr, 1, 1 - 0.85 * v, 1 - 0.85 * v);
    else cairo_set_source_rgb(cr, 1 + 0.85 * v, 1 + 0.85 * v, 1);
}

int cli_plot_qgrid(const char *path, int force, int nx, int ny, int nw, const double *val, const int64_t *label,
                   const unsigned char *mask, const double *tlabel, const char *title)
{
    if (nx < 1 || ny < 1 || nw < 1) return YM_ERROR(YM_EINVAL, "%s: nothing to plot", path);
    int cell = nx * ny > 256 ? 4 : 10;
    int cols = (int)ceil(sqrt((double)nw * 1.6));
    if (cols > nw) cols = nw;
    int rows = (nw + cols - 1) / cols;
    int pw = nx * cell + 10, ph = ny * cell + 24;
    int W = cols * pw + 20, H = rows * ph + 60;
    if ((int64_t)W * H > 40000000) return YM_ERROR(YM_EINVAL, "%s: %d panels are too many to plot", path, nw);
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    cairo_t *cr = cairo_create(sf);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    double m = 0;
    for (int64_t i = 0; i < (int64_t)nx * ny * nw; ++i)
        if (isfinite(val[i]) && fabs(val[i]) > m) m = fabs(val[i]);
    if (m == 0) m = 1;
    char buf[64];
    for (int w = 0; w < nw; ++w) {
        double ox = 10 + (w % cols) * pw, oy = 40 + (w / cols) * ph;
        cairo_set_source_rgb(cr, 0, 0, 0);
        snprintf(buf, sizeof buf, "%.4g", tlabel ? tlabel[w] : (double)w);
        text(cr, ox + nx * cell / 2.0, oy + 10, 9, 0.5, buf);
        oy += 14;
        for (int y = 0; y < ny; ++y)
            for (int x = 0; x < nx; ++x) {
                int64_t i = ((int64_t)w * ny + y) * nx + x;
                if (mask && mask[i]) cairo_set_source_rgb(cr, 0.7, 0.7, 0.7);
                else diverging(cr, val[i] / m);
                /* y grows downwards on screen as row numbers do on a grid */
                cairo_rectangle(cr, ox + x * cell, oy + y * cell, cell, cell);
                cairo_fill(cr);
            }
        if (label) {
            cairo_set_source_rgb(cr, 0, 0, 0);
            cairo_set_line_width(cr, 1.5);
            for (int y = 0; y < ny; ++y)
                for (int x = 0; x < nx; ++x) {
                    int64_t i = ((int64_t)w * ny + y) * nx + x, l = label[i];
                    if (l < 0) continue;
                    /* an outline edge wherever the neighbour is in another cluster */
                    if (x == 0 || label[i - 1] != l) {
                        cairo_move_to(cr, ox + x * cell, oy + y * cell);
                        cairo_line_to(cr, ox + x * cell, oy + (y + 1) * cell);
                    }
                    if (x == nx - 1 || label[i + 1] != l) {
                        cairo_move_to(cr, ox + (x + 1) * cell, oy + y * cell);
                        cairo_line_to(cr, ox + (x + 1) * cell, oy + (y + 1) * cell);
                    }
                    if (y == 0 || label[i - nx] != l) {
                        cairo_move_to(cr, ox + x * cell, oy + y * cell);
                        cairo_line_to(cr, ox + (x + 1) * cell, oy + y * cell);
                    }
                    if (y == ny - 1 || label[i + nx] != l) {
                        cairo_move_to(cr, ox + x * cell, oy + (y + 1) * cell);
                        cairo_line_to(cr, ox + (x + 1) * cell, oy + (y + 1) * cell);
                    }
                }
            cairo_stroke(cr);
        }
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    if (title) text(cr, W / 2.0, 22, 14, 0.5, title);
    cairo_destroy(cr);
    int st = save(sf, path, force);
    cairo_surface_destroy(sf);
    return st;
}

int cli_plot_raster(const char *path, int force, int nrows, const char *const *row_names, int ncols,
                    const double *t0, double dt, const signed char *cell, int nevents, const double *event_t,
                    const char *const *event_label, const char *title)
{
    if (nrows < 1 || ncols < 1) return YM_ERROR(YM_EINVAL, "%s: nothing to plot", path);
    const double x0 = 70, y0 = 50;
    double cw = ncols > 400 ? 1 : 800.0 / ncols, ch = nrows > 128 ? 2 : 8;
    int W = (int)(x0 + cw * ncols + 30), H = (int)(y0 + ch * nrows + 60);
    double tlo = t0[0], thi = t0[ncols - 1] + dt;
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    cairo_t *cr = cairo_create(sf);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    for (int r = 0; r < nrows; ++r)
        for (int c = 0; c < ncols; ++c) {
            signed char v = cell[(int64_t)r * ncols + c];
            if (!v) continue;
            if (v > 0) cairo_set_source_rgb(cr, 0.85, 0.15, 0.1);
            else cairo_set_source_rgb(cr, 0.1, 0.25, 0.85);
            double xa = x0 + (t0[c] - tlo) / (thi - tlo) * cw * ncols;
            cairo_rectangle(cr, xa, y0 + r * ch, cw > 1 ? cw : 1, ch);
            cairo_fill(cr);
        }
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, x0, y0, cw * ncols, ch * nrows);
    cairo_stroke(cr);
    int every = nrows > 16 ? (nrows + 15) / 16 : 1;
    for (int r = 0; r < nrows; r += every) text(cr, x0 - 4, y0 + (r + 0.8) * ch, 8, 1, row_names[r]);
    char buf[64];
    for (int k = 0; k <= 5; ++k) {
        double tt = tlo + k / 5.0 * (thi - tlo);
        snprintf(buf, sizeof buf, "%.3g", tt);
        text(cr, x0 + k / 5.0 * cw * ncols, y0 + ch * nrows + 16, 11, 0.5, buf);
    }
    text(cr, x0 + cw * ncols / 2, H - 12, 12, 0.5, "time (s)");
    cairo_set_source_rgb(cr, 0.1, 0.6, 0.1);
    cairo_set_line_width(cr, 2);
    for (int e = 0; e < nevents; ++e) {
        if (event_t[e] < tlo || event_t[e] > thi) continue;
        double xe = x0 + (event_t[e] - tlo) / (thi - tlo) * cw * ncols;
        cairo_move_to(cr, xe, y0 - 4);
        cairo_line_to(cr, xe, y0 + ch * nrows);
        cairo_stroke(cr);
        if (event_label && event_label[e]) text(cr, xe, y0 - 8, 10, 0.5, event_label[e]);
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    if (title) text(cr, W / 2.0, 20, 14, 0.5, title);
    cairo_destroy(cr);
    int st = save(sf, path, force);
    cairo_surface_destroy(sf);
    return st;
}
