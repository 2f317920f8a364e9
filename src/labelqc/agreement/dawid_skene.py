"""Dawid-Skene truth inference: class priors and one confusion matrix per worker by EM.

Dawid & Skene (1979). Model: a task's true class z ~ priors; worker w answering a task of
class k reports class l with probability pi_w[k, l]. EM alternates
- M-step: priors = mean task posterior; pi_w[k, l] proportional to the posterior mass of
  class k over w's answers l (entries clipped at 1e-10 before normalising, as crowd-kit does,
  so no log(0));
- E-step: log posterior(task, k) = log prior_k + sum over the task's answers of
  log pi_w[k, l], normalised per task.
The posteriors start from the (soft) majority vote: the share of each class among a task's
answers. Iteration stops when the mean log-likelihood per answer changes by less than
``tol`` or after ``max_iter`` rounds. There is no randomness, so results are deterministic.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from labelqc.agreement._messages import shown

_CLIP = 1e-10
_REQUIRED = ("task", "worker", "label")


class WorkerConfusions(Mapping[object, pd.DataFrame]):
    """Read-only mapping worker -> confusion DataFrame (true x observed), built on access.

    ``array`` holds all of them as one (workers x classes x classes) array in ``workers``
    order, for vectorised use without building a DataFrame per worker.
    """

    def __init__(self, array: np.ndarray, workers: pd.Index, classes: pd.Index) -> None:
        self.array = array
        self.workers = workers
        self.classes = classes
        self._position = {worker: i for i, worker in enumerate(workers)}

    def __getitem__(self, worker: object) -> pd.DataFrame:
        position = self._position[worker]
        return pd.DataFrame(
            self.array[position],
            index=pd.Index(self.classes, name="true"),
            columns=pd.Index(self.classes, name="observed"),
        )

    def __iter__(self) -> Iterator[object]:
        return iter(self.workers)

    def __len__(self) -> int:
        return len(self.workers)


@dataclass(frozen=True, eq=False)
class DawidSkeneResult:
    """Output of ``dawid_skene``; unpacks as ``labels, priors, confusions, skills``.

    Attributes:
        labels: task -> most probable class (ties go to the smallest class).
        probabilities: task x class posterior probabilities.
        priors: class -> prior probability.
        confusions: worker -> DataFrame (true class rows x observed class columns), rows sum
            to 1 (a ``WorkerConfusions`` mapping; ``.array`` has them all as one array).
        skills: worker -> sum_k prior_k * pi_w[k, k], the probability that the worker's
            answer is right on a task drawn from the priors.
        n_iter: EM rounds run.
        converged: whether the tolerance was met before ``max_iter``.
        log_likelihood: final observed-data log-likelihood.
    """

    labels: pd.Series
    probabilities: pd.DataFrame
    priors: pd.Series
    confusions: WorkerConfusions
    skills: pd.Series
    n_iter: int
    converged: bool
    log_likelihood: float

    def __iter__(self) -> Iterator[object]:
        yield self.labels
        yield self.priors
        yield self.confusions
        yield self.skills


def _validate(df: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise ValueError("df must be a pandas DataFrame with columns task, worker, label")
    missing = [name for name in _REQUIRED if name not in df.columns]
    if missing:
        raise ValueError(f"df is missing column(s): {', '.join(missing)}")
    answers = df[list(_REQUIRED)]
    if answers.empty:
        raise ValueError("df has no rows: nothing to aggregate")
    nulls = answers.isna().any(axis=1).to_numpy()
    if nulls.any():
        row = answers.index[int(np.flatnonzero(nulls)[0])]
        raise ValueError(f"df row {shown(row)} has a missing task, worker or label")
    return answers


def _factorize(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    try:
        codes, uniques = pd.factorize(values, sort=True)
    except TypeError:
        codes, uniques = pd.factorize(values, sort=False)
    return np.asarray(codes, dtype=np.int64), pd.Index(uniques)


def _log_normalise(log_joint: np.ndarray) -> tuple[np.ndarray, float]:
    peak = log_joint.max(axis=1, keepdims=True)
    scaled = np.exp(log_joint - peak)
    norm = scaled.sum(axis=1, keepdims=True)
    log_likelihood = float((np.log(norm) + peak).sum())
    return scaled / norm, log_likelihood


def dawid_skene(df: pd.DataFrame, *, max_iter: int = 100, tol: float = 1e-7) -> DawidSkeneResult:
    """Infer true labels, class priors and worker confusion matrices (Dawid-Skene EM).

    Args:
        df: one row per answer with columns ``task``, ``worker``, ``label`` (hashable ids;
            a worker may answer a task more than once, each answer counts).
        max_iter: maximum EM rounds (>= 1).
        tol: stop when the mean log-likelihood per answer changes by less than this.

    Returns a ``DawidSkeneResult``. Raises ValueError for missing columns, empty input or
    missing values.
    """
    if max_iter < 1:
        raise ValueError(f"max_iter must be >= 1, got {max_iter}")
    if tol < 0:
        raise ValueError(f"tol must be >= 0, got {tol}")
    answers = _validate(df)
    task, tasks = _factorize(answers["task"])
    worker, workers = _factorize(answers["worker"])
    label, classes = _factorize(answers["label"])
    n_tasks, n_workers, n_classes = tasks.size, workers.size, classes.size
    n_answers = task.size
    ones = np.ones(n_answers)
    # answer_cells[(w, l), t]: how often worker w answered l on task t (fixed through EM).
    worker_label = worker * n_classes + label
    answer_cells = sp.csr_matrix(
        (ones, (worker_label, task)), shape=(n_workers * n_classes, n_tasks)
    )
    task_cells = answer_cells.T.tocsr()

    votes = np.bincount(task * n_classes + label, minlength=n_tasks * n_classes)
    posterior = votes.reshape(n_tasks, n_classes).astype(np.float64)
    posterior /= posterior.sum(axis=1, keepdims=True)

    previous = -np.inf
    converged = False
    n_iter = 0
    log_likelihood = -np.inf
    confusion = np.empty((n_workers, n_classes, n_classes))
    priors = np.empty(n_classes)
    for n_iter in range(1, max_iter + 1):  # noqa: B007 - n_iter is reported after the loop
        priors = np.clip(posterior.mean(axis=0), _CLIP, None)
        # mass[(w, l), k] = sum over w's answers l of posterior(task, k)
        mass = np.asarray(answer_cells @ posterior).reshape(n_workers, n_classes, n_classes)
        confusion = np.clip(mass.transpose(0, 2, 1), _CLIP, None)
        confusion /= confusion.sum(axis=2, keepdims=True)
        log_confusion = np.log(confusion).transpose(0, 2, 1).reshape(-1, n_classes)
        log_joint = np.asarray(task_cells @ log_confusion) + np.log(priors)
        posterior, log_likelihood = _log_normalise(log_joint)
        if abs(log_likelihood - previous) < tol * n_answers:
            converged = True
            break
        previous = log_likelihood

    # argmax keeps the first maximum, i.e. the smallest class in sorted order.
    labels = pd.Series(classes.to_numpy()[posterior.argmax(axis=1)], index=tasks, name="label")
    labels.index.name = "task"
    confusions = WorkerConfusions(confusion, workers, classes)
    skills = pd.Series(
        np.einsum("k,wkk->w", priors, confusion),
        index=pd.Index(workers, name="worker"),
        name="skill",
    )
    return DawidSkeneResult(
        labels=labels,
        probabilities=pd.DataFrame(
            posterior, index=pd.Index(tasks, name="task"), columns=pd.Index(classes, name="label")
        ),
        priors=pd.Series(priors, index=pd.Index(classes, name="label"), name="prior"),
        confusions=confusions,
        skills=skills,
        n_iter=n_iter,
        converged=converged,
        log_likelihood=log_likelihood,
    )
