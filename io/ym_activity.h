/* Readers of recorded activity into a ym_recording (DESIGN.md §8):
 * EDF / EDF+ / BDF through EDFlib, NWB 2.x and plain HDF5 datasets through
 * the HDF5 C API, NumPy .npy files, and the BIDS sidecars that sit beside a
 * recording (electrodes.tsv, channels.tsv, events.tsv).
 *
 * Every reader is Local (no MPI): the usual pattern is rank 0 reads and
 * ym_recording_bcast copies the result to the others. Every reader refuses
 * truncated, inconsistent or absurd input with YM_EFORMAT (or YM_EIO when
 * the file cannot be opened) and a one-line message that starts with the
 * file name and says what is wrong ("x.edf: ...").
 */
#ifndef YM_ACTIVITY_H
#define YM_ACTIVITY_H
#include "ym_recording.h"

/* Kinds of recording files, detected from content (never from the name). */
enum {
    YM_ACT_UNKNOWN = 0,
    YM_ACT_EDF = 1,  /* EDF or EDF+ (16-bit) */
    YM_ACT_BDF = 2,  /* BDF / BDF+ (24-bit) */
    YM_ACT_NPY = 3,  /* NumPy .npy, versions 1-3 */
    YM_ACT_NWB = 4,  /* HDF5 with an NWB 2.x root (attribute nwb_version) */
    YM_ACT_HDF5 = 5  /* any other HDF5 file */
};

/* What a reader needs beyond the file. Zero-initialise, then set. */
typedef struct {
    double rate;        /* Hz, for inputs that carry none (NPY, plain HDF5); 0: none given */
    const char *dataset; /* HDF5 dataset path (plain HDF5), or NWB series path
                            ("acquisition/ElectricalSeries"); NULL: the reader's choice
                            (NWB: the only ElectricalSeries/TwoPhotonSeries in acquisition/,
                            an error listing them when there are several; plain HDF5: the
                            only dataset at the root). With axes set, a dataset of an NWB
                            file is read as a plain HDF5 array. */
    const char *axes;   /* plain HDF5: axis names, comma-separated, one per dataset
                           dimension, from {t, x, y, z, c (channel), b (band)}, e.g.
                           "t,y,x" for a SIMA movie or "t,z,y,x,c"; NULL: "t,c" */
    int plane;          /* imaging: optical channel c to keep when the data has a c axis
                           of several colour channels (default 0) */
    int no_sidecars;    /* 1: do not look for BIDS sidecars */
} ym_activity_opts;

/* The kind of file path (YM_ACT_*). A "file.h5:/path" spec is split by
 * ym_activity_read, not here. Local. Errors: YM_EIO (cannot open). */
int ym_activity_detect(const char *path, int *kind);

/* Read any supported recording. spec is a path, optionally followed by
 * ":/dataset/path" for HDF5/NWB files (overrides opts->dataset). Unless
 * opts->no_sidecars, BIDS sidecars next to the file are applied
 * (ym_activity_read_sidecars). opts may be NULL. Local.
 * Errors: YM_EIO, YM_EFORMAT, YM_EINVAL (missing rate for NPY/HDF5,
 * bad axes), YM_ENOMEM. */
int ym_activity_read(ym_recording **out, const char *spec, const ym_activity_opts *opts);

/* EDF, EDF+ (continuous; discontinuous EDF+D/BDF+D files are refused, gaps
 * or not: EDFlib reads continuous files only, and segments are never joined)
 * and BDF through EDFlib: physical units,
 * channel names (labels trimmed), units, types from the label prefix
 * (EEG/ECOG/EKG/...; "ECOG" when unknown and a unit of V), every signal at the
 * common rate (signals at another rate are left out with a note: see
 * ym_activity_note), annotations as events. Local. */
int ym_activity_read_edf(ym_recording **out, const char *path);

/* NPY: real 2-D (channels x samples) arrays of int16, uint16, float32 or
 * float64; complex (complex64/complex128) 3-D arrays (channels x bands x
 * samples) are analytic signals computed elsewhere (the recording is complex,
 * nbands > 0). C or Fortran order, either endianness. rate > 0 required.
 * Channels are named by index ("0", "1", ...). Local. */
int ym_activity_read_npy(ym_recording **out, const char *path, double rate);

/* NWB 2.x: an ElectricalSeries (data time x channels; volts = data *
 * conversion * channel_conversion + offset; starting_time + rate, or uniform
 * timestamps; irregular timestamps are an error) with the electrodes table
 * (untyped, or the typed ElectrodesTable of schema 2.9: x, y, z, rel_x,
 * rel_y, group, location, label) giving names and positions; or a
 * TwoPhotonSeries (frames x X x Y [x Z]) with the imaging plane's spacing,
 * pixels as channels (ym_recording_set_image). series: path inside the file
 * or NULL (see ym_activity_opts.dataset). Local. */
int ym_activity_read_nwb(ym_recording **out, const char *path, const char *series);

/* Any HDF5 dataset by path with named axes (ym_activity_opts.axes): t is
 * time; x, y, z make an image (pixels as channels); c is channels, or colour
 * channels of an image (opts->plane picks one); integer and float types,
 * and complex ones (h5py's compound of two numbers) with axes c, b, t as
 * analytic signals (the recording is complex, nbands = extent of b, or 1).
 * rate from opts or the dataset's "rate"/"sampling_rate"/"frame_rate"
 * attribute. Local. */
int ym_activity_read_hdf5(ym_recording **out, const char *path, const ym_activity_opts *opts);

/* BIDS sidecars beside recording_path: <prefix>_electrodes.tsv,
 * <prefix>_channels.tsv, <prefix>_events.tsv, where prefix is the file name
 * up to its last '_' entity (sub-01_ses-x_task-y_ieeg.edf -> sub-01_ses-x_task-y,
 * with the usual BIDS inheritance: electrodes.tsv may drop the task/run
 * entities); failing that, the single *electrodes.tsv / *channels.tsv /
 * *events.tsv in the directory. Missing sidecars are not an error. Local. */
int ym_activity_read_sidecars(ym_recording *r, const char *recording_path);

/* electrodes.tsv: name, x, y, z (n/a allowed), size. Positions in metres are
 * taken as they are; a file whose coordinates look like metres while its
 * coordsystem.json says mm is accepted with a note. Names not in r are
 * ignored (with a note). Local. */
int ym_activity_read_electrodes_tsv(ym_recording *r, const char *path);
/* channels.tsv: name, type, status (bad channels are flagged). Local. */
int ym_activity_read_channels_tsv(ym_recording *r, const char *path);
/* events.tsv: onset, duration, trial_type (or value) as events. Local. */
int ym_activity_read_events_tsv(ym_recording *r, const char *path);

/* Notes the last read left (channels left out, unit guesses, sidecars
 * applied), one per line, "" if none. Valid until the next read. Local. */
const char *ym_activity_note(void);

#endif
