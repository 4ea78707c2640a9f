/* Private (not installed): YM_HOT marks the few kernels that carry a
 * flow's cost (staple sums, the link update, plaquette and clover sums).
 * On x86-64 Linux with GCC they are compiled twice, for the baseline and for
 * x86-64-v3 (AVX2, FMA), and the loader picks the variant the CPU runs
 * (ifunc), so one binary is portable and still uses the wider units where
 * they exist. The two variants may differ in the last bits (FMA
 * contraction); a run uses one variant throughout, so results stay
 * identical across ranks and process grids on a machine. Configure with
 * CPPFLAGS=-DYM_NO_CLONES to build the baseline only. */
#ifndef YM_HOT_H
#define YM_HOT_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(YM_NO_CLONES) && __GNUC__ >= 12
#define YM_HOT __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define YM_HOT
#endif

/* Full unrolling of small fixed loops (4x4 algebra), so that GCC keeps the
 * sums in registers. Clang honours the same pragma but takes many minutes to
 * compile such code under the sanitizers (the fuzz build), so it is GCC's
 * only. */
#if defined(__GNUC__) && !defined(__clang__)
#define YM_UNROLL _Pragma("GCC unroll 16")
#else
#define YM_UNROLL
#endif

#endif
