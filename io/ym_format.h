/* Gauge-configuration files of any supported format: detection from the
 * content, a description of what a file holds, and one call that opens it.
 *
 * Supported: ymflow raw (ym_raw.h), ILDG and SciDAC LIME files (ym_ildg.h),
 * NERSC (ym_nersc.h), MILC v5 and v1-4 (ym_milc.h), openQCD (ym_openqcd.h),
 * HiRep (ym_hirep.h, read only). DESIGN.md section 7.
 */
#ifndef YM_FORMAT_H
#define YM_FORMAT_H

#include <stdint.h>

#include "ym_gauge.h"

typedef enum {
    YM_FMT_UNKNOWN = 0,
    YM_FMT_RAW,    /* ymflow raw, version 1 */
    YM_FMT_ILDG,   /* LIME with ildg-format + ildg-binary-data (maybe SciDAC records too) */
    YM_FMT_SCIDAC, /* LIME with SciDAC records only */
    YM_FMT_NERSC,
    YM_FMT_MILC,
    YM_FMT_OPENQCD,
    YM_FMT_HIREP,  /* HiRep (read only) */
    YM_FMT_HEADERLESS /* links only, layout given by the caller (ym_headerless; read only) */
} ym_format;

/* The layout of a headerless file (links only, nothing to detect): sites x
 * fastest, per site mu = x,y,z,t, each link N x N row-major (re, im), as
 * precision-bit IEEE numbers in the given byte order. */
typedef struct {
    int N;
    int L[4];
    int precision;  /* 32 or 64 */
    int big_endian;
} ym_headerless;

/* What a file header says and what reading found. */
typedef struct {
    ym_format format;
    int N;             /* colours */
    int L[4];          /* extents x, y, z, t */
    int precision;     /* 32 or 64 (bits per real number) */
    int big_endian;    /* byte order of the link data */
    int rows;          /* rows stored per link: N, or N - 1 (NERSC 3x2) */
    long long data_offset; /* byte offset of the first link */
    char datatype[64]; /* NERSC DATATYPE, ILDG field, SciDAC datatype */
    int has_checksum;  /* 1: sum[] holds the stored checksum(s) */
    int nchecksum;     /* 1 (NERSC) or 2 (SciDAC suma/sumb, MILC sum29/sum31) */
    uint32_t sum[2];
    int checksum_ok;   /* after reading: 1 verified, 0 not available */
    int has_plaquette, has_link_trace;
    double plaquette, link_trace; /* stored (converted to <(1/N) Re tr P>, (1/N) Re tr U) */
    double plaquette_read;        /* computed from the links read */
    double max_reunit;            /* largest change made by reunitarisation (32-bit data), else 0 */
    unsigned flags;    /* input to the read: YM_CONFIG_* bits (set after reading the header) */
    int checksum_bad;  /* after reading: a stored checksum disagreed and was accepted on request */
    /* Stored spatial / temporal plaquettes (MILC .info gauge.ssplaq /
     * gauge.stplaq, converted from ReTr to <(1/N) Re tr P>) and the
     * tolerance of the stored values (one unit of their last printed digit). */
    int has_plaquette_st;
    double plaquette_s, plaquette_t;
    double plaquette_tol, link_trace_tol;
    int has_sidecar;           /* MILC: a <file>.info was found and read (and checked) */
    int has_nersc_checksum;    /* MILC .info gauge.nersc_checksum (reported, not verified) */
    uint32_t nersc_checksum;
    int milc_version;          /* MILC: 5 (20103/20104) or 4 (old 0xe7da header, no checksum) */
    float milc_beta, milc_kappa; /* MILC v1-4 header numbers (as stored) */
    /* MILC Schroedinger-functional file (.info action.description says so;
     * io/README.md): bc_flag and beta11 from the .info; after a read with
     * YM_CONFIG_MILC_SF the boundary found: the t = 0 spatial links are
     * c_t diag(e^{-i phi}, 1, e^{i phi}), kept as stored. */
    int milc_sf, milc_sf_bc_flag;
    double milc_sf_beta, milc_sf_ct, milc_sf_phi;
    double milc_sf_u00[2]; /* the stored U00 (re, im) of those links, to restore them exactly */
    /* Boundary conditions the field was read with (ym_config_read_bc): from
     * the caller, else from a "boundary = ..." line of the file's metadata
     * (boundary_from_file = 1), else periodic. */
    int bc[4];
    int boundary_from_file;
} ym_config_info;

/* Accept a stored checksum that disagrees with the data (the read still
 * verifies sizes, plaquette, link trace and unitarity; checksum_bad tells). */
#define YM_CONFIG_ACCEPT_BAD_CHECKSUM 0x1u
/* Read a MILC Schroedinger-functional file: its t = 0 spatial links are the
 * boundary field weighted by c_t (not SU(3)); they are checked against
 * MILC's rule and kept as stored, so the field is not in SU(3) there.
 * Without this flag such a file is refused. For reports (ymflow info), not
 * for computations that assume SU(N) links. */
#define YM_CONFIG_MILC_SF 0x2u

/* Short name of a format ("ildg", "nersc", ...). Local. */
const char *ym_format_name(ym_format f);

/* Guess the format of path from its first bytes (and size). Collective on
 * comm (rank 0 reads). Errors: YM_EIO; an unrecognised file returns YM_OK
 * with *fmt = YM_FMT_UNKNOWN. */
int ym_format_detect(MPI_Comm comm, const char *path, ym_format *fmt);

/* Read the header of path (any format) into info: N, dims, precision and
 * the stored checks. Collective. Errors: YM_EIO, YM_EFORMAT. */
int ym_config_read_header(MPI_Comm comm, const char *path, ym_config_info *info);

/* Read the links of path into u, whose N and extents must match info (from
 * ym_config_read_header), verifying everything the format offers; fills
 * info->checksum_ok, plaquette_read, max_reunit. Collective.
 * Errors: YM_EIO, YM_EFORMAT. */
int ym_config_read_into(ym_gauge *u, const char *path, ym_config_info *info);

/* Open any configuration file: detect, read the header, create the grid
 * (process dims pd, NULL or zeros = automatic; halo depth), geometry
 * (periodic) and gauge field, read and verify. On failure nothing is left
 * allocated. Collective on comm. Errors: YM_EIO, YM_EFORMAT, YM_EINVAL
 * (pd does not fit the file's dims), YM_ENOMEM. */
int ym_config_read(MPI_Comm comm, const char *path, const int pd[4], int depth, ym_grid **grid, ym_geom **geom,
                   ym_gauge **u, ym_config_info *info);
/* ym_config_read with YM_CONFIG_* flags. Collective. */
int ym_config_read_flags(MPI_Comm comm, const char *path, const int pd[4], int depth, unsigned flags, ym_grid **grid,
                         ym_geom **geom, ym_gauge **u, ym_config_info *info);

/* Parse a layout "N=<n>,dims=<x>x<y>x<z>x<t>,<type>" (parts in any order;
 * type f64be, f64le, f32be or f32le). Local. Errors: YM_EINVAL naming the
 * part. */
int ym_headerless_parse(const char *s, ym_headerless *h);

/* Describe path as a headerless file of layout h in info (format
 * YM_FMT_HEADERLESS, no checksum); the size must be exactly
 * V * 4 * N^2 * 2 * precision/8. Collective (rank 0 looks).
 * Errors: YM_EIO, YM_EFORMAT (size), YM_EINVAL (layout out of range). */
int ym_headerless_read_header(MPI_Comm comm, const char *path, const ym_headerless *h, ym_config_info *info);

/* ym_config_read_flags, reading path with the given layout instead of
 * detecting its format when layout is not NULL. Collective. */
int ym_config_read_layout(MPI_Comm comm, const char *path, const int pd[4], int depth, unsigned flags,
                          const ym_headerless *layout, ym_grid **grid, ym_geom **geom, ym_gauge **u,
                          ym_config_info *info);

/* The metadata text a file carries (ymflow's effective parameters or a
 * conversion's provenance, "section.key = value" lines): ILDG/SciDAC: the
 * ymflow-parameters records (ym_ildg.h) concatenated; NERSC: the
 * YMFLOW_PARAM_<k> header entries (ym_nersc.h). *text is malloc'd on every
 * rank, NULL when the file has none (and for formats that cannot hold
 * any: MILC, openQCD, HiRep, ymflow raw, headerless). info from
 * ym_config_read_header. Collective. Errors: YM_EIO, YM_EFORMAT,
 * YM_ENOMEM. */
int ym_config_read_metadata(MPI_Comm comm, const char *path, const ym_config_info *info, char **text);

/* "periodic", "open", or four comma-separated entries of those (x,y,z,t)
 * into bc. Local. Errors: YM_EINVAL naming the value. */
int ym_boundary_parse(const char *s, int bc[4]);
/* The boundary conditions a metadata text records (a line "boundary = ...",
 * as ymflow embed writes): *found = 1 and bc filled, or *found = 0. Local.
 * Errors: YM_EINVAL (a malformed value), YM_EFORMAT. */
int ym_metadata_boundary(const char *text, int bc[4], int *found);
/* ym_config_read_layout with boundary conditions: bc (NULL: those the
 * file's metadata records, else periodic; headerless files: periodic).
 * Reading the metadata makes it collective as before. Collective. */
int ym_config_read_bc(MPI_Comm comm, const char *path, const int pd[4], int depth, unsigned flags,
                      const ym_headerless *layout, const int bc[4], ym_grid **grid, ym_geom **geom,
                      ym_gauge **u, ym_config_info *info);

#endif
