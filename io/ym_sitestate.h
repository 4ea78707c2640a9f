/* Per-site binary records in global site order (x fastest), for checkpoints
 * of per-site state such as the random-number streams of ym_heatbath: a
 * 256-byte text header (magic, identity string, record size, volume), then
 * one record per global site. The file is the same from any process grid,
 * and reads back on any other.
 */
#ifndef YM_SITESTATE_H
#define YM_SITESTATE_H

#include <stddef.h>

#include "ym_geom.h"

/* Longest identity string (no newline). */
#define YM_SITESTATE_IDMAX 160

/* Write this rank's records (interior order, site_bytes each) under the
 * identity id to path atomically; an existing path is refused unless
 * overwrite. Collective. Errors: YM_EINVAL (id too long or with a newline),
 * YM_EIO, YM_EMPI. */
int ym_sitestate_write(const ym_geom *g, const char *path, int overwrite, const char *id, const unsigned char *buf,
                       size_t site_bytes);
/* Read the records of this rank into buf (interior order), checking the
 * identity, record size, volume and file length. Collective. Errors: YM_EIO,
 * YM_EFORMAT (naming what differs), YM_ENOMEM, YM_EMPI. */
int ym_sitestate_read(const ym_geom *g, const char *path, const char *id, unsigned char *buf, size_t site_bytes);

#endif
