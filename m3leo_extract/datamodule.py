"""A Lightning `LightningDataModule` over the chip store, for users of M3LEO's (Lightning) framework.

    pip install "m3leo-extract[lightning]"

    from m3leo_extract.datamodule import ChipDataModule
    dm = ChipDataModule("data", inputs="s1:2020-*", target="esa_worldcover", batch_size=8, num_workers=4)
    trainer.fit(model, datamodule=dm)

The same datasets as `m3leo train` (`multistore.split_datasets`): one store's train/val/test splits, several
stores as one dataset (`store=[...]`), or a held-out region (`holdout=`). Batches are the dict samples of
`ChipDataset` stacked by `dataset.collate`; `dm.channels`, `dm.num_classes`, `dm.classes` describe them once
`setup` ran. Lightning is an optional extra: nothing else in m3leo_extract imports this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import lightning as L
from torch.utils.data import DataLoader

from .dataset import collate
from .inputs import InputSpec
from .multistore import split_datasets


class ChipDataModule(L.LightningDataModule):
    def __init__(self, store: str | Path | Sequence[str | Path], inputs: Sequence[str | InputSpec] | str = ("s1",),
                 target: str | None = "esa_worldcover", *, holdout: str | Path | None = None,
                 period: str | dict[str, str] | None = None, batch_size: int = 8, eval_batch_size: int | None = None,
                 num_workers: int = 0, pin_memory: bool = False) -> None:
        super().__init__()
        self.store = [str(s) for s in store] if isinstance(store, (list, tuple)) else str(store)
        self.inputs, self.target, self.holdout, self.period = inputs, target, holdout, period
        self.batch_size = batch_size
        self.eval_batch_size = eval_batch_size or batch_size
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.train_ds: Any = None
        self.val_ds: Any = None
        self.test_ds: Any = None

    def setup(self, stage: str | None = None) -> None:
        if self.train_ds is None:
            self.train_ds, self.val_ds, self.test_ds = split_datasets(
                self.store, self.inputs, self.target, period=self.period, holdout=self.holdout)

    @property
    def channels(self) -> dict[str, int]:
        return self.train_ds.channels()

    @property
    def num_classes(self) -> int:
        return self.train_ds.num_classes

    @property
    def classes(self) -> list[int]:
        return self.train_ds.classes

    def _loader(self, ds: Any, batch_size: int, shuffle: bool) -> DataLoader:
        return DataLoader(ds, batch_size=batch_size, shuffle=shuffle, num_workers=self.num_workers,
                          collate_fn=collate, pin_memory=self.pin_memory,
                          persistent_workers=self.num_workers > 0)

    def train_dataloader(self) -> DataLoader:
        return self._loader(self.train_ds, self.batch_size, True)

    def val_dataloader(self) -> DataLoader:
        return self._loader(self.val_ds, self.eval_batch_size, False)

    def test_dataloader(self) -> DataLoader:
        return self._loader(self.test_ds, self.eval_batch_size, False)

    def predict_dataloader(self) -> DataLoader:
        return self._loader(self.test_ds, self.eval_batch_size, False)
