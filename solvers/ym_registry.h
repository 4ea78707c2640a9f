/* Named-type registries (internal): the action, integrator and solver
 * registries share this. A registered type is any struct whose first member
 * is `const char *name`; the registry keeps the pointer. Local (per process:
 * register the same types on every rank). */
#ifndef YM_REGISTRY_H
#define YM_REGISTRY_H

typedef struct {
    const char *kind;   /* "action", "integrator", ... for messages */
    const void **items; /* storage of max pointers */
    int max, n;
} ym_registry;

/* Add item; refuses a duplicate name (YM_EINVAL; the first registration
 * stays) and a full registry (YM_ENOMEM). */
int ym_registry_add(ym_registry *r, const void *item);
/* The item named name, or NULL with "unknown KIND 'name' (known: ...)". */
const void *ym_registry_find(const ym_registry *r, const char *name);
/* Item i (0 <= i < r->n). */
static inline const void *ym_registry_at(const ym_registry *r, int i) { return r->items[i]; }

#endif
