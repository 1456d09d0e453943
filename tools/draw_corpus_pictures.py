#!/usr/bin/env python3
"""Draw the pictures of the layout corpus in tests/programs/ (a made-up second
clinic, Cedar Valley Physical Therapy): a logo and one line drawing per
exercise that has a picture.

Run from the repository root: `python tools/draw_corpus_pictures.py`.
Deterministic: the same Pillow version writes the same bytes every time.

The figures are built from joint angles (forward kinematics), so a pose is a
handful of numbers: angles are in degrees on the screen, 0 = pointing right,
90 = pointing down, -90 = pointing up. Drawn at 4x and scaled down so lines
are smooth, then saved as palette PNGs (few colours, small files).
"""

from __future__ import annotations

import math
from pathlib import Path

import fontpkg_atkinson_hyperlegible
from PIL import Image, ImageDraw, ImageFont

import draw_pictures  # the sample pictures' tool, beside this one

SCALE = draw_pictures.SCALE  # drawn this many times larger, then reduced
OUT = Path(__file__).resolve().parent.parent / "tests" / "programs" / "images"

# The corpus clinic's colours (tests/programs/brand.yaml) and a few neutrals.
PRIMARY = (31, 95, 91)      # #1F5F5B
ACCENT = (200, 71, 91)      # #C8475B
INK = (22, 56, 56)          # figure, near limbs
FAR = (118, 152, 150)       # far limbs, a lighter teal
GHOST = (196, 214, 212)     # a pose's start position
FLOOR = (128, 140, 140)
PROP = (226, 236, 234)      # fill of furniture
PROP_LINE = (110, 132, 130)
GLOW = (248, 215, 221)      # "you feel it here", a light accent tint
BAND = ACCENT
WOOD = (150, 118, 84)

FONT_BOLD = fontpkg_atkinson_hyperlegible.ROOT / "files" / "AtkinsonHyperlegible-Bold.ttf"

# Segment lengths of the stick figure, at k = 1.
TRUNK, NECK, HEAD = 110, 46, 26
UPPER_ARM, FOREARM, HAND = 66, 60, 20
THIGH, SHIN, HEEL, FOOT = 92, 80, 18, 42


def ang(a: float) -> tuple[float, float]:
    r = math.radians(a)
    return math.cos(r), math.sin(r)


def step(p, a, length):
    c, s = ang(a)
    return (p[0] + c * length, p[1] + s * length)


class Reach:
    """An arm whose hand goes to a point: reach((x, y), bend)."""

    def __init__(self, point, bend=1, hand=()):
        self.point, self.bend, self.hand = point, bend, tuple(hand)


class Plant:
    """A leg whose heel goes to a point: plant((x, y), bend, foot angle)."""

    def __init__(self, point, bend=-1, foot=0, foot_k=1.0):
        self.point, self.bend, self.foot, self.foot_k = point, bend, foot, foot_k


reach, plant = Reach, Plant


def ik(root, target, l1, l2, bend):
    """Two-segment inverse kinematics: the absolute angles of both segments."""
    dx, dy = target[0] - root[0], target[1] - root[1]
    d = max(1e-6, min(math.hypot(dx, dy), l1 + l2 - 1e-6, ))
    base = math.degrees(math.atan2(dy, dx))
    c = (l1 * l1 + d * d - l2 * l2) / (2 * l1 * d)
    a1 = base + bend * math.degrees(math.acos(max(-1.0, min(1.0, c))))
    mid = step(root, a1, l1)
    return a1, math.degrees(math.atan2(target[1] - mid[1], target[0] - mid[0]))


def _bezier(p0, p1, p2, t):
    u = 1 - t
    return (u * u * p0[0] + 2 * u * t * p1[0] + t * t * p2[0],
            u * u * p0[1] + 2 * u * t * p1[1] + t * t * p2[1])


class Sketch(draw_pictures.Sketch):
    """The sample pictures' canvas (same scale: drawn large, then reduced), with
    the primitives the corpus's poses need."""

    # ---------------------------------------------------------- primitives
    def line(self, points, width, color=INK, caps=True):
        pts = [self._p(p) for p in points]
        w = max(1, round(width * SCALE))
        self.draw.line(pts, fill=color, width=w, joint="curve")
        if caps:
            r = w / 2
            for x, y in pts:
                self.draw.ellipse((x - r, y - r, x + r, y + r), fill=color)

    def dashed(self, points, width, color=ACCENT, dash=10, gap=8):
        for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):  # each segment
            length = math.hypot(x1 - x0, y1 - y0)
            t = 0.0
            while t < length:
                t1 = min(length, t + dash)
                a = (x0 + (x1 - x0) * t / length, y0 + (y1 - y0) * t / length)
                b = (x0 + (x1 - x0) * t1 / length, y0 + (y1 - y0) * t1 / length)
                self.line([a, b], width, color)
                t = t1 + gap

    def circle(self, center, radius, fill=INK, outline=None, width=0):
        x, y = self._p(center)
        r = radius * SCALE
        self.draw.ellipse((x - r, y - r, x + r, y + r), fill=fill, outline=outline,
                          width=round(width * SCALE))

    def ellipse(self, box, fill=GLOW, outline=None, width=0):
        (x0, y0), (x1, y1) = self._p(box[:2]), self._p(box[2:])
        self.draw.ellipse((x0, y0, x1, y1), fill=fill, outline=outline, width=round(width * SCALE))

    def rect(self, box, fill=PROP, outline=PROP_LINE, width=3, radius=0):
        (x0, y0), (x1, y1) = self._p(box[:2]), self._p(box[2:])
        self.draw.rounded_rectangle((x0, y0, x1, y1), radius=radius * SCALE, fill=fill,
                                    outline=outline, width=round(width * SCALE))

    def polygon(self, points, fill, outline=None, width=0):
        self.draw.polygon([self._p(p) for p in points], fill=fill, outline=outline,
                          width=round(width * SCALE))

    def glow(self, center, rx, ry):
        """A soft patch where the patient should feel the stretch or the work."""
        x, y = center
        self.ellipse((x - rx, y - ry, x + rx, y + ry), fill=GLOW)

    def arrow(self, points, color=ACCENT, width=6, head=16):
        self.line(points, width, color)
        (x0, y0), (x1, y1) = points[-2], points[-1]
        a = math.atan2(y1 - y0, x1 - x0)
        tip = (x1 + 5 * math.cos(a), y1 + 5 * math.sin(a))
        left = (x1 - head * math.cos(a - 0.5), y1 - head * math.sin(a - 0.5))
        right = (x1 - head * math.cos(a + 0.5), y1 - head * math.sin(a + 0.5))
        self.polygon([tip, left, right], fill=color)

    def arc_arrow(self, center, radius, start, end, color=ACCENT, width=6, both=False):
        """A curved arrow along a circle from angle start to end (degrees, screen)."""
        n = max(6, int(abs(end - start) / 5))
        pts = [step(center, start + (end - start) * i / n, radius) for i in range(n + 1)]
        self.arrow(pts, color, width)
        if both:
            self.arrow(pts[::-1], color, width)

    def double_arrow(self, a, b, color=ACCENT, width=6):
        self.arrow([a, b], color, width)
        self.arrow([b, a], color, width)

    def text(self, xy, words, size=40, color=ACCENT):
        font = ImageFont.truetype(str(FONT_BOLD), size * SCALE)
        self.draw.text(self._p(xy), words, font=font, fill=color, anchor="mm")

    # -------------------------------------------------------------- props
    def floor(self, y, x0=10, x1=None):
        x1 = self.size[0] - 10 if x1 is None else x1
        self.line([(x0, y), (x1, y)], 4, FLOOR)

    def mat(self, x0, x1, y, height=12):
        self.rect((x0, y, x1, y + height), fill=(214, 232, 229), outline=PROP_LINE, width=2, radius=5)

    def wall(self, x, y0, y1, width=24):
        self.rect((x, y0, x + width, y1), fill=(230, 236, 236), outline=FLOOR, width=3)
        for y in range(int(y0) + 10, int(y1) - 12, 26):
            self.line([(x + 3, y + 14), (x + width - 3, y)], 2, FLOOR)

    def counter(self, x0, x1, top, floor_y):
        self.rect((x0, top, x1, floor_y), fill=PROP, outline=PROP_LINE, width=3)
        self.rect((x0 - 8, top - 10, x1 + 8, top + 2), fill=(200, 218, 215), outline=PROP_LINE, width=3)

    def table(self, x0, x1, top, floor_y, thick=12):
        self.rect((x0, top, x1, top + thick), fill=PROP, outline=PROP_LINE, width=3)
        for x in (x0 + 14, x1 - 14):
            self.line([(x, top + thick), (x, floor_y)], 6, PROP_LINE)

    def bed(self, x0, x1, top, floor_y, thick=28):
        self.rect((x0, top, x1, top + thick), fill=(214, 232, 229), outline=PROP_LINE, width=3, radius=8)
        for x in (x0 + 18, x1 - 18):
            self.line([(x, top + thick), (x, floor_y)], 7, PROP_LINE)

    def chair(self, x, seat_y, floor_y, facing=1, back=150, width=80):
        """A side-view chair; x is the back edge of the seat, facing +1 = faces right."""
        front = x + facing * width
        self.line([(x, seat_y), (front, seat_y)], 10, PROP_LINE)
        self.line([(x, seat_y), (x, seat_y - back)], 9, PROP_LINE)
        self.line([(x, seat_y), (x, floor_y)], 7, PROP_LINE)
        self.line([(front, seat_y), (front, floor_y)], 7, PROP_LINE)

    def stool(self, x0, x1, top, floor_y):
        self.rect((x0, top, x1, top + 14), fill=PROP, outline=PROP_LINE, width=3, radius=4)
        self.line([(x0 + 10, top + 14), (x0 + 4, floor_y)], 6, PROP_LINE)
        self.line([(x1 - 10, top + 14), (x1 - 4, floor_y)], 6, PROP_LINE)

    def towel_roll(self, center, r):
        self.circle(center, r, fill=(238, 226, 200), outline=WOOD, width=3)
        self.circle(center, r * 0.45, fill=None, outline=WOOD, width=2)

    def band(self, points):
        self.line(points, 5, BAND)

    def dumbbell(self, center, a=0, size=1.0):
        c, s = ang(a)
        half = 16 * size
        p0 = (center[0] - c * half, center[1] - s * half)
        p1 = (center[0] + c * half, center[1] + s * half)
        self.line([p0, p1], 6 * size, PROP_LINE)
        for p in (p0, p1):
            self.circle(p, 10 * size, fill=PRIMARY)

    def foot_closeup(self, ankle, toes=0.0, shin_angle=-95.0, shin_len=200, color=INK):
        """A big bare foot seen from the side, facing right; toes > 0 curls them down,
        < 0 bends them up. Returns the ball of the foot and the middle of the sole."""
        ax, ay = ankle
        top = step(ankle, shin_angle, shin_len)
        across = shin_angle + 90
        self.polygon([step(top, across, 24), step(top, across + 180, 24),
                      (ax - 24, ay), (ax + 24, ay)], fill=color)
        self.polygon([(ax - 24, ay - 4), (ax - 34, ay + 30), (ax - 26, ay + 58), (ax - 8, ay + 66),
                      (ax + 124, ay + 66), (ax + 130, ay + 40), (ax + 70, ay + 22), (ax + 28, ay - 6)],
                     fill=color)
        ball = (ax + 120, ay + 52)
        outline = [(0, -14), (40, -12), (52, -4), (52, 6), (44, 14), (0, 14)]
        c, s = ang(toes)
        self.polygon([(ball[0] + x * c - y * s, ball[1] + x * s + y * c) for x, y in outline], fill=color)
        self.circle(ball, 14, fill=color)
        return ball, (ax + 50, ay + 66)

    # ------------------------------------------------------------- figure
    def figure(self, hip, trunk=-90.0, head=None, arm=(90, 90), far_arm=None, leg=(90, 90, 0),
               far_leg=None, k=1.0, front=False, ghost=False, spine=0.0, foot_k=1.0, thigh_k=1.0,
               legs=True, near_color=INK, far_color=FAR):
        """A stick figure from joint angles; returns its joints.

        arm = (upper arm, forearm[, hand]) and leg = (thigh, shin, foot) are absolute angles,
        or reach(point, bend[, hand]) / plant(heel point, bend, foot) to put the hand or the
        heel on a point (the elbow or knee bends to the side `bend` picks: +1 clockwise).
        The far limbs are drawn lighter and first. front=True draws a figure seen from the
        front, back or above: shoulders and hips get width and both sides are drawn dark.
        spine bends the back (px; > 0 rounds it toward the figure's left-hand normal).
        """
        if ghost:
            near_color = far_color = GHOST
        far_arm = far_arm or arm
        far_leg = far_leg or leg
        shoulder = step(hip, trunk, TRUNK * k)
        head_a = trunk if head is None else head
        head_c = step(shoulder, head_a, NECK * k)
        j = {"hip": hip, "shoulder": shoulder, "head": head_c}
        if front:
            across = trunk + 90  # toward the screen's right for an upright figure
            sh_far, sh_near = step(shoulder, across, 30 * k), step(shoulder, across + 180, 30 * k)
            hp_far, hp_near = step(hip, across, 17 * k), step(hip, across + 180, 17 * k)
        else:
            sh_far = sh_near = shoulder
            hp_far = hp_near = hip

        def limb_arm(root, spec):
            if isinstance(spec, Reach):
                a1, a2 = ik(root, spec.point, UPPER_ARM * k, FOREARM * k, spec.bend)
                spec = (a1, a2) + spec.hand
            elbow = step(root, spec[0], UPPER_ARM * k)
            wrist = step(elbow, spec[1], FOREARM * k)
            pts = [root, elbow, wrist]
            if len(spec) > 2:
                pts.append(step(wrist, spec[2], HAND * k))
            return pts

        def limb_leg(root, spec):
            if isinstance(spec, Plant):
                a1, a2 = ik(root, spec.point, THIGH * k * thigh_k, (SHIN + HEEL) * k, spec.bend)
                spec = (a1, a2, spec.foot, spec.foot_k)
            knee = step(root, spec[0], THIGH * k * thigh_k)
            ankle = step(knee, spec[1], SHIN * k)
            heel = step(ankle, spec[1], HEEL * k)
            toe = step(heel, spec[2], FOOT * k * (spec[3] if len(spec) > 3 else foot_k))
            return [root, knee, ankle, heel, toe]

        fa, na = limb_arm(sh_far, far_arm), limb_arm(sh_near, arm)
        fl, nl = limb_leg(hp_far, far_leg), limb_leg(hp_near, leg)
        j.update(far_arm=fa, arm=na, far_leg=fl, leg=nl,
                 hand=na[-1], far_hand=fa[-1], wrist=na[2], far_wrist=fa[2], elbow=na[1],
                 far_elbow=fa[1], knee=nl[1], ankle=nl[2], heel=nl[3], toe=nl[4],
                 far_knee=fl[1], far_ankle=fl[2], far_heel=fl[3], far_toe=fl[4])
        leg_w, arm_w = 17 * k, 13 * k
        side_color = near_color if front else far_color
        if legs:
            self.line(fl, leg_w, side_color)
        self.line(fa, arm_w, side_color)
        if front:
            self.line([hp_far, hp_near], 20 * k, near_color)
            self.line([sh_far, sh_near], 20 * k, near_color)
        if spine:
            mid = step(((hip[0] + shoulder[0]) / 2, (hip[1] + shoulder[1]) / 2), trunk - 90, spine)
            back = [_bezier(hip, mid, shoulder, t / 10) for t in range(11)]
        else:
            back = [hip, shoulder]
        self.line(back, 26 * k, near_color)
        self.line([shoulder, step(shoulder, head_a, NECK * k * 0.6)], 14 * k, near_color)
        if legs:
            self.line(nl, leg_w, near_color)
        self.line(na, arm_w, near_color)
        self.circle(head_c, HEAD * k, fill=near_color)
        return j

    # --------------------------------------------------------------- save
    def save(self, name: str, colors: int = 32):
        small = self.img.resize(self.size, Image.LANCZOS)
        small = small.quantize(colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        small.save(OUT / name, optimize=True)


PICTURES = {}


def picture(fn):
    """Register a drawing; the file is named after the function (pendulum -> pendulum.png)."""
    PICTURES[fn.__name__.replace("_", "-") + ".png"] = fn
    return fn


# Where the hip goes so that the feet stand on a floor line, or the body lies on a mat.
def standing(floor, k=1.0):
    return floor - 198.5 * k


def seated(floor, k=1.0):
    return floor - 106.5 * k


def lying(mat_top, k=1.0):
    return mat_top - 13 * k


# ===================================================================== shoulder

@picture
def pendulum():
    s = Sketch(560, 460)
    s.floor(446)
    s.table(330, 540, 250, 446)
    j = s.figure(hip=(180, 262), trunk=-22, head=-15, arm=reach((356, 236), 1), far_arm=(92, 90),
                 leg=plant((214, 437), -1), far_leg=plant((150, 437), -1))
    h = j["far_wrist"]
    s.ellipse((h[0] - 46, h[1] + 2, h[0] + 46, h[1] + 34), fill=None, outline=ACCENT, width=5)
    s.arrow([(h[0] + 26, h[1] + 32), (h[0] + 8, h[1] + 34)])
    return s


@picture
def scapular_squeeze():
    # Seen from behind: the shoulder blades slide together.
    s = Sketch(420, 520)
    s.floor(502)
    y = standing(502, 1.05)
    s.figure(hip=(210, y), trunk=-90, arm=(100, 95), far_arm=(80, 85), leg=(95, 91, 150),
             far_leg=(85, 89, 30), front=True, k=1.05, foot_k=0.5)
    for side in (-1, 1):
        x = 210 + side * 36
        s.rect((x - 18, y - 108, x + 18, y - 60), fill=GLOW, outline=ACCENT, width=3, radius=10)
        s.arrow([(210 + side * 96, y - 84), (210 + side * 66, y - 84)])
    return s


@picture
def band_external_rotation():
    # Seen from above: the elbow stays at the side and the forearm turns out.
    s = Sketch(480, 400)
    s.wall(16, 30, 380)
    knob = (48, 262)
    s.circle(knob, 9, fill=PROP_LINE)
    elbow, start, hand = (352, 200), (282, 266), (432, 258)
    s.line([(146, 176), (140, 200)], 20, FAR)        # the other arm, hanging
    s.line([elbow, start], 15, GHOST)                  # start: hand by the belly
    s.line([(150, 176), (330, 176)], 46, INK)          # shoulders
    s.line([(332, 178), elbow], 20, INK)               # upper arm, hanging at the side
    s.towel_roll((330, 206), 9)
    s.band([knob, hand])
    s.line([elbow, hand], 15, INK)                     # forearm turned out
    s.circle(hand, 11, fill=INK)
    s.circle((240, 172), 33, fill=INK, outline=(255, 255, 255), width=4)
    s.polygon([(228, 200), (252, 200), (240, 214)], fill=INK)  # nose: facing down the page
    s.arc_arrow(elbow, 80, 128, 52)
    return s


@picture
def band_row():
    s = Sketch(600, 440)
    s.floor(430)
    s.rect((540, 40, 566, 430), fill=PROP, outline=PROP_LINE, width=3)  # post
    y = standing(430)
    s.figure(hip=(230, y), trunk=-90, arm=(0, 0), leg=(90, 90, 0), ghost=True)
    j = s.figure(hip=(230, y), trunk=-90, arm=(128, 0), far_arm=(132, -2), leg=(90, 90, 0),
                 far_leg=(88, 92, 0))
    s.band([(540, j["wrist"][1]), j["wrist"]])
    s.arrow([(430, 206), (340, 206)])
    return s


@picture
def doorway_pec_stretch():
    s = Sketch(420, 560)
    s.floor(540)
    s.rect((206, 30, 228, 540), fill=PROP, outline=PROP_LINE, width=3)  # the door frame
    s.glow((300, 262), 30, 30)
    s.figure(hip=(255, 350), trunk=-78, arm=(178, -90), far_arm=(176, -92),
             leg=plant((300, 532), -1), far_leg=plant((206, 532), -1))
    s.arrow([(330, 320), (380, 320)])
    return s


@picture
def cane_flexion_supine():
    s = Sketch(640, 320)
    s.mat(10, 630, 272)
    y = lying(272)
    s.figure(hip=(320, y), trunk=180, arm=(-90, -90), leg=plant((450, 262), -1), ghost=True)
    j = s.figure(hip=(320, y), trunk=180, arm=(-138, -150), far_arm=(-136, -148),
                 leg=plant((450, 262), -1), far_leg=plant((455, 262), -1))
    h = j["wrist"]
    s.line([step(h, 120, 16), step(h, -60, 40)], 8, WOOD)  # the cane, seen end-on
    s.arc_arrow(j["shoulder"], 150, -96, -140)
    return s


@picture
def table_slide():
    s = Sketch(500, 460)
    s.floor(440)
    s.table(250, 490, 283, 440)
    y = seated(440)
    s.chair(128, y + 14, 440, facing=1)
    s.figure(hip=(150, y), trunk=-88, arm=reach((252, 276), 1), leg=plant((235, 432), -1), ghost=True)
    j = s.figure(hip=(150, y), trunk=-50, head=-40, arm=reach((338, 276), 1),
                 far_arm=reach((330, 276), 1), leg=plant((235, 432), -1), far_leg=plant((228, 432), -1))
    x = j["wrist"][0]
    s.rect((x - 34, 275, x + 24, 283), fill=GLOW, outline=ACCENT, width=2, radius=3)
    s.arrow([(330, 212), (410, 212)])
    return s


@picture
def towel_behind_back():
    # Seen from behind, upper body: the good hand pulls the towel up over the shoulder.
    s = Sketch(400, 320)
    k = 1.45
    y = 338  # the hips sit just below the picture
    j = s.figure(hip=(200, y), trunk=-90, arm=reach((194, y - 200), -1), far_arm=reach((206, y - 56), -1),
                 leg=(95, 91, 150), far_leg=(85, 89, 30), front=True, k=k)
    top, low = j["wrist"], j["far_wrist"]
    s.line([top, low], 18, (232, 216, 184))
    s.circle(top, 13, fill=INK)
    s.circle(low, 13, fill=INK)
    s.arrow([(top[0] - 110, top[1] + 40), (top[0] - 110, top[1] - 40)])
    return s


# ======================================================================== knee

@picture
def ankle_pumps():
    s = Sketch(600, 260)
    s.mat(10, 590, 212)
    y = lying(212)
    s.figure(hip=(270, y), trunk=180, arm=(4, 0), leg=(0, 0, -25), ghost=True)
    j = s.figure(hip=(270, y), trunk=180, arm=(4, 0), leg=(0, 0, -115), far_leg=(-1, 1, -110))
    s.arc_arrow(j["heel"], 66, -28, -112, both=True)
    return s


@picture
def quad_sets():
    s = Sketch(600, 260)
    s.mat(10, 590, 212)
    y = lying(212)
    s.towel_roll((362, 202), 10)
    s.glow((318, y - 6), 46, 16)
    s.figure(hip=(270, y), trunk=180, arm=(4, 0), leg=(-2, 2, -88), far_leg=(0, 0, -85))
    s.arrow([(362, 140), (362, 176)])
    return s


@picture
def heel_slides():
    s = Sketch(600, 300)
    s.mat(10, 590, 252)
    y = lying(252)
    s.figure(hip=(260, y), trunk=180, arm=(4, 0), leg=(0, 0, -85), ghost=True)
    s.figure(hip=(260, y), trunk=180, arm=(4, 0), leg=plant((385, 243), -1, -5), far_leg=(0, 0, -85))
    s.arrow([(470, 284), (392, 284)])
    return s


@picture
def straight_leg_raise():
    s = Sketch(600, 300)
    s.mat(10, 590, 252)
    y = lying(252)
    s.figure(hip=(260, y), trunk=180, arm=(4, 0), leg=(-22, -22, -112), far_leg=plant((400, 243), -1))
    s.arrow([(480, 200), (480, 130)])
    return s


@picture
def short_arc_quad():
    s = Sketch(600, 280)
    s.mat(10, 590, 232)
    y = lying(232)
    s.towel_roll((350, 206), 24)
    s.figure(hip=(260, y), trunk=180, arm=(4, 0), leg=(-12, 18, -70), ghost=True)
    j = s.figure(hip=(260, y), trunk=180, arm=(4, 0), leg=(-12, -8, -98), far_leg=(0, 0, -85))
    s.arc_arrow(j["knee"], 104, 16, -4)
    return s


@picture
def seated_knee_extension():
    s = Sketch(460, 420)
    s.floor(400)
    y = seated(400)
    s.chair(108, y + 14, 400, facing=1, width=100)
    s.figure(hip=(130, y), trunk=-90, arm=(80, 0), leg=(0, 90, 0), ghost=True)
    s.glow((178, y - 6), 42, 13)
    j = s.figure(hip=(130, y), trunk=-90, arm=(80, 0), leg=(0, 0, -90), far_leg=(0, 90, 0))
    s.arc_arrow(j["knee"], 84, 82, 10)
    return s


@picture
def knee_extension_prop():
    s = Sketch(640, 260)
    s.mat(10, 630, 212)
    y = lying(212)
    s.towel_roll((446, 202), 12)
    j = s.figure(hip=(270, y), trunk=180, arm=(4, 0), leg=(-2, -4, -88), far_leg=(0, 0, -85))
    k = j["knee"]
    s.glow((k[0], k[1] + 2), 20, 10)
    s.arrow([(k[0], 130), (k[0], 176)])
    return s


@picture
def sit_to_stand():
    s = Sketch(640, 440)
    s.floor(420)
    for x in (60, 380):
        s.chair(x, 290, 420, facing=1)
    s.figure(hip=(92, 276), trunk=-55, head=-45, arm=(20, 10), leg=plant((180, 412), -1),
             far_leg=plant((174, 412), -1))
    s.arrow([(250, 230), (320, 230)], color=PRIMARY, width=7)
    s.figure(hip=(440, standing(420)), trunk=-90, arm=(95, 90), leg=(90, 90, 0), far_leg=(88, 92, 0))
    s.arrow([(530, 190), (530, 120)])
    return s


@picture
def mini_squat():
    s = Sketch(420, 540)
    s.floor(520)
    s.counter(290, 400, 305, 520)
    s.figure(hip=(170, standing(520, 1.05)), trunk=-90, arm=(95, 90), leg=(90, 90, 0), k=1.05, ghost=True)
    s.figure(hip=(150, 362), trunk=-70, head=-78, arm=reach((298, 291), 1), far_arm=reach((292, 291), 1),
             leg=plant((186, 511), -1), far_leg=plant((180, 511), -1), k=1.05)
    s.arrow([(60, 260), (60, 340)])
    return s


@picture
def step_up():
    s = Sketch(440, 560)
    s.floor(540)
    s.line([(150, 290), (420, 220)], 7, PROP_LINE)     # handrail
    s.line([(420, 220), (420, 470)], 7, PROP_LINE)
    s.rect((180, 470, 430, 540), fill=PROP, outline=PROP_LINE, width=3)  # the step
    s.figure(hip=(200, 330), trunk=-85, arm=reach((300, 251), 1), far_arm=(100, 80),
             leg=plant((262, 461), -1), far_leg=plant((140, 515), -1, 40), k=1.05)
    s.arrow([(80, 350), (80, 270)])
    return s


@picture
def hamstring_stretch():
    s = Sketch(600, 380)
    s.mat(10, 590, 332)
    y = lying(332)
    leg = (-62, -62, -152)
    hip = (250, y)
    heel = step(hip, -62, THIGH + SHIN + HEEL)
    s.glow(step(step(hip, -62, 50), 28, 16), 24, 24)
    j = s.figure(hip=hip, trunk=180, arm=reach((222, 262), -1), far_arm=reach((216, 262), -1),
                 leg=leg, far_leg=(0, 0, -85))
    sole = [step(step(heel, -152, 30), 28, 12), step(heel, 28, 12)]
    s.line([j["wrist"], sole[0], sole[1], j["wrist"]], 5, BAND)
    return s


@picture
def standing_quad_stretch():
    s = Sketch(400, 560)
    s.floor(540)
    s.counter(290, 390, 300, 540)
    y = standing(540, 1.05)
    hip = (200, y)
    knee = step(hip, 96, THIGH * 1.05)
    ankle = step(knee, -100, SHIN * 1.05)
    s.glow((knee[0] + 16, (hip[1] + knee[1]) / 2), 14, 36)
    s.figure(hip=hip, trunk=-90, arm=reach(ankle, 1), far_arm=reach((292, 291), 1),
             leg=(96, -100, -175), far_leg=(90, 90, 0), k=1.05)
    return s


# ========================================================================= hip

@picture
def standing_hip_abduction():
    # Seen from the front, holding the back of a chair at the side.
    s = Sketch(440, 560)
    s.floor(540)
    for x in (318, 396):                                   # chair, seen from the front
        s.line([(x, 262), (x, 540)], 8, PROP_LINE)
    s.line([(312, 266), (402, 266)], 10, PROP_LINE)
    s.rect((308, 374, 406, 388), fill=PROP, outline=PROP_LINE, width=3)
    y = standing(540, 1.05)
    hands = dict(arm=(100, 92), far_arm=reach((326, 262), -1))
    s.figure(hip=(200, y), trunk=-90, leg=(92, 92, 150), far_leg=(88, 88, 30), front=True,
             k=1.05, foot_k=0.5, ghost=True, **hands)
    j = s.figure(hip=(200, y), trunk=-90, leg=(116, 116, 170), far_leg=(88, 88, 30), front=True,
                 k=1.05, foot_k=0.5, **hands)
    s.arc_arrow(j["hip"], 175, 98, 120)
    return s


@picture
def standing_hip_extension():
    s = Sketch(400, 560)
    s.floor(540)
    s.counter(285, 390, 300, 540)
    y = standing(540, 1.05)
    hands = dict(arm=reach((290, 291), 1), far_arm=reach((286, 291), 1))
    s.figure(hip=(190, y), trunk=-90, leg=(90, 90, 0), k=1.05, ghost=True, **hands)
    s.glow((176, y - 8), 20, 26)
    j = s.figure(hip=(190, y), trunk=-90, leg=(112, 112, 22), far_leg=(90, 90, 0), k=1.05, **hands)
    s.arc_arrow(j["hip"], 170, 96, 120)
    return s


@picture
def hip_abduction_slide():
    # Seen from above, lying on the back.
    s = Sketch(600, 340)
    s.rect((10, 30, 590, 310), fill=(226, 239, 236), outline=PROP_LINE, width=2, radius=10)
    pose = dict(hip=(260, 170), trunk=180, arm=(12, 2), far_arm=(-12, -2), front=True, foot_k=0.35)
    s.figure(leg=(2, 2, 2), far_leg=(-2, -2, -2), ghost=True, **pose)
    j = s.figure(leg=(24, 24, 24), far_leg=(-2, -2, -2), **pose)
    s.arc_arrow(j["hip"], 205, 5, 22)
    return s


@picture
def sidelying_hip_abduction():
    s = Sketch(600, 320)
    s.mat(10, 590, 272)
    y = lying(272)
    s.glow((300, y - 10), 22, 14)
    s.figure(hip=(300, y), trunk=180, arm=(4, 0), far_arm=(-176, -178), leg=(-24, -24, -24, 0.5),
             far_leg=(-8, 8, 0, 0.5))
    s.arrow([(540, 210), (540, 130)])
    return s


@picture
def clamshell():
    # Lying on one side: the feet stay together and the top knee opens like a clam.
    s = Sketch(560, 340)
    s.mat(10, 550, 292)
    hb, ht = (250, 279), (250, 258)
    feet, top_feet = (400, 279), (400, 262)
    s.line([hb, (332, 279), feet, (424, 279)], 17, FAR)          # bottom leg
    s.line([ht, (334, 258), top_feet], 17, GHOST)                  # top leg, closed
    s.figure(hip=(250, 268), trunk=180, arm=(6, 0), far_arm=(-176, -178), legs=False)
    s.line([ht, (322, 196), top_feet, (424, 262)], 17, INK)       # top leg, open
    s.glow((250, 250), 18, 12)
    s.arc_arrow(ht, 92, -6, -44)
    return s


# ===================================================================== ankle

@picture
def ankle_alphabet():
    s = Sketch(600, 360)
    s.floor(340)
    s.stool(175, 285, 249, 340)
    s.chair(62, 236, 340, facing=1)
    j = s.figure(hip=(85, 222), trunk=-95, arm=(75, 5), leg=(8, 8, -82), far_leg=plant((165, 332), -1))
    t = j["toe"]
    s.dashed([(t[0] + 10, t[1] + 6), (t[0] + 28, t[1] - 44), (t[0] + 46, t[1] + 6)], 4)
    s.dashed([(t[0] + 18, t[1] - 14), (t[0] + 38, t[1] - 14)], 4)
    s.text((t[0] + 120, t[1] - 20), "A B C", size=40)
    return s


@picture
def heel_raises():
    s = Sketch(400, 560)
    s.floor(540)
    s.counter(285, 385, 300, 540)
    s.figure(hip=(200, standing(540, 1.05)), trunk=-90, arm=reach((290, 291), 1), leg=(90, 90, 0),
             k=1.05, ghost=True)
    j = s.figure(hip=(200, 301), trunk=-90, arm=reach((290, 291), 1), far_arm=reach((286, 291), 1),
                 leg=(90, 90, 45), far_leg=(91, 91, 46), k=1.05)
    s.glow((j["knee"][0] - 10, j["knee"][1] + 40), 16, 30)
    s.arrow([(90, 320), (90, 240)])
    return s


@picture
def single_leg_balance():
    s = Sketch(400, 560)
    s.floor(540)
    s.counter(290, 390, 300, 540)
    j = s.figure(hip=(200, standing(540, 1.05)), trunk=-90, arm=reach((292, 291), 1), far_arm=(95, 88),
                 leg=(90, 90, 0), far_leg=(70, 125, 15), k=1.05)
    s.line([(j["heel"][0] - 6, 530), (j["toe"][0] + 6, 530)], 7, ACCENT)
    return s


@picture
def towel_scrunches():
    # Close-up: the bare foot curls its toes to pull the towel in.
    s = Sketch(560, 300)
    s.floor(272)
    s.rect((40, 256, 530, 268), fill=(232, 216, 184), outline=WOOD, width=2, radius=4)
    for x in (340, 364, 388):
        s.draw.arc([*s._p((x - 12, 236)), *s._p((x + 12, 264))], 180, 360, fill=WOOD, width=3 * SCALE)
    s.foot_closeup((170, 190), toes=35)
    s.arrow([(500, 214), (410, 214)])
    return s


@picture
def wall_calf_stretch():
    s = Sketch(540, 460)
    s.wall(480, 40, 440)
    s.floor(440, x1=480)
    s.glow((222, 388), 20, 36)
    s.figure(hip=(300, 270), trunk=-55, head=-55, arm=reach((478, 186), 1), far_arm=reach((478, 194), 1),
             leg=plant((202, 432), -1), far_leg=plant((385, 432), -1))
    s.arrow([(170, 370), (170, 425)])
    return s


@picture
def plantar_fascia_stretch():
    # Close-up: the hand pulls the toes back toward the shin.
    s = Sketch(480, 400)
    s.glow((214, 300), 86, 22)
    ball, _ = s.foot_closeup((150, 230), toes=-40)
    tip = step(ball, -40, 50)
    s.line([(450, 130), (tip[0] + 10, tip[1] - 4)], 18, FAR)
    s.circle((tip[0] + 8, tip[1] - 2), 18, fill=FAR)
    s.arc_arrow(ball, 92, -8, -56)
    return s


@picture
def bottle_roll():
    s = Sketch(500, 440)
    s.floor(400)
    s.chair(88, 274, 400, facing=1)
    s.rect((196, 362, 330, 398), fill=(205, 226, 236), outline=PROP_LINE, width=3, radius=18)
    s.rect((330, 370, 346, 390), fill=PRIMARY, outline=None, width=0, radius=3)
    s.figure(hip=(110, 260), trunk=-90, arm=(75, 0), leg=plant((232, 354), -1), far_leg=plant((186, 392), -1))
    s.double_arrow((196, 424), (346, 424))
    return s


@picture
def tandem_stance():
    s = Sketch(400, 560)
    s.floor(540)
    s.counter(280, 380, 300, 540)
    j = s.figure(hip=(190, standing(540, 1.05)), trunk=-90, arm=reach((286, 291), 1),
                 far_arm=reach((282, 291), 1), leg=plant((222, 531), -1), far_leg=plant((176, 531), -1),
                 k=1.05)
    s.line([(j["far_heel"][0] - 6, 546), (j["toe"][0] + 6, 546)], 6, ACCENT)
    return s


@picture
def marching():
    # The counter is beside the patient, on the far side.
    s = Sketch(420, 560)
    s.floor(540)
    s.counter(110, 330, 300, 540)
    y = standing(540, 1.05)
    j = s.figure(hip=(190, y), trunk=-90, arm=(60, 20), far_arm=reach((236, 291), 1), leg=(-2, 90, 0),
                 far_leg=(90, 90, 0), k=1.05)
    k = j["knee"]
    s.arrow([(k[0] + 70, k[1] + 50), (k[0] + 70, k[1] - 20)])
    return s


@picture
def side_steps():
    # Seen from behind: the patient faces the counter and steps sideways.
    s = Sketch(600, 440)
    s.floor(420)
    s.counter(130, 470, 236, 420)
    y = standing(420)
    hands = dict(arm=reach((250, 230), 1), far_arm=reach((350, 230), -1))
    s.figure(hip=(300, y), trunk=-90, leg=(92, 92, 150), far_leg=(88, 88, 30), front=True,
             foot_k=0.5, ghost=True, **hands)
    s.figure(hip=(300, y), trunk=-90, leg=(104, 104, 150), far_leg=(86, 86, 30), front=True,
             foot_k=0.5, **hands)
    s.arrow([(200, 330), (150, 330)], width=7)
    s.arrow([(400, 330), (450, 330)], color=GHOST, width=7)
    return s


def footprint(s, x, y, flip, color):
    """A sole print seen from above, toes to the right; flip = the other foot."""
    d = -1 if flip else 1
    s.ellipse((x, y - 13 + 2 * d, x + 34, y + 13 + 2 * d), fill=color)           # heel
    s.rect((x + 16, y - 11 + 3 * d, x + 50, y + 11 + 1 * d), fill=color, outline=None, width=0)
    s.ellipse((x + 36, y - 18 - 2 * d, x + 84, y + 18 - 2 * d), fill=color)       # ball and toes


@picture
def heel_toe_walk():
    # Footprints from above, each heel touching the toes in front.
    s = Sketch(600, 200)
    for i in range(6):
        footprint(s, 28 + i * 94, 84 + (8 if i % 2 else -8), i % 2 == 1, PRIMARY if i < 5 else GHOST)
    s.arrow([(40, 160), (560, 160)])
    return s


# ======================================================================= back

@picture
def pelvic_tilt():
    s = Sketch(560, 280)
    s.mat(10, 550, 232)
    y = lying(232)
    s.glow((232, y + 8), 40, 10)
    j = s.figure(hip=(260, y), trunk=180, arm=(4, 0), leg=plant((400, 223), -1), far_leg=plant((404, 223), -1))
    s.arc_arrow(j["hip"], 56, -160, -112)
    return s


@picture
def knee_to_chest():
    s = Sketch(560, 300)
    s.mat(10, 550, 252)
    y = lying(252)
    j = s.figure(hip=(290, y), trunk=180, arm=reach((250, 185), -1), far_arm=(4, 0),
                 leg=(-128, -4, -94), far_leg=plant((430, 243), -1))
    k = j["knee"]
    s.arrow([(k[0] + 60, k[1] - 50), (k[0] + 10, k[1] - 52)])
    return s


@picture
def lower_trunk_rotation():
    # Seen from above: the bent knees fall together to one side.
    s = Sketch(540, 380)
    s.rect((10, 20, 530, 360), fill=(226, 239, 236), outline=PROP_LINE, width=2, radius=10)
    pose = dict(hip=(280, 190), trunk=180, arm=(92, 92), far_arm=(-92, -92), front=True, foot_k=0.5)
    s.figure(leg=(-58, 24, 24), far_leg=(-64, 30, 30), ghost=True, **pose)
    j = s.figure(leg=(58, -24, -24), far_leg=(64, -30, -30), **pose)
    s.arc_arrow(j["hip"], 118, -34, 34, both=True)
    return s


@picture
def cat_camel():
    s = Sketch(640, 300)
    s.mat(10, 630, 262)
    k = 0.75
    hip_y = 262 - 6 - THIGH * k
    # Round the back up (head down), then let the belly sink (head up).
    for x, spine, head, up in ((220, -26, 120, True), (510, 20, -160, False)):
        shoulder_x = x - TRUNK * k * math.cos(math.radians(18))
        s.figure(hip=(x, hip_y), trunk=198, head=head, spine=spine, k=k,
                 arm=reach((shoulder_x, 255), 1), far_arm=reach((shoulder_x + 4, 255), 1),
                 leg=(90, 0, 0), far_leg=(90, 0, 0))
        mx, my = x - 44, hip_y - 16 + spine
        s.arrow([(mx, my - 34), (mx, my - 74)] if up else [(mx, my - 70), (mx, my - 30)])
    return s


@picture
def bridge():
    s = Sketch(600, 300)
    s.mat(10, 590, 252)
    s.figure(hip=(330, lying(252)), trunk=180, arm=(4, 0), leg=plant((450, 243), -1), ghost=True)
    s.glow((330, 214), 24, 18)
    j = s.figure(hip=(330, 205), trunk=162, head=180, arm=(3, 0), leg=plant((450, 243), -1),
                 far_leg=plant((455, 243), -1))
    s.arrow([(j["hip"][0], 176), (j["hip"][0], 130)])
    return s


@picture
def bird_dog():
    s = Sketch(600, 320)
    s.mat(10, 590, 282)
    k = 0.9
    hip = (380, 282 - 6 - THIGH * k)
    shoulder_x = hip[0] - TRUNK * k * math.cos(math.radians(18))
    j = s.figure(hip=hip, trunk=198, head=186, k=k, arm=(198, 198), far_arm=reach((shoulder_x, 276), 1),
                 leg=(0, 0, 90), far_leg=(90, 0, 0))
    s.arrow([(j["wrist"][0] + 30, j["wrist"][1] - 30), (j["wrist"][0] - 30, j["wrist"][1] - 42)])
    s.arrow([(j["heel"][0] - 50, j["heel"][1] - 34), (j["heel"][0] + 10, j["heel"][1] - 34)])
    return s


# ======================================================================= neck

@picture
def chin_tuck():
    s = Sketch(440, 440)
    s.floor(420)
    y = seated(420)
    s.chair(138, y + 14, 420, facing=1)
    s.figure(hip=(160, y), trunk=-90, head=-62, arm=(80, 0), leg=(0, 90, 0), ghost=True)
    j = s.figure(hip=(160, y), trunk=-90, head=-92, arm=(80, 0), leg=(0, 90, 0))
    hc = j["head"]
    s.arrow([(hc[0] + 96, hc[1] + 6), (hc[0] + 46, hc[1] + 6)])
    return s


@picture
def upper_trap_stretch():
    # Seen from the front, sitting: the ear tips toward the other shoulder.
    s = Sketch(460, 460)
    s.floor(440)
    y = 440 - 8.5 - (THIGH * 0.25 + SHIN + HEEL)
    s.rect((130, y + 8, 330, y + 24), fill=PROP, outline=PROP_LINE, width=3)  # chair seat
    for x in (142, 318):
        s.line([(x, y + 24), (x, 440)], 7, PROP_LINE)
    shoulder = (230, y - TRUNK)
    head = step(shoulder, -62, NECK)
    s.glow((200, shoulder[1] - 10), 28, 14)
    j = s.figure(hip=(230, y), trunk=-90, head=-62, arm=reach((168, y + 12), 1),
                 far_arm=reach(step(head, -160, HEAD - 2), 1), leg=(100, 90, 160, 0.5),
                 far_leg=(80, 90, 20, 0.5), front=True, thigh_k=0.25)
    s.arc_arrow(j["shoulder"], 84, -100, -60)
    return s


@picture
def thoracic_extension():
    s = Sketch(460, 460)
    s.floor(440)
    y = seated(440)
    s.chair(150, y + 14, 440, facing=1, back=92)
    shoulder = step((170, y), -108, TRUNK)
    head = step(shoulder, -115, NECK)
    j = s.figure(hip=(170, y), trunk=-108, head=-115, arm=reach((head[0] - 18, head[1] - 6), 1),
                 leg=(0, 90, 0))
    s.arc_arrow(j["hip"], 160, -76, -112)
    return s


# ======================================================================= hand

def hand_side(s, wrist, mcp, pip, dip):
    """A hand seen from the side; the angles bend the knuckles (0 = straight up)."""
    x, y = wrist
    s.line([(x, y + 140), (x, y)], 34, FAR)             # forearm
    knuckle = (x, y - 70)
    s.line([(x, y), knuckle], 32, INK)                  # palm
    s.line([(x - 12, y - 24), (x - 34, y - 50)], 14, FAR)  # thumb
    a = -90 + mcp
    p1 = step(knuckle, a, 42)
    a += pip
    p2 = step(p1, a, 28)
    a += dip
    p3 = step(p2, a, 22)
    s.line([knuckle, p1, p2, p3], 17, INK)


@picture
def tendon_glides():
    s = Sketch(640, 300)
    poses = [(0, 0, 0), (0, 100, 80), (90, 90, 0), (90, 100, 75)]
    for i, (mcp, pip, dip) in enumerate(poses):
        hand_side(s, (80 + i * 160, 200), mcp, pip, dip)
        if i:
            s.arrow([(i * 160 - 16, 230), (i * 160 + 22, 230)], color=PRIMARY, width=5, head=12)
    return s


@picture
def wrist_extensor_stretch():
    s = Sketch(480, 420)
    s.floor(400)
    y = standing(400)
    s.glow((226, y - 116), 42, 11)
    j = s.figure(hip=(140, y), trunk=-90, arm=(0, 0, 85), leg=(90, 90, 0), far_leg=(88, 92, 0),
                 far_arm=reach((282, y - 100), 1))
    s.circle((280, y - 100), 11, fill=FAR)
    s.arc_arrow(j["wrist"], 48, 14, 80)
    return s


@picture
def wrist_curls():
    # The forearm rests on the thigh, the hand past the knee.
    s = Sketch(460, 320)
    s.floor(304)
    y = seated(304)
    s.chair(98, y + 14, 304, facing=1)
    wrist = (230, y - 15)
    rest = step(wrist, 45, HAND + 6)
    s.line([wrist, rest], 13, GHOST)
    s.dumbbell(rest, a=135, size=1.0)
    j = s.figure(hip=(120, y), trunk=-40, head=-55, arm=reach(wrist, 1, hand=(-40,)),
                 leg=(0, 90, 0))
    s.dumbbell(step(j["hand"], -40, 4), a=50, size=1.0)
    s.arc_arrow(wrist, 58, 55, -50)
    return s


# ===================================================================== general

@picture
def wall_push_up():
    s = Sketch(560, 480)
    s.wall(480, 30, 460)
    s.floor(460, x1=480)
    heel = (270, 452)
    hip = step(heel, -72, THIGH + SHIN + HEEL)
    j = s.figure(hip=hip, trunk=-72, head=-72, arm=reach((478, 180), 1), far_arm=reach((478, 188), 1),
                 leg=(108, 108, 0), far_leg=(107, 109, 0))
    s.double_arrow((j["shoulder"][0] + 6, 250), (j["shoulder"][0] + 86, 250))
    return s


@picture
def biceps_curl():
    s = Sketch(400, 560)
    s.floor(540)
    y = standing(540, 1.05)
    s.figure(hip=(200, y), trunk=-90, arm=(92, 90), leg=(90, 90, 0), k=1.05, ghost=True)
    j = s.figure(hip=(200, y), trunk=-90, arm=(92, -70), far_arm=(90, 88), leg=(90, 90, 0),
                 far_leg=(88, 92, 0), k=1.05)
    s.dumbbell(j["far_wrist"], a=0, size=0.9)
    s.dumbbell(j["wrist"], a=0, size=0.9)
    s.arc_arrow(j["elbow"], 78, 70, -50)
    return s

def logo():
    size = 240
    img = Image.new("RGB", (size * SCALE, size * SCALE), "white")
    draw = ImageDraw.Draw(img)
    c, r = size * SCALE / 2, size * SCALE / 2 - 8
    draw.ellipse((c - r, c - r, c + r, c + r), fill=PRIMARY)
    # A cedar: three stacked triangles and a trunk, with an accent path below.
    u = SCALE
    for half, top in ((34, 40), (48, 72), (62, 104)):
        draw.polygon([(c, top * u), (c - half * u, (top + 52) * u), (c + half * u, (top + 52) * u)],
                     fill="white")
    draw.rectangle((c - 9 * u, 156 * u, c + 9 * u, 176 * u), fill="white")
    draw.arc((c - 80 * u, 160 * u, c + 80 * u, 220 * u), 200, 340, fill=ACCENT, width=12 * u)
    small = img.resize((size, size), Image.LANCZOS)
    small = small.quantize(colors=48, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(OUT / "logo.png", optimize=True)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, draw in PICTURES.items():
        draw().save(name)
    logo()
    for path in sorted(OUT.glob("*.png")):
        with Image.open(path) as im:
            print(f"{path.name:32} {im.size[0]:4}x{im.size[1]:<4} {path.stat().st_size / 1024:5.1f} KB")


if __name__ == "__main__":
    main()
