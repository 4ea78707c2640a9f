#!/bin/sh
# TAP: examples/custom-solver builds against the *installed* library with
# pkg-config and runs, as a user would do it.
#   - `make install DESTDIR=$T/d` of the build tree (the configured prefix
#     stays in ymflow.pc; a copy with every absolute path moved under $T/d is
#     what pkg-config reads, LD_LIBRARY_PATH finds the library at run time);
#   - the example is copied out of $top_srcdir (read-only under distcheck)
#     and built there with its own plain Makefile;
#   - it runs on 1 rank and under mpirun on 2 ranks; its own checks must
#     pass and both runs must give the same final plaquette and Q (1e-12).
# Sanitizer builds (configure --enable-sanitizers) link the example with the
# library's SAN_FLAGS, since an ASan-instrumented library needs the runtime
# in the program.
: "${top_builddir:=.}"
: "${top_srcdir:=.}"
: "${MPIRUN:=mpirun}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl="self,vader" OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1
# The sub-makes are independent of the make running this test.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
timeout=${YM_TEST_TIMEOUT:-900}

echo "1..7"
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $*"; }
# diag FILE: the tail of a log as TAP comments
diag() { tail -n "${2:-25}" "$1" | sed 's/^/# /'; }

T=$(mktemp -d "${TMPDIR:-/tmp}/ymflow-example.XXXXXX") || {
    echo "Bail out! mktemp failed"
    exit 1
}
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT INT TERM

# 1. install into a staging directory
if make -C "$top_builddir" install DESTDIR="$T/d" >"$T/install.log" 2>&1 &&
    pc=$(find "$T/d" -name ymflow.pc -path '*/pkgconfig/*' | head -n 1) && [ -n "$pc" ]; then
    ok "make install DESTDIR=<tmp> ($(echo "$pc" | sed "s|^$T/d||"))"
else
    notok "make install DESTDIR=<tmp>"
    diag "$T/install.log"
    for i in 2 3 4 5 6 7; do skip "not installed"; done
    exit 0
fi

# 2. pkg-config finds the staged ymflow
mkdir -p "$T/pc"
sed "s|^\([A-Za-z_][A-Za-z0-9_]*\)=/|\1=$T/d/|" "$pc" >"$T/pc/ymflow.pc"
PKG_CONFIG_PATH="$T/pc${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export PKG_CONFIG_PATH
incdir=$(pkg-config --variable=includedir ymflow 2>"$T/pc.log")
libdir=$(pkg-config --variable=libdir ymflow 2>>"$T/pc.log")
if pkg-config --exists --print-errors ymflow >>"$T/pc.log" 2>&1 &&
    pkg-config --cflags --libs ymflow >>"$T/pc.log" 2>&1 &&
    [ -f "$incdir/ymflow/ymflow.h" ] && [ -f "$incdir/ymflow/ym_solver_impl.h" ] &&
    ls "$libdir"/libymflow.* >/dev/null 2>&1; then
    ok "pkg-config finds ymflow $(pkg-config --modversion ymflow): $(pkg-config --cflags --libs ymflow | tr -s ' ')"
else
    notok "pkg-config finds ymflow with its headers and library"
    diag "$T/pc.log"
    for i in 3 4 5 6 7; do skip "pkg-config cannot find ymflow"; done
    exit 0
fi
LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH

# 3. build the example out of a copy (the source tree may be read-only)
cp -R "$top_srcdir/examples/custom-solver" "$T/ex" && chmod -R u+w "$T/ex"
san=$(sed -n 's/^SAN_FLAGS *= *//p' "$top_builddir/Makefile")
if make -C "$T/ex" ${san:+LDFLAGS="$san"} >"$T/build.log" 2>&1 && [ -x "$T/ex/custom_solver" ]; then
    ok "example builds with its Makefile${san:+ (sanitizer build: LDFLAGS=$san)}"
else
    notok "example builds with its Makefile"
    diag "$T/build.log"
    for i in 4 5 6 7; do skip "example did not build"; done
    exit 0
fi

# 4, 5. run on 1 rank (as a plain program) and on 2 ranks
cd "$T/ex" || exit 1
if timeout "$timeout" ./custom_solver >"$T/np1.log" 2>&1; then
    ok "runs on 1 rank"
else
    notok "runs on 1 rank (exit $?)"
fi
if timeout "$timeout" "$MPIRUN" --oversubscribe -n 2 ./custom_solver >"$T/np2.log" 2>&1; then
    ok "runs on 2 ranks"
else
    notok "runs on 2 ranks (exit $?)"
    diag "$T/np2.log" 40
fi
sed 's/^/# np1: /' "$T/np1.log"

# 6. its own checks passed on both
nfail=$(cat "$T/np1.log" "$T/np2.log" | grep -c '^FAILED')
npass=$(cat "$T/np1.log" "$T/np2.log" | grep -c '^all checks passed')
if [ "$nfail" -eq 0 ] && [ "$npass" -eq 2 ]; then
    ok "the example's checks pass on 1 and 2 ranks ($(grep -c '^ok:' "$T/np1.log") checks each)"
else
    notok "the example's checks pass on 1 and 2 ranks ($nfail failed)"
    grep '^FAILED' "$T/np1.log" "$T/np2.log" | sed 's/^/# /'
fi

# 7. 1 and 2 ranks agree
r1=$(grep '^RESULT' "$T/np1.log")
r2=$(grep '^RESULT' "$T/np2.log")
if [ -n "$r1" ] && [ -n "$r2" ] && echo "$r1 $r2" | awk '
    function v(s) { sub(/^[^=]*=/, "", s); return s + 0 }
    function rd(a, b) { d = a - b; if (d < 0) d = -d; s = (a < 0 ? -a : a) + (b < 0 ? -b : b); return s > 1 ? d / s : d }
    { exit !(rd(v($2), v($5)) < 1e-12 && rd(v($3), v($6)) < 1e-12) }'; then
    ok "1 and 2 ranks agree to 1e-12: $r1"
else
    notok "1 and 2 ranks agree to 1e-12"
    echo "# np1: $r1"
    echo "# np2: $r2"
fi
exit 0
