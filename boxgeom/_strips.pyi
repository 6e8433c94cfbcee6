# boxgeom._strips exports no Python functions: its kernels ``bin_strips`` and
# ``join_strips`` (and the StripBins holder) are cimported by ``boxgeom._pairs``
# (see _strips.pxd).
