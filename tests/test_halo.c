/* Halo exchange and geometry.
 * Oracle (invariance): after an exchange every halo site, including edges and
 * corners of every direction combination, holds exactly the value of the
 * interior site with the same global coordinates (mod L) — i.e. the
 * neighbour's interior — for depth 1 and 2 and any number of components.
 * A partial exchange (a block of components) refreshes exactly that block
 * everywhere in the halo and leaves every other double of the halo untouched.
 * With open boundaries, halo sites beyond a global edge of a direction that
 * is not split over ranks are not written (nothing there is a neighbour);
 * every other halo site holds its neighbour's interior as before.
 * Run under mpirun with different process grids (tests/mpi). */
#include "common.h"

/* Value of component c at global coordinates G: exact in double. */
static double tag(const int G[4], const int L[4], size_t c)
{
    return (double)((((int64_t)G[3] * L[2] + G[2]) * L[1] + G[1]) * L[0] + G[0]) * 16.0 + (double)c;
}

/* A lattice and a field whose interior holds the tags (halo: -1). */
static int tagged(test_lat *t, ym_field **f, const int L[4], const int pd[4], int depth, size_t nc)
{
    if (test_lat_create(t, MPI_COMM_WORLD, L, pd, depth, NULL, 0) || ym_field_create(f, t->geom, nc)) {
        tap_ok(0, "set-up depth %d", depth);
        return 1;
    }
    ym_field_fill(*f, -1.0);
    const int *in = ym_geom_interior(t->geom);
    for (int i = 0; i < ym_geom_ninterior(t->geom); ++i) {
        int G[4];
        ym_geom_global_coords(t->geom, in[i], G);
        for (size_t c = 0; c < nc; ++c) ym_field_site(*f, in[i])[c] = tag(G, L, c);
    }
    return 0;
}

static void check_depth(const int L[4], const int pd[4], int depth, size_t nc)
{
    test_lat t;
    ym_field *f;
    if (tagged(&t, &f, L, pd, depth, nc)) return;
    const int *in = ym_geom_interior(t.geom);
    /* Repeated exchanges through the same plan must keep working. */
    int st = YM_OK;
    for (int rep = 0; rep < 3 && !st; ++rep) st = ym_field_halo_update(f);
    tap_ok(st == YM_OK, "depth %d, %zu comps: exchange succeeds", depth, nc);
    /* bad[k]: mismatches among halo sites outside the interior in k directions */
    long bad[5] = {0, 0, 0, 0, 0}, seen[5] = {0, 0, 0, 0, 0};
    const int *l = ym_grid_local(t.grid);
    for (int idx = 0; idx < ym_geom_nsites(t.geom); ++idx) {
        int x[4], G[4], k = 0;
        ym_geom_local_coords(t.geom, idx, x);
        for (int mu = 0; mu < 4; ++mu) k += x[mu] < 0 || x[mu] >= l[mu];
        ym_geom_global_coords(t.geom, idx, G);
        ++seen[k];
        for (size_t c = 0; c < nc; ++c)
            if (ym_field_site(f, idx)[c] != tag(G, L, c)) {
                ++bad[k];
                break;
            }
    }
    static const char *what[5] = {"interior", "faces", "edges", "2-corners", "corners"};
    for (int k = 0; k < 5; ++k)
        tap_ok(bad[k] == 0 && seen[k] > 0, "depth %d, %zu comps: %s hold the neighbour's interior (%ld of %ld wrong)",
               depth, nc, what[k], bad[k], seen[k]);
    /* Modify the interior, exchange again with the same plan (start/finish). */
    for (int i = 0; i < ym_geom_ninterior(t.geom); ++i) ym_field_site(f, in[i])[0] += 1.0;
    st = ym_field_halo_update(f);
    long bad2 = 0;
    for (int idx = 0; idx < ym_geom_nsites(t.geom); ++idx) {
        int G[4];
        ym_geom_global_coords(t.geom, idx, G);
        if (ym_field_site(f, idx)[0] != tag(G, L, 0) + 1.0) ++bad2;
    }
    tap_ok(st == 0 && bad2 == 0, "depth %d: second exchange through the same plan sees new data (%ld wrong)", depth,
           bad2);
    ym_field_free(f);
    test_lat_free(&t);
}

/* The links of one direction after a checkerboard sweep: components
 * [off, off+len) change in the interior and only they are exchanged. */
static void check_part(const int L[4], const int pd[4], int depth, size_t nc, size_t off, size_t len)
{
    test_lat t;
    ym_field *f;
    if (tagged(&t, &f, L, pd, depth, nc)) return;
    const int *in = ym_geom_interior(t.geom);
    int st = ym_field_halo_update(f);
    for (int i = 0; i < ym_geom_ninterior(t.geom); ++i)
        for (size_t c = 0; c < nc; ++c) ym_field_site(f, in[i])[c] += 1.0; /* every block changes ... */
    if (!st) st = ym_field_halo_update_part(f, off, len);                  /* ... one is sent */
    long bad = 0, halo = 0;
    const int *l = ym_grid_local(t.grid);
    for (int idx = 0; idx < ym_geom_nsites(t.geom); ++idx) {
        int x[4], G[4], out = 0;
        ym_geom_local_coords(t.geom, idx, x);
        for (int mu = 0; mu < 4; ++mu) out |= x[mu] < 0 || x[mu] >= l[mu];
        ym_geom_global_coords(t.geom, idx, G);
        halo += out;
        for (size_t c = 0; c < nc; ++c) {
            double want = tag(G, L, c) + ((!out || (c >= off && c < off + len)) ? 1.0 : 0.0);
            if (ym_field_site(f, idx)[c] != want) {
                ++bad;
                break;
            }
        }
    }
    tap_ok(st == YM_OK && bad == 0 && halo > 0,
           "depth %d, components [%zu, %zu) of %zu exchanged alone: that block refreshed, the rest of the halo kept "
           "(%ld of %ld sites wrong)",
           depth, off, off + len, nc, bad, (long)ym_geom_nsites(t.geom));
    int e1 = ym_field_halo_update_part(f, nc - 1, 2), e2 = ym_field_halo_update_part(f, 0, 0);
    tap_ok(e1 == YM_EINVAL && e2 == YM_EINVAL, "a range beyond the components or an empty one is refused (%d, %d)", e1,
           e2);
    ym_field_free(f);
    test_lat_free(&t);
}

/* Open in x and z: beyond those edges an unsplit direction writes nothing. */
static void check_open(const int L[4], const int pd[4], int depth)
{
    test_lat t;
    ym_field *f;
    int bc[4] = {YM_BC_OPEN, YM_BC_PERIODIC, YM_BC_OPEN, YM_BC_PERIODIC};
    if (test_lat_create(&t, MPI_COMM_WORLD, L, pd, depth, bc, 0) || ym_field_create(&f, t.geom, 2)) {
        tap_ok(0, "open set-up depth %d", depth);
        return;
    }
    ym_field_fill(f, -1.0);
    const int *in = ym_geom_interior(t.geom);
    for (int i = 0; i < ym_geom_ninterior(t.geom); ++i) {
        int G[4];
        ym_geom_global_coords(t.geom, in[i], G);
        for (size_t c = 0; c < 2; ++c) ym_field_site(f, in[i])[c] = tag(G, L, c);
    }
    int st = ym_field_halo_update(f);
    const int *l = ym_grid_local(t.grid), *o = ym_grid_origin(t.grid), *dims = ym_grid_dims(t.grid);
    long bad = 0, beyond = 0, kept = 0;
    for (int idx = 0; idx < ym_geom_nsites(t.geom); ++idx) {
        int x[4], G[4], out = 0, skip = 0;
        ym_geom_local_coords(t.geom, idx, x);
        ym_geom_global_coords(t.geom, idx, G);
        for (int mu = 0; mu < 4; ++mu) {
            int gx = o[mu] + x[mu]; /* not wrapped */
            out |= x[mu] < 0 || x[mu] >= l[mu];
            skip |= bc[mu] == YM_BC_OPEN && dims[mu] == 1 && (gx < 0 || gx >= L[mu]);
        }
        if (!out) continue;
        beyond += skip;
        kept += !skip;
        for (size_t c = 0; c < 2; ++c)
            if (ym_field_site(f, idx)[c] != (skip ? -1.0 : tag(G, L, c))) {
                ++bad;
                break;
            }
    }
    tap_ok(st == YM_OK && bad == 0 && kept > 0,
           "depth %d, open x and z: halo sites beyond an unsplit open edge untouched (%ld), the rest hold the "
           "neighbour's interior (%ld); %ld wrong",
           depth, beyond, kept, bad);
    ym_field_free(f);
    test_lat_free(&t);
}

static void check_geometry(const int L[4], const int pd[4])
{
    test_lat t;
    int bc[4] = {YM_BC_OPEN, YM_BC_PERIODIC, YM_BC_OPEN, YM_BC_PERIODIC};
    if (test_lat_create(&t, MPI_COMM_WORLD, L, pd, 2, bc, 0)) {
        tap_ok(0, "geometry set-up");
        return;
    }
    /* Oracle: global index is the x-fastest lexicographic order; every global
     * site appears exactly once over all ranks; neighbour tables agree with
     * coordinates; open-boundary flags sit exactly at the global edges. */
    int64_t V = ym_grid_volume(t.grid);
    char *hit = calloc((size_t)V, 1);
    long badidx = 0, badnb = 0, badflag = 0;
    const int *in = ym_geom_interior(t.geom);
    for (int i = 0; i < ym_geom_ninterior(t.geom); ++i) {
        int G[4];
        ym_geom_global_coords(t.geom, in[i], G);
        int64_t gi = ym_geom_global_index(t.geom, in[i]);
        if (gi != G[0] + (int64_t)L[0] * (G[1] + (int64_t)L[1] * (G[2] + (int64_t)L[2] * G[3]))) ++badidx;
        hit[gi] = 1;
        unsigned fl = ym_geom_flags(t.geom, in[i]);
        for (int mu = 0; mu < 4; ++mu) {
            int y[4];
            ym_geom_local_coords(t.geom, ym_geom_up(t.geom, mu)[in[i]], y);
            int x[4];
            ym_geom_local_coords(t.geom, in[i], x);
            x[mu] += 1;
            if (memcmp(x, y, sizeof x)) ++badnb;
            int open = bc[mu] == YM_BC_OPEN;
            if (!!(fl & YM_GEOM_LINK(mu)) != !(open && G[mu] == L[mu] - 1)) ++badflag;
            if (!!(fl & YM_GEOM_DOWN(mu)) != !(open && G[mu] == 0)) ++badflag;
        }
    }
    MPI_Allreduce(MPI_IN_PLACE, hit, (int)V, MPI_CHAR, MPI_SUM, MPI_COMM_WORLD);
    long cover = 0;
    for (int64_t i = 0; i < V; ++i) cover += hit[i] == 1;
    tap_ok(badidx == 0, "global index is x-fastest lexicographic");
    tap_ok(cover == V, "every global site is owned by exactly one rank (%ld of %lld)", cover, (long long)V);
    tap_ok(badnb == 0, "neighbour tables match coordinates");
    tap_ok(badflag == 0, "open-boundary flags sit at the global edges only");
    /* even/odd: parity flips along every link */
    long badpar = 0;
    for (int i = 0; i < ym_geom_ninterior(t.geom); ++i)
        for (int mu = 0; mu < 4; ++mu)
            if (L[mu] % 2 == 0 && ym_geom_parity(t.geom, in[i]) == ym_geom_parity(t.geom, ym_geom_up(t.geom, mu)[in[i]]))
                ++badpar;
    tap_ok(badpar == 0, "parity alternates along every direction of even extent");
    free(hit);
    test_lat_free(&t);
}

/* The geometry's workspace: usable at the size asked, reused (same
 * buffer, contents kept) while requests fit, grown past them, freed with
 * the geometry (the sanitizer build's leak check sees a lost one). */
static void check_workspace(const int *L, const int *pd)
{
    test_lat t;
    test_lat_create(&t, MPI_COMM_WORLD, L, pd, 1, NULL, 0);
    unsigned char *a = ym_geom_workspace(t.geom, 1000);
    int ok = a != NULL;
    if (ok) memset(a, 0x5a, 1000);
    unsigned char *b = ok ? ym_geom_workspace(t.geom, 600) : NULL;
    int same = ok && b == a && b[0] == 0x5a && b[599] == 0x5a;
    size_t big = (size_t)40 << 20; /* a huge-page sized request */
    unsigned char *c = ok ? ym_geom_workspace(t.geom, big) : NULL;
    if (c) c[0] = 1, c[big - 1] = 2;
    unsigned char *e = c ? ym_geom_workspace(t.geom, big - 4096) : NULL;
    tap_ok(ok, "workspace of 1000 bytes");
    tap_ok(same, "a smaller request returns the same buffer with its contents");
    tap_ok(c && e == c && e[0] == 1 && e[big - 1] == 2, "a 40 MB request grows it, writable end to end, then reused");
    test_lat_free(&t);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    ym_init();
    tap_init();
    int pd[4];
    test_grid_arg(argc, argv, pd);
    int L[4] = {4, 6, 4, 8};
    const int *d;
    int L3x[4] = {6, 6, 6, 8};
    {
        test_lat t;
        test_lat_create(&t, MPI_COMM_WORLD, L, pd, 2, NULL, 0);
        d = ym_grid_dims(t.grid);
        tap_diag("process grid %dx%dx%dx%d on lattice %dx%dx%dx%d", d[0], d[1], d[2], d[3], L[0], L[1], L[2], L[3]);
        test_lat_free(&t);
    }
    check_depth(L, pd, 1, 1);
    check_depth(L, pd, 2, 3);
    check_depth(L, pd, 2, 72);
    check_geometry(L, pd);
    check_open(L, pd, 1);
    check_open(L3x, pd, 2);
    /* Unsplit directions shorter than the halo (L = 1 or 2, depth 2) wrap locally. */
    int Ls[4] = {1, 2, 4, 4}, pds[4] = {1, 1, 0, 0};
    check_depth(Ls, pds, 2, 2);
    int L3[4] = {6, 6, 6, 8};
    check_depth(L3, pd, 3, 2);
    check_part(L, pd, 1, 72, 36, 18); /* SU(3) links, direction 2 */
    check_part(L3, pd, 2, 32, 0, 8);  /* SU(2) links, direction 0 */
    check_workspace(L, pd);
    int rc = tap_done();
    MPI_Finalize();
    return rc;
}
