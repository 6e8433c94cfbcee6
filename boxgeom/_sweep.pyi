# boxgeom._sweep exports no Python names: its kernel ``sweep_pairs`` is cimported by
# ``boxgeom._pairs`` (see _sweep.pxd).
