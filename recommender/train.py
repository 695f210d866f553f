"""Train the two-tower recommender: ``python -m recommender.train --dataset DIR --out DIR``.

Validates on the valid split after each epoch, keeps the best checkpoint (by NDCG@10), fits the
propensity head on the valid split, and writes a self-describing folder (``recommender.io``).
Several GPUs: ``torchrun --nproc_per_node N -m recommender.train ...`` (DistributedDataParallel).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from recommender import distributed as dist
from recommender.data import load_dataset
from recommender.encoding import autocast, encode_texts, tokenise
from recommender.io import new_model, save_model
from recommender.loss import log_sampling_probability
from recommender.metrics import ranking_metrics
from recommender.model import ModelConfig, PropensityHead
from recommender.objective import ItemCache, RetrievalObjective
from recommender.propensity import candidate_set, fit_propensity, propensity_metrics
from recommender.scoring import model_scorer, rank_examples


@dataclass
class TrainConfig:
    """Training settings. Defaults are the CPU recipe (2 cores, under an hour)."""

    dataset: Path
    out: Path
    epochs: int = 2
    batch_size: int = 128
    lr: float = 1e-4
    head_lr: float = 1e-3
    weight_decay: float = 0.01
    warmup: float = 0.05
    trainable_layers: int = 2
    max_item_tokens: int = 48
    max_history: int = 20
    history_grad: bool = False
    refresh_every: int = 100
    query_prob: float = 0.1
    logq: bool = True
    descriptions: bool = True
    seed: int = 42
    device: str | None = None
    max_steps: int | None = None
    resume: bool = False
    base_dir: Path | None = None
    progress: bool = True


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)


def pseudo_request(text: str) -> str:
    """What a shopper asking for this item might say: the last words of its category path."""
    parts = [p.strip() for p in text.split(". ") if p.strip()]
    category = parts[1] if len(parts) > 1 else parts[0] if parts else text
    return " ".join(category.split()[-3:])


@torch.no_grad()
def build_cache(model, tokenizer, texts, config: TrainConfig, device) -> ItemCache:  # type: ignore[no-untyped-def]
    model.eval()  # the cached frozen prefix must not carry dropout noise
    items = tokenise(tokenizer, texts, config.max_item_tokens)
    prefix = torch.empty(len(items), items.ids.shape[1], model.config.dim,
                         dtype=torch.bfloat16 if device.type == "cuda" else torch.float32,
                         device=device)
    for start in range(0, len(items), 512):
        index = torch.arange(start, min(start + 512, len(items)))
        ids, mask = items.ids[index].to(device), items.mask[index].to(device)
        prefix[start:start + len(index)] = model.text.prefix(ids, mask).to(prefix.dtype)
    cache = ItemCache(prefix=prefix, mask=items.mask.to(device),
                      vectors=torch.empty(len(items), model.config.dim, device=device))
    if config.query_prob > 0:
        requests = tokenise(tokenizer, [pseudo_request(t) for t in texts], 16)
        cache.query_vectors = encode_texts(model, requests, device)
    model.train()
    return cache


@torch.no_grad()
def refresh(model, cache: ItemCache) -> None:  # type: ignore[no-untyped-def]
    """Recompute every item vector with the current weights."""
    model.eval()
    for start in range(0, cache.vectors.shape[0], 512):
        index = torch.arange(start, min(start + 512, cache.vectors.shape[0]), device=cache.mask.device)
        with autocast(cache.mask.device):
            cache.vectors[index] = cache.encode(model, index).float()
    model.train()


def validate(model, cache: ItemCache, examples) -> dict:  # type: ignore[no-untyped-def]
    model.eval()
    ranks = rank_examples(model_scorer(model, cache.vectors), examples)
    model.train()
    return ranking_metrics(ranks)


def _optimiser(model, config: TrainConfig, total_steps: int):  # type: ignore[no-untyped-def]
    text = [p for p in model.text.parameters() if p.requires_grad]
    rest = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith("text.")]
    optimiser = torch.optim.AdamW(
        [{"params": text, "lr": config.lr}, {"params": rest, "lr": config.head_lr}],
        weight_decay=config.weight_decay,
    )
    warm = max(1, int(config.warmup * total_steps))

    def schedule(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        return max(0.0, (total_steps - step) / max(1, total_steps - warm))

    return optimiser, torch.optim.lr_scheduler.LambdaLR(optimiser, schedule)


def train(config: TrainConfig) -> Path:
    """Train, validate, save; returns the output folder."""
    rank, world, device = dist.setup(config.device)
    seed_everything(config.seed)
    started = time.perf_counter()
    dataset = load_dataset(config.dataset, with_descriptions=config.descriptions)
    model_config = ModelConfig(max_item_tokens=config.max_item_tokens,
                               max_history=config.max_history,
                               trainable_layers=config.trainable_layers)
    model, tokenizer, base = new_model(model_config, config.base_dir)
    model.to(device).train()
    cache = build_cache(model, tokenizer, dataset.item_texts, config, device)
    targets = torch.bincount(torch.tensor([e.target for e in dataset.splits["train"]]),
                             minlength=dataset.num_items)
    objective = RetrievalObjective(
        model, log_sampling_probability(targets) if config.logq else torch.zeros(dataset.num_items),
        config.history_grad,
    ).to(device)
    objective.cache = cache
    wrapped = dist.wrap(objective, device)
    examples = list(dataset.splits["train"])
    steps_per_epoch = len(examples) // (config.batch_size * world)
    if steps_per_epoch == 0:
        raise ValueError(f"{len(examples)} training examples are fewer than one batch of "
                         f"{config.batch_size * world}; lower --batch-size")
    total = steps_per_epoch * config.epochs
    if config.max_steps is not None:
        total = min(total, config.max_steps)
    optimiser, scheduler = _optimiser(model, config, max(total, 1))
    out = Path(config.out)
    state_path = out / "checkpoint" / "train_state.pt"
    start_epoch, step, best, history = 0, 0, -1.0, []
    if config.resume and state_path.is_file():
        state = torch.load(state_path, map_location=device, weights_only=False)
        model.load_state_dict(state["model"])
        optimiser.load_state_dict(state["optimiser"])
        scheduler.load_state_dict(state["scheduler"])
        start_epoch, step, best, history = (state["epoch"] + 1, state["step"], state["best"],
                                            state["history"])
        torch.set_rng_state(state["rng"])
    generator = torch.Generator().manual_seed(config.seed)
    best_state = None
    if rank == 0 and not history:
        refresh(model, cache)
        initial = validate(model, cache, dataset.splits["valid"])
        print("valid before training: " + _brief(initial), flush=True)
        history.append({**initial, "epoch": 0, "step": 0})
        best = initial["ndcg@10"]
        best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    for epoch in range(start_epoch, config.epochs):
        if step >= total:
            break
        refresh(model, cache)
        order = torch.randperm(len(examples), generator=torch.Generator().manual_seed(
            config.seed + epoch)).tolist()
        mine = order[rank::world]
        bar = tqdm(range(steps_per_epoch), desc=f"epoch {epoch + 1}/{config.epochs}",
                   disable=not (config.progress and rank == 0), unit="step")
        for batch_no in bar:
            if step >= total:
                break
            batch = [examples[i] for i in mine[batch_no * config.batch_size:
                                               (batch_no + 1) * config.batch_size]]
            with_query = torch.rand(len(batch), generator=generator) < config.query_prob
            loss = wrapped(batch, with_query if config.query_prob > 0 else None)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            scheduler.step()
            step += 1
            bar.set_postfix(loss=f"{loss.item():.3f}", temp=f"{model.temperature.item():.3f}")
            if config.refresh_every and step % config.refresh_every == 0:
                refresh(model, cache)
        refresh(model, cache)
        if rank == 0:
            metrics = validate(model, cache, dataset.splits["valid"])
            metrics.update(epoch=epoch + 1, step=step)
            history.append(metrics)
            print(f"valid after epoch {epoch + 1}: " + _brief(metrics), flush=True)
            if metrics["ndcg@10"] > best:
                best = metrics["ndcg@10"]
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            state_path.parent.mkdir(parents=True, exist_ok=True)
            torch.save({"model": model.state_dict(), "optimiser": optimiser.state_dict(),
                        "scheduler": scheduler.state_dict(), "epoch": epoch, "step": step,
                        "best": best, "history": history, "rng": torch.get_rng_state()},
                       state_path)
        dist.barrier()
    if rank == 0:
        if best_state is not None:
            model.load_state_dict(best_state)
        model.eval()
        refresh(model, cache)
        model.eval()
        head = _fit_head(model, cache, dataset)
        save_model(out, model, tokenizer, head[0], base, extra={
            "training": {**{k: str(v) if isinstance(v, Path) else v
                            for k, v in asdict(config).items()},
                         "dataset_name": dataset.name, "world_size": world,
                         "device": str(device), "seconds": round(time.perf_counter() - started, 1)},
            "metrics": {"valid_by_epoch": history, "propensity_valid": head[1]},
        })
        print(f"saved {out}", flush=True)
    dist.teardown()
    return out


def _brief(metrics: dict) -> str:
    return json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in metrics.items()})


def _fit_head(model, cache: ItemCache, dataset) -> tuple[PropensityHead, dict]:  # type: ignore[no-untyped-def]
    counts = torch.tensor(dataset.item_counts("train"), dtype=torch.float32)
    log_pop = torch.log1p(counts)
    valid = candidate_set(model, cache.vectors, dataset.splits["valid"], log_pop)
    head = fit_propensity(PropensityHead(), valid)
    return head, propensity_metrics(head, valid)


def parse_args(argv: list[str] | None = None) -> TrainConfig:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for field in fields(TrainConfig):
        name = "--" + field.name.replace("_", "-")
        kind = field.type if isinstance(field.type, type) else str(field.type)
        if field.name in {"dataset", "out"}:
            parser.add_argument(name, type=Path, required=True)
        elif "bool" in str(kind):
            parser.add_argument(name, action=argparse.BooleanOptionalAction, default=field.default)
        elif "Path" in str(kind):
            parser.add_argument(name, type=Path, default=field.default)
        elif "int" in str(kind):
            parser.add_argument(name, type=int, default=field.default)
        elif "float" in str(kind):
            parser.add_argument(name, type=float, default=field.default)
        else:
            parser.add_argument(name, type=str, default=field.default)
    return TrainConfig(**vars(parser.parse_args(argv)))


def main(argv: list[str] | None = None) -> None:
    train(parse_args(argv))


if __name__ == "__main__":
    main()
