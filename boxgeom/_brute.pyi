# boxgeom._brute exports no Python names: its kernel ``brute_pairs`` is cimported by
# ``boxgeom._pairs`` (see _brute.pxd).
