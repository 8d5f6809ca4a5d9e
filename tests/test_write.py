"""write_outputs: every file of a plan folder, the annex language and the print-map switch."""

import zipfile

import docx

from ruralnet._io import cjk_font


def test_write_outputs_writes_the_annex_kmz_and_manifests(tiny_plan, tiny_county, tmp_path):
    """All files are listed and exist; report/docx/manifests are Chinese; both KMZ open."""
    from ruralnet.outputs.write import write_outputs

    files = write_outputs(tiny_plan, tiny_county, tmp_path, system="guizhou_2017",
                          basemap="none")
    assert sorted(files) == sorted(p.name for p in tmp_path.iterdir())
    want = {"plan.json", "scorecard.csv", "routes.csv", "plan.gpkg", "plan.xlsx", "map.html",
            "report.html", "report.docx", "manifests.html", "plan.kmz", "plan_gcj02.kmz"}
    if cjk_font():
        want |= {"map_print.png", "map_print.pdf", "map_print_A3.pdf", "map_townships.pdf"}
    assert set(files) == want
    assert "一、方案概要" in (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "司机签字" in (tmp_path / "manifests.html").read_text(encoding="utf-8")
    assert docx.Document(str(tmp_path / "report.docx")).paragraphs[0].text == \
        "测试县农村电商物流体系规划"
    for name in ("plan.kmz", "plan_gcj02.kmz"):
        assert zipfile.ZipFile(tmp_path / name).namelist() == ["doc.kml"]
    assert "L.tileLayer(" not in (tmp_path / "map.html").read_text(encoding="utf-8")


def test_write_outputs_in_english_without_print_maps(tiny_plan, tiny_county, tmp_path):
    """lang=en writes an English annex; print_maps=False leaves the map files out."""
    from ruralnet.outputs.write import write_outputs

    files = write_outputs(tiny_plan, tiny_county, tmp_path, system="guizhou_2017", lang="en",
                          print_maps=False)
    assert not any(f.startswith("map_print") or f == "map_townships.pdf" for f in files)
    assert "1. Summary" in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_write_outputs_builds_the_annex_once_and_embeds_the_print_map_at_150_dpi(
        tiny_plan, tiny_county, tmp_path, monkeypatch):
    """report.html and report.docx share one annex; their map is map_print.png at half size."""
    import base64
    import io
    import re

    from PIL import Image

    from ruralnet.outputs import annex, docx_report, report, write

    calls = []
    real = annex.build_annex

    def counted(*args, **kwargs):
        calls.append(kwargs.get("lang"))
        return real(*args, **kwargs)

    for module in (write, report, docx_report):  # a second build would be counted too
        monkeypatch.setattr(module, "build_annex", counted)
    write.write_outputs(tiny_plan, tiny_county, tmp_path, system="guizhou_2017", basemap="none")
    assert calls == ["zh"]
    if cjk_font():
        page = (tmp_path / "report.html").read_text(encoding="utf-8")
        src = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
        sizes = [Image.open(io.BytesIO(base64.b64decode(s))).size for s in src]
        with Image.open(tmp_path / "map_print.png") as img:
            big = img.size
        assert (round(big[0] / 2), round(big[1] / 2)) in sizes
        shapes = docx.Document(str(tmp_path / "report.docx")).inline_shapes
        assert len(shapes) >= 1
