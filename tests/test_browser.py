"""The real Gradio app driven by a real headless Chromium (issue #4).

Starts ``app.py`` on loopback (as ``test_app.py`` does), opens the page in the Debian ``chromium``
through Playwright (never ``playwright install``: ``make test`` installs the Debian package), asks a
question, waits for the answer and its cited passage, and saves a screenshot (to ``docs/screenshot.png``, the
README's, when KUTIP_UPDATE_SCREENSHOT=1; else into the test's temporary folder). Every request the page makes must go to loopback: no analytics, CDN or font fetches.
"""

from __future__ import annotations

import os
import re
import shutil
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest

from conftest import ROOT, start_app, stop_app

CHROMIUM = os.environ.get("KUTIP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
QUESTION = "Which newspaper reported that the deployment was requested by Pyongyang?"
ANSWER_TIMEOUT_MS = 180_000  # the model runs on 2 CPU cores
SCREENSHOT = ROOT / "docs" / "screenshot.png"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The app on a free loopback port over a copy of the seeds (the test adds an article); (url, log)."""
    tmp = tmp_path_factory.mktemp("browser-app")
    shutil.copytree(ROOT / "seeds", tmp / "articles")
    process, url, log = start_app(tmp, articles=tmp / "articles")
    yield url, log
    stop_app(process)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: run `make test` (it installs the test extra)")
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.fail(f"{CHROMIUM} is missing: run `make test` (it installs the Debian package chromium)")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield chromium
        chromium.close()


def test_chat_in_a_real_browser(app, browser, tmp_path):
    from playwright.sync_api import expect

    url, log = app
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    outside: list[str] = []

    def note(kind: str, target: str) -> None:
        if (urlsplit(target).hostname or "") not in LOOPBACK and not target.startswith(("data:", "blob:",
                                                                                          "about:")):
            outside.append(f"{kind} {target}")

    context.on("request", lambda request: note(request.method, request.url))
    page = context.new_page()
    page.on("websocket", lambda ws: note("websocket", ws.url))
    try:
        page.goto(url, wait_until="networkidle")

        question = page.locator("#question").get_by_label("Question")
        expect(question).to_be_editable()
        question.fill(QUESTION)
        question.press("Enter")

        # The last yield of the chat handler fills the sources panel; until then it is empty.
        sources = page.locator("#sources")
        expect(sources.locator("details blockquote").first).to_be_visible(timeout=ANSWER_TIMEOUT_MS)

        # gr.Chatbot(label="Conversation", elem_id="chat"): messages carry data-testid="user"/"bot".
        chatbot = page.locator("#chat")
        expect(chatbot.get_by_role("log")).to_be_visible()
        expect(chatbot.locator('[data-testid="user"]').last).to_contain_text(QUESTION)
        bot = chatbot.locator('[data-testid="bot"]').last
        expect(bot).not_to_have_text(re.compile(r"^\s*$"))
        expect(question).to_have_value("")  # the handler clears the box when it is done
        answer = bot.inner_text().strip()
        panel = sources.inner_text()

        assert answer and not answer.startswith("⚠️"), answer
        extractive = "Quoted, not generated" in panel
        assert "New York Times" in answer or extractive, answer
        assert sources.locator("details blockquote", has_text="New York Times").count() >= 1, panel
        assert sources.locator("details blockquote mark").count() >= 1, "no supporting sentence is highlighted"
        summaries = sources.locator("details > summary").all_inner_texts()
        # the seeds' "Sumber:" URL gives the site beside the title
        assert any(re.match(r"\[\d+\] .+ — [\w.-]+\.\w+ · paragraph \d+", s) and s.rstrip().endswith("· cited")
                   for s in summaries), summaries
        for marker in set(re.findall(r"\[(\d+)\]", answer)):  # each [n] in the answer is a shown source
            assert any(s.startswith(f"[{marker}] ") for s in summaries), (marker, summaries)

        page.wait_for_load_state("networkidle")
        SCREENSHOT.parent.mkdir(exist_ok=True)
        shot = SCREENSHOT if os.environ.get("KUTIP_UPDATE_SCREENSHOT") == "1" else tmp_path / "screenshot.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
    except BaseException:
        failed = tmp_path / "screenshot-failed.png"
        try:
            page.screenshot(path=str(failed), full_page=True)
            print(f"screenshot of the failure: {failed}")
        except Exception as exc:  # the browser may be gone
            print(f"no screenshot of the failure: {exc}")
        print("app log:\n" + log.read_text())
        raise
    finally:
        context.close()

    assert not outside, "the page reached beyond loopback:\n" + "\n".join(outside)


@contextmanager
def articles_tab(app, browser, tmp_path):
    """A fresh page on the app's Articles tab; on failure a screenshot and the app's log."""
    url, log = app
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    try:
        page.goto(url, wait_until="networkidle")
        page.get_by_role("tab", name="Articles").click()
        yield page
    except BaseException:
        page.screenshot(path=str(tmp_path / "screenshot-failed.png"), full_page=True)
        print("app log:\n" + log.read_text())
        raise
    finally:
        context.close()


def ask(page, text: str):
    """Ask on the Ask tab; the sources panel."""
    page.get_by_role("tab", name="Ask").click()
    question = page.locator("#question").get_by_label("Question")
    question.fill(text)
    question.press("Enter")
    return page.locator("#sources")


def test_add_an_article_then_ask_about_it_in_a_real_browser(app, browser, tmp_path):
    """Without a terminal: paste an article in the Articles tab, see it listed, ask about it, see it cited."""
    from playwright.sync_api import expect

    with articles_tab(app, browser, tmp_path) as page:
        page.locator("#paste-title").get_by_label("Title of a pasted article").fill("Festival layang-layang Sanur")
        page.locator("#paste-body").get_by_label("Article text").fill(
            "Festival layang-layang internasional di pantai Sanur, Bali, diikuti 1.200 peserta dari 14 negara. "
            "Panitia menyebut layang-layang terbesar berukuran 200 meter.")
        page.locator("#add-pasted").click()
        expect(page.locator("#articles-status")).to_contain_text("added festival-layang-layang-sanur.txt",
                                                                 timeout=ANSWER_TIMEOUT_MS)
        expect(page.locator("#articles")).to_contain_text("Festival layang-layang Sanur")

        page.locator("#paste-title").get_by_label("Title of a pasted article").fill("Festival layang-layang Sanur")
        page.locator("#add-pasted").click()  # the same title again: refused, nothing changes
        expect(page.locator("#articles-status")).to_contain_text("already an article", timeout=60_000)

        sources = ask(page, "Berapa peserta festival layang-layang di Sanur?")
        expect(sources.locator("details blockquote", has_text="1.200 peserta")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
        expect(sources).to_contain_text("Festival layang-layang Sanur")


def test_upload_several_files_at_once_then_ask_about_a_saved_page(app, browser, tmp_path):
    """One upload of a saved web page, a PDF and a scanned PDF: each file's result is shown, the good ones are
    listed with their site and date, and an answer about the page cites it with its site and date."""
    from playwright.sync_api import expect

    from documents import JEMBATAN_LOMBOK, PASAR_TERAPUNG, news_page, pdf_bytes, scanned_pdf

    (tmp_path / "pasar-terapung.html").write_bytes(news_page(*PASAR_TERAPUNG))
    (tmp_path / "jembatan.pdf").write_bytes(pdf_bytes(*JEMBATAN_LOMBOK))
    (tmp_path / "scan.pdf").write_bytes(scanned_pdf())
    with articles_tab(app, browser, tmp_path) as page:
        page.locator("#upload input[type=file]").set_input_files(
            [str(tmp_path / name) for name in ("pasar-terapung.html", "jembatan.pdf", "scan.pdf")])
        expect(page.locator("#upload")).to_contain_text("scan", timeout=60_000)  # shown as "scan .pdf"
        page.locator("#add-file").click()
        status = page.locator("#articles-status")
        expect(status).to_contain_text("2 of 3 files added", timeout=ANSWER_TIMEOUT_MS)
        expect(status).to_contain_text("needs OCR")
        table = page.locator("#articles")
        expect(table).to_contain_text(PASAR_TERAPUNG[0])
        expect(table).to_contain_text("2025-10-16")
        expect(table).to_contain_text(JEMBATAN_LOMBOK[0])

        sources = ask(page, "Berapa perahu pedagang berjualan di pasar terapung Lok Baintan?")
        cited = sources.locator("details", has_text="350 perahu")
        expect(cited).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
        expect(cited.locator("summary")).to_contain_text("Detiknews, 2025-10-16")
        page.screenshot(path=str(tmp_path / "upload-and-ask.png"), full_page=True)
