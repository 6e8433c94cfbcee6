import numpy as np
import numpy.typing as npt

def build_csr(
    first: npt.NDArray[np.intp],  # const intp_t[::1]
    second: npt.NDArray[np.intp],  # const intp_t[::1]
    n_rows: int,
    symmetric: bool,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.intp]]: ...
def rows_to_arrays(
    indptr: npt.NDArray[np.int64],  # const int64_t[::1]
    indices: npt.NDArray[np.uint32],  # const uint32_t[::1]
) -> list[npt.NDArray[np.uint32]]: ...
