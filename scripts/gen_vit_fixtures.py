"""Reference for wavecv's Vision Transformer (src/nn/attention.ts, src/nn/vit.ts;
test/nn/vit.test.ts): a PyTorch rendering of timm's VisionTransformer
(Dosovitskiy et al., ICLR 2021) — conv patch embedding (kernel = stride =
patch), class token, learned position embeddings, pre-norm blocks with
LayerNorm(eps=1e-6), multi-head self-attention (one qkv Linear with bias, an
output projection), MLP Linear-GELU(erf)-Linear with ratio 4, final LayerNorm,
linear head on the class token. timm is not installed; the module structure
and parameter shapes follow timm's vision_transformer.py so that the counts of
vit_tiny_patch16_224 and vit_small_patch16_224 can be compared.

Writes test/fixtures/vit.json: the parameter counts of ViT-Ti/16 and ViT-S/16
(1000 classes, 224x224) and a tiny ViT (16x16x3 input, patch 4, dim 12,
depth 2, 3 heads, 5 classes) with random weights in TF.js layout (by wavecv
layer name), an input batch (NHWC), its logits and block 0's attention maps;
and one LEVT block with MAS (re-attention: the heads' softmax maps mixed by
a learnable HxH matrix, Ahat_g = sum_h Theta_hg A_h; feed-forward
Linear-GELU, then on the 4x4 patch grid only a depthwise 3x3 conv-GELU, then
Linear; the class token skips the depthwise conv) on random tokens.

Run: /usr/bin/python3 scripts/gen_vit_fixtures.py (torch 1.13.1 was used).
"""
import json
import pathlib

import torch
import torch.nn as nn


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)
        self.maps = None

    def forward(self, x):
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        attn = ((q * self.scale) @ k.transpose(-2, -1)).softmax(dim=-1)
        self.maps = attn
        return self.proj((attn @ v).transpose(1, 2).reshape(b, n, c))


class Block(nn.Module):
    def __init__(self, dim, heads, mlp_ratio=4.0):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        hidden = int(dim * mlp_ratio)
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.fc2(nn.functional.gelu(self.fc1(self.norm2(x))))


class ViT(nn.Module):
    def __init__(self, img=224, patch=16, chans=3, classes=1000, dim=192, depth=12, heads=3):
        super().__init__()
        self.patch_embed = nn.Conv2d(chans, dim, patch, patch)
        n = (img // patch) ** 2
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, n + 1, dim))
        self.blocks = nn.ModuleList([Block(dim, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        x = self.patch_embed(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embed
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.norm(x)[:, 0])


def count(net):
    return sum(p.numel() for p in net.parameters() if p.requires_grad)


def flat(t):
    return [round(float(v), 8) for v in t.detach().reshape(-1).tolist()]


def dense(lin):
    return [flat(lin.weight.t()), flat(lin.bias)]


def norm(ln):
    return [flat(ln.weight), flat(ln.bias)]


torch.manual_seed(14)
counts = {
    "vit-tiny": count(ViT(dim=192, depth=12, heads=3)),
    "vit-small": count(ViT(dim=384, depth=12, heads=6)),
}

cfg = {"inputSize": 16, "patchSize": 4, "inChannels": 3, "numClasses": 5, "embedDim": 12, "depth": 2, "numHeads": 3}
net = ViT(img=16, patch=4, chans=3, classes=5, dim=12, depth=2, heads=3)
with torch.no_grad():
    for p in net.parameters():
        p.copy_(torch.randn_like(p) * 0.3)
weights = {
    "patch_embed": [flat(net.patch_embed.weight.permute(2, 3, 1, 0)), flat(net.patch_embed.bias)],
    "tokens": [flat(net.cls_token), flat(net.pos_embed)],
    "norm": norm(net.norm),
    "head": dense(net.head),
}
for i, blk in enumerate(net.blocks):
    weights[f"block{i}_norm1"] = norm(blk.norm1)
    weights[f"block{i}_attn"] = dense(blk.attn.qkv) + dense(blk.attn.proj)
    weights[f"block{i}_norm2"] = norm(blk.norm2)
    weights[f"block{i}_fc1"] = dense(blk.fc1)
    weights[f"block{i}_fc2"] = dense(blk.fc2)
x = torch.randn(2, 16, 16, 3)
with torch.no_grad():
    logits = net(x.permute(0, 3, 1, 2))


class MasAttention(Attention):
    def __init__(self, dim, heads):
        super().__init__(dim, heads)
        self.theta = nn.Parameter(torch.eye(heads))

    def forward(self, x):
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        attn = ((q * self.scale) @ k.transpose(-2, -1)).softmax(dim=-1)
        attn = torch.einsum("bhij,hg->bgij", attn, self.theta)
        self.maps = attn
        return self.proj((attn @ v).transpose(1, 2).reshape(b, n, c))


class LeFF(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.dw = nn.Conv2d(hidden, hidden, 3, padding=1, groups=hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        b, n, _ = x.shape
        g = int(round((n - 1) ** 0.5))
        h = nn.functional.gelu(self.fc1(x))
        cls, patches = h[:, :1], h[:, 1:]
        grid = patches.transpose(1, 2).reshape(b, -1, g, g)
        local = nn.functional.gelu(self.dw(grid)).flatten(2).transpose(1, 2)
        return self.fc2(torch.cat([cls, local], dim=1))


class LevtBlock(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = MasAttention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.leff = LeFF(dim, dim * 4)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.leff(self.norm2(x))


levt = LevtBlock(12, 3)
with torch.no_grad():
    for p in levt.parameters():
        p.copy_(torch.randn_like(p) * 0.3)
    levt.attn.theta.add_(torch.eye(3))
levt_weights = {
    "levt_norm1": norm(levt.norm1),
    "levt_attn": dense(levt.attn.qkv) + dense(levt.attn.proj) + [flat(levt.attn.theta)],
    "levt_norm2": norm(levt.norm2),
    "levt_leff": dense(levt.leff.fc1) + [flat(levt.leff.dw.weight.permute(2, 3, 0, 1)), flat(levt.leff.dw.bias)] + dense(levt.leff.fc2),
}
tokens = torch.randn(2, 17, 12)
with torch.no_grad():
    levt_out = levt(tokens)

out = pathlib.Path(__file__).resolve().parent.parent / "test" / "fixtures" / "vit.json"
out.write_text(json.dumps({
    "torch": torch.__version__,
    "paramCounts": counts,
    "tiny": {"config": cfg, "weights": weights, "input": flat(x), "logits": flat(logits), "attention0": flat(net.blocks[0].attn.maps)},
    "levt": {"numHeads": 3, "weights": levt_weights, "input": flat(tokens), "output": flat(levt_out), "attention": flat(levt.attn.maps)},
}) + "\n")
print(out, counts)
