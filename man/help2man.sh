#!/bin/sh
# Generate one man page from the built ymflow's --help text:
#   sh man/help2man.sh HELP2MAN YMFLOW H2M_INCLUDE CMD|- "one-line description" OUT
# CMD "-" is ymflow(1) itself; otherwise the page of `ymflow CMD --help` is
# named ymflow-CMD(1). Written to OUT.tmp and renamed (a failed run leaves
# no page).
set -e
help2man=$1 ymflow=$2 inc=$3 cmd=$4 desc=$5 out=$6
# ymflow is an MPI program run as a singleton
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self
# help2man makes a SYNOPSIS of a "Usage:" line; ymflow writes "usage:"
case $ymflow in /*) ;; *) ymflow=$PWD/$ymflow ;; esac
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf '#!/bin/sh\n"%s" "$@" 2>&1 | sed "s/^usage: /Usage: /"\n' "$ymflow" >"$dir/ymflow"
chmod +x "$dir/ymflow"
ymflow=$dir/ymflow
if [ "$cmd" = - ]; then
    $help2man --no-info --no-discard-stderr --version-option=version --help-option=--help --include="$inc" \
        -n "$desc" "$ymflow" >"$out.tmp"
else
    uc=$(echo "$cmd" | tr a-z A-Z)
    $help2man --no-info --no-discard-stderr --version-option=version --help-option="$cmd --help" \
        --include="$inc" -n "$desc" "$ymflow" |
        sed -e "s/^\.TH YMFLOW /.TH YMFLOW-$uc /" -e "s/^ymflow \\\\- /ymflow-$cmd \\\\- /" >"$out.tmp"
fi
mv "$out.tmp" "$out"
