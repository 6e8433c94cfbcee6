"""Non-maximum merging of sliced-inference detections against SAHI (numpy and numba backends).

Run ``python -m bench.bench_merging`` (``--quick``: 3,300 detections instead of 33,000).
The data are ``boxgeom.datasets.clustered_detections``: about 11 jittered detections
of each of 3,000 objects in a 10,000 x 10,000 image. Ratios are SAHI's time / boxgeom's
(> 1: boxgeom is faster); every row also checks that the groups are SAHI's.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from .harness import Row, median_time, optional, print_table
from boxgeom import merge_groups, nmm
from boxgeom.datasets import clustered_detections

FULL = (3000, 11)  # objects, detections per object
QUICK = (300, 11)
THRESHOLD = 0.5


def sahi_function(combine, greedy: bool, batched: bool):
    if batched:
        return combine.batched_greedy_nmm if greedy else combine.batched_nmm
    return combine.greedy_nmm if greedy else combine.nmm


def as_dict(groups) -> dict:
    keep, indptr, indices = groups
    return {int(k): indices[indptr[r] : indptr[r + 1]].tolist() for r, k in enumerate(keep.tolist())}


def bench_groups(boxes, scores, labels, combine, backends, set_backend) -> list[Row]:
    predictions = np.concatenate([boxes, scores[:, None], labels[:, None]], axis=1)
    case = f"{len(boxes)} dets"
    rows = []
    configs = [(greedy, metric, False) for greedy in (False, True) for metric in ("ios", "iou")]
    configs.append((True, "ios", True))
    for greedy, metric, batched in configs:
        name = f"nmm({metric}{', greedy' if greedy else ''}{', idxs' if batched else ''})"
        idxs = labels if batched else None
        ours = median_time(lambda: nmm(boxes, scores, THRESHOLD, metric=metric, greedy=greedy, idxs=idxs))
        ours_one = median_time(lambda: nmm(boxes, scores, THRESHOLD, metric=metric, greedy=greedy, idxs=idxs,
                                           n_threads=1))
        groups = nmm(boxes, scores, THRESHOLD, metric=metric, greedy=greedy, idxs=idxs, member_order="merge")
        note = f"{len(groups[0])} kept"
        if combine is None:
            rows.append(Row(case, name, ours, note=note + "; sahi not installed"))
            continue
        function = sahi_function(combine, greedy, batched)
        for backend in backends:
            set_backend(backend)
            # SAHI's numba greedy_nmm falls back to its dense O(n^2) loop on crowded inputs: one sample
            peer_s = median_time(lambda: function(predictions, metric.upper(), THRESHOLD), repeat=1 if greedy else 3)
            same = as_dict(groups) == function(predictions, metric.upper(), THRESHOLD)
            label = f"sahi {function.__name__} ({backend})"
            rows.append(Row(case, name, ours, label, peer_s, note + ("; same groups" if same else "; DIFFERENT groups")))
            rows.append(Row(case, name + " 1 thread", ours_one, label, peer_s))
        set_backend("auto")
    return rows


def bench_postprocess(boxes, scores, labels, postprocess_module) -> list[Row]:
    """nmm + merge_groups against SAHI's GreedyNMMPostprocess / NMMPostprocess on ObjectPredictions
    (the list is built once, outside the timing; SAHI gets a fresh copy each call, as it
    replaces the keepers in its input list)."""
    from sahi.prediction import ObjectPrediction

    # ObjectPrediction clamps negative coordinates, and SAHI groups float32 copies:
    # non-negative values exact in float32, so that both sides see the same numbers
    boxes = np.clip(boxes, 0, None).astype(np.float32).astype(np.float64)
    scores = scores.astype(np.float32).astype(np.float64)
    objects = [
        ObjectPrediction(bbox=box.tolist(), score=float(score), category_id=int(label), category_name=str(label))
        for box, score, label in zip(boxes, scores, labels)
    ]
    rows = []
    for greedy in (True, False):
        postprocess_type = postprocess_module.GreedyNMMPostprocess if greedy else postprocess_module.NMMPostprocess
        postprocess = postprocess_type(match_threshold=THRESHOLD, match_metric="IOS")

        def ours():
            groups = nmm(boxes, scores, THRESHOLD, metric="ios", greedy=greedy, member_order="merge")
            return merge_groups(boxes, scores, *groups, threshold=THRESHOLD, metric="ios", labels=labels)

        ours_s = median_time(ours)
        peer_s = median_time(lambda: postprocess(list(objects)), repeat=1)
        merged = postprocess(list(objects))
        same = np.array_equal(ours()[0], [p.bbox.to_xyxy() for p in merged])
        rows.append(Row(f"{len(boxes)} dets", f"nmm + merge_groups (ios{', greedy' if greedy else ''})", ours_s,
                        f"sahi {postprocess_type.__name__}", peer_s,
                        f"{len(merged)} boxes" + ("; same boxes" if same else "; DIFFERENT boxes")))
    return rows


def main(quick: bool = False) -> None:
    n_objects, per_object = QUICK if quick else FULL
    boxes, scores = clustered_detections(n_objects, per_object, 10000 if not quick else 3160, seed=0)
    labels = np.random.default_rng(1).integers(0, 3, len(boxes))
    combine = optional("sahi.postprocess.combine")
    backends_module = optional("sahi.postprocess.backends")
    backends = ["numpy"] + (["numba"] if optional("numba") is not None and not quick else [])
    if combine is None:
        print("sahi is not installed: peer columns are empty")
    start = time.perf_counter()
    set_backend = backends_module.set_postprocess_backend if backends_module is not None else None
    print_table(f"Non-maximum merging, threshold {THRESHOLD} ({n_objects} objects x {per_object} detections)",
                bench_groups(boxes, scores, labels, combine, backends, set_backend))
    if combine is not None and not quick:
        print_table("Merged boxes from ObjectPredictions (SAHI's postprocess classes, class-agnostic)",
                    bench_postprocess(boxes, scores, labels, combine))
    print(f"\n(total {time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="3,300 detections only")
    main(parser.parse_args().quick)
