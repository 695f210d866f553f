"""Trace a torch module to one self-contained ONNX file (app venv; torch loads lazily).

Used by ``scripts/export_minilm_onnx.py`` (the MiniLM encoder) and
:mod:`bot.components.intent_finetune` (the fine-tuned intent classifier). Both run in the app
venv; the Rasa venv only reads the files with onnxruntime.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from unittest import mock

# onnxruntime 1.23 in the Rasa venv runs it; old enough to be safe.
OPSET = 14


@contextlib.contextmanager
def _without_onnx_package() -> Iterator[None]:
    """Let torch's TorchScript exporter run when the ``onnx`` package is not installed.

    The exporter serialises the graph itself, then hands the bytes to ``onnx`` only to splice in
    onnxscript functions of custom opsets. These models use none, so that step returns the bytes
    unchanged; when ``onnx`` is missing (the app venv does not need it) it is skipped instead.
    """
    try:
        import onnx  # noqa: F401
    except ImportError:
        from torch.onnx._internal.torchscript_exporter import onnx_proto_utils

        def passthrough(model_bytes: bytes, custom_opsets: Mapping[str, int]) -> bytes:
            if custom_opsets:
                raise RuntimeError("custom opsets need the onnx package")
            return model_bytes

        with mock.patch.object(onnx_proto_utils, "_add_onnxscript_fn", passthrough):
            yield
    else:
        yield


def export_to_onnx(module: Any, example_inputs: tuple[Any, ...], target: Path, *,
                   input_names: Sequence[str], output_names: Sequence[str],
                   dynamic_axes: Mapping[str, Mapping[int, str]]) -> None:
    """Write ``module`` (in eval mode) traced on ``example_inputs`` to ``target``."""
    import torch

    module.eval()
    with torch.no_grad(), _without_onnx_package(), warnings.catch_warnings():
        # The tracer warns about the legacy exporter and Python-side shape checks in
        # transformers' mask code; the unit tests check padded batches against torch.
        warnings.simplefilter("ignore")
        # The TorchScript exporter: no onnxscript needed, one self-contained file.
        torch.onnx.export(module, example_inputs, str(target), dynamo=False,
                          input_names=list(input_names), output_names=list(output_names),
                          dynamic_axes={k: dict(v) for k, v in dynamic_axes.items()},
                          opset_version=OPSET, do_constant_folding=True)
