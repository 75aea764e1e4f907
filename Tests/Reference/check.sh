#!/usr/bin/env bash
# mantsim's tokenizers, loaders and forward pass against the independent implementation in
# reference.py (numpy, PyPI gguf and tokenizers), on the default model and on a tiny random LLaMA
# written both as GGUF and as a Hugging Face directory. Usage: check.sh MANTSIM PYTHON
set -uo pipefail
mantsim=$1
python=$2
here=$(cd "$(dirname "$0")" && pwd)
model=${MANTSIM_MODEL:-.build/models/SmolLM2-135M-Instruct.Q4_1.gguf}
text=/usr/share/common-licenses/GPL-3
cases=$here/tokenizer-cases.txt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

check() {  # name, command...
    local name=$1; shift
    if output=$("$@" 2>&1); then
        echo "reference: $name: ok${output:+ ($output)}"; passed=$((passed + 1))
    else
        echo "reference: $name: FAILED"; echo "$output" | sed 's/^/    /'; failed=$((failed + 1))
    fi
}

same_ids() {  # model (or tokenizer.json), text
    if [[ $1 == *.json ]]; then source=(--tokenizer "$1"); else source=(--model-file "$1"); fi
    "$mantsim" tokenize "${source[@]}" --text "$2" --json > "$work/mine.json" || return 1
    "$python" "$here/reference.py" tokenize --model "$1" --text "$2" > "$work/theirs.json" || return 1
    "$python" - "$work/mine.json" "$work/theirs.json" <<'PY'
import json, sys
mine, theirs = (json.load(open(p)) for p in sys.argv[1:3])
if mine != theirs:
    first = next((i for i, (a, b) in enumerate(zip(mine, theirs)) if a != b), min(len(mine), len(theirs)))
    sys.exit(f"{len(mine)} vs {len(theirs)} ids; first difference at {first}: {mine[first:first + 6]} vs {theirs[first:first + 6]}")
print(f"{len(mine)} ids identical")
PY
}

round_trip() {  # model (or tokenizer.json), text
    if [[ $1 == *.json ]]; then source=(--tokenizer "$1"); else source=(--model-file "$1"); fi
    "$mantsim" tokenize "${source[@]}" --text "$2" --decode > /dev/null 2> "$work/decode.txt" || return 1
    grep -q "byte for byte" "$work/decode.txt" || { cat "$work/decode.txt"; return 1; }
}

same_perplexity() {  # model, context, max tokens, tolerance, [second model for mantsim]
    "$mantsim" perplexity --no-cache --model-file "${5:-$1}" --text "$text" --context "$2" --max-tokens "$3" --json > "$work/mine.json" || return 1
    "$python" "$here/reference.py" perplexity --model "$1" --text "$text" --context "$2" --max-tokens "$3" > "$work/theirs.json" || return 1
    "$python" - "$work/mine.json" "$work/theirs.json" "$4" <<'PY'
import json, sys
mine = json.load(open(sys.argv[1]))["perplexity"]
theirs = json.load(open(sys.argv[2]))
tolerance = float(sys.argv[3])
for key in ("tokens", "windows", "predictions"):
    if mine[key] != theirs[key]:
        sys.exit(f"{key}: {mine[key]} vs {theirs[key]}")
relative = abs(mine["perplexity"] - theirs["perplexity"]) / theirs["perplexity"]
if relative > tolerance:
    sys.exit(f"perplexity {mine['perplexity']!r} vs {theirs['perplexity']!r}: relative difference {relative:.2e} > {tolerance:g}")
print(f"perplexity {mine['perplexity']:.6f} vs {theirs['perplexity']:.6f}, relative difference {relative:.1e}")
PY
}

same_int8_perplexity() {  # model, context, max tokens, tolerance
    # The INT8 array's formats (W8A8, INT8 KV cache) against reference.py's own implementation of them.
    "$mantsim" perplexity --no-cache --model-file "$1" --text "$text" --context "$2" --max-tokens "$3" --archs int8 --json > "$work/mine.json" || return 1
    "$python" "$here/reference.py" perplexity --numerics w8a8 --model "$1" --text "$text" --context "$2" --max-tokens "$3" > "$work/theirs.json" || return 1
    "$python" - "$work/mine.json" "$work/theirs.json" "$4" <<'PY'
import json, sys
mine = json.load(open(sys.argv[1]))["architectures"][0]["perplexity"]["perplexity"]
theirs = json.load(open(sys.argv[2]))["perplexity"]
relative = abs(mine - theirs) / theirs
if relative > float(sys.argv[3]):
    sys.exit(f"perplexity {mine!r} vs {theirs!r}: relative difference {relative:.2e} > {sys.argv[3]}")
print(f"perplexity {mine:.4f} vs {theirs:.4f}, relative difference {relative:.1e}")
PY
}

same_values() {  # GGUF file, tensor
    "$mantsim" inspect "$1" --tensor "$2" --output "$work/$2.npy" > /dev/null || return 1
    "$python" "$here/reference.py" dequantized --model "$1" --tensor "$2" --npy "$work/$2.npy"
}

"$python" "$here/reference.py" blocks --out "$work/blocks" || { echo "reference: could not write the block file"; exit 1; }
for tensor in f32 f16 bf16 q8_0 q4_0 q4_1 q4_k q6_k; do
    check "dequantized $tensor blocks against gguf-py" same_values "$work/blocks/blocks.gguf" $tensor
done
check "default model: dequantized token_embd.weight (Q8_0) against gguf-py" same_values "$model" token_embd.weight
check "default model: dequantized blk.0.ffn_down.weight (Q4_1) against gguf-py" same_values "$model" blk.0.ffn_down.weight

check "default model: token ids of $text" same_ids "$model" "$text"
check "default model: token ids of the tokenizer cases" same_ids "$model" "$cases"
check "default model: decode(encode(GPL-3)) is the text" round_trip "$model" "$text"
check "default model: decode(encode(cases)) is the text" round_trip "$model" "$cases"
check "default model: perplexity, C = 256, first 513 tokens" same_perplexity "$model" 256 513 1e-4
# Per-token INT8 activations make this perplexity sensitive to the last bit of its inputs: scaling
# every activation by 1 +- 1e-6 or 1 + 3e-6 in reference.py moved it over 24.54 to 24.82 (1.2%) on
# these 2,049 tokens (and over 22.4 to 23.8, 6%, on 513), so two correct implementations whose FP32
# sums differ in order agree only to about that.
check "default model: perplexity under the INT8 array's formats, C = 512, first 2,049 tokens" same_int8_perplexity "$model" 512 2049 3e-2

"$python" "$here/reference.py" tiny --out "$work/tiny" --text "$text" > /dev/null || { echo "reference: could not write the tiny model"; exit 1; }
check "tiny GGUF: token ids of the tokenizer cases (GGUF keys)" same_ids "$work/tiny/tiny.gguf" "$cases"
check "tiny HF: token ids of the tokenizer cases (tokenizer.json)" same_ids "$work/tiny/hf" "$cases"
check "tiny HF: decode(encode(cases)) is the text" round_trip "$work/tiny/hf" "$cases"
check "SentencePiece-style tokenizer.json (byte fallback): token ids of the tokenizer cases" same_ids "$work/tiny/sp-tokenizer.json" "$cases"
check "SentencePiece-style tokenizer.json: token ids of $text" same_ids "$work/tiny/sp-tokenizer.json" "$text"
check "SentencePiece-style tokenizer.json: decode(encode(cases)) is the text" round_trip "$work/tiny/sp-tokenizer.json" "$cases"
check "LLaMA-3-style tokenizer.json (its split, ignore_merges): token ids of the tokenizer cases" same_ids "$work/tiny/llama3-tokenizer.json" "$cases"
check "LLaMA-3-style tokenizer.json: token ids of $text" same_ids "$work/tiny/llama3-tokenizer.json" "$text"
check "LLaMA-3-style tokenizer.json: decode(encode(cases)) is the text" round_trip "$work/tiny/llama3-tokenizer.json" "$cases"
check "tiny GGUF: perplexity, C = 128, first 600 tokens" same_perplexity "$work/tiny/tiny.gguf" 128 600 1e-5
check "tiny HF: perplexity, C = 128, first 600 tokens" same_perplexity "$work/tiny/hf" 128 600 1e-5
check "tiny: mantsim on the GGUF file against numpy on the HF directory" same_perplexity "$work/tiny/hf" 128 600 1e-5 "$work/tiny/tiny.gguf"

echo "reference: $passed passed, $failed failed"
[ "$failed" = 0 ]
