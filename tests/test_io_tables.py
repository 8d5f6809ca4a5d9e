"""The one table reader (ruralnet._tables.read_table) on the forms planners' tables really take."""

import time
from pathlib import Path

import openpyxl
import pytest

from ruralnet._tables import read_table
from ruralnet.exceptions import InputFileError

DATA = Path(__file__).parent / "data"


def _write(tmp_path, text, name="t.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def test_tab_and_semicolon_separators_are_sniffed(tmp_path):
    """A TSV and a semicolon CSV (with commas inside values) read into the same columns."""
    tsv, sha = read_table(_write(tmp_path, "乡镇\t村名\t经度\n凤城镇\t下西\t118,1\n", "t.tsv"))
    semi, _ = read_table(_write(tmp_path, "乡镇;村名;经度\n凤城镇;下西;118,1\n"))
    assert list(tsv.columns) == list(semi.columns) == ["乡镇", "村名", "经度", "_line"]
    assert tsv.iloc[0].tolist() == semi.iloc[0].tolist() == ["凤城镇", "下西", "118,1", 2]
    assert len(sha) == 64


def test_title_rows_above_the_header_are_skipped_and_lines_counted(tmp_path):
    """Excel's "安溪县村庄名单,,," title and a blank row sit above the header; lines stay true."""
    text = ("安溪县村庄名单,,,\n,,,\n乡镇,村名,经度,纬度\n凤城镇,下西,118.18,25.06\n\n"
            "凤城镇,城东,118.2,25.07\n")
    df, _ = read_table(_write(tmp_path, text))
    assert list(df.columns) == ["乡镇", "村名", "经度", "纬度", "_line"]
    assert df["_line"].tolist() == [4, 6]


def test_known_header_names_find_the_header_below_a_wide_title(tmp_path):
    """With header_names, a two-cell title row ("填表单位,安溪县") is not taken for the header."""
    text = "填表单位,安溪县,,\n乡镇,村名,经度,纬度\n凤城镇,下西,118.18,25.06\n"
    df, _ = read_table(_write(tmp_path, text), header_names=["村名", "经度"])
    assert df.columns[1] == "村名" and df["_line"].tolist() == [3]


def test_utf16_and_gbk_files_read_like_utf8(tmp_path):
    """Excel's "Unicode text" (UTF-16 with BOM, tabs) and a GBK CSV both decode."""
    u16, _ = read_table(_write(tmp_path, "\ufeff乡镇\t村名\n凤城镇\t下西\n", "u.txt", "utf-16-le"))
    gbk, _ = read_table(_write(tmp_path, "乡镇,村名\n凤城镇,下西\n", "g.csv", "gbk"))
    assert u16.iloc[0, :2].tolist() == gbk.iloc[0, :2].tolist() == ["凤城镇", "下西"]


def test_xlsx_first_sheet_or_named_sheet_with_title_row(tmp_path):
    """An .xlsx reads its first sheet (numbers as Excel shows them) or the sheet asked for."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "说明"
    ws.append(["安溪县村庄名单"])
    ws.append(["乡镇", "村名", "经度", "日均下行件"])
    ws.append(["凤城镇", "下西", 118.18, 40.0])
    other = book.create_sheet("第二张")
    other.append(["乡镇", "村名"])
    other.append(["城厢镇", "经兜"])
    path = tmp_path / "v.xlsx"
    book.save(path)
    df, _ = read_table(path)
    assert df.iloc[0].tolist() == ["凤城镇", "下西", "118.18", "40", 3]
    df2, _ = read_table(path, sheet="第二张")
    assert df2["村名"].tolist() == ["经兜"]
    with pytest.raises(InputFileError, match="no sheet named '村庄'; sheets: 说明, 第二张"):
        read_table(path, sheet="村庄")


def test_empty_file_is_a_clear_error_not_empty_data_error():
    """A 0-byte file says it is empty (issue 18), naming the file."""
    with pytest.raises(InputFileError, match="village_empty.csv.*文件为空.*file is empty"):
        read_table(DATA / "village_empty.csv")


def test_header_only_file_is_refused_listing_its_header():
    """A file with a header and no rows is refused, with the header it found."""
    with pytest.raises(InputFileError, match="第 1 行.*header \\(line 1: 乡镇, 村名, 经度"):
        read_table(DATA / "village_header_only.csv")


def test_row_wider_than_header_is_reported_with_its_line(tmp_path):
    """An unquoted comma in a value gives a row wider than the header: line and fix named."""
    with pytest.raises(InputFileError, match="line 3: the row has 3 fields but the header"):
        read_table(_write(tmp_path, "乡镇,村名\n凤城镇,下西\n凤城镇,城东,多余\n"))


def test_two_gigabyte_csv_is_refused_at_once(tmp_path):
    """A 2 GB CSV (sparse, so the test writes nothing) is refused in well under a second."""
    big = tmp_path / "huge.csv"
    with open(big, "wb") as fh:
        fh.write("乡镇,村名\n".encode())
        fh.truncate(2 * 1024**3)
    t0 = time.perf_counter()
    with pytest.raises(InputFileError, match="huge.csv.*2,147 MB, above the limit of 21 MB"):
        read_table(big)
    assert time.perf_counter() - t0 < 1.0


def test_zip_bomb_xlsx_is_refused_before_it_is_unpacked():
    """An .xlsx whose sheet inflates 1000:1 is refused from its directory alone, fast."""
    t0 = time.perf_counter()
    with pytest.raises(InputFileError, match="village_zip_bomb.xlsx.*zip bomb"):
        read_table(DATA / "village_zip_bomb.xlsx")
    assert time.perf_counter() - t0 < 1.0


def test_old_xls_and_binary_files_are_refused_with_the_fix(tmp_path):
    """A legacy .xls and a binary file say how to save them instead of garbling."""
    xls = tmp_path / "v.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(InputFileError, match="save it as .xlsx or CSV"):
        read_table(xls)
    with pytest.raises(InputFileError, match="not a text file"):
        read_table(_write(tmp_path, "a\0b\nc\0d\n", "bin.csv"))


def test_excel_file_saved_with_a_csv_name_is_read_as_excel(tmp_path):
    """An .xlsx renamed .csv (a common mistake) is recognised by its content and read."""
    book = openpyxl.Workbook()
    book.active.append(["乡镇", "村名"])
    book.active.append(["凤城镇", "下西"])
    path = tmp_path / "v.csv"
    book.save(path)
    df, _ = read_table(path)
    assert df["村名"].tolist() == ["下西"]
