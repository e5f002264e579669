"""Blocks of a draft document -> .docx bytes, with python-docx. Worker process only (see jobs.py)."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from bot.agreements.documents import Block, DocSpec


def _signatures(doc: object, block: Block) -> None:
    columns = block.rows
    if not columns:
        return
    height = max(len(c) for c in columns)
    table = doc.add_table(rows=0, cols=len(columns))  # type: ignore[attr-defined]
    for row in range(height):
        for cell, lines in zip(table.add_row().cells, columns, strict=True):
            cell.text = lines[row] if row < len(lines) else ""
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER


def write_docx(spec: DocSpec) -> bytes:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"  # type: ignore[attr-defined]
    style.font.size = Pt(12)  # type: ignore[attr-defined]
    doc.core_properties.title = spec.title
    for block in spec.blocks:
        if block.kind == "title":
            para = doc.add_paragraph()
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
            para.add_run(block.text).bold = True
        elif block.kind == "center":
            doc.add_paragraph(block.text).alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif block.kind == "pasal":
            # A real heading, so Word's navigation pane lists every Pasal.
            heading = doc.add_heading(block.text, level=2)
            heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif block.kind == "heading":
            doc.add_paragraph().add_run(block.text).bold = True
        elif block.kind == "item":
            para = doc.add_paragraph(block.text)
            para.paragraph_format.left_indent = Pt(18)
        elif block.kind == "table":
            width = max(len(r) for r in block.rows)
            table = doc.add_table(rows=0, cols=width)
            table.style = "Table Grid"
            for row in block.rows:
                # Row by row: table.cell(r, c) walks the whole grid on every call.
                for cell, value in zip(table.add_row().cells, row, strict=False):
                    cell.text = value
        elif block.kind == "signatures":
            _signatures(doc, block)
        else:
            doc.add_paragraph(block.text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
