#!/usr/bin/env bash
# Long quality runs and benchmarks (not part of the default test suite).
# Each prints the figure it is judged by. Needs ../shared/data beside the checkout.
# Usage: ./run_all.sh [section ...]
#   sections: tests char_rnn text8_lstm word2vec next_char seq2seq distributed bench chaos (default: all)
set -euo pipefail
cd "$(dirname "$0")"
RUNS=${RUNS:-runs/run_all}
mkdir -p "$RUNS"
want() { [ $# -eq 0 ] || [[ " $SECTIONS " == *" $1 "* ]]; }
SECTIONS="${*:-tests char_rnn text8_lstm word2vec next_char seq2seq distributed bench chaos}"

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

if want text8_lstm; then
  echo "== text8_lstm: the notebook's 7001 steps (target: separate val perplexity <= 4.5)"
  for v in separate fused bigram; do
    rm -rf "$RUNS/text8_lstm_$v"
    python -m tf1_models.text8_lstm --variant=$v --checkpoint_dir="$RUNS/text8_lstm_$v" \
      | grep -E "^(final|eval)" | tail -1 | sed "s/^/$v: /"
  done
  echo "== text8_lstm: separate's checkpoint converted to fused prints separate's exact figure"
  rm -rf "$RUNS/text8_lstm_fused_from_separate"
  python -m tf1_models.text8_lstm --mode=convert --checkpoint_dir="$RUNS/text8_lstm_separate" \
    --to_variant=fused --output_dir="$RUNS/text8_lstm_fused_from_separate"
  python -m tf1_models.text8_lstm --variant=fused --num_samples=1 \
    --checkpoint_dir="$RUNS/text8_lstm_fused_from_separate" | grep -E "^(final|eval)" | tail -1
  echo "== text8_lstm: how far float32 rounding moves the figure (separate, separate with one"
  echo "   initial weight one ulp up, fused; fused's gap should be about the nudges' or less)"
  rm -rf "$RUNS/text8_lstm_reproducibility"
  python -m tf1_models.text8_lstm --mode=reproducibility \
    --output_dir="$RUNS/text8_lstm_reproducibility" | grep -v "^training"
fi

if want word2vec; then
  echo "== word2vec: skip-gram and CBOW, 100,001 steps (target: skip-gram number words >= 4 of 8)"
  for m in skipgram cbow; do
    rm -rf "$RUNS/word2vec_$m"
    python -m tf1_models.word2vec --config=seed --model=$m --checkpoint_dir="$RUNS/word2vec_$m" \
      | grep -E "^final|number words" | tail -2 | sed "s/^/$m: /"
  done
  python -m tf1_models.word2vec --checkpoint_dir="$RUNS/word2vec_skipgram" --nearest=one,would,france,more
fi

if want next_char; then
  echo "== next_char: both implementations on tinyshakespeare, then convert TF1 -> Keras"
  for impl in tf1 keras; do
    rm -rf "$RUNS/next_char_$impl"
    python -m tf1_models.next_char --impl=$impl --checkpoint_dir="$RUNS/next_char_$impl" | tail -4
  done
  rm -rf "$RUNS/next_char_tf1_as_keras"
  python -m tf1_models.next_char --mode=convert --checkpoint_dir="$RUNS/next_char_tf1" \
    --output_dir="$RUNS/next_char_tf1_as_keras"
  echo "== next_char memory benchmark (target: peak < 1.5 GB)"
  python -m tf1_models.next_char.benchmark
fi

if want seq2seq; then
  echo "== seq2seq: --task=mirror, default preset (target: held-out exact match >= 90% within 20 min)"
  rm -rf "$RUNS/seq2seq_mirror"
  /usr/bin/time -f "wall time %es" python -m tf1_models.seq2seq --task=mirror \
    --checkpoint_dir="$RUNS/seq2seq_mirror" | grep -E "^(eval|saved|held-out)|->"
  echo "the quick brown fox" | python -m tf1_models.seq2seq --decode \
    --checkpoint_dir="$RUNS/seq2seq_mirror"          # expect: eht kciuq nworb xof
  python -m tf1_models.seq2seq --task=self_test
  echo "== seq2seq --decoder=dynamic (contrib.seq2seq, Luong): measured 99.0% greedy, 99.1% beam 4 in 8.5 min; target >= 90% held-out exact match within 20 min; beam >= greedy"
  rm -rf "$RUNS/seq2seq_dynamic"
  /usr/bin/time -f "wall time %es" python -m tf1_models.seq2seq --config=dynamic \
    --checkpoint_dir="$RUNS/seq2seq_dynamic" | grep -E "^(eval|saved|held-out)"
  for k in 4 8; do
    python -m tf1_models.seq2seq --config=dynamic --evaluate --beam_width=$k \
      --checkpoint_dir="$RUNS/seq2seq_dynamic" | grep "^held-out"
  done
fi

if want distributed; then
  echo "== char_rnn: one process vs 1 ps + 2 synchronous workers on this machine (steps/s)"
  python -m tf1_models.char_rnn.scaling --steps=200
  echo "== every TF1 model: bytes per worker per step (from the graphs); steps/s of 1 process vs 1 ps + 2 synchronous workers"
  python -m tf1_models.scaling --measure=next_char,word2vec,seq2seq,text8_lstm --steps=100
fi

if want bench; then
  echo "== char_rnn benchmark (targets: in-graph sampler >= 5x; TF1/Keras training >= 1)"
  python -m tf1_models.char_rnn.benchmark
  echo "== every model's sampler: graph loop vs XLA-compiled loop"
  python -m tf1_models.sampler_speed
  echo "== the other models' training steps: seed graph vs faster paths (interleaved medians), then where a step goes"
  python -m tf1_models.train_speed
  python -m tf1_models.train_speed --profile
  if [ -f ../shared/perf/peers.py ]; then
    echo "== ../shared/perf/peers.py beside the project (PyTorch rows need torch; see its README)"
    python ../shared/perf/peers.py --seconds 10 --extra-path . \
      --only numpy_limit,torch_nn_lstm,sample_numpy_limit,sample_numpy \
      --extra train:tf1=tf1_models.char_rnn.benchmark:make_tf1_train_step \
      --extra train:tf1_hoisted_grad=tf1_models.char_rnn.benchmark:make_tf1_hoisted_grad_train_step \
      --extra train:keras=tf1_models.char_rnn.benchmark:make_keras_train_step \
      --extra sample:sampler=tf1_models.char_rnn.benchmark:make_sampler \
      --extra sample:sampler_xla=tf1_models.char_rnn.benchmark:make_xla_sampler \
      --out /tmp/peers-results.json
  fi
fi

if want chaos; then
  echo "== chaos: kill -9 each model's training 5 times, resume; final weights vs an uninterrupted run"
  python -m tests.chaos --kills=5
fi
