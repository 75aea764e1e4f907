#!/usr/bin/env python3
"""An independent LLaMA implementation to check MantSim's against: PyPI's gguf reads and
dequantizes the file, PyPI's tokenizers builds the tokenizer from the same vocabulary and merges,
and the forward pass is plain numpy in FP32, in Hugging Face's layout (GGUF's Q and K rows are
permuted back, and RoPE rotates (i, i + d/2)). Perplexity uses the same windows as mantsim's.

  reference.py tokenize   --model M --text T                 token ids as JSON
  reference.py perplexity --model M --text T --context C [--max-tokens N]
  reference.py tiny       --out DIR                          a tiny random LLaMA as GGUF and HF
  reference.py blocks     --out DIR                          random blocks of every type mantsim reads
  reference.py dequantized --model F --tensor NAME --npy X   does X hold gguf-py's values bit for bit?
M is a GGUF file or a Hugging Face directory (config.json, model.safetensors, tokenizer.json).
"""
import argparse
import json
import os
import struct
import sys
import time

import numpy as np
import gguf
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers


# ---------------------------------------------------------------------------------------------
# Loading

def gguf_tokenizer(reader):
    def field(name):
        return reader.fields[name].contents()
    tokens = field("tokenizer.ggml.tokens")
    merges = [tuple(m.split(" ", 1)) for m in field("tokenizer.ggml.merges")]
    types = field("tokenizer.ggml.token_type")
    pre = field("tokenizer.ggml.pre") if "tokenizer.ggml.pre" in reader.fields else "default"
    tokenizer = Tokenizer(models.BPE(vocab={t: i for i, t in enumerate(tokens)}, merges=merges))
    steps = [pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)]
    if pre == "smollm":
        steps.insert(0, pre_tokenizers.Digits(individual_digits=True))
    elif pre not in ("default", "gpt2"):
        raise SystemExit(f"reference.py: pre-tokenizer {pre} is not built here")
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(steps)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.add_special_tokens([tokens[i] for i, t in enumerate(types) if t in (3, 4)])
    return tokenizer


def unpermute(weight, heads):
    """Undoes llama.cpp's converter permutation: GGUF rows rotate adjacent pairs, HF rows halves."""
    rows, columns = weight.shape
    return weight.reshape(heads, rows // heads // 2, 2, columns).swapaxes(1, 2).reshape(rows, columns)


def load_gguf(path):
    reader = gguf.GGUFReader(path)
    def value(name, default=None):
        return reader.fields[name].contents() if name in reader.fields else default
    arch = value("general.architecture")
    config = {
        "hidden": value(f"{arch}.embedding_length"), "heads": value(f"{arch}.attention.head_count"),
        "kv_heads": value(f"{arch}.attention.head_count_kv", value(f"{arch}.attention.head_count")),
        "layers": value(f"{arch}.block_count"), "eps": value(f"{arch}.attention.layer_norm_rms_epsilon"),
        "rope_base": value(f"{arch}.rope.freq_base", 10000.0),
    }
    tensors = {}
    for tensor in reader.tensors:
        shape = [int(x) for x in reversed(tensor.shape.tolist())]
        data = gguf.quants.dequantize(tensor.data, tensor.tensor_type)
        tensors[tensor.name] = np.asarray(data, dtype=np.float32).reshape(shape)
    names = {"token_embd.weight": "model.embed_tokens.weight", "output_norm.weight": "model.norm.weight", "output.weight": "lm_head.weight"}
    per_layer = {"attn_norm": "input_layernorm", "attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj",
                 "attn_output": "self_attn.o_proj", "ffn_norm": "post_attention_layernorm", "ffn_gate": "mlp.gate_proj",
                 "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj"}
    weights = {}
    for name, array in tensors.items():
        if name in names:
            weights[names[name]] = array
            continue
        _, layer, part, kind = name.split(".")
        if part == "attn_q":
            array = unpermute(array, config["heads"])
        elif part == "attn_k":
            array = unpermute(array, config["kv_heads"])
        weights[f"model.layers.{layer}.{per_layer[part]}.{kind}"] = array
    return config, weights, gguf_tokenizer(reader)


def read_safetensors(path):
    with open(path, "rb") as handle:
        length = struct.unpack("<Q", handle.read(8))[0]
        header = json.loads(handle.read(length))
        data = handle.read()
    dtypes = {"F32": np.float32, "F16": np.float16}
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        out[name] = np.frombuffer(data[begin:end], dtype=dtypes[entry["dtype"]]).astype(np.float32).reshape(entry["shape"])
    return out


def load_hf(path):
    with open(os.path.join(path, "config.json")) as handle:
        raw = json.load(handle)
    config = {"hidden": raw["hidden_size"], "heads": raw["num_attention_heads"],
              "kv_heads": raw.get("num_key_value_heads", raw["num_attention_heads"]), "layers": raw["num_hidden_layers"],
              "eps": raw.get("rms_norm_eps", 1e-6), "rope_base": raw.get("rope_theta", 10000.0)}
    return config, read_safetensors(os.path.join(path, "model.safetensors")), Tokenizer.from_file(os.path.join(path, "tokenizer.json"))


def load(path):
    if path.endswith(".json"):
        return None, None, Tokenizer.from_file(path)
    return load_hf(path) if os.path.isdir(path) else load_gguf(path)


# ---------------------------------------------------------------------------------------------
# Forward pass (numpy, FP32)

def rms_norm(x, weight, eps):
    variance = np.mean(x.astype(np.float64) ** 2, axis=-1, keepdims=True)
    return (x / np.sqrt(variance + eps)).astype(np.float32) * weight


def rotate(x, cos, sin):
    half = x.shape[-1] // 2
    first, second = x[..., :half], x[..., half:]
    return np.concatenate([first * cos - second * sin, first * sin + second * cos], axis=-1)


# ---------------------------------------------------------------------------------------------
# The INT8 array's numerics (W8A8, INT8 KV cache), from the formats' definitions:
# - symmetric INT8: S = fp16(max |x| / 127) (saturating), q = clamp(round_half_even(x * fp32(1 / S)), +-127),
#   value = q * S; a zero S gives 0;
# - weights per output channel; the input of every linear layer (and of the output head) per token;
# - K per token in groups of 64 along the head dimension; V per channel in groups of 64 tokens, a
#   group held in FP16 until its last token is cached (query i reads token j quantized once the
#   group of j has closed at or before i).

def int8_symmetric(x, group=None):
    """x quantized and dequantized along its last axis in groups (whole rows without a group)."""
    x = np.asarray(x, dtype=np.float32)
    rows = x.reshape(-1, x.shape[-1])
    size = rows.shape[1] if group is None else group
    out = np.empty_like(rows)
    for start in range(0, rows.shape[1], size):
        block = rows[:, start:start + size]
        scale = np.minimum(np.abs(block).max(axis=1, keepdims=True) / np.float32(127), np.float32(65504))
        scale = scale.astype(np.float16).astype(np.float32)
        with np.errstate(divide="ignore"):
            reciprocal = np.where(scale > 0, np.float32(1) / scale, np.float32(0)).astype(np.float32)
        out[:, start:start + size] = np.clip(np.rint(block * reciprocal), -127, 127).astype(np.float32) * scale
    return out.reshape(x.shape)


class Exact:
    """The checkpoint's numbers in FP32."""
    def weight(self, w):
        return w

    def activations(self, x):
        return x

    def attend(self, probabilities, k, v):
        return probabilities @ v

    def keys(self, k):
        return k


class W8A8(Exact):
    """The INT8 array's weight, activation and KV-cache formats."""
    group = 64

    def __init__(self):
        self.quantized = {}

    def weight(self, w):
        if id(w) not in self.quantized:
            self.quantized[id(w)] = int8_symmetric(w)
        return self.quantized[id(w)]

    def activations(self, x):
        return int8_symmetric(x)

    def keys(self, k):
        return int8_symmetric(k, self.group)

    def attend(self, probabilities, k, v):
        heads, t, d = v.shape
        closed = int8_symmetric(v.transpose(0, 2, 1), self.group).transpose(0, 2, 1)
        held = v.astype(np.float16).astype(np.float32)
        ends = (np.arange(t) // self.group + 1) * self.group - 1
        reads_closed = np.arange(t)[:, None] >= np.where(ends < t, ends, np.iinfo(np.int64).max)[None, :]
        return (probabilities * reads_closed) @ closed + (probabilities * ~reads_closed) @ held


def forward(config, w, tokens, numerics=Exact()):
    """Logits [T, vocab] of one window starting at position 0."""
    t = len(tokens)
    h, heads, kv_heads = config["hidden"], config["heads"], config["kv_heads"]
    d = h // heads
    x = w["model.embed_tokens.weight"][tokens]
    inv = config["rope_base"] ** (-np.arange(0, d, 2, dtype=np.float64) / d)
    angles = np.arange(t, dtype=np.float64)[:, None] * inv[None, :]
    cos, sin = np.cos(angles).astype(np.float32), np.sin(angles).astype(np.float32)
    mask = np.triu(np.ones((t, t), dtype=bool), k=1)
    linear = numerics.weight
    for layer in range(config["layers"]):
        p = f"model.layers.{layer}."
        a = numerics.activations(rms_norm(x, w[p + "input_layernorm.weight"], config["eps"]))
        q = (a @ linear(w[p + "self_attn.q_proj.weight"]).T).reshape(t, heads, d).transpose(1, 0, 2)
        k = (a @ linear(w[p + "self_attn.k_proj.weight"]).T).reshape(t, kv_heads, d).transpose(1, 0, 2)
        v = (a @ linear(w[p + "self_attn.v_proj.weight"]).T).reshape(t, kv_heads, d).transpose(1, 0, 2)
        q, k = rotate(q, cos, sin), numerics.keys(rotate(k, cos, sin))
        k = np.repeat(k, heads // kv_heads, axis=0)
        v = np.repeat(v, heads // kv_heads, axis=0)
        scores = (q @ k.transpose(0, 2, 1)) / np.float32(np.sqrt(d))
        scores = np.where(mask[None], -np.inf, scores)
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        probabilities = scores / scores.sum(axis=-1, keepdims=True)
        attention = numerics.activations(numerics.attend(probabilities, k, v).transpose(1, 0, 2).reshape(t, h))
        x = x + attention @ linear(w[p + "self_attn.o_proj.weight"]).T
        a = numerics.activations(rms_norm(x, w[p + "post_attention_layernorm.weight"], config["eps"]))
        gate = a @ linear(w[p + "mlp.gate_proj.weight"]).T
        up = a @ linear(w[p + "mlp.up_proj.weight"]).T
        x = x + numerics.activations((gate / (1 + np.exp(-gate))) * up) @ linear(w[p + "mlp.down_proj.weight"]).T
    x = numerics.activations(rms_norm(x, w["model.norm.weight"], config["eps"]))
    # A separate output head is a linear layer; a tied one is the embedding as stored.
    head = linear(w["lm_head.weight"]) if "lm_head.weight" in w else w["model.embed_tokens.weight"]
    return x @ head.T


def perplexity(config, w, tokens, context, numerics=Exact()):
    total, predictions, windows = 0.0, 0, 0
    for start in range(0, len(tokens), context):
        window = tokens[start:start + context]
        if len(window) < 2:
            continue
        logits = forward(config, w, np.array(window), numerics).astype(np.float64)[:-1]
        shifted = logits - logits.max(axis=-1, keepdims=True)
        log_probabilities = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        total -= log_probabilities[np.arange(len(window) - 1), window[1:]].sum()
        predictions += len(window) - 1
        windows += 1
    return {"tokens": len(tokens), "context": context, "windows": windows, "predictions": predictions,
            "negative_log_likelihood": total, "perplexity": float(np.exp(total / predictions))}


# ---------------------------------------------------------------------------------------------
# A tiny random LLaMA, written both ways

def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, array in tensors.items():
        blob = np.ascontiguousarray(array, dtype=np.float32).tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    encoded = json.dumps(header).encode()
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as handle:
        handle.write(struct.pack("<Q", len(encoded)) + encoded + b"".join(blobs))


def permute(weight, heads):
    """llama.cpp's converter permutation (HF halves -> GGUF adjacent pairs)."""
    rows, columns = weight.shape
    return weight.reshape(heads, 2, rows // heads // 2, columns).swapaxes(1, 2).reshape(rows, columns)


def sentencepiece_style(corpus, path):
    """A LLaMA-2-style tokenizer.json: BPE over characters with byte fallback, spaces as "▁" and
    one "▁" put before the text by the normalizer, no pre-tokenizer."""
    tokenizer = Tokenizer(models.BPE(byte_fallback=True, unk_token="<unk>"))
    tokenizer.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    tokenizer.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)])
    alphabet = sorted(set(open(corpus, encoding="utf-8", newline="").read()) - {" "}) + ["▁"]
    trainer = trainers.BpeTrainer(vocab_size=700, special_tokens=["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)],
                                  initial_alphabet=alphabet, show_progress=False)
    with open(corpus, encoding="utf-8", newline="") as handle:
        tokenizer.train_from_iterator(handle.read().splitlines(), trainer=trainer)
    # The trainer adds the byte tokens as added tokens; in LLaMA-2's file they are vocabulary only.
    saved = json.loads(tokenizer.to_str())
    saved["added_tokens"] = [t for t in saved["added_tokens"] if not t["content"].startswith("<0x")]
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(saved, handle, ensure_ascii=False)


LLAMA3_PATTERN = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"


def llama3_style(corpus, path):
    """A LLaMA-3-style tokenizer.json: its split pattern, then byte-level without GPT-2's pattern,
    whole words found in the vocabulary taken as they are (ignore_merges)."""
    tokenizer = Tokenizer(models.BPE(ignore_merges=True))
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=600, special_tokens=["<|begin_of_text|>", "<|end_of_text|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    with open(corpus, encoding="utf-8", newline="") as handle:
        tokenizer.train_from_iterator([handle.read()], trainer=trainer)
    tokenizer.save(path)


def tiny(out, corpus):
    os.makedirs(out, exist_ok=True)
    hf = os.path.join(out, "hf")
    os.makedirs(hf, exist_ok=True)
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=384, special_tokens=["<|endoftext|>", "<|user|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    with open(corpus, encoding="utf-8", newline="") as handle:
        tokenizer.train_from_iterator([handle.read()], trainer=trainer)
    tokenizer.save(os.path.join(hf, "tokenizer.json"))
    sentencepiece_style(corpus, os.path.join(out, "sp-tokenizer.json"))
    llama3_style(corpus, os.path.join(out, "llama3-tokenizer.json"))
    vocab = tokenizer.get_vocab()
    vocab_size = len(vocab)
    hidden, heads, kv_heads, ffn, layers = 64, 4, 2, 96, 2
    d = hidden // heads
    rng = np.random.default_rng(7)
    def matrix(rows, columns):
        return (rng.standard_normal((rows, columns)) / np.sqrt(columns)).astype(np.float32)
    w = {"model.embed_tokens.weight": matrix(vocab_size, hidden), "model.norm.weight": (1 + 0.1 * rng.standard_normal(hidden)).astype(np.float32),
         "lm_head.weight": matrix(vocab_size, hidden)}
    for layer in range(layers):
        p = f"model.layers.{layer}."
        w[p + "input_layernorm.weight"] = (1 + 0.1 * rng.standard_normal(hidden)).astype(np.float32)
        w[p + "post_attention_layernorm.weight"] = (1 + 0.1 * rng.standard_normal(hidden)).astype(np.float32)
        w[p + "self_attn.q_proj.weight"] = matrix(hidden, hidden)
        w[p + "self_attn.k_proj.weight"] = matrix(kv_heads * d, hidden)
        w[p + "self_attn.v_proj.weight"] = matrix(kv_heads * d, hidden)
        w[p + "self_attn.o_proj.weight"] = matrix(hidden, hidden)
        w[p + "mlp.gate_proj.weight"] = matrix(ffn, hidden)
        w[p + "mlp.up_proj.weight"] = matrix(ffn, hidden)
        w[p + "mlp.down_proj.weight"] = matrix(hidden, ffn)
    write_safetensors(os.path.join(hf, "model.safetensors"), w)
    config = {"model_type": "llama", "architectures": ["LlamaForCausalLM"], "hidden_size": hidden, "intermediate_size": ffn,
              "num_attention_heads": heads, "num_key_value_heads": kv_heads, "num_hidden_layers": layers, "vocab_size": vocab_size,
              "max_position_embeddings": 256, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "tie_word_embeddings": False}
    with open(os.path.join(hf, "config.json"), "w") as handle:
        json.dump(config, handle, indent=2)

    writer = gguf.GGUFWriter(os.path.join(out, "tiny.gguf"), "llama")
    writer.add_name("tiny-llama")
    writer.add_context_length(256)
    writer.add_embedding_length(hidden)
    writer.add_feed_forward_length(ffn)
    writer.add_block_count(layers)
    writer.add_head_count(heads)
    writer.add_head_count_kv(kv_heads)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_rope_freq_base(10000.0)
    writer.add_vocab_size(vocab_size)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("gpt2")
    tokens = sorted(vocab, key=vocab.get)
    writer.add_token_list(tokens)
    specials = {"<|endoftext|>", "<|user|>"}
    writer.add_token_types([3 if t in specials else 1 for t in tokens])
    merges = json.loads(tokenizer.to_str())["model"]["merges"]
    writer.add_token_merges([m if isinstance(m, str) else " ".join(m) for m in merges])
    names = {"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight", "lm_head.weight": "output.weight"}
    per_layer = {"input_layernorm": "attn_norm", "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
                 "self_attn.o_proj": "attn_output", "post_attention_layernorm": "ffn_norm", "mlp.gate_proj": "ffn_gate",
                 "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down"}
    for name, array in w.items():
        if name in names:
            writer.add_tensor(names[name], array)
            continue
        layer = name.split(".")[2]
        part = ".".join(name.split(".")[3:-1])
        if part == "self_attn.q_proj":
            array = permute(array, heads)
        elif part == "self_attn.k_proj":
            array = permute(array, kv_heads)
        writer.add_tensor(f"blk.{layer}.{per_layer[part]}.weight", array)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


# Where each block type keeps its FP16 scales (d, and m or dmin), which random bytes must not make
# NaN or infinite; every other byte of a block may take any value.
HALF_OFFSETS = {"Q8_0": [0], "Q4_0": [0], "Q4_1": [0, 2], "Q4_K": [0, 2], "Q6_K": [208]}


def blocks(out):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(11)
    writer = gguf.GGUFWriter(os.path.join(out, "blocks.gguf"), "llama")
    rows, columns = 6, 512
    writer.add_tensor("f32", rng.standard_normal((rows, columns)).astype(np.float32))
    writer.add_tensor("f16", rng.standard_normal((rows, columns)).astype(np.float16))
    bf16 = rng.integers(0, 1 << 16, size=(rows, columns), dtype=np.uint16)
    bf16[(bf16 & 0x7F80) == 0x7F80] &= 0xBFFF  # no NaN or infinity
    writer.add_tensor("bf16", bf16.view(np.uint8).reshape(rows, columns * 2), raw_dtype=gguf.GGMLQuantizationType.BF16)
    for name, offsets in HALF_OFFSETS.items():
        kind = gguf.GGMLQuantizationType[name]
        block_size, block_bytes = gguf.GGML_QUANT_SIZES[kind]
        raw = rng.integers(0, 256, size=(rows, columns // block_size, block_bytes), dtype=np.uint8)
        for offset in offsets:
            halves = (rng.standard_normal((rows, columns // block_size)) * 0.05).astype(np.float16)
            raw[:, :, offset:offset + 2] = halves.view(np.uint8).reshape(rows, columns // block_size, 2)
        writer.add_tensor(name.lower(), raw.reshape(rows, -1), raw_dtype=kind)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def dequantized(model, name, npy):
    reader = gguf.GGUFReader(model)
    tensor = next(t for t in reader.tensors if t.name == name)
    theirs = np.asarray(gguf.quants.dequantize(tensor.data, tensor.tensor_type), dtype=np.float32).reshape(list(reversed(tensor.shape.tolist())))
    mine = np.load(npy)
    if mine.shape != theirs.shape:
        raise SystemExit(f"{name}: shape {mine.shape} vs {theirs.shape}")
    different = np.flatnonzero(mine.view(np.uint32) != theirs.view(np.uint32))
    if different.size:
        first = different[0]
        raise SystemExit(f"{name}: {different.size} of {mine.size} values differ; first at {first}: {mine.flat[first]!r} vs {theirs.flat[first]!r}")
    print(f"{mine.size} values bit for bit")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["tokenize", "perplexity", "tiny", "blocks", "dequantized"])
    parser.add_argument("--tensor")
    parser.add_argument("--npy")
    parser.add_argument("--model")
    parser.add_argument("--text")
    parser.add_argument("--context", type=int, default=512)
    parser.add_argument("--max-tokens", type=int)
    parser.add_argument("--out")
    parser.add_argument("--numerics", choices=["fp32", "w8a8"], default="fp32",
                        help="perplexity: the checkpoint in FP32, or under the INT8 array's formats")
    args = parser.parse_args()
    if args.command == "tiny":
        tiny(args.out, args.text)
        return
    if args.command == "blocks":
        blocks(args.out)
        return
    if args.command == "dequantized":
        dequantized(args.model, args.tensor, args.npy)
        return
    config, weights, tokenizer = load(args.model)
    with open(args.text, encoding="utf-8", newline="") as handle:
        text = handle.read()
    ids = tokenizer.encode(text, add_special_tokens=False).ids
    if args.command == "tokenize":
        json.dump(ids, sys.stdout)
        return
    if args.max_tokens:
        ids = ids[:args.max_tokens]
    started = time.perf_counter()
    result = perplexity(config, weights, ids, args.context, W8A8() if args.numerics == "w8a8" else Exact())
    result["scoring_seconds"] = time.perf_counter() - started
    json.dump(result, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
