"""Stage 1: discover the files of a clinic folder.

Every YAML file is read through Clinic.load, under readsafe's one rule: with its
symlinks resolved it lies inside the clinic folder, it is a regular file (never
a FIFO or a device), and what is read is bounded. Discovery lists no folder that
leads outside the clinic folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from handoutgen.errors import HandoutError, Problem
from handoutgen.readsafe import Refused
from handoutgen.readsafe import inside as _inside
from handoutgen.yamlload import Document, load_yaml

MAX_LIBRARY = 10_000  # exercise files in exercises/: far more than any clinic writes


def builtin_layouts_dir() -> Path:
    """Layouts shipped with handoutgen: in the wheel, or the repository's layouts/ when run from source."""
    packaged = Path(__file__).resolve().parent / "layouts"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "layouts"


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
            if not os.path.lexists(brand_path) and not Path(brand).is_absolute():
                brand_path = root / brand  # relative to the clinic folder
        # Whether it is a file that may be read is for Clinic.load (readsafe) to say.
        if not os.path.lexists(brand_path) and brand is not None:
            raise HandoutError(Problem(str(brand), None, "--brand", "no such brand file (give a path from "
                                                                    "here or from the clinic folder)"))
        if not os.path.lexists(brand_path):
            raise HandoutError(Problem(str(brand_path), None, "",
                                       "no brand file here; is --root the clinic folder? "
                                       "(it holds brand.yaml, handouts/, exercises/)"))
        if brand is not None:
            try:
                _inside(brand_path, (root,))
            except Refused as exc:
                raise HandoutError(Problem(str(brand), None, "--brand", exc.message)) from None
        return cls(root, brand_path)

    @property
    def roots(self) -> tuple[Path, ...]:
        """The folders the clinic's files may be read from (readsafe): the clinic folder."""
        return (self.root,)

    def load(self, path: Path) -> Document:
        """A YAML file of the clinic, read under readsafe's rule; messages name it as shown()."""
        return load_yaml(path, self.shown(path), self.roots)

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

    def build_dir(self) -> Path:
        """out_dir, for a command that writes into it (build without --out; render and preview
        without -o). Its name must be the brand's own: out/LANG/ holds brand.yaml's PDFs in each
        other language (docs/languages.md), so a brand file named like a language (es.yaml) would
        overwrite them and they it; out/x.pdf/ would stand where handout x's PDF goes."""
        out = self.out_dir
        if out == self.root / "out":
            return out
        from handoutgen.i18n import available

        name = out.name
        reserved = {code.casefold(): code for code in available()}
        if name.casefold() in reserved:
            language = language_name(reserved[name.casefold()])
            why = (f"out/{name}/ is where brand.yaml's build puts its PDFs in {language}, "
                   "and the two builds would overwrite each other's PDFs")
        elif name.casefold().endswith(".pdf"):
            why = f"out/{name}/ would be a folder where a handout's PDF belongs"
        else:
            return out
        raise HandoutError(Problem(
            self.shown(self.brand_path), None, "--brand",
            f"the file name {self.brand_path.name} cannot name its output folder: {why}; rename the brand "
            f"file, e.g. to {name.removesuffix('.pdf') or 'other'}-clinic.yaml, or give the output folder with --out"))

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

    def _listed(self, folder: Path, limit: int | None = None) -> list[Path]:
        """The *.yaml entries of `folder` (sorted; not followed, so a link to a file
        outside is listed under its own name and refused when it is read);
        HandoutError if the folder itself leads outside the clinic folder."""
        if not folder.is_dir():
            return []
        try:
            _inside(folder, self.roots)
        except Refused as exc:
            raise HandoutError(Problem(self.shown(folder), None, "", exc.message)) from None
        found = []
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.endswith(".yaml") and not entry.name.startswith("."):
                    found.append(folder / entry.name)
                    if limit is not None and len(found) > limit:
                        raise HandoutError(Problem(self.shown(folder), None, "", f"holds more than {limit:,} "
                                                   f".yaml files; the limit is {limit:,}. Is this the right folder?"))
        return sorted(found)

    def handout_files(self) -> list[Path]:
        return self._listed(self.handouts_dir)

    def exercise_ids(self) -> list[str]:
        return [p.stem for p in self._listed(self.exercises_dir, MAX_LIBRARY)]

    def handout_path(self, name: str) -> Path:
        """A handout given as a path (handouts/x.yaml) or as its id (x), inside the clinic folder."""
        candidates = [Path(name), self.root / name, self.handouts_dir / f"{name}.yaml"]
        refused = None
        for candidate in candidates:
            if candidate.suffix == ".yaml" and os.path.lexists(candidate):
                try:
                    _inside(candidate, self.roots)
                except Refused as exc:
                    refused = refused or Problem(self.shown(candidate), None, "", exc.message)
                    continue
                return candidate.absolute()
        if refused is not None:
            raise HandoutError(refused)
        try:
            known = ", ".join(p.stem for p in self.handout_files()) or "none"
        except HandoutError:
            known = "none"
        raise HandoutError(Problem(name, None, "", f"no such handout (known: {known})"))

    def inside(self, path: Path) -> Path | None:
        """`path` with symlinks resolved if it stays inside the clinic folder, else None."""
        try:
            real = path.resolve()
        except (OSError, RuntimeError):  # a loop of symbolic links (RuntimeError before Python 3.13)
            return None
        return real if real.is_relative_to(self.root) else None


def language_name(code: str) -> str:
    """"Spanish (es)": the language's English name (Babel's locale data), with its code."""
    try:
        from babel import Locale

        return f"{Locale.parse(code).get_display_name('en')} ({code})"
    except (ValueError, LookupError, ImportError):
        return code
