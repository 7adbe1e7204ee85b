"""Generate samples/kb/voltway-warranty-policy.pdf, the sample knowledge base's PDF document.

Standard library only: a small PDF 1.4 writer using the built-in Helvetica fonts with
WinAnsiEncoding, so the text is extractable (pypdf, pdftotext) without embedding any font.

    python samples/make_pdf.py            # writes samples/kb/voltway-warranty-policy.pdf
    python samples/make_pdf.py OUT.pdf    # writes OUT.pdf

The output is deterministic (fixed dates, no random IDs), so rerunning it gives the same bytes.
"""

from __future__ import annotations

import sys
from pathlib import Path

TITLE = "Voltway Limited Warranty Policy"
OUT = Path(__file__).resolve().parent / "kb" / "voltway-warranty-policy.pdf"

# (style, text). Styles: title, meta, h2, p, bullet.
CONTENT: list[tuple[str, str]] = [
    ("title", TITLE),
    ("meta", "UK and EU stores  |  Version 3.2  |  Effective 1 September 2026"),
    ("p", "This policy describes the warranty that Voltway Ltd (UK store) and Voltway Europe B.V. "
          "(EU store) give on Voltway-branded products. Products bought on the Voltway mainland China "
          "store are covered by separate terms under Chinese law (see the Chinese-language warranty guide)."),
    ("h2", "1. What the warranty covers"),
    ("p", "Voltway-branded products are guaranteed against defects in materials and workmanship under "
          "normal use for 2 years from the date of delivery, or from the date of collection for "
          "Click & Collect orders. The warranty includes the accessories supplied in the box, such as "
          "chargers and cables."),
    ("p", "Batteries are covered for the full 2 years if the battery can no longer hold at least 80% of "
          "its rated capacity."),
    ("h2", "2. Products covered"),
    ("p", "This warranty applies to all Voltway-branded products, including the Voltway Pulse 7 smartphone, "
          "Voltway Aria X2 headphones, Voltway Nimbus 14 laptop, Voltway HomeHub, Voltway Glow Bulb and "
          "Voltway Smart Plug. Products of other brands sold by Voltway are covered by their manufacturer's "
          "warranty; a faulty third-party product can be returned to Voltway within 30 days of delivery."),
    ("h2", "3. What we will do"),
    ("p", "If your product has a fault covered by this warranty, Voltway will, at its choice:"),
    ("bullet", "repair the product free of charge, including parts, labour and shipping both ways;"),
    ("bullet", "replace it with the same or an equivalent model, new or refurbished to an as-new standard; or"),
    ("bullet", "refund the price paid, if neither repair nor replacement is possible."),
    ("p", "Repaired parts and replacement products are guaranteed for 90 days or for the rest of the "
          "original warranty period, whichever is longer."),
    ("h2", "4. What is not covered"),
    ("bullet", "Accidental damage, such as drops, cracked screens or bent casings."),
    ("bullet", "Liquid damage. The Voltway Aria X2 and Voltway Nimbus 14 have no water-resistance rating."),
    ("bullet", "Normal wear and tear, including cosmetic scratches and ear cushions after the first 6 months."),
    ("bullet", "Damage caused by repairs or modifications not carried out by Voltway or an authorised partner. "
               "Replacing the SSD of a Voltway Nimbus 14 does not void the warranty, but damage caused while "
               "doing so is not covered."),
    ("bullet", "Loss of data, software problems caused by third-party software, and loss or theft."),
    ("bullet", "Products whose serial number has been removed or altered."),
    ("h2", "5. How to make a claim"),
    ("p", "Go to My Account > Orders, select the product and choose Get help > Repair, or contact Voltway "
          "Customer Support. Products bought elsewhere can be registered at voltway.example/repair with a "
          "proof of purchase. You will receive a repair ID starting with RP- and a free prepaid label or "
          "courier collection; you can also drop the product at any Voltway store."),
    ("p", "Please back up your data and remove activation locks first: devices are often reset during "
          "repair. Most repairs are completed within 5-7 working days of arrival at our repair centre."),
    ("p", "A product that is faulty within 30 days of delivery can instead be returned for a replacement "
          "or full refund under the Voltway returns policy."),
    ("h2", "6. Repairs outside warranty"),
    ("p", "For faults not covered by this warranty we charge a diagnostic fee of £25 / €29, which is waived "
          "if you go ahead with the repair. We send a fixed quote that is valid for 14 days. If you decline "
          "it, the product is returned unrepaired and only the diagnostic fee is charged."),
    ("h2", "7. Transfer to a new owner"),
    ("p", "The warranty stays with the product. If you sell or give away a Voltway product, the new owner "
          "can make a claim with the original proof of purchase or the order number."),
    ("h2", "8. VoltCare+"),
    ("p", "VoltCare+ is an optional protection plan that extends this warranty to 3 years in total and "
          "covers up to 2 accidental-damage claims, with an excess of £29 / €35 per claim. It can be bought "
          "at checkout or within 60 days of delivery."),
    ("h2", "9. Your statutory rights"),
    ("p", "This warranty is given in addition to your legal rights and does not limit them. In the UK, "
          "the Consumer Rights Act 2015 gives you rights against the seller for faulty goods; in the EU, "
          "the legal guarantee of conformity lasts at least 2 years."),
    ("h2", "10. Contact"),
    ("p", "Voltway Customer Support, e-mail support@voltway.example, phone +44 20 0000 0000, "
          "Monday-Friday 08:00-20:00 and Saturday 09:00-17:00 (UK time). Voltway Ltd, London, United "
          "Kingdom. Voltway Europe B.V., Amsterdam, the Netherlands."),
]

# Helvetica advance widths (1/1000 em) for ASCII 32..126, from the standard AFM metrics.
_HELV = [278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
         556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
         1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
         667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
         333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
         556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584]

PAGE_W, PAGE_H = 595.0, 842.0  # A4 in points
MARGIN_X, TOP, BOTTOM = 62.0, 780.0, 70.0
TEXT_W = PAGE_W - 2 * MARGIN_X
STYLES = {  # font resource, size, leading, space before, indent
    "title": ("F2", 20.0, 24.0, 0.0, 0.0),
    "meta": ("F1", 9.5, 13.0, 4.0, 0.0),
    "h2": ("F2", 12.5, 16.0, 12.0, 0.0),
    "p": ("F1", 10.5, 14.5, 5.0, 0.0),
    "bullet": ("F1", 10.5, 14.5, 2.0, 14.0),
}


def text_width(s: str, font: str, size: float) -> float:
    w = 0.0
    for ch in s:
        o = ord(ch)
        w += _HELV[o - 32] if 32 <= o <= 126 else 556
    if font == "F2":  # Helvetica-Bold is slightly wider; a small factor is enough for wrapping.
        w *= 1.07
    return w * size / 1000.0


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if line and text_width(candidate, font, size) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines


def pdf_string(s: str) -> bytes:
    raw = s.encode("cp1252")  # WinAnsiEncoding; raises on characters Helvetica cannot show
    out = bytearray(b"(")
    for b in raw:
        if b in (0x28, 0x29, 0x5C):
            out += b"\\" + bytes([b])
        elif b < 32 or b > 126:
            out += b"\\%03o" % b
        else:
            out.append(b)
    return bytes(out + b")")


def layout(content: list[tuple[str, str]] = CONTENT) -> list[list[tuple[str, float, float, float, str]]]:
    """Return pages; each page is a list of (font, size, x, y, text)."""
    pages: list[list[tuple[str, float, float, float, str]]] = [[]]
    y = TOP
    for style, text in content:
        font, size, leading, before, indent = STYLES[style]
        lines = wrap(text, font, size, TEXT_W - indent)
        need = before + leading * min(len(lines), 2) + (leading * 2 if style == "h2" else 0)
        if y - need < BOTTOM:  # keep headings with their text, avoid one-line orphans
            pages.append([])
            y = TOP
        else:
            y -= before
        for i, line in enumerate(lines):
            if y - leading < BOTTOM:
                pages.append([])
                y = TOP
            y -= leading
            if style == "bullet" and i == 0:
                pages[-1].append((font, size, MARGIN_X + 2, y, "\u2022"))
            pages[-1].append((font, size, MARGIN_X + indent, y, line))
        if style == "title":
            y -= 2
    return pages


def build(content: list[tuple[str, str]] = CONTENT, title: str = TITLE) -> bytes:
    """The PDF of `content` ((style, text) pairs, styles as above); the sample's by default."""
    pages = layout(content)
    n = len(pages)
    objects: list[bytes] = []  # object i+1 is objects[i]

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below
    pages_id = add(b"")
    f1 = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    f2 = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
    page_ids = []
    for number, items in enumerate(pages, start=1):
        ops = [b"0.13 0.13 0.13 rg"]
        for font, size, x, y, text in items:
            ops.append(b"BT /%s %.1f Tf %.2f %.2f Td %s Tj ET"
                       % (font.encode(), size, x, y, pdf_string(text)))
        # header rule and footer
        ops.append(b"0.75 0.75 0.75 RG 0.6 w %.2f 806 m %.2f 806 l S" % (MARGIN_X, PAGE_W - MARGIN_X))
        ops.append(b"BT /F2 9 Tf %.2f 812 Td (Voltway) Tj ET" % MARGIN_X)
        footer = f"{title} - Version 3.2 - Page {number} of {n}"
        ops.append(b"BT /F1 8.5 Tf %.2f 40 Td %s Tj ET" % (MARGIN_X, pdf_string(footer)))
        stream = b"\n".join(ops)
        content = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        page_ids.append(add(
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] "
            b"/Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >> /Contents %d 0 R >>"
            % (pages_id, PAGE_W, PAGE_H, f1, f2, content)))
    kids = b" ".join(b"%d 0 R" % i for i in page_ids)
    objects[pages_id - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n)
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id
    info = add(b"<< /Title %s /Author (Voltway Ltd) /Subject (Warranty terms for Voltway-branded "
               b"products, UK and EU) /Producer (samples/make_pdf.py) "
               b"/CreationDate (D:20260901090000Z) >>" % pdf_string(title))

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += (b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, catalog, info, xref))
    return bytes(out)


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(build())
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
