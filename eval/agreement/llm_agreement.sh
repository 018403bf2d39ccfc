#!/bin/sh
# LLM-judge agreement on a seeded sample of N (default 30) items of each held-out set, one data set at a time, the
# most informative first. Each part writes eval/results/agreement-llm-sN-<part>.json when a split finishes and
# .items.jsonl as each item is scored. Run from the project root, in the venv.
set -u
N=${N:-30}
# A shared, busy model server can take minutes for one long QAGS prompt; a timeout leaves the item unscored.
export STUDYFLOW_LLM_TIMEOUT=${STUDYFLOW_LLM_TIMEOUT:-600}
run() {
  part=$1
  shift
  python -m eval.agreement --judge llm --sample "$N" --seed 0 --held-out \
    --out "eval/results/agreement-llm-s$N-$part.json" "$@"
}
[ -n "${SKIP_STSB:-}" ] || run stsb --datasets stsb
run qags_cnndm --datasets qags_cnndm
run tc_coh_flu --datasets topical_chat --metrics coherence fluency
run qags_xsum --datasets qags_xsum
run tc_rel_gro --datasets topical_chat --metrics relevance groundedness
