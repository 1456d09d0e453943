"""The words handoutgen itself prints, in the page's language (docs/languages.md).

Messages come from gettext catalogues managed with Babel:
`handoutgen/locale/<lang>/LC_MESSAGES/handoutgen.po`, read directly (no build
step) and compiled in memory once per process. Plural rules come from each
catalogue's header; dates, day and month names from Babel's locale data (CLDR,
shipped with Babel: nothing is downloaded).

The language of the page being made is a context variable: `using(lang)`
around a render, and every `gettext`/`ngettext` call inside it (the layouts'
`_()`, the dose sentences, the checklist's day names) speaks that language.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import gettext as _gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from handoutgen.errors import HandoutError, Problem

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "handoutgen"
DEFAULT = "en"  # the language a clinic's own text is written in, unless translated

_current: contextvars.ContextVar[str] = contextvars.ContextVar("handoutgen_language", default=DEFAULT)


@cache
def available() -> tuple[str, ...]:
    """Every language with a catalogue, sorted."""
    if not LOCALE_DIR.is_dir():
        return (DEFAULT,)
    return tuple(sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")))


def check_language(lang: str, file: str = "command line", line: int | None = None,
                   field: str = "--lang") -> str:
    """`lang` if a catalogue exists for it; else a clear error listing the available ones."""
    code = lang.strip()
    if code not in available():
        shown = code if code.isascii() and code.isprintable() and len(code) <= 20 else "this value"
        close = meant(code, available()) if shown != "this value" else None
        hint = f"did you mean {close}? " if close else ""
        raise HandoutError(Problem(file, line, field, f'no catalogue for the language "{shown}"; {hint}available: '
                                   f"{', '.join(available())} (docs/languages.md shows how to add one)"))
    return code


def meant(code: str, known) -> str | None:
    """The language of `known` a mistaken code was probably meant to be: the same code in
    other capitals or with a region (`ES`, `es-MX`: es), the start of the language's name in
    English or in itself (`sp`, `span`, `spanish`, `esp`: es), or a code or name one slip away."""
    from handoutgen.errors import closest

    word = code.strip().casefold()
    known = list(known)
    names: dict[str, str] = {}  # a known language's code and names, casefolded → its code
    for option in known:
        names.setdefault(option.casefold(), option)
    for option in known:
        base = option.casefold().replace("_", "-").split("-")[0]
        if word.replace("_", "-").split("-")[0] == base:
            return option
    from babel import Locale, UnknownLocaleError

    for option in known:
        try:
            locale = Locale.parse(option.replace("-", "_"))
        except (UnknownLocaleError, ValueError):
            continue
        for name in (locale.get_display_name("en"), locale.get_display_name()):
            if name:
                name = name.casefold().split(" (")[0]
                names.setdefault(name, option)
                if len(word) >= 2 and name.startswith(word):
                    return option
    close = closest(word, names)
    return names[close] if close else None


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def catalog(lang: str):
    """The Babel catalogue of `lang`, read from its .po file."""
    from babel.messages.pofile import read_po

    with open(po_path(lang), "rb") as fh:
        return read_po(fh, locale=lang, domain=DOMAIN)


@cache
def translations(lang: str) -> _gettext.NullTranslations:
    """`lang`'s catalogue compiled in memory, with its plural rule."""
    if lang not in available():
        return _gettext.NullTranslations()
    from babel.messages.mofile import write_mo

    buffer = io.BytesIO()
    write_mo(buffer, catalog(lang))
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def msgids(lang: str = DEFAULT) -> list[str]:
    """Every message id of a catalogue (singular and plural forms)."""
    out: list[str] = []
    for message in catalog(lang):
        if not message.id:
            continue
        out.extend(message.id if isinstance(message.id, (list, tuple)) else [message.id])
    return out


def current() -> str:
    return _current.get()


@contextmanager
def using(lang: str | None) -> Iterator[str]:
    """Within the block, every message is in `lang` (default English)."""
    token = _current.set(lang or DEFAULT)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def gettext(message: str, **values) -> str:
    """`message` in the current language; `%(name)s` fields filled from `values`."""
    text = translations(current()).gettext(message)
    return text % values if values else text


def ngettext(singular: str, plural: str, n: int, **values) -> str:
    """The form for `n` by the catalogue's plural rule; `%(num)d` is `n`."""
    text = translations(current()).ngettext(singular, plural, n)
    return text % {"num": n, **values}


_ = gettext


def format_date(day: dt.date) -> str:
    """The long date: "September 30, 2026", "30 de septiembre de 2026"."""
    from babel.dates import format_date as babel_date

    return babel_date(day, format="long", locale=current())


def day_abbreviation(day: dt.date) -> str:
    """The weekday's short name, capitalised for a heading: "Tue", "Mar"."""
    from babel.dates import get_day_names

    name = get_day_names("abbreviated", locale=current())[day.weekday()]
    return name[:1].upper() + name[1:]


def month_abbreviation(day: dt.date) -> str:
    """The month's short name: "Sep", "sept"."""
    from babel.dates import get_month_names

    return str(get_month_names("abbreviated", locale=current())[day.month])
