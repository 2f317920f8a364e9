"""Dawid-Skene against crowd-kit's DawidSkene on a simulated crowd."""

import numpy as np
import pandas as pd
import pytest
from crowdkit.aggregation import DawidSkene

from labelqc.agreement import DawidSkeneResult, dawid_skene


def _simulated_crowd(seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n_tasks, n_workers, n_classes, per_task = 800, 25, 3, 5
    truth = rng.choice(n_classes, size=n_tasks, p=[0.5, 0.3, 0.2])
    accuracy = rng.uniform(0.55, 0.95, size=n_workers)
    task = np.repeat(np.arange(n_tasks), per_task)
    worker = np.concatenate(
        [rng.choice(n_workers, per_task, replace=False) for _ in range(n_tasks)]
    )
    right = rng.random(task.size) < accuracy[worker]
    wrong = (truth[task] + rng.integers(1, n_classes, size=task.size)) % n_classes
    labels = np.array(["cat", "dog", "fox"])[np.where(right, truth[task], wrong)]
    frame = pd.DataFrame({"task": task, "worker": [f"w{w:02d}" for w in worker], "label": labels})
    return frame, truth, accuracy


@pytest.fixture(scope="module")
def crowd() -> tuple[pd.DataFrame, np.ndarray, np.ndarray, DawidSkeneResult, DawidSkene]:
    frame, truth, accuracy = _simulated_crowd()
    return frame, truth, accuracy, dawid_skene(frame), DawidSkene(n_iter=100).fit(frame)


def test_labels_match_crowd_kit(crowd: tuple) -> None:
    _frame, _truth, _accuracy, ours, theirs = crowd
    theirs_labels = theirs.labels_.sort_index()
    agreement = ours.labels.loc[theirs_labels.index].to_numpy() == theirs_labels.to_numpy()
    assert agreement.mean() >= 0.99


def test_priors_and_confusions_close_to_crowd_kit(crowd: tuple) -> None:
    _frame, _truth, _accuracy, ours, theirs = crowd
    np.testing.assert_allclose(
        ours.priors.loc[["cat", "dog", "fox"]],
        theirs.priors_.loc[["cat", "dog", "fox"]],
        atol=5e-3,
    )
    for worker in ours.confusions:
        # crowd-kit: rows (worker, observed), columns true -> transpose to true x observed.
        theirs_matrix = theirs.errors_.loc[worker].loc[["cat", "dog", "fox"], ["cat", "dog", "fox"]]
        np.testing.assert_allclose(
            ours.confusions[worker].to_numpy(), theirs_matrix.to_numpy().T, atol=2e-2
        )


def test_recovers_truth_and_skills(crowd: tuple) -> None:
    _frame, truth, accuracy, ours, _theirs = crowd
    recovered = ours.labels.sort_index().map({"cat": 0, "dog": 1, "fox": 2}).to_numpy()
    assert (recovered == truth).mean() > 0.9
    skills = ours.skills.loc[[f"w{w:02d}" for w in range(accuracy.size)]].to_numpy()
    assert np.corrcoef(skills, accuracy)[0, 1] > 0.9
    assert ours.converged and ours.n_iter < 100


def test_result_shape_and_unpacking(crowd: tuple) -> None:
    frame, _truth, _accuracy, ours, _theirs = crowd
    labels, priors, confusions, skills = ours
    assert labels.index.name == "task" and len(labels) == frame["task"].nunique()
    assert priors.sum() == pytest.approx(1.0, abs=1e-6)
    matrix = confusions["w00"]
    assert list(matrix.index) == ["cat", "dog", "fox"] and matrix.index.name == "true"
    assert matrix.columns.name == "observed"
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0)
    assert ours.confusions.array.shape == (25, 3, 3)
    expected_skill = float((priors.to_numpy() * np.diag(matrix.to_numpy())).sum())
    assert skills["w00"] == pytest.approx(expected_skill)
    np.testing.assert_allclose(ours.probabilities.sum(axis=1), 1.0)


def test_deterministic_and_order_independent() -> None:
    frame, _truth, _accuracy = _simulated_crowd(seed=3)
    first = dawid_skene(frame)
    shuffled = dawid_skene(frame.sample(frac=1.0, random_state=1))
    pd.testing.assert_series_equal(first.labels, shuffled.labels)
    np.testing.assert_allclose(first.confusions.array, shuffled.confusions.array, atol=1e-12)


def test_tie_goes_to_smallest_class() -> None:
    frame = pd.DataFrame({"task": [1, 1], "worker": ["a", "b"], "label": ["y", "x"]})
    assert dawid_skene(frame).labels.loc[1] == "x"
