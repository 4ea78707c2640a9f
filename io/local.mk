libymflow_la_SOURCES += io/ym_raw.c io/ym_ioutil.c io/ym_lime.c io/ym_ildg.c io/ym_nersc.c io/ym_milc.c \
	io/ym_openqcd.c io/ym_format.c io/ym_card.c io/ym_hirep.c io/ym_recording.c
ymflowinclude_HEADERS += io/ym_raw.h io/ym_ioutil.h io/ym_lime.h io/ym_ildg.h io/ym_nersc.h io/ym_milc.h \
	io/ym_openqcd.h io/ym_format.h io/ym_card.h io/ym_hirep.h io/ym_recording.h
EXTRA_DIST += io/README.md
# Activity readers (EDF/BDF, NPY, NWB, plain HDF5, BIDS sidecars).
libymflow_la_SOURCES += io/ym_activity.c io/ym_act_edf.c io/ym_act_npy.c io/ym_act_hdf5.c io/ym_act_nwb.c \
	io/ym_act_bids.c io/ym_act_util.h
ymflowinclude_HEADERS += io/ym_activity.h
libymflow_la_SOURCES += io/ym_metric_io.c
ymflowinclude_HEADERS += io/ym_metric_io.h
