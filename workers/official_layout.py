"""Renders an official document (公文) to PDF, after the layout of GB/T 9704-2012.

版头: the issuing organ in red (发文机关标志), the document number (发文字号) two lines below it and
the red rule. 主体: the title in 小标宋 2号, the addressee flush left, the body in 仿宋 3号 with a
two-character indent, level-one headings (一、) in 黑体 and level-two headings (（一）) in 楷体,
the attachment note, the issuing organ centred over the date (Arabic numerals, four characters
from the right) under the seal. 版记 at the foot of the last page: the copy-to line (抄送) and the
line of the printing organ and printing date (印发机关、印发日期) between rules. Page numbers
"— 1 —" in 4号, odd pages on the right, even pages on the left, one character from the edge.

Lines are broken here, not by reportlab, because the standard's typesetting needs 避头尾: no line
starts with a closing mark (，。；：、”）》…) and none ends with an opening one (“（《〔). A mark
that would start a line takes the previous character with it to the next line (推出), and the
shortened line is justified. The signature block is kept on the page of the last paragraph, so a
date or a signature never stands on a page of its own.

Typefaces (docs/local-policy.md): the standard's 方正小标宋, 仿宋_GB2312, 黑体 and 楷体_GB2312 are
licensed fonts that Debian does not ship and that have no free simplified-Chinese equivalents; the
closest free faces of Debian are used (AR PL SungtiL GB and AR PL UMing for the Song faces,
WenQuanYi Zen Hei for 黑体, AR PL UKai for 楷体) and the office configures its own licensed font
files by path (settings: EXEMPTION_PDF_*_FONT).
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from datetime import date
from functools import cache
from io import BytesIO
from pathlib import Path

from pydantic import BaseModel, Field
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Spacer,
)

# Font sizes of GB/T 9704: 二号 22pt for the title, 三号 16pt for the body, 四号 14pt for the
# 版记 and the page numbers.
TITLE_SIZE = 22.0
BODY_SIZE = 16.0
NOTE_SIZE = 14.0
HEADER_SIZE = 26.0
OFFICIAL_RED = colors.Color(0.85, 0.0, 0.0)
# The free Song faces standing in for 小标宋 are drawn with this outline to approach its weight.
TITLE_STROKE = 0.6

# 版心 156 mm x 225 mm with 22 lines of 28 characters (GB/T 9704 5.2.1, 5.2.2).
TOP_MARGIN = 37 * mm
LEFT_MARGIN = 28 * mm
TEXT_WIDTH = 156 * mm
TEXT_HEIGHT = 225 * mm
BOTTOM_MARGIN = A4[1] - TOP_MARGIN - TEXT_HEIGHT
RIGHT_MARGIN = A4[0] - LEFT_MARGIN - TEXT_WIDTH
LINE = TEXT_HEIGHT / 22

# reportlab keeps fonts and some layout state in module globals; handlers run in threads.
_RENDER_LOCK = threading.Lock()

BODY_FONT = "ExemptionFangSong"
HEADER_FONT = "ExemptionXiaoBiaoSong"
HEI_FONT = "ExemptionHei"
KAI_FONT = "ExemptionKai"

_UMING = ("/usr/share/fonts/truetype/arphic/uming.ttc", 0)
_GBSN = ("/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf", 0)
_ZENHEI = ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0)
_UKAI = ("/usr/share/fonts/truetype/arphic/ukai.ttc", 0)
_GKAI = ("/usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf", 0)

# (path, index inside a .ttc); reportlab embeds TrueType outlines only, so CFF-based OpenType
# fonts such as Noto CJK cannot be used here.
BODY_FONT_CANDIDATES: tuple[tuple[str, int], ...] = (
    _UMING,
    _GBSN,
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    _ZENHEI,
)
HEADER_FONT_CANDIDATES: tuple[tuple[str, int], ...] = (_GBSN, *BODY_FONT_CANDIDATES)
HEI_FONT_CANDIDATES: tuple[tuple[str, int], ...] = (_ZENHEI, *BODY_FONT_CANDIDATES)
KAI_FONT_CANDIDATES: tuple[tuple[str, int], ...] = (_UKAI, _GKAI, *BODY_FONT_CANDIDATES)

# The setting that names each font, the font's role and where it is looked for otherwise.
FONT_SETTINGS: tuple[tuple[str, str, str, tuple[tuple[str, int], ...]], ...] = (
    (BODY_FONT, "EXEMPTION_PDF_FONT", "正文（仿宋_GB2312）", BODY_FONT_CANDIDATES),
    (HEADER_FONT, "EXEMPTION_PDF_HEADER_FONT", "标题（小标宋）", HEADER_FONT_CANDIDATES),
    (HEI_FONT, "EXEMPTION_PDF_HEITI_FONT", "一级标题（黑体）", HEI_FONT_CANDIDATES),
    (KAI_FONT, "EXEMPTION_PDF_KAITI_FONT", "二级标题（楷体_GB2312）", KAI_FONT_CANDIDATES),
)

# 避头尾: marks that may not begin a line, and marks that may not end one.
CANNOT_START_LINE = frozenset("，。、；：？！）》」』】〕〉”’…—·%‰℃,.;:?!)]}")
CANNOT_END_LINE = frozenset("（《「『【〔〈“‘([{")
# A number stays on the line of its unit: 2026年, 10月, 13日, 3号, 7个.
UNITS_AFTER_NUMBERS = frozenset("年月日时号个项条部．")
_LEVEL_ONE = re.compile(r"^[一二三四五六七八九十]+、")
_LEVEL_TWO = re.compile(r"^（[一二三四五六七八九十]+）")


class FontMissingError(RuntimeError):
    """No usable Chinese TrueType font is installed."""


def _font_file(env: str, role: str, candidates: tuple[tuple[str, int], ...]) -> tuple[str, int]:
    """The configured font, else the first installed candidate.

    A configured font that does not exist is an error, not a reason to fall back: the operator
    asked for that font, and documents must not silently change typeface.
    """
    configured = os.environ.get(env, "").strip()
    if configured:
        file_name, _, subfont = configured.partition("#")
        if not Path(file_name).is_file():
            raise FontMissingError(f"环境变量 {env} 指定的{role}字体文件不存在：{file_name}")
        return file_name, int(subfont) if subfont.isdigit() else 0
    for path, index in candidates:
        if Path(path).is_file():
            return path, index
    raise FontMissingError(
        f"找不到{role}字体：请安装 Debian 软件包 fonts-arphic-uming（或以环境变量 {env} 指定 "
        f"TrueType 字体文件）；已查找 {', '.join(p for p, _ in candidates)}"
    )


@cache
def _register(name: str, path: str, index: int) -> None:
    pdfmetrics.registerFont(TTFont(name, path, subfontIndex=index))


def register_fonts() -> None:
    """Registers the fonts the settings name; re-read on every document, so a corrected
    setting applies when the incident it caused is resolved, without restarting the workers."""
    for name, env, role, candidates in FONT_SETTINGS:
        _register(name, *_font_file(env, role, candidates))


class OfficialDocument(BaseModel):
    """What a notice says, independent of how it is laid out."""

    issuing_organ: str
    title: str
    document_number: str | None = None
    addressee: str | None = None
    paragraphs: list[str]
    issue_date: date
    copy_to: list[str] = Field(default_factory=list)
    attachments: list[str] = Field(default_factory=list)
    # 版记: who prints the document and when; by default the issuing organ on the issue date.
    printing_organ: str | None = None
    printed_on: date | None = None


def arabic_date(day: date) -> str:
    """成文日期 and 印发日期 in Arabic numerals, no leading zeros (GB/T 9704-2012 7.3.5.1)."""
    return f"{day.year}年{day.month}月{day.day}日"


# Line breaking ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Glyph:
    char: str
    font: str
    width: float


@dataclass(frozen=True)
class Line:
    glyphs: tuple[Glyph, ...]
    indent: float
    justified: bool

    @property
    def text(self) -> str:
        return "".join(g.char for g in self.glyphs)

    @property
    def width(self) -> float:
        return sum(g.width for g in self.glyphs)


def _glyphs(runs: list[tuple[str, str]], size: float) -> list[Glyph]:
    return [
        Glyph(char, font, pdfmetrics.stringWidth(char, font, size))
        for text, font in runs
        for char in text
    ]


def _joined(left: Glyph, right: Glyph) -> bool:
    """A break between these two would break a rule: 避头尾, or a number or word cut in two."""
    if right.char in CANNOT_START_LINE or left.char in CANNOT_END_LINE:
        return True
    if left.char.isdigit() and right.char in UNITS_AFTER_NUMBERS:
        return True
    return left.char.isascii() and right.char.isascii() and (left.char + right.char).isalnum()


def break_lines(glyphs: list[Glyph], width: float, first_indent: float) -> list[Line]:
    lines: list[Line] = []
    start = 0
    while start < len(glyphs):
        indent = first_indent if not lines else 0.0
        used, end = 0.0, start
        while end < len(glyphs) and used + glyphs[end].width <= width - indent + 0.01:
            used += glyphs[end].width
            end += 1
        if end >= len(glyphs):
            lines.append(Line(tuple(glyphs[start:]), indent, justified=False))
            break
        end = max(end, start + 1)
        # 推出: move the break back until it falls where a line may end and the next may begin.
        candidate = end
        while candidate > start + 1 and _joined(glyphs[candidate - 1], glyphs[candidate]):
            candidate -= 1
        if candidate > start + 1 or not _joined(glyphs[candidate - 1], glyphs[candidate]):
            end = candidate
        lines.append(Line(tuple(glyphs[start:end]), indent, justified=True))
        start = end
    return lines


class TextBlock(Flowable):
    """A paragraph broken into lines by the rules above; splits between lines across pages."""

    def __init__(
        self,
        runs: list[tuple[str, str]],
        *,
        size: float = BODY_SIZE,
        leading: float = LINE,
        first_indent: float = 0.0,
        left_indent: float = 0.0,
        right_indent: float = 0.0,
        align: str = "justify",
        color: colors.Color = colors.black,
        lines: list[Line] | None = None,
        stroke: float = 0.0,
    ) -> None:
        super().__init__()
        # Outline width added to the glyphs: the free Song faces are lighter than 小标宋.
        self.stroke = stroke
        self.runs = runs
        self.size = size
        self.leading = leading
        self.first_indent = first_indent
        self.left_indent = left_indent
        self.right_indent = right_indent
        self.align = align
        self.color = color
        self.lines: list[Line] = lines or []
        self._fixed = lines is not None

    def _copy(self, lines: list[Line]) -> TextBlock:
        return TextBlock(
            self.runs,
            size=self.size,
            leading=self.leading,
            left_indent=self.left_indent,
            right_indent=self.right_indent,
            align=self.align,
            color=self.color,
            lines=lines,
            stroke=self.stroke,
        )

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.available_width = available_width
        if not self._fixed:
            measure = available_width - self.left_indent - self.right_indent
            self.lines = break_lines(_glyphs(self.runs, self.size), measure, self.first_indent)
        return available_width, self.leading * len(self.lines)

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        self.wrap(available_width, available_height)
        fitting = int((available_height + 0.01) // self.leading)
        if fitting <= 0:
            return []
        if fitting >= len(self.lines):
            return [self]
        # A paragraph leaves no single line behind on either page (orphan and widow): at least
        # two lines at the foot of the page and two at the head of the next, else it moves whole.
        fitting = min(fitting, len(self.lines) - 2)
        if fitting < 2:
            return []
        return [self._copy(self.lines[:fitting]), self._copy(self.lines[fitting:])]

    def draw(self) -> None:
        canvas = self.canv
        measure = self.available_width - self.left_indent - self.right_indent
        height = self.leading * len(self.lines)
        for number, line in enumerate(self.lines):
            baseline = height - number * self.leading - (self.leading + self.size * 0.76) / 2
            room = measure - line.indent - line.width
            x = self.left_indent + line.indent
            spacing = 0.0
            if self.align == "center":
                x += room / 2
            elif self.align == "right":
                x += room
            elif self.align == "justify" and line.justified and len(line.glyphs) > 1:
                spacing = room / (len(line.glyphs) - 1)
            text = canvas.beginText(x, baseline)
            text.setFillColor(self.color)
            if self.stroke:
                canvas.setStrokeColor(self.color)
                canvas.setLineWidth(self.stroke)
                text.setTextRenderMode(2)
            text.setCharSpace(spacing)
            font = ""
            for glyph in line.glyphs:
                if glyph.font != font:
                    font = glyph.font
                    text.setFont(font, self.size)
                text.textOut(glyph.char)
            canvas.drawText(text)


# The other blocks of the page ---------------------------------------------------------------------


class Rule(Flowable):
    """A rule across the text width: the red rule of the 版头, the rules of the 版记."""

    def __init__(self, thickness: float, color: colors.Color, space_after: float = 0) -> None:
        super().__init__()
        self.thickness = thickness
        self.color = color
        self.space_after = space_after

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        return available_width, self.thickness + self.space_after

    def draw(self) -> None:
        self.canv.saveState()
        self.canv.setStrokeColor(self.color)
        self.canv.setLineWidth(self.thickness)
        y = self.space_after + self.thickness / 2
        self.canv.line(0, y, self.width, y)
        self.canv.restoreState()


SEAL_BELOW = 11 * mm


class SignatureBlock(Flowable):
    """发文机关署名 centred over 成文日期, the date four characters from the right (7.3.5.1),
    under a red dashed circle where the seal is stamped (压字盖章)."""

    def __init__(self, organ: str, issued: date) -> None:
        super().__init__()
        self.organ = organ
        self.date_text = arabic_date(issued)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        # One blank line above: the seal's top stays within a line of the text (7.3.5.1); room
        # below for the lower half of the seal, so the 版记 never runs into it.
        return available_width, 3 * LINE + SEAL_BELOW

    def draw(self) -> None:
        canvas = self.canv
        date_width = pdfmetrics.stringWidth(self.date_text, BODY_FONT, BODY_SIZE)
        organ_width = pdfmetrics.stringWidth(self.organ, BODY_FONT, BODY_SIZE)
        date_right = self.width - 4 * BODY_SIZE
        centre = date_right - date_width / 2
        # A long organ name that would overrun the right edge is moved left as a whole.
        centre = min(centre, self.width - organ_width / 2)
        offset = (LINE + BODY_SIZE * 0.76) / 2 - SEAL_BELOW
        organ_y = 2 * LINE - offset
        date_y = LINE - offset
        canvas.saveState()
        canvas.setFont(BODY_FONT, BODY_SIZE)
        canvas.drawCentredString(centre, organ_y, self.organ)
        canvas.drawString(date_right - date_width, date_y, self.date_text)
        radius = 21 * mm
        seal_y = (organ_y + date_y) / 2 + BODY_SIZE * 0.3
        canvas.setStrokeColor(OFFICIAL_RED)
        canvas.setFillColor(OFFICIAL_RED)
        canvas.setDash(4, 3)
        canvas.setLineWidth(1.2)
        canvas.circle(centre, seal_y, radius, stroke=1, fill=0)
        canvas.setFont(BODY_FONT, 10)
        canvas.drawCentredString(centre, seal_y + radius * 0.6, "（印章）")
        canvas.restoreState()


class RecordBlock(Flowable):
    """版记 (7.4): at the foot of the last page, an even one, whatever space is left above it."""

    def __init__(self, copy_to: list[str], printing_organ: str, printed_on: date) -> None:
        super().__init__()
        self.copy_to = [name for name in copy_to if name.strip()]
        self.printing_organ = printing_organ
        self.printed_on = printed_on
        self.line = NOTE_SIZE * 1.6

    def _copy_lines(self, width: float) -> list[Line]:
        if not self.copy_to:
            return []
        text = "抄送：" + "，".join(self.copy_to) + "。"
        label = pdfmetrics.stringWidth("抄送：", BODY_FONT, NOTE_SIZE)
        glyphs = _glyphs([(text, BODY_FONT)], NOTE_SIZE)
        # Continuation lines align with the first name after the colon (7.4.2).
        first, *rest = break_lines(glyphs, width - 2 * NOTE_SIZE, 0)
        if not rest:
            return [first]
        remaining = [g for line in rest for g in line.glyphs]
        return [first, *break_lines(remaining, width - 2 * NOTE_SIZE - label, 0)]

    def _height(self, width: float) -> float:
        return self.line * (1 + len(self._copy_lines(width))) + 3

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        needed = self._height(available_width)
        # The 版记 is on the last side of the document, an even page (the back of the last
        # sheet): on an odd page it asks for more than there is and moves to the next page.
        # reportlab sets `_doctemplate` on every flowable it lays out (not in the type stubs).
        page = getattr(getattr(self, "_doctemplate", None), "page", None)
        if isinstance(page, int) and page % 2 == 1:
            return available_width, available_height + 1
        self.height = max(needed, available_height)
        return available_width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        return []

    def draw(self) -> None:
        canvas = self.canv
        copy_lines = self._copy_lines(self.width)
        label = pdfmetrics.stringWidth("抄送：", BODY_FONT, NOTE_SIZE)
        y = self._height(self.width)
        canvas.saveState()
        canvas.setFont(BODY_FONT, NOTE_SIZE)
        # First and last rules heavy (0.35 mm), the one between light (0.25 mm) (7.4.1).
        canvas.setLineWidth(0.35 * mm)
        canvas.line(0, y, self.width, y)
        for number, line in enumerate(copy_lines):
            x = NOTE_SIZE + (label if number else 0)
            y -= self.line
            canvas.drawString(x, y + self.line * 0.3, line.text)
        if copy_lines:
            canvas.setLineWidth(0.25 * mm)
            canvas.line(0, y, self.width, y)
        y -= self.line
        canvas.drawString(NOTE_SIZE, y + self.line * 0.3, self.printing_organ)
        printed = arabic_date(self.printed_on) + "印发"
        canvas.drawRightString(self.width - NOTE_SIZE, y + self.line * 0.3, printed)
        canvas.setLineWidth(0.35 * mm)
        canvas.line(0, y, self.width, y)
        canvas.restoreState()


def _page_number(canvas: Canvas, document: BaseDocTemplate) -> None:
    """4号 Arabic numerals between em dashes, 7 mm below the text; odd right, even left."""
    canvas.saveState()
    canvas.setFont(HEADER_FONT, NOTE_SIZE)
    label = f"— {document.page} —"
    y = BOTTOM_MARGIN - 7 * mm - NOTE_SIZE * 0.8
    if document.page % 2:
        canvas.drawRightString(LEFT_MARGIN + TEXT_WIDTH - NOTE_SIZE, y, label)
    else:
        canvas.drawString(LEFT_MARGIN + NOTE_SIZE, y, label)
    canvas.restoreState()


def _body_runs(text: str) -> list[tuple[str, str]]:
    """Heading numbers and their heading in 黑体 (一、) or 楷体 (（一）) (GB/T 9704 7.3.3)."""
    for pattern, font in ((_LEVEL_ONE, HEI_FONT), (_LEVEL_TWO, KAI_FONT)):
        if pattern.match(text):
            end = text.find("。")
            if end < 0:
                return [(text, font)]
            return [(text[: end + 1], font), (text[end + 1 :], BODY_FONT)]
    return [(text, BODY_FONT)]


def _last_lines(block: TextBlock, count: int) -> tuple[TextBlock | None, TextBlock]:
    """The paragraph as laid out on the text width, cut before its last `count` lines."""
    block.wrap(TEXT_WIDTH, TEXT_HEIGHT)
    if len(block.lines) <= count:
        return None, block
    return block._copy(block.lines[:-count]), block._copy(block.lines[-count:])


def _attachment_lines(attachments: list[str]) -> list[Flowable]:
    """附件说明 (7.3.4): 附件：1．name, without a closing mark, names aligned."""
    if len(attachments) == 1:
        return [TextBlock([("附件：" + attachments[0], BODY_FONT)], first_indent=2 * BODY_SIZE)]
    blocks: list[Flowable] = []
    for index, name in enumerate(attachments, start=1):
        label = "附件：" if index == 1 else "　　　"
        blocks.append(
            TextBlock([(f"{label}{index}．{name}", BODY_FONT)], first_indent=2 * BODY_SIZE)
        )
    return blocks


def _story(document: OfficialDocument) -> list[Flowable]:
    # Only the free stand-in is thickened; an office's own 小标宋 is drawn as it is.
    title_stroke = 0.0 if os.environ.get("EXEMPTION_PDF_HEADER_FONT", "").strip() else TITLE_STROKE
    story: list[Flowable] = [
        TextBlock(
            [(document.issuing_organ, HEADER_FONT)],
            size=HEADER_SIZE,
            leading=HEADER_SIZE * 1.4,
            align="center",
            color=OFFICIAL_RED,
            stroke=title_stroke,
        ),
    ]
    if document.document_number:
        # 发文字号 two lines below the organ, the red rule 4 mm below it (7.2.4, 7.2.6).
        story += [
            Spacer(1, LINE),
            TextBlock([(document.document_number, BODY_FONT)], align="center"),
        ]
    story += [
        Spacer(1, 4 * mm),
        Rule(1.0, OFFICIAL_RED),
        Spacer(1, 2 * LINE - TITLE_SIZE * 0.4),
        TextBlock(
            [(document.title, HEADER_FONT)],
            size=TITLE_SIZE,
            leading=TITLE_SIZE * 1.6,
            align="center",
            stroke=title_stroke,
        ),
        Spacer(1, LINE),
    ]
    if document.addressee:
        story.append(TextBlock([(document.addressee + "：", BODY_FONT)], align="left"))
    paragraphs = [
        TextBlock(_body_runs(text), first_indent=2 * BODY_SIZE) for text in document.paragraphs
    ]
    for block, text in zip(paragraphs, document.paragraphs, strict=True):
        # A heading standing alone (一、基本情况) never ends a page: it goes with what follows.
        if (_LEVEL_ONE.match(text) or _LEVEL_TWO.match(text)) and "。" not in text:
            block.keepWithNext = True
    closing: list[Flowable] = []
    if document.attachments:
        closing += [Spacer(1, LINE), *_attachment_lines(document.attachments)]
    closing.append(SignatureBlock(document.issuing_organ, document.issue_date))
    # The last paragraph and the last two lines of the one before it (the closing formula such
    # as 特此通知。 is often a paragraph of its own) go with the attachment note and the
    # signature: never a page that holds only the date and the seal, or only the formula.
    head, tail = _last_lines(paragraphs[-2], 2) if len(paragraphs) > 1 else (None, None)
    story += paragraphs[:-2]
    if head is not None:
        story.append(head)
    kept = [tail] if tail is not None else paragraphs[-2:-1]
    story.append(KeepTogether([*kept, *paragraphs[-1:], *closing]))
    story.append(
        RecordBlock(
            document.copy_to,
            document.printing_organ or document.issuing_organ,
            document.printed_on or document.issue_date,
        )
    )
    return story


def render_pdf(document: OfficialDocument) -> bytes:
    with _RENDER_LOCK:
        return _render(document)


def _render(document: OfficialDocument) -> bytes:
    register_fonts()
    buffer = BytesIO()
    # The frame is the 版心 itself: no padding, so 28 characters fill a line.
    frame = Frame(
        LEFT_MARGIN,
        BOTTOM_MARGIN,
        TEXT_WIDTH,
        TEXT_HEIGHT,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    template = BaseDocTemplate(
        buffer,
        pageTemplates=[PageTemplate(frames=[frame], onPage=_page_number)],
        pagesize=A4,
        topMargin=TOP_MARGIN,
        bottomMargin=BOTTOM_MARGIN,
        leftMargin=LEFT_MARGIN,
        rightMargin=RIGHT_MARGIN,
        title=document.title,
        author=document.issuing_organ,
        subject=document.document_number or document.title,
        # A fixed creation date and id make the same input produce the same bytes, so a retried
        # job files an identical document and its digest stays stable.
        invariant=1,
    )
    template.build(_story(document))
    return buffer.getvalue()
