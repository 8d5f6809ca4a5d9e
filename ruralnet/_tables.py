"""The one reader of planners' tables, bounded in size and time.

* :func:`read_table` — CSV/TSV in UTF-8, UTF-16 or GBK with the separator
  sniffed; ``.xlsx`` (first or a named sheet); title rows above the header
  skipped; returns strings with a ``_line`` column and the file's sha256.
* :func:`check_archive` — refuses zip bombs before an ``.xlsx``/``.kmz`` is opened.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import zipfile
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ruralnet.exceptions import InputFileError

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------
# One table reader: CSV/TSV (separator sniffed, UTF-8/GBK/UTF-16) and .xlsx
# --------------------------------------------------------------------------

MAX_TABLE_BYTES = 20 * 1024 * 1024
"""Largest CSV/TSV (and .xlsx/.kmz archive, unpacked) read: 20 MiB — about 350,000 rows, read in
~10 s with ~0.5 GB of memory. A county has at most a few thousand villages, so a planner's table
is far smaller; anything larger is refused before it is read."""

MAX_ZIP_RATIO = 200
"""Largest unpacked/packed size ratio of an archive (.xlsx/.kmz); zip bombs reach 1000+."""

HEADER_SCAN_ROWS = 30
"""How many rows at the top of a table may be title rows above the header."""

_SEPARATORS = (",", "\t", ";", "|", "，")


def file_error(path: str | Path, zh: str, en: str, line: int | None = None,
               **details: object) -> InputFileError:
    """Return an :class:`InputFileError` whose message starts with the file name (and line).

    Examples
    --------
    >>> str(file_error("v.csv", "经度为空。", "lon is empty.", line=3))
    'v.csv 第 3 行：经度为空。 | v.csv, line 3: lon is empty.'
    """
    path = Path(path)
    where_zh = path.name + (f" 第 {line} 行" if line else "")
    where_en = path.name + (f", line {line}" if line else "")
    return InputFileError(f"{where_zh}：{zh}", f"{where_en}: {en}", path=str(path), line=line,
                          **details)


def check_archive(path: str | Path, *, max_bytes: int = MAX_TABLE_BYTES) -> None:
    """Refuse a zip archive (.xlsx, .kmz) that unpacks to more than ``max_bytes`` or is a zip bomb.

    Only the archive's directory is read, so the check takes milliseconds
    whatever the archive claims to hold. Python's zipfile never inflates a
    member past its declared size, so bounding the declared sizes bounds
    the memory and time of reading the archive afterwards.

    Raises
    ------
    InputFileError
        Not a zip archive, too large unpacked, or compressed more than
        :data:`MAX_ZIP_RATIO` times.
    """
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise file_error(path, f"不是有效的压缩文件（{exc}）；请用 Excel/地图软件重新导出。",
                         f"not a valid zip archive ({exc}); export the file again.") from exc
    unpacked = sum(i.file_size for i in infos)
    packed = max(sum(i.compress_size for i in infos), 1)
    if unpacked > max_bytes or unpacked / packed > MAX_ZIP_RATIO:
        raise file_error(
            path, f"压缩包解压后为 {unpacked / 1e6:,.0f} MB（压缩比 {unpacked / packed:,.0f}），"
            f"超过上限 {max_bytes / 1e6:,.0f} MB / {MAX_ZIP_RATIO}:1，疑似“压缩炸弹”，拒绝读取。",
            f"the archive unpacks to {unpacked / 1e6:,.0f} MB (ratio {unpacked / packed:,.0f}:1), "
            f"above the limit of {max_bytes / 1e6:,.0f} MB or {MAX_ZIP_RATIO}:1 (a zip bomb?); "
            "refused.", unpacked_bytes=unpacked)


def decode_text(path: str | Path, raw: bytes) -> str:
    """Decode a text file saved by Excel or a GIS: UTF-8 (BOM or not), UTF-16 with BOM, or GBK.

    Raises
    ------
    InputFileError
        Binary content (NUL bytes) or an unknown encoding.
    """
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
    if b"\x00" not in raw[:65536]:
        for enc in ("utf-8-sig", "gb18030"):
            try:
                return raw.decode(enc)
            except UnicodeDecodeError:
                continue
    raise file_error(path, "不是文本文件或编码无法识别；请另存为 UTF-8/GBK 编码的 CSV 或 .xlsx。",
                     "not a text file, or an unknown encoding; save it as a UTF-8 or GBK CSV, "
                     "or as .xlsx.")


def sniff_separator(text: str) -> str:
    r"""Return the field separator of a delimited text: ``,`` ``\t`` ``;`` ``|`` or ``，``.

    The separator is the one that splits the most of the first lines into
    the same, largest number of fields (title rows above the header do not
    count against it).

    Examples
    --------
    >>> sniff_separator("名单\n乡镇\t村\t经度\n凤城镇\t下西\t118.1\n")
    '\t'
    >>> sniff_separator("a;b;c\n1;2,5;3\n")
    ';'
    """
    lines = [ln for ln in text.splitlines()[:HEADER_SCAN_ROWS + 20] if ln.strip()]
    best, best_score = ",", (0, 0)
    for sep in _SEPARATORS:
        counts = [len(row) - 1 for row in csv.reader(lines, delimiter=sep)]
        if not counts or max(counts) == 0:
            continue
        modal = Counter(c for c in counts if c > 0).most_common(1)[0][0]
        score = (sum(c == modal for c in counts), modal)
        if score > best_score:
            best, best_score = sep, score
    return best


def _rows_from_text(path: Path, text: str) -> list[tuple[int, list[str]]]:
    sep = sniff_separator(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    rows, start = [], 1
    try:
        for cells in reader:
            rows.append((start, [c.strip() for c in cells]))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise file_error(path, f"CSV 格式错误：{exc}", f"malformed CSV: {exc}",
                         line=reader.line_num) from exc
    return rows


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _rows_from_xlsx(path: Path, sheet: str | None) -> list[tuple[int, list[str]]]:
    check_archive(path)
    import openpyxl  # openpyxl parses with defusedxml when it is installed (a dependency)

    fh = open(path, "rb")  # a file object: openpyxl then ignores a wrong suffix (.csv)
    try:
        book = openpyxl.load_workbook(fh, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        fh.close()
        raise file_error(path, f"无法打开 Excel 文件（{exc}）。",
                         f"cannot open the Excel file ({exc}).") from exc
    try:
        if sheet is None:
            ws = book.worksheets[0]
        elif sheet in book.sheetnames:
            ws = book[sheet]
        else:
            raise file_error(path, f"没有名为“{sheet}”的工作表；现有：{'、'.join(book.sheetnames)}",
                             f"no sheet named '{sheet}'; sheets: {', '.join(book.sheetnames)}.")
        return [(i, [_cell_text(v) for v in row])
                for i, row in enumerate(ws.iter_rows(values_only=True), start=1)]
    finally:
        book.close()
        fh.close()


def _header_index(rows: list[tuple[int, list[str]]], header_names: set[str]) -> int:
    top = rows[:HEADER_SCAN_ROWS]
    if header_names:
        for k, (_, cells) in enumerate(top):
            if sum(c.strip().lower() in header_names for c in cells) >= 2:
                return k
    width = max(sum(bool(c) for c in cells) for _, cells in top)
    need = max(2, -(-width // 2)) if width > 1 else 1
    return next(k for k, (_, cells) in enumerate(top) if sum(bool(c) for c in cells) >= need)


def read_table(path: str | Path, *, sheet: str | None = None,
               header_names: Iterable[str] = (),
               max_bytes: int = MAX_TABLE_BYTES) -> tuple[pd.DataFrame, str]:
    r"""Read a planner's table (.csv, .tsv, .txt or .xlsx) into strings with a ``_line`` column.

    * CSV/TSV: UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text")
      or GBK/GB18030 (Excel on Chinese Windows); the separator (``,`` tab
      ``;`` ``|`` ``，``) is sniffed.
    * ``.xlsx``: the first sheet, or ``sheet``; cached formula values.
    * Title rows above the header are skipped: the header is the first row
      holding two of ``header_names`` (case-insensitive), else the first
      row at least half as wide as the table. Empty rows are dropped.

    Parameters
    ----------
    path
        The file.
    sheet
        Excel sheet name (default: the first sheet).
    header_names
        Column names the caller knows, to find the header below title rows.
    max_bytes
        Largest file (or, for .xlsx, unpacked archive) read; larger ones are
        refused before reading, so memory stays bounded (default 20 MiB).

    Returns
    -------
    tuple
        The table — stripped ``str`` cells, column names as in the file,
        ``_line`` the row's line (CSV) or row number (Excel) — and the
        file's sha256.

    Raises
    ------
    InputFileError
        Missing, empty, too large, binary, header-only or malformed file,
        with its name and line.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "v.tsv"
    >>> _ = p.write_text("安溪县村庄表\n乡镇\t村名\n凤城镇\t下西\n", encoding="utf-8")
    >>> df, sha = read_table(p)
    >>> df.to_dict("records")
    [{'乡镇': '凤城镇', '村名': '下西', '_line': 3}]
    """
    path = Path(path)
    if not path.is_file():
        raise file_error(path, "文件不存在，请检查路径。", "file not found; check the path.")
    size = path.stat().st_size
    if size == 0:
        raise file_error(path, "文件为空（0 字节）；请填写表头和数据后再试（可从模板开始）。",
                         "cannot be read: the file is empty (0 bytes); fill in a header and "
                         "rows (start from the template).")
    if size > max_bytes:
        raise file_error(path, f"文件有 {size / 1e6:,.0f} MB，超过上限 {max_bytes / 1e6:,.0f} MB；"
                         "请只保留需要的列和行。",
                         f"the file is {size / 1e6:,.0f} MB, above the limit of "
                         f"{max_bytes / 1e6:,.0f} MB; keep only the columns and rows needed.",
                         size_bytes=size)
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        head = fh.read(8)
        fh.seek(0)
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    if path.suffix.lower() == ".xls" or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise file_error(path, "旧版 Excel（.xls）无法读取；请在 Excel 中另存为 .xlsx 或 CSV。",
                         "old Excel (.xls) files cannot be read; save it as .xlsx or CSV.")
    if path.suffix.lower() in (".xlsx", ".xlsm") or head.startswith(b"PK\x03\x04"):
        rows = _rows_from_xlsx(path, sheet)
    else:
        rows = _rows_from_text(path, decode_text(path, path.read_bytes()))
    rows = [(n, cells) for n, cells in rows if any(cells)]
    if not rows:
        raise file_error(path, "文件中没有任何内容；请填写表头和数据。",
                         "cannot be read: the file holds no cells; fill in a header and rows.")
    k = _header_index(rows, {str(h).strip().lower() for h in header_names})
    header_line, header = rows[k]
    names, seen = [], Counter()
    for j, h in enumerate(header):
        name = h or f"column {j + 1}"
        seen[name] += 1
        names.append(name if seen[name] == 1 else f"{name}.{seen[name] - 1}")
    data, lines = [], []
    for n, cells in rows[k + 1:]:
        extra = [c for c in cells[len(names):] if c]
        if extra:
            raise file_error(path, f"本行有 {len(cells)} 个字段，而表头（第 {header_line} 行）只有 "
                             f"{len(names)} 个；请检查分隔符或引号。",
                             f"the row has {len(cells)} fields but the header (line "
                             f"{header_line}) has {len(names)}; check separators and quotes.",
                             line=n)
        data.append((cells + [""] * len(names))[:len(names)])
        lines.append(n)
    if not data:
        raise file_error(path, f"只有表头（第 {header_line} 行：{'、'.join(header)}）没有数据行",
                         f"the file has a header (line {header_line}: {', '.join(header)}) "
                         "but no data rows.", line=header_line, headers=header)
    frame = pd.DataFrame(data, columns=names, dtype=str)
    frame["_line"] = lines
    return frame, digest.hexdigest()
