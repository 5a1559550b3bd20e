"""The PDF with its chart PNGs prepared on a worker thread (`pdf.prepare_image`, issue 13) is the PDF in which
ReportLab decodes and compresses every PNG itself: the same pixels, and with zlib's deflate in place of zlib-ng's
the same file byte for byte. No Chromium needed: the charts' PNGs are drawn here with PIL at their print size
(RGBA, as kaleido writes them)."""

from __future__ import annotations

import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from reportlab import rl_config
from reportlab.lib.utils import ImageReader
from sqlalchemy import Engine

from dashboard.exports import pdf
from dashboard.exports.bundle import collect, export_charts
from dashboard.exports.content import ExportRequest
from dashboard.exports.pdf import PreparedImage, prepare_image, write_pdf
from dashboard.exports.render import image_size

ROUND = "2011"


def _png(path: Path, size: tuple[int, int], seed: int, mode: str = "RGBA") -> Path:
    image = Image.new(mode, size, "white")
    draw = ImageDraw.Draw(image)
    for n in range(12):
        box = ((seed * 37 + n * 151) % size[0], (n * 89) % size[1])
        colour = ((seed * 50) % 256, n * 20, 200) if mode.startswith("RGB") else n * 20
        draw.rectangle([box, (box[0] + 180, box[1] + 90)], fill=colour)
        draw.text((40, 40 + 30 * n), f"chart {seed} line {n}", fill="black")
    image.save(path)
    return path


def test_a_prepared_png_inflates_to_the_pixels_reportlab_embeds(tmp_path: Path) -> None:
    path = _png(tmp_path / "chart.png", (400, 300), 1)
    prepared = prepare_image(path)
    assert prepared is not None and (prepared.width, prepared.height) == (400, 300)
    assert zlib.decompress(prepared.stream) == ImageReader(str(path)).getRGBData()
    rgb = _png(tmp_path / "rgb.png", (400, 300), 3, mode="RGB")
    prepared_rgb = prepare_image(rgb)
    assert prepared_rgb is not None and zlib.decompress(prepared_rgb.stream) == ImageReader(str(rgb)).getRGBData()
    assert prepare_image(_png(tmp_path / "grey.png", (40, 30), 2, mode="L")) is None  # left to ReportLab


@pytest.mark.parametrize("request_", [ExportRequest(ROUND, formats=("pdf",))], ids=["national"])
def test_the_pdf_with_prepared_pngs_is_byte_identical_but_for_the_deflate(
    demo_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request_: ExportRequest
) -> None:
    monkeypatch.setattr(rl_config, "invariant", 1)  # no time stamps or random ids in the file
    monkeypatch.setattr(pdf.zlib_ng, "compress", zlib.compress)  # ReportLab's deflate; the pixels are tested above
    content = collect(demo_engine, request_)
    charts = export_charts(content)
    images = {
        (chart.scope, chart.name): _png(tmp_path / f"{chart.stem(ROUND)}.png", image_size(chart), n)
        for n, chart in enumerate(charts)
    }
    plain = write_pdf(content, images, tmp_path / "plain.pdf")
    placed: list[Path] = []
    place = pdf._place_prepared
    monkeypatch.setattr(
        pdf, "_place_prepared", lambda canvas, path, image: (placed.append(path), place(canvas, path, image))
    )
    with ThreadPoolExecutor(max_workers=1) as pool:
        prepared: dict[Path, Future[PreparedImage | None]] = {
            path: pool.submit(prepare_image, path) for path in images.values()
        }
        fast = write_pdf(content, images, tmp_path / "prepared.pdf", prepared)
    assert len(images) > 40  # the national export's charts, each placed
    assert plain.read_bytes() == fast.read_bytes()
    assert set(placed) == set(images.values())  # every chart went the prepared way
