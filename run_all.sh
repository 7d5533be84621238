#!/usr/bin/env bash
# Long quality runs and benchmarks (not part of the default test suite).
# Each prints the figure it is judged by. Needs ../shared/data beside the checkout.
# Usage: ./run_all.sh [section ...]   (sections: tests char_rnn bench; default: all)
set -euo pipefail
cd "$(dirname "$0")"
RUNS=${RUNS:-runs/run_all}
mkdir -p "$RUNS"
want() { [ $# -eq 0 ] || [[ " $SECTIONS " == *" $1 "* ]]; }
SECTIONS="${*:-tests char_rnn bench}"

if want tests; then
  echo "== full test suite, including slow tests"
  python -m pytest -q -m "slow or not slow"
fi

if want char_rnn; then
  echo "== char_rnn: 2x128 LSTM on tinyshakespeare (target: val_loss <= 1.60 within 10 min)"
  rm -rf "$RUNS/char_rnn_shakespeare"
  /usr/bin/time -f "wall time %es" python -m tf1_models.char_rnn --config=shakespeare \
    --checkpoint_dir="$RUNS/char_rnn_shakespeare" | grep -E "^(eval|final|saved)|val_loss" | tail -3
  echo "== char_rnn: the default command on the shipped poems (target: < 5 min), then an acrostic"
  rm -rf "$RUNS/char_rnn_default"
  /usr/bin/time -f "wall time %es" python -m tf1_models.char_rnn --model=lstm \
    --checkpoint_dir="$RUNS/char_rnn_default" | tail -12
  python -m tf1_models.char_rnn --mode=sample --checkpoint_dir="$RUNS/char_rnn_default" \
    --acrostic=春夏秋冬 --temperature=0.8 --seed=1
fi

if want bench; then
  echo "== char_rnn benchmark (targets: in-graph sampler >= 5x; TF1/Keras training >= 1)"
  python -m tf1_models.char_rnn.benchmark
fi
