"""A fitted ensemble of decision trees, scored with numpy.

The short-answer and passage rankers are fitted with LightGBM (`python -m eval fit`,
`python -m eval.passages`) and shipped as the trees of their `dump_model()`, flattened into
arrays. Scoring them here keeps LightGBM out of the question path: importing it (with the
scikit-learn and pandas it loads) takes ~1.2 s, more than half of a cold `rag ask`, while
the ~60 candidates of a question pass through 300 small trees in about a millisecond.

    trees = Trees.from_lightgbm(booster.dump_model())
    trees.score(features)  # == booster.predict(features)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import ModelNotFoundError


@dataclass(frozen=True)
class Trees:
    """Every tree's nodes in flat arrays; a leaf has feature -1 and holds its value."""

    roots: np.ndarray  # the root node of each tree
    feature: np.ndarray  # the column a node splits on (-1: a leaf)
    threshold: np.ndarray  # go left when the value is <= this
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray  # a leaf's score
    depth: int  # the most splits on any path

    def score(self, features: np.ndarray | Sequence[Sequence[float]]) -> np.ndarray:
        """The ensemble's score of each row of `features`: the sum of its leaves."""
        rows = np.asarray(features, dtype=float)
        if not len(rows) or not len(self.roots):
            return np.zeros(len(rows))
        nodes = np.tile(self.roots, (len(rows), 1))
        index = np.arange(len(rows))[:, None]
        for _ in range(self.depth):
            column = self.feature[nodes]
            leaf = column < 0
            value = rows[index, np.where(leaf, 0, column)]
            ahead = np.where(value <= self.threshold[nodes], self.left[nodes], self.right[nodes])
            nodes = np.where(leaf, nodes, ahead)
        return self.value[nodes].sum(axis=1)

    def to_json(self) -> dict[str, Any]:
        """The arrays as lists, for a JSON file."""
        return {
            "roots": self.roots.tolist(),
            "feature": self.feature.tolist(),
            "threshold": self.threshold.tolist(),
            "left": self.left.tolist(),
            "right": self.right.tolist(),
            "value": self.value.tolist(),
            "depth": self.depth,
        }

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> Trees:
        """The trees `to_json` wrote."""
        return cls(
            np.asarray(record["roots"], dtype=np.int64),
            np.asarray(record["feature"], dtype=np.int64),
            np.asarray(record["threshold"], dtype=float),
            np.asarray(record["left"], dtype=np.int64),
            np.asarray(record["right"], dtype=np.int64),
            np.asarray(record["value"], dtype=float),
            int(record["depth"]),
        )

    @classmethod
    def from_lightgbm(cls, dump: dict[str, Any]) -> Trees:
        """The trees of a LightGBM `Booster.dump_model()` with numerical splits only (the
        features are never missing, so a split's default direction never applies)."""
        columns: list[int] = []
        thresholds: list[float] = []
        lefts: list[int] = []
        rights: list[int] = []
        values: list[float] = []
        roots = []
        depth = 0

        def add(node: dict[str, Any], level: int) -> int:
            nonlocal depth
            at = len(columns)
            columns.append(-1)
            thresholds.append(0.0)
            lefts.append(at)
            rights.append(at)
            values.append(float(node.get("leaf_value", 0.0)))
            if "split_feature" not in node:
                depth = max(depth, level)
                return at
            if node.get("decision_type", "<=") != "<=":
                raise ValueError(f"split {node.get('decision_type')!r} is not numerical")
            columns[at] = int(node["split_feature"])
            thresholds[at] = float(node["threshold"])
            lefts[at] = add(node["left_child"], level + 1)
            rights[at] = add(node["right_child"], level + 1)
            return at

        for tree in dump["tree_info"]:
            roots.append(add(tree["tree_structure"], 0))
        return cls(
            np.asarray(roots, dtype=np.int64),
            np.asarray(columns, dtype=np.int64),
            np.asarray(thresholds, dtype=float),
            np.asarray(lefts, dtype=np.int64),
            np.asarray(rights, dtype=np.int64),
            np.asarray(values, dtype=float),
            depth,
        )


def save_model(
    path: Path, features: Sequence[str], importance: Sequence[float], trees: Trees, **rest: Any
) -> None:
    """Write a fitted model as JSON: the feature names in their column order, the share of
    the trees' gain each has, `rest`, then the trees, one line per array, so the file stays
    readable above them."""
    record = {
        "features": list(features),
        "importance": dict(zip(features, importance, strict=True)),
        **rest,
    }
    arrays = ",\n".join(f'    "{k}": {json.dumps(v)}' for k, v in trees.to_json().items())
    text = json.dumps({**record, "trees": "TREES"}, indent=2)
    text = text.replace('"TREES"', "{\n" + arrays + "\n  }")
    path.write_text(text + "\n", encoding="utf-8")


def load_model(
    path: Path, features: Sequence[str], refit: str
) -> tuple[dict[str, Any], Trees, tuple[float, ...]]:
    """The record `save_model` wrote at `path`, its trees, and each feature's share of their
    gain; a ModelNotFoundError naming `refit`, the command that fits it again, when it was
    fitted on other features than `features`."""
    record = json.loads(path.read_text(encoding="utf-8"))
    if record.get("features") != list(features):
        raise ModelNotFoundError(
            f"{path} was fitted on other features than this version computes; "
            f"fit it again with `{refit}`"
        )
    importance = record.get("importance", {})
    shares = tuple(float(importance.get(name, 0.0)) for name in features)
    return record, Trees.from_json(record["trees"]), shares
