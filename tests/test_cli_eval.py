"""``boxgeom eval``, through a subprocess as a user runs it: the built-in samples, COCO
JSON files, DOTA text files, ``-o`` and ``--plot``, and bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from boxgeom import evaluate_detections, voc_ap
from boxgeom.datasets import detection_sample
from boxgeom.dota import write_dota
from boxgeom.formats import box_convert
from test_cli import run, user_error


def summary_of(stdout: str) -> tuple[list[float], str]:
    """The 12 numbers of the summary lines, and the last (one-line) report."""
    lines = stdout.rstrip().splitlines()
    return [float(line.rsplit("=", 1)[1]) for line in lines if line.lstrip().startswith("Average")], lines[-1]


@pytest.mark.parametrize("kind", ["box", "rotated", "polygon"])
def test_sample_prints_the_coco_summary(kind):
    result = run("eval", "--kind", kind)
    assert result.returncode == 0, result.stderr
    stats, last = summary_of(result.stdout)
    assert len(stats) == 12 and 0 < stats[0] < stats[1] <= 1
    assert "built-in sample" in result.stderr and last.startswith("eval: ") and " s" in last
    data = detection_sample(500, 10, rotated=kind != "box")
    boxes = {"gt_boxes": data.gt_boxes, "dt_boxes": data.dt_boxes}
    if kind == "polygon":
        boxes = {name: box_convert(value, "cxcywhr", "xyxyxyxy") for name, value in boxes.items()}
    expected = evaluate_detections(**{**data._asdict(), **boxes}, kind=kind, fmt="xywh" if kind == "box" else "xyxy")
    assert np.allclose(stats, expected.stats, atol=5e-4)  # the summary prints 3 decimals


def coco_files(tmp_path, n_images=40):
    data = detection_sample(n_images, 4, seed=5)
    gt = {
        "images": [{"id": int(i)} for i in range(1, n_images + 1)],
        "categories": [{"id": c, "name": f"c{c}"} for c in range(1, 5)],
        "annotations": [
            {"id": k + 1, "image_id": int(i), "category_id": int(c), "bbox": b.tolist(), "area": float(b[2] * b[3]),
             "iscrowd": int(k % 17 == 0)}
            for k, (b, c, i) in enumerate(zip(data.gt_boxes, data.gt_labels, data.gt_image_ids))
        ],
    }
    results = [
        {"image_id": int(i), "category_id": int(c), "bbox": b.tolist(), "score": float(s)}
        for b, s, c, i in zip(data.dt_boxes, data.dt_scores, data.dt_labels, data.dt_image_ids)
    ]
    (tmp_path / "gt.json").write_text(json.dumps(gt))
    (tmp_path / "dt.json").write_text(json.dumps(results))
    return data, str(tmp_path / "gt.json"), str(tmp_path / "dt.json")


def test_coco_files_with_output_and_plot(tmp_path):
    data, gt, dt = coco_files(tmp_path)
    out, picture = tmp_path / "stats.json", tmp_path / "pr.png"
    result = run("eval", gt, dt, "--per-category", "-o", str(out), "--plot", str(picture))
    assert result.returncode == 0, result.stderr
    stats, last = summary_of(result.stdout)
    expected = evaluate_detections(
        data.gt_boxes, data.gt_labels, data.gt_image_ids, data.dt_boxes, data.dt_scores, data.dt_labels,
        data.dt_image_ids, fmt="xywh", gt_iscrowd=np.arange(len(data.gt_labels)) % 17 == 0,
        categories=[1, 2, 3, 4], image_ids=np.arange(1, 41),
    )
    assert np.allclose(stats, expected.stats, atol=5e-4)
    assert "category" in result.stdout and "AP50" in result.stdout  # the per-category table
    record = json.loads(out.read_text())
    assert record["stats"]["AP"] == expected.stats[0] and record["per_category"]["categories"] == [1, 2, 3, 4]
    assert picture.read_bytes()[:4] == b"\x89PNG" and "picture in" in last


@pytest.mark.parametrize("kind", ["polygon", "rotated"])
def test_dota_directories(tmp_path, kind):
    data = detection_sample(12, 3, rotated=True, seed=2)
    gt_quads, dt_quads = (box_convert(b, "cxcywhr", "xyxyxyxy") for b in (data.gt_boxes, data.dt_boxes))
    names, images = ("plane", "ship", "car"), tuple(f"P{i:04d}" for i in range(12))
    difficult = np.arange(len(gt_quads)) % 9 == 0
    write_dota(tmp_path / "labels", gt_quads, data.gt_labels - 1, data.gt_image_ids - 1, label_names=names,
               image_names=images, difficult=difficult)
    write_dota(tmp_path / "results", dt_quads, data.dt_labels - 1, data.dt_image_ids - 1, label_names=names,
               image_names=images, scores=data.dt_scores)
    result = run("eval", str(tmp_path / "labels"), str(tmp_path / "results"), "--kind", kind)
    assert result.returncode == 0, result.stderr
    stats, _ = summary_of(result.stdout)
    boxes = (gt_quads, dt_quads) if kind == "polygon" else (box_convert(gt_quads, "xyxyxyxy", "cxcywhr"),
                                                             box_convert(dt_quads, "xyxyxyxy", "cxcywhr"))
    expected = evaluate_detections(boxes[0], data.gt_labels - 1, data.gt_image_ids - 1, boxes[1], data.dt_scores,
                                   data.dt_labels - 1, data.dt_image_ids - 1, kind=kind, gt_iscrowd=difficult)
    assert np.allclose(stats, expected.stats, atol=5e-4)
    assert 0 <= voc_ap(gt_quads, data.gt_labels, data.gt_image_ids, dt_quads, data.dt_scores, data.dt_labels,
                       data.dt_image_ids, kind="polygon").map <= 1


def test_bad_input_gives_one_line(tmp_path):
    _, gt, dt = coco_files(tmp_path, 5)
    user_error("eval", gt, message="expected two files")
    user_error("eval", dt, gt, message="expected a COCO dataset")
    user_error("eval", gt, gt, message="expected a list of result dicts")
    broken = tmp_path / "broken.json"
    dataset = json.loads(open(gt).read())
    del dataset["annotations"][0]["bbox"]
    broken.write_text(json.dumps(dataset))
    user_error("eval", str(broken), dt, message="bbox")
    user_error("eval", gt, dt, "--threads", "0", message="--threads")
    user_error("eval", gt, dt, "--plot", str(tmp_path / "pr.txt"), message="expected a picture")
