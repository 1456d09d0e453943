"""Readability guard for brand colours (WCAG 2 contrast ratios).

Every colour pair the built-in layouts print is checked: the primary colour
is text (clinic name, title, headings, phone) on white and on its own light
tint; body text sits on light tints of the accent colour (dose and safety
boxes). The accent itself only draws rules, bars and borders, never text
(layouts cannot choose colours), so any accent is allowed if its tint
leaves black text readable.
"""

from __future__ import annotations

import colorsys
import math

TEXT_MIN = 4.5  # WCAG AA for text
WHITE = "#FFFFFF"
INK = "#1A1A1A"  # body text (flowables.INK)


def _rgb(hex_color: str) -> tuple[float, float, float]:
    h = hex_color.lstrip("#")
    red, green, blue = (int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return red, green, blue


def _hex(rgb) -> str:
    return "#" + "".join(f"{round(max(0.0, min(1.0, c)) * 255):02X}" for c in rgb)


def luminance(hex_color: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(hex_color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def blend(rgb, amount: float) -> tuple[float, ...]:
    """An RGB colour (0–1 channels) blended with white; amount 0 = white, 1 = the colour.
    The layouts' light tints are made with this too (flowables._mix)."""
    return tuple(1 - amount * (1 - c) for c in rgb)


def tint(hex_color: str, amount: float) -> str:
    return _hex(blend(_rgb(hex_color), amount))


def darker(hex_color: str, backgrounds, minimum: float) -> str | None:
    """The lightest shade of the same hue that reaches `minimum` on every background."""
    h, lightness, s = colorsys.rgb_to_hls(*_rgb(hex_color))
    for step in range(1, 101):
        candidate = _hex(colorsys.hls_to_rgb(h, lightness * (1 - step / 100), s))
        if all(ratio(candidate, bg(candidate) if callable(bg) else bg) >= minimum for bg in backgrounds):
            return candidate
    return None


def problems(primary: str, accent: str) -> list[tuple[str, str]]:
    """(field, message) for each colour that is too light to read."""
    out = []
    # Primary: text on white and on its own 10 % tint (card and table headings).
    primary_on = [WHITE, lambda c: tint(c, 0.10)]
    on_white, on_tint = ratio(primary, WHITE), ratio(primary, tint(primary, 0.10))
    if min(on_white, on_tint) < TEXT_MIN:
        # Name white when it fails there: the tint only matters for colours close to the bar.
        where, value = (("on white", on_white) if on_white < TEXT_MIN else
                        (f"on its light tint {tint(primary, 0.10)} (card headings)", on_tint))
        out.append(("colors.primary", _message(primary, where, value, TEXT_MIN,
                                               "headings and the clinic name",
                                               darker(primary, primary_on, TEXT_MIN))))
    # Body text on the accent tint (dose and safety boxes).
    background = tint(accent, 0.13)
    if ratio(INK, background) < TEXT_MIN:
        out.append(("colors.accent", f'"{accent}" makes the dose box background {background}, on which '
                                     f"black text is only {ratio(INK, background):.1f}:1; use a lighter accent"))
    return out


def _message(color: str, where: str, value: float, minimum: float, used_for: str,
             suggestion: str | None) -> str:
    shown = math.floor(value * 100) / 100  # never round a failing 4.497 up to a passing-looking 4.5
    text = (f'"{color}" {where} is {shown:.2f}:1, too faint for {used_for}; people with poor eyesight '
            f"need at least {minimum:g}:1")
    if suggestion:
        text += f'. A darker shade of the same colour that passes: "{suggestion}"'
    return text
