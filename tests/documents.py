"""Real documents made in the tests: news pages in the shape news sites serve (navigation, cookie banner,
related links, comments, newsletter form, tracking pixel, scripts), PDFs (fpdf2) and Word files
(python-docx), built around an article's title and paragraphs."""

from __future__ import annotations

import html
import io
from pathlib import Path

from qa.ingest import load_article

# every line of page furniture news_page() adds; none of it may reach an article's text
BOILERPLATE = [
    "Kami menggunakan cookie untuk meningkatkan pengalaman Anda",
    "Beranda", "Finance", "Hot", "Inet", "Sport", "Oto", "Travel", "Food",
    "Berita Terkait", "Harga Cabai Naik Lagi Jelang Natal", "Timnas Kalah di Final Piala AFF Lawan Thailand",
    "Komentar", "Mantap beritanya min, lanjutkan terus!", "Semoga damai selalu untuk semua.",
    "Langganan newsletter", "Masukkan email Anda",
    "Copyright © 2025 detikcom. All rights reserved.", "Redaksi", "Pedoman Media Siber", "Karir",
    "Baca juga: Menkeu Umumkan Defisit APBN", "trackPageview", "alert(",
]

# short articles written for the tests (not from any collection)
PASAR_TERAPUNG = ("Pasar Terapung Lok Baintan Kembali Ramai Dikunjungi Wisatawan", [
    "Pasar terapung Lok Baintan di Kabupaten Banjar, Kalimantan Selatan, kembali ramai setelah pemerintah "
    "daerah memperbaiki dermaga dan jalan menuju sungai. Sekitar 350 perahu pedagang berjualan setiap Minggu pagi.",
    "Kepala Dinas Pariwisata Banjar, Rahmat Hidayat, mengatakan jumlah wisatawan naik menjadi 4.800 orang per "
    "bulan. Sebagian besar pengunjung datang dari Banjarmasin dan Jakarta.",
    "Pedagang menjual buah, sayur dan kue tradisional langsung dari perahu. Pemerintah daerah berencana "
    "membangun menara pandang, tetapi anggarannya belum disetujui DPRD.",
])
JEMBATAN_LOMBOK = ("Jembatan Gantung Baru Hubungkan Dua Desa di Lombok Timur", [
    "Jembatan gantung sepanjang 120 meter diresmikan di Kecamatan Sembalun, Lombok Timur, pada Rabu pagi. "
    "Jembatan itu menghubungkan Desa Sajang dan Desa Bilok Petung yang selama ini terpisah sungai.",
    "Bupati Lombok Timur mengatakan jembatan dibangun dalam waktu lima bulan dengan dana desa dan bantuan "
    "provinsi. Sebelumnya warga harus memutar sejauh 15 kilometer untuk ke pasar.",
    "Warga berharap jembatan itu juga memudahkan anak-anak berangkat ke sekolah saat musim hujan.",
])


def seed_title_and_paragraphs(path: Path) -> tuple[str, list[str]]:
    """A seed article's title and paragraphs, as kutip reads them from its .txt file."""
    article = load_article(path)
    paragraphs: dict[int, list[str]] = {}
    for p in article.passages:
        paragraphs.setdefault(p.paragraph, []).append(p.text)
    return article.title, [" ".join(parts) for n, parts in sorted(paragraphs.items()) if n > 1]


def news_page(title: str, paragraphs: list[str], date: str = "2025-10-16",
              site: str = "detikNews", url: str = "https://news.detik.com/berita/d-8161234/contoh") -> bytes:
    """A saved news page: the article among the furniture of a real news site."""
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs[:2])
    body += ('\n<div class="baca-juga"><a href="/berita/d-1">Baca juga: Menkeu Umumkan Defisit APBN</a></div>\n'
             + "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs[2:]))
    e = html.escape
    return f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8">
<title>{e(title)} - {e(site)}</title>
<meta property="og:site_name" content="{e(site)}"><meta property="og:title" content="{e(title)}">
<meta property="og:type" content="article"><meta property="article:published_time" content="{date}T10:15:00+07:00">
<meta name="author" content="Tim detikcom"><link rel="canonical" href="{e(url)}">
<script>window.dataLayer=[];function trackPageview(){{alert("tracked")}};trackPageview();</script>
<style>.nav{{display:flex}}</style></head>
<body onload="trackPageview()">
<div id="cookie-banner">Kami menggunakan cookie untuk meningkatkan pengalaman Anda. <button>Setuju</button></div>
<nav class="nav"><ul><li><a href="/">Beranda</a></li><li><a href="/finance">Finance</a></li><li><a href="/hot">Hot</a></li>
<li><a href="/inet">Inet</a></li><li><a href="/sport">Sport</a></li><li><a href="/oto">Oto</a></li>
<li><a href="/travel">Travel</a></li><li><a href="/food">Food</a></li></ul></nav>
<main><article>
<h1 class="detail__title">{e(title)}</h1>
<div class="detail__date">Kamis, 16 Okt 2025 10:15 WIB</div>
<div class="detail__body-text itp_bodycontent">
{body}
</div></article>
<aside><h3>Berita Terkait</h3><ul><li><a href="/a">Harga Cabai Naik Lagi Jelang Natal</a></li>
<li><a href="/b">Timnas Kalah di Final Piala AFF Lawan Thailand</a></li></ul></aside>
<section id="comments"><h3>Komentar</h3><div class="comment">Mantap beritanya min, lanjutkan terus!</div>
<div class="comment">Semoga damai selalu untuk semua.</div></section>
<form action="https://tracker.example/subscribe" method="post"><label>Masukkan email Anda</label>
<input name="email"><button>Langganan newsletter</button></form>
</main>
<img src="https://tracker.example/pixel.gif?u=1" width="1" height="1" alt="">
<iframe src="https://ads.example/banner"></iframe>
<footer><p>Copyright © 2025 detikcom. All rights reserved.</p><a href="/redaksi">Redaksi</a>
<a href="/pedoman">Pedoman Media Siber</a><a href="/karir">Karir</a></footer>
</body></html>""".encode("utf-8")


def index_page() -> bytes:
    """A site's front page: headlines and links, no article of its own."""
    links = "\n".join(f'<li><a href="/berita/d-{n}">Berita nomor {n} hari ini</a></li>' for n in range(30))
    return f"""<!DOCTYPE html><html><head><title>detikNews - Berita hari ini</title></head>
<body><nav><a href="/">Beranda</a> <a href="/news">News</a></nav><h1>Berita Terpopuler</h1><ul>{links}</ul>
<footer>Copyright © 2025 detikcom</footer></body></html>""".encode("utf-8")


def login_wall() -> bytes:
    return b"""<!DOCTYPE html><html><head><title>Masuk</title></head><body>
<form action="/login" method="post"><h2>Masuk untuk membaca artikel ini</h2>
<input name="user"><input type="password" name="pass"><button>Masuk</button></form></body></html>"""


def _latin1(text: str) -> str:
    """fpdf2's built-in fonts cover Latin-1: typographic quotes become plain ones."""
    return text.translate(str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-"}))


def pdf_bytes(title: str, paragraphs: list[str], *, font_size: int = 11, user_password: str | None = None,
              metadata_title: str | None = None) -> bytes:
    """A PDF with a text layer, as a word processor or a "save as PDF" writes it."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title(metadata_title if metadata_title is not None else title)
    pdf.set_author("Redaksi")
    if user_password is not None:
        from fpdf.enums import EncryptionMethod

        pdf.set_encryption(owner_password="owner-secret", user_password=user_password,
                           encryption_method=EncryptionMethod.RC4)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 8, _latin1(title))
    pdf.ln(4)
    pdf.set_font("Helvetica", size=font_size)
    for paragraph in paragraphs:
        pdf.multi_cell(0, 6, _latin1(paragraph))
        pdf.ln(4)
    return bytes(pdf.output())


def scanned_pdf() -> bytes:
    """A PDF whose pages are drawings only (as a scan is an image): no text layer."""
    from fpdf import FPDF

    pdf = FPDF()
    for _ in range(2):
        pdf.add_page()
        for row in range(40):
            pdf.line(20, 20 + row * 6, 190, 20 + row * 6)
        pdf.rect(30, 30, 150, 200)
    return bytes(pdf.output())


def docx_bytes(title: str, paragraphs: list[str], *, table: list[list[str]] | None = None) -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = title
    document.core_properties.author = "Redaksi"
    document.add_heading(title, level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
