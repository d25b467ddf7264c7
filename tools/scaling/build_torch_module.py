#!/usr/bin/env python3
"""Build the PyTorch module of a cellstate model config, load its safetensors, train with DDP.

The path for users who outgrow one machine (docs/scaling.md):

    cellstate  --exportPytorch-->  model.safetensors (+ config in its metadata, or config.json)
    PyTorch    --this module-->    nn.Module with the same parameter names, trained with DDP
    PyTorch    --save_safetensors-> trained.safetensors  --importPytorch-->  cellstate (browser/Node)

Usage:

    # forward only (prints JSON with the outputs)
    python3 build_torch_module.py forward --weights model.safetensors --data data.json
    # a few DDP steps (world size from torchrun's env, else 1 process, gloo backend, CPU)
    python3 build_torch_module.py train --weights model.safetensors --data data.json \
        --steps 3 --lr 0.1 --loss mse --out trained.safetensors

    # many processes / machines: the same script under torchrun
    torchrun --nproc_per_node=4 build_torch_module.py train ...

`--config config.json` overrides the config embedded in the safetensors metadata
(`cellstate.config`). `data.json` holds {"inputs": nested list, "targets": nested list,
"lengths": optional list}. Inputs are float features, or integer ids when the first layer
is an embedding; targets are floats (mse) or class ids (cross-entropy).

Only the standard library and torch are needed (the safetensors format is read and
written by hand, as in tools/fixtures/).
"""
import argparse
import json
import os
import struct
import sys
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIG_KEY = "cellstate.config"
CONFIG_FORMAT = "cellstate.sequence-model"

# ----------------------------------------------------------------------------------
# safetensors (the format is 8-byte LE header size, JSON header, raw LE tensor bytes)

_DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool,
}
_NAMES = {v: k for k, v in _DTYPES.items()}


def load_safetensors(path):
    """Returns ({name: tensor}, metadata)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", None) or {}
    base = 8 + n
    out = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        buf = bytearray(data[base + begin:base + end])
        t = torch.frombuffer(buf, dtype=_DTYPES[info["dtype"]]) if buf else torch.empty(0, dtype=_DTYPES[info["dtype"]])
        out[name] = t.reshape(info["shape"]).clone()
    return out, metadata


def save_safetensors(path, tensors, metadata=None):
    """Writes {name: tensor} like the reference writer (larger dtypes first, then by name)."""
    items = sorted(tensors.items(), key=lambda kv: (-kv[1].element_size(), kv[0].encode("utf-8")))
    header = {"__metadata__": metadata} if metadata else {}
    chunks, offset = [], 0
    for name, t in items:
        b = t.detach().contiguous().cpu().numpy().tobytes() if t.dtype != torch.bfloat16 else t.view(torch.int16).numpy().tobytes()
        header[name] = {"dtype": _NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        chunks.append(b)
        offset += len(b)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in chunks:
            f.write(b)


# ----------------------------------------------------------------------------------
# The module


class CellstateSequenceModel(nn.Module):
    """The PyTorch twin of cellstate's SequenceModel: same layers, same parameter names."""

    def __init__(self, config):
        super().__init__()
        if config.get("format") != CONFIG_FORMAT or config.get("version") != 1:
            raise ValueError(f"not a cellstate model config (format {config.get('format')!r}, version {config.get('version')!r})")
        self.config = config
        self.batch_first = bool(config["batchFirst"])
        self.specs = config["layers"]
        for spec in self.specs:
            kind, name = spec["type"], spec["name"]
            if kind == "embedding":
                setattr(self, name, nn.Embedding(spec["numEmbeddings"], spec["embeddingDim"], padding_idx=spec.get("paddingIdx")))
            elif kind in ("lstm", "gru"):
                cls = nn.LSTM if kind == "lstm" else nn.GRU
                setattr(self, name, cls(spec["inputSize"], spec["hiddenSize"], num_layers=spec.get("numLayers", 1), bias=spec.get("bias", True),
                                        batch_first=self.batch_first, dropout=spec.get("dropout", 0.0), bidirectional=spec.get("bidirectional", False)))
            elif kind == "linear":
                setattr(self, name, nn.Linear(spec["inFeatures"], spec["outFeatures"], bias=spec.get("bias", True)))
            elif kind != "activation":
                raise ValueError(f"unknown layer type {kind!r}")

    def forward(self, x, lengths=None):
        time_axis = 1 if self.batch_first else 0
        for spec in self.specs:
            kind = spec["type"]
            m = getattr(self, spec["name"], None)
            if kind == "embedding":
                if spec.get("maskZero") and lengths is None:
                    ids = x if self.batch_first else x.t()
                    nonzero = (ids != 0).long()
                    positions = torch.arange(1, ids.shape[1] + 1).expand_as(ids)
                    lengths = (nonzero * positions).max(dim=1).values
                x = m(x)
            elif kind in ("lstm", "gru"):
                T = x.shape[time_axis]
                if lengths is not None:
                    packed = nn.utils.rnn.pack_padded_sequence(x, torch.as_tensor(lengths).cpu(), batch_first=self.batch_first, enforce_sorted=False)
                    out, state = m(packed)
                    out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=self.batch_first, total_length=T)
                else:
                    out, state = m(x)
                h_n = state[0] if kind == "lstm" else state
                D = 2 if spec.get("bidirectional", False) else 1
                mode = spec.get("output", "sequence")
                if mode == "sequence":
                    x = out
                elif mode == "final":
                    x = h_n[-D:].transpose(0, 1).reshape(h_n.shape[1], -1)
                else:  # last-step
                    x = out[:, -1] if self.batch_first else out[-1]
            elif kind == "linear":
                x = m(x)
            else:
                fn = spec["function"]
                x = torch.relu(x) if fn == "relu" else torch.tanh(x) if fn == "tanh" else torch.sigmoid(x) if fn == "sigmoid" else torch.softmax(x, dim=-1)
        return x


def build_module(config, state_dict=None, dtype=torch.float32):
    """The module for `config`, with `state_dict` loaded strictly (names as cellstate writes them)."""
    module = CellstateSequenceModel(config).to(dtype)
    if state_dict is not None:
        module.load_state_dict({k: (v.to(dtype) if v.is_floating_point() else v) for k, v in state_dict.items()}, strict=True)
    return module


def load_model(weights_path, config_path=None, dtype=torch.float32):
    tensors, metadata = load_safetensors(weights_path)
    if config_path:
        with open(config_path) as f:
            config = json.load(f)
    elif CONFIG_KEY in metadata:
        config = json.loads(metadata[CONFIG_KEY])
    else:
        raise SystemExit(f"{weights_path} has no '{CONFIG_KEY}' metadata: pass --config")
    return build_module(config, tensors, dtype), config, metadata


def load_data(path, config):
    with open(path) as f:
        data = json.load(f)
    ids = config["layers"][0]["type"] == "embedding"
    inputs = torch.tensor(data["inputs"], dtype=torch.long if ids else torch.float32)
    targets = data.get("targets")
    lengths = data.get("lengths")
    return inputs, targets, (torch.tensor(lengths) if lengths is not None else None)


def loss_of(output, targets, kind):
    if kind == "mse":
        return F.mse_loss(output, torch.as_tensor(targets, dtype=output.dtype))
    t = torch.as_tensor(targets, dtype=torch.long)
    return F.cross_entropy(output.reshape(-1, output.shape[-1]), t.reshape(-1))


# ----------------------------------------------------------------------------------
# Commands


def cmd_forward(args):
    model, config, _ = load_model(args.weights, args.config)
    model.eval()
    inputs, _, lengths = load_data(args.data, config)
    with torch.no_grad():
        y = model(inputs, lengths)
    json.dump({"torch": torch.__version__, "shape": list(y.shape), "output": y.flatten().tolist()}, sys.stdout)


def cmd_train(args):
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel as DDP

    # One process unless launched by torchrun (which sets these).
    rank = int(os.environ.get("RANK", "0"))
    world = int(os.environ.get("WORLD_SIZE", "1"))
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")
    init_file = None
    if "MASTER_PORT" in os.environ:
        dist.init_process_group("gloo", rank=rank, world_size=world)
    else:
        # No port needed for one process: a file rendezvous.
        init_file = tempfile.NamedTemporaryFile(prefix="cellstate-ddp-", delete=False).name
        os.unlink(init_file)
        dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    try:
        torch.manual_seed(0)
        model, config, metadata = load_model(args.weights, args.config)
        model.train()
        ddp = DDP(model)
        inputs, targets, lengths = load_data(args.data, config)
        model.eval()
        with torch.no_grad():
            initial = model(inputs, lengths)
        model.train()
        if world > 1:  # each process takes its share of the batch
            inputs = inputs.chunk(world)[rank] if config["batchFirst"] else inputs.chunk(world, dim=1)[rank]
            targets = torch.as_tensor(targets).chunk(world)[rank].tolist()
            lengths = lengths.chunk(world)[rank] if lengths is not None else None
        opt = torch.optim.SGD(ddp.parameters(), lr=args.lr) if args.optimizer == "sgd" else torch.optim.Adam(ddp.parameters(), lr=args.lr)
        losses = []
        for _ in range(args.steps):
            opt.zero_grad()
            loss = loss_of(ddp(inputs, lengths), targets, args.loss)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        model.eval()
        with torch.no_grad():
            final = model(inputs, lengths)
        if rank == 0 and args.out:
            meta = {"format": "pt", CONFIG_KEY: json.dumps(config)}
            save_safetensors(args.out, {k: v.detach() for k, v in model.state_dict().items()}, meta)
        if rank == 0:
            json.dump({"torch": torch.__version__, "world_size": world, "backend": dist.get_backend(), "losses": losses,
                       "initial_output": initial.flatten().tolist(), "final_output": final.flatten().tolist()}, sys.stdout)
    finally:
        dist.destroy_process_group()
        if init_file and os.path.exists(init_file):
            os.unlink(init_file)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    for name in ("forward", "train"):
        s = sub.add_parser(name)
        s.add_argument("--weights", required=True)
        s.add_argument("--config")
        s.add_argument("--data", required=True)
        if name == "train":
            s.add_argument("--steps", type=int, default=3)
            s.add_argument("--lr", type=float, default=0.1)
            s.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
            s.add_argument("--loss", choices=["mse", "cross-entropy"], default="mse")
            s.add_argument("--out")
    args = p.parse_args()
    torch.set_num_threads(1)
    (cmd_forward if args.command == "forward" else cmd_train)(args)


if __name__ == "__main__":
    main()
