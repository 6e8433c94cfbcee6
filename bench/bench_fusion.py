"""Box fusion: boxgeom.ensemble (the ensemble-boxes drop-in) and boxgeom.fusion against ensemble-boxes.

Run ``python -m bench.bench_fusion`` (``--quick`` for smaller cases). The detections
are ``bench_suppression``'s ensemble: 10 models x 1,000 boxes per image, normalised
coordinates, 20 classes. Each case first checks that boxgeom returns what
ensemble-boxes returns (same boxes, scores and labels in the same order, within
1e-6, same dtypes), then times both in this process on the same lists. ensemble-boxes'
NMW is timed once (it takes tens of seconds); everything else is a median.
"""

from __future__ import annotations

import contextlib
import io
import sys
import time

import numpy as np

from .bench_suppression import ensemble_detections
from .harness import Row, median_time, optional, print_table
from boxgeom import ensemble, non_maximum_weighted, weighted_boxes_fusion


def same_results(got, expected) -> bool:
    """Whether two (boxes, scores, labels) results agree as the drop-in promises."""
    return all(
        g.dtype == e.dtype and g.shape == e.shape and (not g.size or np.abs(g.astype(float) - e).max() <= 1e-6)
        for g, e in zip(got, expected)
    )


def quiet(function, *args, **kwargs):
    """Call an ensemble-boxes function without its printed and warned messages."""
    import warnings

    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


def main(quick: bool = False) -> list[Row]:
    ensemble_boxes = optional("ensemble_boxes")
    rows: list[Row] = []
    n_objects = 300 if quick else 1000
    lists = ensemble_detections(n_objects=n_objects)
    size = f"10 models x {n_objects:,} boxes"
    calls = [
        ("weighted_boxes_fusion", {}, "avg"),
        ("weighted_boxes_fusion", {"conf_type": "box_and_model_avg", "weights": list(range(1, 11))}, "box_and_model_avg, weights"),
        ("non_maximum_weighted", {}, ""),
        ("soft_nms", {"method": 2}, "gaussian"),
        ("soft_nms", {"method": 1, "iou_thr": 0.3}, "linear"),
        ("nms", {}, ""),
    ]
    for name, kwargs, label in calls:
        case = f"{name}{' ' + label if label else ''}, {size}"
        ours_fn = getattr(ensemble, name)
        ours = median_time(lambda: ours_fn(*lists, **kwargs))
        got = ours_fn(*lists, **kwargs)
        if ensemble_boxes is None:
            rows.append(Row(case, f"ensemble.{name}", ours, note="ensemble-boxes not installed"))
            continue
        peer_fn = getattr(ensemble_boxes, name)
        quiet(peer_fn, *(x[:1] for x in lists), **{k: v[:1] if k == "weights" else v for k, v in kwargs.items()})  # numba
        if name == "non_maximum_weighted":
            start = time.perf_counter()
            expected = quiet(peer_fn, *lists, **kwargs)
            peer_s = time.perf_counter() - start
        else:
            expected = quiet(peer_fn, *lists, **kwargs)
            peer_s = median_time(lambda: quiet(peer_fn, *lists, **kwargs), repeat=3)
        agree = same_results(got, expected)
        assert agree, f"{case}: boxgeom.ensemble differs from ensemble-boxes"
        rows.append(Row(case, f"ensemble.{name}", ours, f"ensemble_boxes.{name}", peer_s,
                        f"{len(got[0]):,} boxes out, identical within 1e-6"))

    # the flat API on the same boxes, and at 100x the size (no peer)
    for tiles in (1, 3) if quick else (1, 10):
        boxes_list, scores_list, labels_list = ensemble_detections(n_objects=n_objects, tiles=tiles, seed=1)
        boxes, scores, labels = (np.concatenate(x) for x in (boxes_list, scores_list, labels_list))
        models = np.repeat(np.arange(10), [len(b) for b in boxes_list])
        case = f"flat arrays, {len(boxes):,} boxes"
        rows.append(Row(case, "weighted_boxes_fusion",
                        median_time(lambda: weighted_boxes_fusion(boxes, scores, labels, models), repeat=3),
                        note=f"{len(weighted_boxes_fusion(boxes, scores, labels, models)[0]):,} clusters"))
        rows.append(Row(case, "non_maximum_weighted",
                        median_time(lambda: non_maximum_weighted(boxes, scores, labels, models), repeat=3)))

    print_table("Box fusion and ensemble-boxes (median wall time; ratio = peer / boxgeom)", rows)
    return rows


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
