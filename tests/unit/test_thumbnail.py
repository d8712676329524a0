"""RGB 565 decoding, half-block drawing and the wall's layout (issue 12), without a host."""

from __future__ import annotations

import pytest

from hvtui.model.thumbnail import (
    RAMP,
    UPPER_HALF,
    ScreenStatus,
    Thumbnail,
    ansi_lines,
    cells,
    decode_rgb565,
    fit,
    rgb,
)
from hvtui.ui.vm_screen import MIN_CELL, wall_layout


def test_rgb565_is_little_endian_five_six_five_bits() -> None:
    # pure red, pure green, pure blue, white, as the method's bytes
    data = bytes([0x00, 0xF8, 0xE0, 0x07, 0x1F, 0x00, 0xFF, 0xFF])
    pixels = decode_rgb565(data, 2, 2)
    assert [rgb(p) for p in pixels] == [(255, 0, 0), (0, 255, 0), (0, 0, 255),
                                        (255, 255, 255)]


@pytest.mark.parametrize(("data", "w", "h"), [(b"\x00" * 7, 2, 2), (b"", 0, 0),
                                              (b"\x00" * 8, 4, 2)])
def test_a_buffer_of_the_wrong_size_is_refused(data: bytes, w: int, h: int) -> None:
    with pytest.raises(ValueError, match="RGB 565"):
        decode_rgb565(data, w, h)


def test_two_pixel_rows_make_one_line_of_half_blocks() -> None:
    white, black = 0xFFFF, 0x0000
    shot = Thumbnail("id", "HV1", ScreenStatus.SHOWN, 2, 3, (white, black, black, white,
                                                              white, white))
    rows = cells(shot)
    assert len(rows) == 2  # the odd last row repeats itself
    assert rows[0] == [((255, 255, 255), (0, 0, 0)), ((0, 0, 0), (255, 255, 255))]
    colour = ansi_lines(shot, color=True)
    assert colour[0].count(UPPER_HALF) == 2 and "38;2;255;255;255;48;2;0;0;0m" in colour[0]
    plain = ansi_lines(shot, color=False)
    assert plain == [RAMP[len(RAMP) // 2] * 2, RAMP[-1] * 2]


@pytest.mark.parametrize(("columns", "rows", "expected"), [
    (80, 23, (61, 46)), (120, 39, (104, 78)), (40, 100, (40, 30)), (1, 1, (4, 4))])
def test_the_image_keeps_the_guests_shape_in_the_cells_given(
        columns: int, rows: int, expected: tuple[int, int]) -> None:
    width, height = fit(columns, rows)
    assert (width, height) == expected
    assert width <= max(4, columns) and height // 2 <= max(2, rows)


def test_the_wall_uses_the_grid_that_gives_each_screen_the_most_room() -> None:
    layout = wall_layout(7, 80, 22)
    assert (layout.columns, layout.rows, layout.shown) == (4, 2, 7)
    assert wall_layout(1, 80, 22).columns == 1
    crowded = wall_layout(44, 80, 22)
    assert crowded.shown < 44
    assert crowded.cell_width >= MIN_CELL[0] and crowded.cell_height >= MIN_CELL[1]
    assert crowded.columns * crowded.cell_width <= 80
    assert crowded.rows * crowded.cell_height <= 22
    roomy = wall_layout(44, 200, 60)
    assert roomy.shown == 44
