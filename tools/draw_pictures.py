#!/usr/bin/env python3
"""Draw the sample clinic's pictures: a logo and line illustrations of the
exercises. Run from the repository root: `python tools/draw_pictures.py`.

Drawn at 4x and scaled down so the lines are smooth. The output is PNG
with few colours, so it stays small in the PDF.
"""

from __future__ import annotations

from pathlib import Path

import fontpkg_atkinson_hyperlegible
from PIL import Image, ImageDraw, ImageFont

SCALE = 4
INK = (27, 58, 75)
SKIN = (255, 255, 255)
PRIMARY = (27, 94, 140)
ACCENT = (232, 119, 46)
FLOOR = (120, 130, 140)
OUT = Path(__file__).resolve().parent.parent / "images"


class Sketch:
    def __init__(self, width: int, height: int):
        self.size = (width, height)
        self.img = Image.new("RGB", (width * SCALE, height * SCALE), "white")
        self.draw = ImageDraw.Draw(self.img)

    def _p(self, pt):
        return (pt[0] * SCALE, pt[1] * SCALE)

    def line(self, points, width, color=INK):
        pts = [self._p(p) for p in points]
        w = int(width * SCALE)
        self.draw.line(pts, fill=color, width=w, joint="curve")
        for p in pts:  # round caps
            r = w / 2
            self.draw.ellipse((p[0] - r, p[1] - r, p[0] + r, p[1] + r), fill=color)

    def circle(self, center, radius, outline=INK, fill=SKIN, width=6):
        x, y = self._p(center)
        r = radius * SCALE
        self.draw.ellipse((x - r, y - r, x + r, y + r), fill=fill, outline=outline, width=int(width * SCALE))

    def arrow(self, points, color=ACCENT, width=6):
        self.line(points, width, color)
        (x0, y0), (x1, y1) = points[-2], points[-1]
        import math
        angle = math.atan2(y1 - y0, x1 - x0)
        size = 16
        left = (x1 - size * math.cos(angle - 0.5), y1 - size * math.sin(angle - 0.5))
        right = (x1 - size * math.cos(angle + 0.5), y1 - size * math.sin(angle + 0.5))
        self.draw.polygon([self._p((x1 + 4 * math.cos(angle), y1 + 4 * math.sin(angle))), self._p(left),
                           self._p(right)], fill=color)

    def figure(self, head, shoulder, hip, arms, legs, far_color=(112, 140, 156)):
        """arms/legs: (far, near) polylines; the far limb is drawn lighter and first."""
        far_arm, near_arm = arms
        far_leg, near_leg = legs
        self.line(far_leg, 17, far_color)
        self.line(far_arm, 13, far_color)
        self.line([hip, shoulder], 26)
        self.line(near_leg, 17)
        self.line(near_arm, 13)
        self.circle(head, 27, fill=INK, outline=INK)

    def floor(self, y, x0=10, x1=None):
        x1 = x1 or self.size[0] - 10
        self.line([(x0, y), (x1, y)], 4, FLOOR)

    def save(self, name: str, colors: int = 48):
        small = self.img.resize(self.size, Image.LANCZOS)
        small = small.quantize(colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        small.save(OUT / name, optimize=True)


def push_off() -> None:
    s = Sketch(600, 470)
    s.floor(446)
    # 1. Push off the ball of the back foot, land on the front foot.
    s.figure(head=(150, 100), shoulder=(145, 148), hip=(132, 258),
             arms=([(145, 152), (178, 204), (200, 244)], [(145, 152), (116, 208), (100, 252)]),
             legs=([(132, 258), (102, 344), (64, 414), (90, 440)],
                   [(132, 258), (168, 342), (186, 414), (176, 440), (220, 440)]))
    s.arrow([(40, 300), (70, 282), (104, 278)])
    # Domed arch under the landing foot.
    s.draw.arc([s._p((176, 426))[0], s._p((176, 426))[1], s._p((220, 452))[0], s._p((220, 452))[1]],
               180, 360, fill=ACCENT, width=5 * SCALE)
    s.arrow([(262, 250), (312, 250)], color=PRIMARY, width=7)
    # 2. Balance on the front leg, the other foot lifted.
    s.figure(head=(452, 98), shoulder=(452, 146), hip=(450, 256),
             arms=([(452, 150), (494, 198), (514, 242)], [(452, 150), (410, 198), (392, 242)]),
             legs=([(450, 256), (500, 320), (480, 386), (506, 394)],
                   [(450, 256), (452, 346), (454, 414), (442, 440), (488, 440)]))
    s.draw.arc([s._p((442, 426))[0], s._p((442, 426))[1], s._p((488, 452))[0], s._p((488, 452))[1]],
               180, 360, fill=ACCENT, width=5 * SCALE)
    s.save("push-off.png")


def calf_stretch() -> None:
    s = Sketch(600, 470)
    # Wall with hatching.
    x0, x1 = 530, 556
    s.draw.rectangle([s._p((x0, 40)), s._p((x1, 446))], fill=(230, 236, 240), outline=FLOOR, width=3 * SCALE)
    for y in range(50, 440, 26):
        s.line([(x0 + 2, y + 14), (x1 - 2, y)], 2, FLOOR)
    s.floor(446, x1=x0)
    # Stretch felt in the back calf.
    s.draw.ellipse([s._p((150, 330)), s._p((232, 424))], fill=(253, 226, 205))
    s.figure(head=(430, 122), shoulder=(402, 164), hip=(330, 252),
             arms=([(402, 168), (462, 192), (524, 196)], [(402, 168), (458, 168), (524, 166)]),
             legs=([(330, 252), (396, 326), (410, 414), (398, 440), (442, 440)],
                   [(330, 252), (254, 336), (186, 414), (170, 440), (214, 440)]))
    # Heel stays down: arrow pressing the back heel to the floor.
    s.arrow([(150, 380), (150, 430)], color=ACCENT)
    s.save("calf-stretch.png")


def logo() -> None:
    size = 240
    img = Image.new("RGBA", (size * SCALE, size * SCALE), (255, 255, 255, 0))
    draw = ImageDraw.Draw(img)
    c, r = size * SCALE / 2, size * SCALE / 2 - 8
    draw.ellipse((c - r, c - r, c + r, c + r), fill=PRIMARY)
    font_path = fontpkg_atkinson_hyperlegible.ROOT / "files" / "AtkinsonHyperlegible-Bold.ttf"
    font = ImageFont.truetype(str(font_path), 96 * SCALE)
    draw.text((c, c - 12 * SCALE), "M4L", font=font, fill="white", anchor="mm")
    # An accent arc like a stride, under the letters.
    box = (c - r * 0.62, c + r * 0.05, c + r * 0.62, c + r * 0.72)
    draw.arc(box, 20, 160, fill=ACCENT, width=14 * SCALE)
    small = img.resize((size, size), Image.LANCZOS)
    small.save(OUT / "logo.png", optimize=True)


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    push_off()
    calf_stretch()
    logo()
    print("wrote", ", ".join(sorted(p.name for p in OUT.glob("*.png"))))
