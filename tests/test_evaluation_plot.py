"""``plot.plot_precision_recall`` and ``datasets.detection_sample``: the curves drawn are
the evaluation's precision, bad choices are named errors, the sample is what it says."""

from __future__ import annotations

import numpy as np
import pytest

from boxgeom import evaluate_detections
from boxgeom.datasets import detection_sample

plt = pytest.importorskip("matplotlib.pyplot")
from boxgeom.plot import plot_precision_recall  # noqa: E402


@pytest.fixture(scope="module")
def result():
    return evaluate_detections(*detection_sample(60, 4, seed=3), fmt="xywh")


def test_curves_are_the_mean_precision_over_categories(result):
    ax = plot_precision_recall(result)
    lines = ax.get_lines()
    assert len(lines) == 3  # IoU 0.5, 0.75 and the mean over all thresholds
    for line, t in zip(lines, (0.5, 0.75)):
        values = result.precision[result.iou_thresholds == t][0, :, :, 0, -1]  # (R, K)
        np.testing.assert_allclose(line.get_ydata(), values.mean(axis=1))
        np.testing.assert_array_equal(line.get_xdata(), result.recall_thresholds)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0] == f"IoU 0.50: AP {result.stats[1]:0.3f}" and labels[2].endswith(f"AP {result.stats[0]:0.3f}")
    plt.close("all")


def test_one_category_and_other_choices(result):
    k = int(result.categories[2])
    ax = plot_precision_recall(result, iou_thresholds=(0.75,), category=k, area="small", max_det=10)
    small, ten = result.area_labels.index("small"), result.max_dets.index(10)
    expected = result.precision[result.iou_thresholds == 0.75][0, :, 2, small, ten]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), expected)
    assert f"category {k}" in ax.get_title()
    plt.close("all")


@pytest.mark.parametrize(
    ("options", "name"),
    [({"category": 99}, "category"), ({"area": "huge"}, "area"), ({"max_det": 7}, "max_det"),
     ({"iou_thresholds": (0.52,)}, "iou_thresholds")],
)
def test_unknown_choices_are_named(result, options, name):
    with pytest.raises(ValueError, match=name):
        plot_precision_recall(result, **options)
    plt.close("all")


def test_a_category_without_ground_truth_draws_no_curve():
    r = evaluate_detections([[0, 0, 4, 4]], [1], [1], [[0, 0, 4, 4]], [0.5], [2], [1], categories=[1, 2])
    assert plot_precision_recall(r, category=2).get_lines() == []
    plt.close("all")


@pytest.mark.parametrize("rotated", [False, True])
def test_detection_sample(rotated):
    a = detection_sample(30, 5, rotated=rotated, seed=4)
    b = detection_sample(30, 5, rotated=rotated, seed=4)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)  # seeded
    columns = 5 if rotated else 4
    assert a.gt_boxes.shape[1] == a.dt_boxes.shape[1] == columns
    assert len(a.dt_boxes) == len(a.dt_scores) == len(a.dt_labels) == len(a.dt_image_ids) == 30 * 100
    assert np.bincount(a.dt_image_ids, minlength=31)[1:].tolist() == [100] * 30
    assert set(np.unique(a.gt_labels)) <= set(range(1, 6)) and a.gt_image_ids.min() >= 1
    assert (a.gt_boxes[:, 2:4] > 0).all() and (a.dt_boxes[:, 2:4] >= 0).all()
    assert ((a.dt_scores >= 0) & (a.dt_scores <= 1)).all()
