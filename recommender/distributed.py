"""Single-process or ``torchrun`` (DistributedDataParallel) training, chosen by the environment."""

from __future__ import annotations

import os

import torch
from torch import nn


def setup(device: str | None = None) -> tuple[int, int, torch.device]:
    """Rank, world size and device; joins the process group when started by ``torchrun``."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1:
        local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        use_cuda = torch.cuda.is_available() and device != "cpu"
        torch.distributed.init_process_group("nccl" if use_cuda else "gloo")
        if use_cuda:
            torch.cuda.set_device(local_rank)
            return torch.distributed.get_rank(), world, torch.device("cuda", local_rank)
        return torch.distributed.get_rank(), world, torch.device("cpu")
    if device:
        return 0, 1, torch.device(device)
    return 0, 1, torch.device("cuda" if torch.cuda.is_available() else "cpu")


def wrap(module: nn.Module, device: torch.device) -> nn.Module:
    """``module`` itself, or wrapped in DistributedDataParallel when running distributed."""
    if not torch.distributed.is_available() or not torch.distributed.is_initialized():
        return module
    ids = [device.index] if device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(module, device_ids=ids,
                                               find_unused_parameters=True)


def barrier() -> None:
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.barrier()


def teardown() -> None:
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()
