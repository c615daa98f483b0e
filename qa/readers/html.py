"""Saved web pages: the article's main text without menus, comments or ads (trafilatura), and its title,
date, author, site and canonical URL. Nothing in the page is rendered, run or fetched."""

from __future__ import annotations

import re

from qa.readers.base import ArticleError, Document, clean_text, join_paragraphs

MIN_BODY_WORDS = 20  # fewer words than a news brief: an index page, a login wall or an error page
_HTML_START = re.compile(rb"^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|link|script|style|div)\b",
                         re.IGNORECASE | re.DOTALL)


class HtmlReader:
    format = "html"
    suffixes = (".html", ".htm")

    def looks_like(self, data: bytes) -> bool:
        head = data[:4096].lstrip(b"\xef\xbb\xbf")
        return bool(_HTML_START.match(head))

    def read(self, name: str, data: bytes) -> Document:
        import trafilatura

        try:
            found = trafilatura.bare_extraction(
                data, with_metadata=True, include_comments=False, include_tables=True, include_images=False,
                include_links=False, favor_precision=True, deduplicate=False,
                date_extraction_params={"extensive_search": True, "original_date": True,
                                        "outputformat": "%Y-%m-%d"})
        except Exception as exc:  # lxml and charset errors on damaged pages
            raise ArticleError(f"{name}: the page could not be read ({type(exc).__name__}: {exc})") from None
        body = (getattr(found, "text", None) or "") if found is not None else ""
        if len(body.split()) < MIN_BODY_WORDS:
            raise ArticleError(f"{name}: no article text found in the page (an index page, a login wall or an "
                               f"empty page?); save the article's own page and add it again")
        title = clean_text(getattr(found, "title", None))
        return Document(
            text=join_paragraphs(title, body.split("\n")), format=self.format, title=title,
            date=clean_text(getattr(found, "date", None)),
            source=clean_text(getattr(found, "sitename", None)) or clean_text(getattr(found, "hostname", None)),
            url=_web_url(getattr(found, "url", None)), author=clean_text(getattr(found, "author", None)))


def _web_url(value) -> str | None:
    value = clean_text(value)
    return value if value and re.match(r"https?://", value) else None
