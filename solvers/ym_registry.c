/* Shared lookup and duplicate checks of the type registries. */
#include "ym_registry.h"
#include "ym_status.h"

#include <stdio.h>
#include <string.h>

/* Every registered struct starts with its name. */
static const char *name_of(const void *item) { return *(const char *const *)item; }

int ym_registry_add(ym_registry *r, const void *item)
{
    for (int i = 0; i < r->n; ++i)
        if (!strcmp(name_of(r->items[i]), name_of(item)))
            return YM_ERROR(YM_EINVAL, "%s register: '%s' is already registered", r->kind, name_of(item));
    if (r->n >= r->max) return YM_ERROR(YM_ENOMEM, "%s register: registry full", r->kind);
    r->items[r->n++] = item;
    return YM_OK;
}

const void *ym_registry_find(const ym_registry *r, const char *name)
{
    for (int i = 0; name && i < r->n; ++i)
        if (!strcmp(name_of(r->items[i]), name)) return r->items[i];
    char known[1024];
    size_t off = 0;
    known[0] = 0;
    for (int i = 0; i < r->n && off < sizeof known; ++i)
        off += (size_t)snprintf(known + off, sizeof known - off, "%s%s", i ? ", " : "", name_of(r->items[i]));
    YM_ERROR(YM_EINVAL, "unknown %s '%s' (known: %s)", r->kind, name ? name : "(null)", known);
    return NULL;
}
