"""kutip web chat: ``python app.py [--host 127.0.0.1] [--port 7860]`` (or ``make run``).

Indexes the articles folder on start (only new text is embedded), then serves a Gradio chat on loopback.
Nothing leaves the machine: Gradio analytics are off and no model is fetched.
"""

from __future__ import annotations

import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # before gradio is imported
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import argparse
import html
import re
import sys
import time
from pathlib import Path
from typing import Iterator

from qa.settings import Settings

MODELS = ["qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b"]
EXAMPLES = [
    "Who proposed the troop deployment?",
    "Siapa yang mengusulkan pengerahan pasukan?",
    "How many North Korean soldiers were deployed according to US and South Korean officials?",
    "Surat kabar mana yang melaporkan bahwa pengerahan itu adalah permintaan Pyongyang?",
]


def _highlighted(text: str, span: tuple[int, int] | None) -> str:
    if span is None:
        return html.escape(text)
    s, e = span
    return (f"{html.escape(text[:s])}<mark style=\"background:#fde68a;color:inherit\">{html.escape(text[s:e])}</mark>"
            f"{html.escape(text[e:])}")


def sources_html(answer, show_all: bool = False) -> str:
    """The cited passages (or all given passages), escaped: article text is never trusted as HTML. The
    sentence that supports the answer is highlighted."""
    from qa.verify import supporting_span

    if answer is None:
        return ""
    if answer.abstained and answer.related:
        head = ("<p><b>No answer:</b> the articles do not say. The closest passage is shown as related; it does "
                "not answer the question.</p>")
    elif answer.abstained:
        head = "<p><b>No answer:</b> the articles do not say. Nothing is cited.</p>"
    elif answer.extractive:
        head = "<p><b>Quoted, not generated:</b> the model's answer failed the checks against the articles.</p>"
    else:
        head = ""
    cited = {c.passage for c in answer.citations}
    related = {c.passage for c in answer.related}
    shown = answer.passages if show_all else answer.citations + answer.related
    blocks = []
    for c in shown:
        origin = ", ".join(html.escape(part) for part in (c.source, c.date) if part)
        if c.source_url:
            link = f'<a href="{html.escape(c.source_url, quote=True)}" target="_blank" rel="noopener">{origin or "source"}</a>'
            origin = link
        where = f"page {c.page}" if c.page else f"paragraph {c.paragraph}"
        mark = "cited" if c.passage in cited else "related, does not answer" if c.passage in related else \
            "retrieved, not cited"
        blocks.append(
            f"<details {'open' if c.passage in cited else ''}><summary>[{c.n}] {html.escape(c.title)}"
            f"{' — ' + origin if origin else ''} · {where} · score {c.score:.2f} · {mark}</summary>"
            f"<blockquote>{_highlighted(c.text, supporting_span(answer.answer, c.n, c.text) if c.passage in cited else None)}"
            f"</blockquote></details>")
    return head + "\n".join(blocks)


def _markdown_text(text: str) -> str:
    """Text shown literally in a Markdown component: file names and messages come from the user's files."""
    text = html.escape(" ".join(text.split()), quote=False)  # one line: a list item stays one item
    return re.sub(r"([\\`*_{}\[\]()<>#+!|~$-])", r"\\\1", text)


def _console_progress(phase: str, done: int, total: int) -> None:
    if total and (done == total or done % 128 == 0):
        print(f"{phase}: {done}/{total}", file=sys.stderr, flush=True)


def build_app(settings: Settings, warm: bool = False):
    """The Gradio app over ``settings.articles_dir``. ``warm``: load the model and have it read the passages
    once (``Assistant.prepare_passages``) before returning, so that the first question is as fast as the tenth."""
    import gradio as gr

    from qa.assistant import Assistant, QuestionError
    from qa.collection import Collection
    from qa.evidence import EvidenceSelector
    from qa.index import PHASE_UNITS
    from qa.llm import GeneratorError, generator_from_settings
    from qa.models import ModelFileError
    from qa.rerank import RerankerError
    from qa.readers import ARTICLE_SUFFIXES

    ask_errors = (QuestionError, ModelFileError, GeneratorError, RerankerError)  # shown to the user, not raised

    print(f"indexing {settings.articles_dir} …", file=sys.stderr, flush=True)
    collection = Collection(settings, progress=_console_progress)
    print(collection.report.summary(), file=sys.stderr, flush=True)
    for problem in collection.report.problems:
        print(f"warning: {problem}", file=sys.stderr, flush=True)

    evidence = EvidenceSelector(collection.embedder, settings)  # its sentence cache outlives a request

    def assistant_for(model: str) -> Assistant:
        generator = generator_from_settings(settings, model)
        return Assistant.for_collection(collection, generator, settings, evidence=evidence)

    if warm:
        print(f"loading {settings.llm} …", file=sys.stderr, flush=True)
        generator_from_settings(settings, progress=lambda done, total: _console_progress(
            "assembling the model (MB)", done >> 20, total >> 20))  # loaded once: assistant_for finds it
        started = time.perf_counter()
        looked, computed = assistant_for(settings.llm).prepare_passages(
            progress=lambda done, total: _console_progress("reading passages once", done, total))
        if looked:
            print(f"passages ready: {computed} of {looked} read now, the others stored earlier "
                  f"({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)

    def respond(message: str, chat: list, model: str, k: int, show_all: bool) -> Iterator:
        history = [{"role": m["role"], "content": m["content"]} for m in chat or []]
        chat = list(chat or []) + [{"role": "user", "content": message}, {"role": "assistant", "content": ""}]
        try:
            final = None
            for piece in assistant_for(model).stream(message, history, k=int(k)):
                if isinstance(piece, str):
                    chat[-1]["content"] += piece
                    yield "", chat, gr.update()
                else:
                    final = piece
        except ask_errors as exc:
            chat[-1]["content"] = f"⚠️ {exc}"
            yield message, chat, ""
            return
        label = "" if not final.extractive else "(taken from the articles, not generated) "
        chat[-1]["content"] = label + final.answer
        yield "", chat, sources_html(final, show_all)

    def ask_json(question: str, history: list | None = None, model: str = settings.llm, k: int = settings.k) -> dict:
        try:
            return assistant_for(model).ask(question, history or [], k=int(k)).to_json()
        except ask_errors as exc:
            return {"question": question, "error": str(exc)}

    def rows() -> list[list]:
        return [[a.id, a.title, a.date or "", a.source or "", a.passages, a.source_url or ""]
                for a in collection.articles()]

    def article_choices():
        return gr.update(choices=[r[0] for r in rows()], value=None)

    def changed(change, progress) -> tuple:
        """``change(progress)`` is one of the collection's changes; any failure is shown, and the folder and
        index are as they were."""
        try:
            message = change(lambda phase, done, total: progress(
                (done, total), desc=phase, unit=PHASE_UNITS.get(phase, "item")) if total else None)
        except Exception as exc:
            message = f"⚠️ {exc}"
        return message, rows(), article_choices()

    def upload(paths: list[str] | None, progress=gr.Progress()):
        if not paths:
            return "⚠️ choose one or more files first", rows(), article_choices()
        # read one at a time by add_files, which refuses a file over the limit or unreadable
        files = [(Path(p).name, Path(p)) for p in paths]
        results: list = []

        def add(report):
            found, message = collection.add_files(files, report)
            results.extend(found)
            return message
        message, table_rows, choices = changed(add, progress)
        lines = [f"- {'✅' if r.status == 'added' else '↩️' if r.status == 'duplicate' else '⚠️'} "
                 f"{_markdown_text(str(r))}" for r in results]
        return "\n".join([_markdown_text(message), "", *lines]), table_rows, choices

    def paste(title: str, body: str, progress=gr.Progress()):
        return changed(lambda report: collection.add_pasted(title, body, report), progress)

    def remove(article_id: str | None, progress=gr.Progress()):
        if not article_id:
            return "⚠️ choose an article to remove", rows(), article_choices()
        return changed(lambda report: collection.remove(article_id, report), progress)

    with gr.Blocks(title="kutip", analytics_enabled=False) as app:
        gr.Markdown("## kutip — answers from your articles, with citations")
        with gr.Tab("Ask"):
            with gr.Row():
                with gr.Column(scale=3):
                    # plain text: answers quote article sentences, and a Markdown image in one would be fetched
                    chatbot = gr.Chatbot(label="Conversation", height=420, elem_id="chat", render_markdown=False)
                    question = gr.Textbox(label="Question", placeholder="Ask in English or Bahasa Indonesia",
                                          max_length=settings.max_question_chars, elem_id="question")
                    with gr.Row():
                        send = gr.Button("Ask", variant="primary", elem_id="ask")
                        clear = gr.Button("Clear conversation", elem_id="clear")
                    gr.Examples(EXAMPLES, inputs=question)
                with gr.Column(scale=2):
                    gr.Markdown("### Sources")
                    sources = gr.HTML(elem_id="sources")
                    model = gr.Dropdown(MODELS if settings.llm in MODELS else [settings.llm, *MODELS],
                                        value=settings.llm, label="Model")
                    k = gr.Slider(1, 8, value=settings.k, step=1, label="Passages given to the model")
                    show_all = gr.Checkbox(False, label="Show all retrieved passages, not only cited ones")
        with gr.Tab("Articles"):
            status = gr.Markdown(elem_id="articles-status")
            table = gr.Dataframe(rows(), headers=["id", "title", "date", "source", "passages", "url"],
                                 interactive=False, label="Articles in the collection", elem_id="articles")
            with gr.Row():
                with gr.Column():
                    upload_file = gr.File(label=f"Add files ({', '.join(ARTICLE_SUFFIXES)})",
                                          file_types=list(ARTICLE_SUFFIXES), file_count="multiple",
                                          type="filepath", elem_id="upload")
                    upload_button = gr.Button("Add files", elem_id="add-file")
                with gr.Column():
                    paste_title = gr.Textbox(label="Title of a pasted article", elem_id="paste-title")
                    paste_body = gr.Textbox(label="Article text", lines=6, elem_id="paste-body",
                                            max_length=settings.max_article_bytes)
                    paste_button = gr.Button("Add pasted article", elem_id="add-pasted")
                with gr.Column():
                    to_remove = gr.Dropdown([r[0] for r in rows()], label="Article to remove",
                                            elem_id="remove-choice")
                    remove_button = gr.Button("Remove article", variant="stop", elem_id="remove")
        inputs = [question, chatbot, model, k, show_all]
        # chat and API share one queue: one generation at a time, in order of arrival
        question.submit(respond, inputs, [question, chatbot, sources], api_name="chat", concurrency_id="llm")
        send.click(respond, inputs, [question, chatbot, sources], api_name=False, concurrency_id="llm")
        clear.click(lambda: ([], ""), None, [chatbot, sources], api_name=False)
        outputs = [status, table, to_remove]
        upload_button.click(upload, [upload_file], outputs, api_name=False, concurrency_id="articles")
        paste_button.click(paste, [paste_title, paste_body], outputs, api_name=False, concurrency_id="articles")
        remove_button.click(remove, [to_remove], outputs, api_name=False, concurrency_id="articles")
        api_question = gr.Textbox(visible=False)
        api_history = gr.JSON(visible=False)
        api_result = gr.JSON(visible=False)
        gr.Button(visible=False).click(ask_json, [api_question, api_history], api_result, api_name="ask",
                                       concurrency_id="llm")
    app.queue(default_concurrency_limit=1)
    return app


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="kutip web chat")
    parser.add_argument("--host", default=os.environ.get("KUTIP_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("KUTIP_PORT", "7860")))
    parser.add_argument("--articles", help="folder of .txt/.md articles (default: seeds/)")
    parser.add_argument("--model", help="qwen2.5-coder-1.5b (default), qwen2.5-coder-0.5b or a GGUF path")
    args = parser.parse_args(argv)
    settings = Settings.from_env().replace(articles_dir=args.articles, llm=args.model)
    build_app(settings, warm=True).launch(server_name=args.host, server_port=args.port, share=False,
                               max_file_size=settings.max_article_bytes)


if __name__ == "__main__":
    main()
