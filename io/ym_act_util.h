/* Shared by the activity readers (ym_act_*.c); internal to io/, not
 * installed. The notes buffer behind ym_activity_note, the internal entry
 * points that do not reset it (so ym_activity_read gathers the notes of the
 * reader and of the sidecars), and small HDF5 helpers for the NWB and plain
 * HDF5 readers. All local.
 */
#ifndef YM_ACT_UTIL_H
#define YM_ACT_UTIL_H

#include "ym_activity.h"

#include <stddef.h>
#include <stdint.h>

/* Largest recording a reader allocates (doubles, all channels): 2^31, i.e.
 * 16 GiB. Larger inputs are refused as absurd rather than attempted. */
#define YM_ACT_MAX_VALUES 2147483648.0

void ym_act_note_reset(void);
void ym_act_note(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

int ym_act_edf(ym_recording **out, const char *path);
int ym_act_npy(ym_recording **out, const char *path, double rate);
int ym_act_nwb(ym_recording **out, const char *path, const char *series);
int ym_act_hdf5(ym_recording **out, const char *path, const ym_activity_opts *opts);
int ym_act_sidecars(ym_recording *r, const char *recording_path);
int ym_act_electrodes(ym_recording *r, const char *path);
int ym_act_channels(ym_recording *r, const char *path);
int ym_act_events(ym_recording *r, const char *path);

/* HDF5 (hid_t is int64_t in HDF5 >= 1.10; the helpers take it as such so
 * this header needs no <hdf5.h>). */
/* Read a whole numeric dataset as doubles: dims (up to 8) and the count
 * are returned; the data must fit YM_ACT_MAX_VALUES and be plausible for
 * its storage (compressed at most ~1100:1). *vals is malloc'ed. */
int ym_act_h5_read_doubles(const char *file, int64_t dset, const char *name, int *rank, uint64_t dims[8],
                           double **vals);
/* The same, also accepting (allow_complex) a compound of two numbers (h5py's
 * complex): then *ncomp = 2 and vals holds (re, im) pairs. */
int ym_act_h5_read_values(const char *file, int64_t dset, const char *name, int allow_complex, int *rank,
                          uint64_t dims[8], double **vals, int *ncomp);
/* A numeric scalar attribute (or the first element); 0 if absent. */
int ym_act_h5_attr_double(int64_t obj, const char *attr, double *v);
/* A string attribute into buf; 0 if absent. */
int ym_act_h5_attr_string(int64_t obj, const char *attr, char *buf, size_t n);

/* 'd' (dataset), 'g' (group) or 0 (absent, or another kind) for a path
 * relative to loc; missing intermediate groups give 0. */
char ym_act_h5_kind(int64_t loc, const char *name);
/* Pixel channels named x<i>_y<j> (_z<k> for volumes), type PIXEL. */
void ym_act_name_pixels(ym_recording *r, int nx, int ny, int nz);

#endif
