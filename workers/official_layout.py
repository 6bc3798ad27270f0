"""Renders an official document (公文) to PDF, after the layout of GB/T 9704-2012.

Red issuing-organ line (版头), document number (发文字号) and red rule, centred title, addressee
(主送机关), body with two-character indents, issuing organ and date on the right with a seal
placeholder, copy-to line (抄送) and page numbers "— 1 —". The Chinese font comes from the
operating system (Debian `fonts-arphic-uming`, optionally `fonts-wqy-zenhei` for the red header)
and is embedded, so the PDF displays the same everywhere.
"""

from __future__ import annotations

import os
import threading
from datetime import date
from functools import cache
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

from pydantic import BaseModel, Field
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, HRFlowable, Paragraph, SimpleDocTemplate, Spacer

from workers.chinese_dates import chinese_date

# Font sizes of GB/T 9704: 二号 22pt for the title, 三号 16pt for the body.
TITLE_SIZE = 22
BODY_SIZE = 16
HEADER_SIZE = 26
OFFICIAL_RED = colors.Color(0.85, 0.0, 0.0)

# reportlab keeps fonts and some layout state in module globals; handlers run in threads.
_RENDER_LOCK = threading.Lock()

BODY_FONT = "ExemptionSong"
HEADER_FONT = "ExemptionHei"

# (path, index inside a .ttc); reportlab embeds TrueType outlines only, so CFF-based OpenType
# fonts such as Noto CJK cannot be used here.
BODY_FONT_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
)
HEADER_FONT_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    *BODY_FONT_CANDIDATES,
)


class FontMissingError(RuntimeError):
    """No usable Chinese TrueType font is installed."""


def _font_file(env: str, candidates: tuple[tuple[str, int], ...]) -> tuple[str, int]:
    """The configured font, else the first installed candidate.

    A configured font that does not exist is an error, not a reason to fall back: the operator
    asked for that font, and documents must not silently change typeface.
    """
    configured = os.environ.get(env, "").strip()
    if configured:
        file_name, _, subfont = configured.partition("#")
        if not Path(file_name).is_file():
            raise FontMissingError(f"环境变量 {env} 指定的字体文件不存在：{file_name}")
        return file_name, int(subfont) if subfont.isdigit() else 0
    for path, index in candidates:
        if Path(path).is_file():
            return path, index
    raise FontMissingError(
        f"找不到中文字体：请安装 Debian 软件包 fonts-arphic-uming（或以环境变量 {env} 指定 "
        f"TrueType 字体文件）；已查找 {', '.join(p for p, _ in candidates)}"
    )


@cache
def _register(name: str, path: str, index: int) -> None:
    pdfmetrics.registerFont(TTFont(name, path, subfontIndex=index))


def register_fonts() -> None:
    """Registers the fonts the environment names; re-read on every document, so a corrected
    setting applies when the incident it caused is resolved, without restarting the workers."""
    _register(BODY_FONT, *_font_file("EXEMPTION_PDF_FONT", BODY_FONT_CANDIDATES))
    _register(HEADER_FONT, *_font_file("EXEMPTION_PDF_HEADER_FONT", HEADER_FONT_CANDIDATES))


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


def _styles() -> dict[str, ParagraphStyle]:
    leading = BODY_SIZE * 1.75
    return {
        "header": ParagraphStyle(
            "header",
            fontName=HEADER_FONT,
            fontSize=HEADER_SIZE,
            leading=HEADER_SIZE * 1.3,
            alignment=TA_CENTER,
            textColor=OFFICIAL_RED,
            wordWrap="CJK",
        ),
        "number": ParagraphStyle(
            "number", fontName=BODY_FONT, fontSize=BODY_SIZE, leading=leading, alignment=TA_CENTER
        ),
        "title": ParagraphStyle(
            "title",
            fontName=HEADER_FONT,
            fontSize=TITLE_SIZE,
            leading=TITLE_SIZE * 1.5,
            alignment=TA_CENTER,
            wordWrap="CJK",
        ),
        "addressee": ParagraphStyle(
            "addressee", fontName=BODY_FONT, fontSize=BODY_SIZE, leading=leading, wordWrap="CJK"
        ),
        "body": ParagraphStyle(
            "body",
            fontName=BODY_FONT,
            fontSize=BODY_SIZE,
            leading=leading,
            firstLineIndent=2 * BODY_SIZE,
            alignment=TA_JUSTIFY,
            wordWrap="CJK",
        ),
        "signature": ParagraphStyle(
            "signature",
            fontName=BODY_FONT,
            fontSize=BODY_SIZE,
            leading=leading,
            alignment=TA_RIGHT,
            rightIndent=4 * BODY_SIZE,
        ),
        "note": ParagraphStyle(
            "note",
            fontName=BODY_FONT,
            fontSize=BODY_SIZE - 2,
            leading=(BODY_SIZE - 2) * 1.6,
            wordWrap="CJK",
        ),
    }


class SealPlaceholder(Flowable):
    """A red dashed circle where the office seal is stamped over the organ and date (压字盖章)."""

    def __init__(self, radius: float = 21 * mm, right_offset: float = 9 * BODY_SIZE) -> None:
        super().__init__()
        self.radius = radius
        self.right_offset = right_offset

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self._available_width = available_width
        return available_width, 0

    def draw(self) -> None:
        canvas = self.canv
        centre_x = self._available_width - self.right_offset
        # Below the flowable's own position: the circle covers the organ name and the date.
        centre_y = -BODY_SIZE * 1.75
        canvas.saveState()
        canvas.setStrokeColor(OFFICIAL_RED)
        canvas.setFillColor(OFFICIAL_RED)
        canvas.setDash(4, 3)
        canvas.setLineWidth(1.2)
        canvas.circle(centre_x, centre_y, self.radius, stroke=1, fill=0)
        canvas.setFont(BODY_FONT, 10)
        canvas.drawCentredString(centre_x, centre_y + self.radius * 0.6, "（印章）")
        canvas.restoreState()


def _page_number(canvas: Canvas, document: SimpleDocTemplate) -> None:
    canvas.saveState()
    canvas.setFont(BODY_FONT, 14)
    canvas.drawCentredString(A4[0] / 2, 20 * mm, f"— {document.page} —")
    canvas.restoreState()


def render_pdf(document: OfficialDocument) -> bytes:
    with _RENDER_LOCK:
        return _render(document)


def _render(document: OfficialDocument) -> bytes:
    register_fonts()
    styles = _styles()
    story: list[Flowable] = [
        Paragraph(escape(document.issuing_organ), styles["header"]),
        Spacer(1, 4 * mm),
    ]
    if document.document_number:
        story.append(Paragraph(escape(document.document_number), styles["number"]))
    story += [
        HRFlowable(width="100%", thickness=1.5, color=OFFICIAL_RED, spaceBefore=2, spaceAfter=8),
        Spacer(1, 6 * mm),
        Paragraph(escape(document.title), styles["title"]),
        Spacer(1, 6 * mm),
    ]
    if document.addressee:
        story.append(Paragraph(escape(document.addressee) + "：", styles["addressee"]))
    story += [Paragraph(escape(text), styles["body"]) for text in document.paragraphs]
    if document.attachments:
        story.append(Spacer(1, BODY_SIZE))
        for index, name in enumerate(document.attachments, start=1):
            label = "附件：" if index == 1 else "　　　"
            story.append(
                Paragraph(f"{label}{index}. {escape(name)}", styles["body"]),
            )
    story += [
        Spacer(1, 3 * BODY_SIZE),
        SealPlaceholder(),
        Paragraph(escape(document.issuing_organ), styles["signature"]),
        Paragraph(chinese_date(document.issue_date), styles["signature"]),
    ]
    if document.copy_to:
        story += [
            Spacer(1, 2 * BODY_SIZE),
            HRFlowable(width="100%", thickness=0.7, color=colors.black, spaceAfter=2),
            Paragraph("抄送：" + escape("，".join(document.copy_to)) + "。", styles["note"]),
            HRFlowable(width="100%", thickness=0.7, color=colors.black, spaceBefore=2),
        ]
    buffer = BytesIO()
    template = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        topMargin=37 * mm,
        bottomMargin=35 * mm,
        leftMargin=28 * mm,
        rightMargin=26 * mm,
        title=document.title,
        author=document.issuing_organ,
        subject=document.document_number or document.title,
        # A fixed creation date and id make the same input produce the same bytes, so a retried
        # job files an identical document and its digest stays stable.
        invariant=1,
    )
    template.build(story, onFirstPage=_page_number, onLaterPages=_page_number)
    return buffer.getvalue()
