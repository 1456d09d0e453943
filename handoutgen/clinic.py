"""Stage 1: discover the files of a clinic folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from handoutgen.errors import HandoutError, Problem


@dataclass(frozen=True)
class Clinic:
    root: Path  # absolute, symlinks resolved
    brand_path: Path

    @classmethod
    def open(cls, root: Path | str = ".", brand: Path | str | None = None) -> Clinic:
        root = Path(root).resolve()
        if not root.is_dir():
            raise HandoutError(f"{root}: no such clinic folder (give --root DIR)")
        if brand is None:
            brand_path = root / "brand.yaml"
        else:
            brand_path = Path(brand).absolute()
            if not brand_path.exists() and not Path(brand).is_absolute():
                brand_path = root / brand  # relative to the clinic folder
        if not brand_path.is_file() and brand is not None:
            raise HandoutError(Problem(str(brand), None, "--brand", "no such brand file (give a path from "
                                                                    "here or from the clinic folder)"))
        if not brand_path.is_file():
            raise HandoutError(Problem(str(brand_path), None, "",
                                       "no brand file here; is --root the clinic folder? "
                                       "(it holds brand.yaml, handouts/, exercises/)"))
        return cls(root, brand_path)

    @property
    def out_dir(self) -> Path:
        """out/, or out/NAME/ for another brand file NAME.yaml, so brands never overwrite each other.
        NAME must be a plain folder name: never `.`, `..` or hidden, which would be out/ itself,
        the clinic folder or a hidden folder."""
        if self.brand_path == self.root / "brand.yaml":
            return self.root / "out"
        name = self.brand_path.stem
        if (not name or name.startswith(".") or any(c in name for c in "/\\\0")
                or len(name.encode("utf-8", "surrogateescape")) > 200):
            raise HandoutError(Problem(
                self.shown(self.brand_path), None, "--brand",
                f"the file name {self.brand_path.name} cannot name its output folder (out/NAME/ for NAME.yaml); "
                "rename the brand file, e.g. to riverside.yaml, or give the output folder with --out"))
        return self.root / "out" / name

    @property
    def handouts_dir(self) -> Path:
        return self.root / "handouts"

    @property
    def exercises_dir(self) -> Path:
        return self.root / "exercises"

    @property
    def images_dir(self) -> Path:
        return self.root / "images"

    @property
    def layouts_dir(self) -> Path:
        return self.root / "layouts"

    def shown(self, path: Path) -> str:
        """How a file is named in messages: relative to the clinic folder."""
        try:
            return Path(path).absolute().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def handout_files(self) -> list[Path]:
        return sorted(self.handouts_dir.glob("*.yaml")) if self.handouts_dir.is_dir() else []

    def exercise_ids(self) -> list[str]:
        if not self.exercises_dir.is_dir():
            return []
        return sorted(p.stem for p in self.exercises_dir.glob("*.yaml"))

    def handout_path(self, name: str) -> Path:
        """A handout given as a path (handouts/x.yaml) or as its id (x)."""
        candidates = [Path(name), self.root / name, self.handouts_dir / f"{name}.yaml"]
        for candidate in candidates:
            if candidate.suffix == ".yaml" and candidate.is_file():
                return candidate.absolute()
        known = ", ".join(p.stem for p in self.handout_files()) or "none"
        raise HandoutError(Problem(name, None, "", f"no such handout (known: {known})"))

    def inside(self, path: Path) -> Path | None:
        """`path` with symlinks resolved if it stays inside the clinic folder, else None."""
        real = path.resolve()
        return real if real.is_relative_to(self.root) else None
