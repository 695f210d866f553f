#!/usr/bin/env bash
# Five-fold cross-validation of the NLU pipeline and the issue #4 gate:
# intent macro F1 >= 0.95 and entity (CRF) micro F1 >= 0.90 on held-out folds.
#   scripts/nlu_cross_validation.sh [out_dir]     (default results/nlu_cv5; ~2 h on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-results/nlu_cv5}
export PYTHONPATH=$PWD TF_CPP_MIN_LOG_LEVEL=2 RASA_TELEMETRY_ENABLED=false

.venv-rasa/bin/rasa test nlu --nlu bot/data/nlu --config config.yml \
    --cross-validation --folds 5 --out "$OUT"

.venv-rasa/bin/python - "$OUT" <<'PY'
import json, sys
from pathlib import Path

out = Path(sys.argv[1])
intents = json.loads((out / "intent_report.json").read_text())
entities = json.loads((out / "CRFEntityTagger_report.json").read_text())
intent_f1 = intents["macro avg"]["f1-score"]
entity_f1 = entities["micro avg"]["f1-score"]
print(f"intent macro F1 {intent_f1:.3f} (gate 0.95), accuracy {intents['accuracy']:.3f}")
print(f"CRF entity micro F1 {entity_f1:.3f} (gate 0.90)")
for name, row in sorted(intents.items(), key=lambda kv: kv[1]["f1-score"] if isinstance(kv[1], dict) else 9):
    if isinstance(row, dict) and "confused_with" in row and row["f1-score"] < 0.95:
        print(f"  {name:22s} F1 {row['f1-score']:.2f}  confused with {row['confused_with']}")
sys.exit(0 if intent_f1 >= 0.95 and entity_f1 >= 0.90 else 1)
PY
