# Shipped data: the built-in default recording of `ymflow pipeline` (BSD-3, see data/README.md).
ecogdatadir = $(pkgdatadir)/ecog-8x8-grid
dist_ecogdata_DATA = data/ecog-8x8-grid/sub-pat01_ses-test_acq-ecog_ieeg.edf \
	data/ecog-8x8-grid/sample_ecog_electrodes.tsv data/ecog-8x8-grid/SOURCE.txt \
	data/ecog-8x8-grid/LICENSE.mne-misc-data
EXTRA_DIST += data/README.md
AM_CPPFLAGS += -DYM_SRCDATADIR='"$(abs_top_srcdir)/data"' -DYM_PKGDATADIR='"$(pkgdatadir)"'
