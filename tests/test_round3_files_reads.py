"""A picture that is a loop of symbolic links, wherever it is named (issue 21).

A library exercise's picture and the logo already got the clear per-file message;
a picture named by an exercise written out in the handout itself (`exercises: -
name: …, image: loop.png`) went on to Clinic.inside, whose Path.resolve() raises
RuntimeError("Symlink loop from …") on Python before 3.13: `internal error`."""

from __future__ import annotations

import pytest

from conftest import SAMPLE, assert_user_error, edit, render_checked, run

HANDOUT = f"handouts/{SAMPLE}.yaml"
INLINE = ("exercises:\n  - name: Heel Walk\n    image: {image}\n    steps: [Walk on your heels.]\n"
          "    dosage: {{reps: 10}}\n")
LOOP = ('{handout}:10: exercises[0].image: "images/{image}" is a loop of symbolic links; '
        "put the picture itself there instead of the link")



def _inline_picture(clinic, image: str) -> None:
    edit(clinic / HANDOUT, "exercises:\n", INLINE.format(image=image))


@pytest.mark.parametrize("links", [["loop.png"], ["a.png", "b.png"]], ids=["itself", "two links"])
def test_a_handout_exercises_picture_that_is_a_symlink_loop_is_named_as_one(clinic, tmp_path, links):
    for name, target in zip(links, links[1:] + links[:1], strict=True):
        (clinic / "images" / name).symlink_to(target)
    _inline_picture(clinic, links[0])
    result, _ = render_checked(clinic, tmp_path, "--date", "2026-12-01")
    assert_user_error(result, LOOP.format(handout=HANDOUT, image=links[0]))


@pytest.mark.parametrize("command", [["check"], ["build", "--jobs", "1"]], ids=["check", "build"])
def test_a_symlink_loop_fails_only_its_handout_in_check_and_build(clinic, command):
    (clinic / "images/loop.png").symlink_to("loop.png")
    _inline_picture(clinic, "loop.png")
    (clinic / "handouts/other.yaml").write_text("title: Calf stretch on its own\nexercises:\n  - use: calf-stretch\n")
    result = run(*command, root=clinic)
    assert_user_error(result, LOOP.format(handout=HANDOUT, image="loop.png"))
    assert "1 failed" in result.stdout
    if command[0] == "build":
        assert (clinic / "out/other.pdf").is_file() and not (clinic / "out" / f"{SAMPLE}.pdf").exists()


def test_a_library_exercises_picture_and_the_logo_that_loop_are_named_as_one(clinic, tmp_path):
    (clinic / "images/loop.png").symlink_to("loop.png")
    edit(clinic / "brand.yaml", "logo: logo.png", "logo: loop.png")
    edit(clinic / "exercises/calf-stretch.yaml", "image: calf-stretch.png", "image: loop.png")
    result, _ = render_checked(clinic, tmp_path, "--date", "2026-12-01")
    assert_user_error(result, 'brand.yaml:7: logo: "images/loop.png" is a loop of symbolic links',
                      'exercises/calf-stretch.yaml:2: image: "images/loop.png" is a loop of symbolic links')


def test_a_picture_that_becomes_a_loop_after_it_was_checked_is_a_clear_error(tmp_path):
    """The picture is read under readsafe's rule when it is loaded: a loop made after the
    handout was checked (a long-lived `serve`) is the same clear message."""
    from handoutgen import images

    folder = tmp_path / "images"
    folder.mkdir()
    (folder / "loop.png").symlink_to("loop.png")
    with pytest.raises(images.HandoutError) as caught:
        images.load_picture(folder / "loop.png", "images/loop.png", roots=(tmp_path,))
    assert "images/loop.png: is a loop of symbolic links" in str(caught.value)
