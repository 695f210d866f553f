"""Published sequential recommenders trained and scored in the same run as ours, with RecBole.

RecBole (``recbole==1.2.1``, an optional extra: ``requirements/bench.txt``) trains SASRec, GRU4Rec
or BERT4Rec on the very atomic files our evaluator reads (``NAME.{train,valid,test}.inter``, the
UniSRec split), picks the epoch on valid, and scores test with its own full-sort evaluator
(history items kept as candidates: its default for sequential models). The trained network is
then exported as a ``ScoreFn`` over our item order, so ``recommender.evaluate``'s metric code
ranks it under both history protocols too.

RecBole 1.2.1 predates numpy 2 and torch's ``weights_only`` default; ``_compatibility`` shims the
two here (nothing in site-packages is edited).
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from recommender.data import Example
from recommender.scoring import ScoreFn

PEERS = ("SASRec", "GRU4Rec", "BERT4Rec")

BASE_CONFIG: dict[str, Any] = {
    "benchmark_filename": ["train", "valid", "test"],
    "alias_of_item_id": ["item_id_list"],
    "load_col": {"inter": ["user_id", "item_id_list", "item_id"]},
    "USER_ID_FIELD": "user_id",
    "ITEM_ID_FIELD": "item_id",
    # Our shopper tower reads the last 20 items too; only 0.8 % of test histories are longer,
    # and 50 (the UniSRec setting) costs 2.5x the CPU time per epoch.
    "MAX_ITEM_LIST_LENGTH": 20,
    "train_neg_sample_args": None,
    "loss_type": "CE",
    "eval_args": {"order": "TO", "mode": "full", "group_by": "user"},
    "metrics": ["Recall", "NDCG", "MRR"],
    "topk": [10, 20],
    "valid_metric": "NDCG@10",
    "train_batch_size": 512,
    "eval_batch_size": 4096,
    "stopping_step": 3,
    "use_gpu": False,
    "show_progress": False,
    "reproducibility": True,
    "seed": 2020,
    "log_wandb": False,
    "save_dataset": False,
    "save_dataloaders": False,
}


class PeerError(RuntimeError):
    """RecBole is missing or a peer could not be trained."""


class _OutOfTime(Exception):
    """Raised from RecBole's per-epoch callback to end training at the time budget."""


@dataclass
class PeerRun:
    """One trained peer: its settings, RecBole's own scores and a scorer for our evaluator.

    ``valid`` is RecBole's score of the best epoch on valid (``best_epoch``, 1-based; an epoch is
    validated when ``eval_step`` divides it), ``test_recbole`` its full-sort score on test.
    """

    model: str
    params: dict[str, Any]
    valid: dict[str, float]
    test_recbole: dict[str, float]
    best_epoch: int
    epochs_run: int
    train_seconds: float
    scorer: ScoreFn = field(repr=False)


def _compatibility() -> None:
    """numpy 2 dropped the aliases RecBole's ``Config.compatibility_settings`` reads."""
    for alias, value in (("float_", np.float64), ("complex_", np.complex128),
                         ("unicode_", np.str_)):
        if not hasattr(np, alias):
            setattr(np, alias, value)


def _import_recbole() -> Any:
    try:
        import recbole  # noqa: F401
    except ImportError as exc:
        raise PeerError("RecBole is not installed: pip install -r requirements/bench.txt "
                        "(recbole==1.2.1 --no-deps, see that file)") from exc
    _compatibility()
    from recbole.config import Config
    from recbole.data import create_dataset, data_preparation
    from recbole.utils import get_model, get_trainer, init_seed

    return Config, create_dataset, data_preparation, get_model, get_trainer, init_seed


def _tensorboard_into(folder: Path) -> None:
    """RecBole's trainer writes TensorBoard logs under ``./log_tensorboard`` of the working
    directory; send them to the run's temporary folder instead."""
    import recbole.trainer.trainer as recbole_trainer
    from torch.utils.tensorboard import SummaryWriter

    recbole_trainer.get_tensorboard = lambda logger: SummaryWriter(str(folder))


def _linked_dataset(dataset_dir: Path, name: str, workdir: Path, max_length: int) -> Path:
    """RecBole reads ``data_path/NAME/NAME.*``: the atomic files, each history cut to its last
    ``max_length`` items (RecBole takes benchmark files' sequences as they are, and its position
    embeddings stop at ``MAX_ITEM_LIST_LENGTH``). Rows, order and targets are unchanged."""
    folder = workdir / name
    folder.mkdir(parents=True, exist_ok=True)
    for split in ("train", "valid", "test"):
        source = Path(dataset_dir) / f"{name}.{split}.inter"
        if not source.is_file():
            raise PeerError(f"{source}: file not found")
        with source.open(encoding="utf-8") as rows, \
                (folder / source.name).open("w", encoding="utf-8") as out:
            out.write(next(rows))  # header
            for line in rows:
                cols = line.rstrip("\n").split("\t")
                if len(cols) == 3:
                    cols[1] = " ".join(cols[1].split()[-max_length:])
                    out.write("\t".join(cols) + "\n")
    return workdir


def _clean(result: Mapping[str, Any]) -> dict[str, float]:
    return {key: float(value) for key, value in result.items()}


def train_peer(model_name: str, dataset_dir: Path, name: str, params: Mapping[str, Any],
               num_items: int, epochs: int = 30, workdir: Path | None = None,
               threads: int | None = None, max_seconds: float | None = None) -> PeerRun:
    """Train one RecBole model on the atomic files, keep its best-on-valid epoch, score test.

    Args:
        model_name: one of PEERS.
        dataset_dir: folder of ``NAME.{train,valid,test}.inter`` (our atomic format).
        name: the dataset name (``NAME``).
        params: RecBole settings for this run (learning rate, dropout, sizes…).
        num_items: our item count; items RecBole never saw score ``-inf`` in the scorer.
        epochs: the most epochs; early stopping on valid NDCG@10 (``stopping_step``) ends sooner.
        max_seconds: stop after the first epoch that ends past this training time (the best
            epoch on valid so far is kept, as with early stopping).
    """
    if model_name not in PEERS:
        raise PeerError(f"unknown peer {model_name!r}; expected one of {PEERS}")
    Config, create_dataset, data_preparation, get_model, get_trainer, init_seed = _import_recbole()
    if threads:
        torch.set_num_threads(threads)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(workdir or tmp)
        config = Config(model=model_name, dataset=name, config_dict={
            **BASE_CONFIG, "data_path": str(_linked_dataset(
                dataset_dir, name, root / "data", int(params.get(
                    "MAX_ITEM_LIST_LENGTH", BASE_CONFIG["MAX_ITEM_LIST_LENGTH"])))),
            "checkpoint_dir": str(root / "checkpoints"), "epochs": epochs, **params})
        logging.getLogger().setLevel(logging.WARNING)
        init_seed(config["seed"], config["reproducibility"])
        data = create_dataset(config)
        train_data, valid_data, test_data = data_preparation(config, data)
        init_seed(config["seed"] + config["local_rank"], config["reproducibility"])
        network = get_model(config["model"])(config, train_data._dataset).to(config["device"])
        _tensorboard_into(root / "tensorboard")
        trainer = get_trainer(config["MODEL_TYPE"], config["model"])(config, network)
        started = time.perf_counter()

        seen: list[int] = []

        def budget(epoch: int, score: float) -> None:
            seen.append(epoch)
            if max_seconds is not None and time.perf_counter() - started > max_seconds:
                raise _OutOfTime

        with contextlib.suppress(_OutOfTime):  # the time budget ends training like a patience
            trainer.fit(train_data, valid_data, verbose=False, saved=True, callback_fn=budget)
        seconds = time.perf_counter() - started
        valid = trainer.best_valid_result
        # torch >= 2.6 loads weights only by default; RecBole's checkpoint also pickles its
        # config, and it is the file this run just wrote, so load it in full here.
        checkpoint = torch.load(trainer.saved_model_file, map_location=config["device"],
                                weights_only=False)
        network.load_state_dict(checkpoint["state_dict"])
        network.load_other_parameter(checkpoint.get("other_parameter"))
        test = trainer.evaluate(test_data, load_best_model=False)
        tokens = data.field2id_token[config["ITEM_ID_FIELD"]]
    return PeerRun(model=model_name, params=dict(params), valid=_clean(valid),
                   test_recbole=_clean(test), best_epoch=int(checkpoint.get("epoch", -1)) + 1,
                   epochs_run=len(seen),
                   train_seconds=seconds,
                   scorer=peer_scorer(network.eval(), tokens, num_items,
                                      config["MAX_ITEM_LIST_LENGTH"]))


def peer_scorer(network: Any, tokens: Sequence[str], num_items: int,
                max_length: int) -> ScoreFn:
    """A trained RecBole sequential model as a scorer over our item indices.

    Args:
        network: the RecBole model (reads ``item_id_list`` left-aligned, ``item_length``).
        tokens: RecBole's internal item id → token (our item index as text; ``[PAD]`` at 0).
        num_items: our item count.
        max_length: RecBole's ``MAX_ITEM_LIST_LENGTH``; longer histories keep their most recent.
    """
    from recbole.data.interaction import Interaction

    internal = {int(tok): i for i, tok in enumerate(tokens) if i > 0}
    ours = torch.tensor([internal.get(i, 0) for i in range(num_items)])  # (num_items,)
    unseen = ours == 0

    @torch.no_grad()
    def score(chunk: Sequence[Example]) -> torch.Tensor:
        histories = [[internal[i] for i in e.history if i in internal][-max_length:] or [0]
                     for e in chunk]
        seq = torch.zeros(len(chunk), max_length, dtype=torch.long)  # (batch, length)
        for row, items in enumerate(histories):
            seq[row, :len(items)] = torch.tensor(items)
        lengths = torch.tensor([len(items) for items in histories])
        scores = network.full_sort_predict(
            Interaction({"item_id_list": seq, "item_length": lengths}))
        scores = scores.view(len(chunk), -1)[:, ours].float()  # (batch, num_items) our order
        scores[:, unseen] = float("-inf")
        return scores

    return score

