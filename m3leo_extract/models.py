"""Small dense-prediction models for the training loop: a compact UNet that runs well on a laptop CPU."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

MODELS = ("unet",)


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
    )


class UNet(nn.Module):
    """UNet with `depth` 2x downsamplings and widths growing linearly (base, 1.5 base, 2 base, ...).

    Linear rather than doubling widths keep it at tens of thousands of parameters: the classes of a 10 m
    land-cover map are mostly a matter of local statistics over a few hundred metres, which depth (receptive
    field) serves better than width. Any input size works: it is reflect-padded to a multiple of 2**depth.
    """

    def __init__(self, in_channels: int, out_channels: int, base: int = 16, depth: int = 3) -> None:
        super().__init__()
        widths = [int(base * (1 + 0.5 * k)) for k in range(depth + 1)]
        self.depth = depth
        self.enc = nn.ModuleList([_block(in_channels, widths[0])]
                                 + [_block(widths[k], widths[k + 1]) for k in range(depth)])
        self.up = nn.ModuleList([nn.Conv2d(widths[k + 1], widths[k], 1) for k in range(depth)])
        self.dec = nn.ModuleList([_block(2 * widths[k], widths[k]) for k in range(depth)])
        self.head = nn.Conv2d(widths[0], out_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        m = 2 ** self.depth
        ph, pw = (-h) % m, (-w) % m
        if ph or pw:
            x = F.pad(x, (0, pw, 0, ph), mode="reflect" if min(h, w) > max(ph, pw) else "replicate")
        skips = []
        for k, enc in enumerate(self.enc):
            x = enc(x if k == 0 else F.max_pool2d(x, 2))
            skips.append(x)
        x = skips.pop()
        for k in reversed(range(self.depth)):
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
            x = self.dec[k](torch.cat([self.up[k](x), skips.pop()], 1))
        return self.head(x)[..., :h, :w]


def build_model(name: str, in_channels: int, out_channels: int, base: int = 16, depth: int = 3) -> nn.Module:
    if name == "unet":
        return UNet(in_channels, out_channels, base=base, depth=depth)
    raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
