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
import sys
from typing import Iterator

from qa.settings import Settings

MODELS = ["qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b"]
EXAMPLES = [
    "Who proposed the troop deployment?",
    "Siapa yang mengusulkan pengerahan pasukan?",
    "How many North Korean soldiers were deployed according to US and South Korean officials?",
    "Surat kabar mana yang melaporkan bahwa pengerahan itu adalah permintaan Pyongyang?",
]


def sources_html(answer, show_all: bool = False) -> str:
    """The cited passages (or all given passages), escaped: article text is never trusted as HTML."""
    if answer is None:
        return ""
    if answer.abstained:
        head = "<p><b>No answer:</b> the articles do not say. Nothing is cited.</p>"
    elif answer.extractive:
        head = "<p><b>Quoted, not generated:</b> the model's answer failed the checks against the articles.</p>"
    else:
        head = ""
    cited = {c.passage for c in answer.citations}
    shown = answer.passages if show_all else answer.citations
    blocks = []
    for c in shown:
        source = (f' · <a href="{html.escape(c.source_url, quote=True)}" target="_blank" rel="noopener">source</a>'
                  if c.source_url else "")
        mark = "cited" if c.passage in cited else "retrieved, not cited"
        blocks.append(
            f"<details {'open' if c.passage in cited else ''}><summary>[{c.n}] {html.escape(c.title)} — paragraph "
            f"{c.paragraph}{source} · score {c.score:.2f} · {mark}</summary>"
            f"<blockquote>{html.escape(c.text)}</blockquote></details>")
    return head + "\n".join(blocks)


def build_app(settings: Settings):
    import gradio as gr

    from qa.assistant import Assistant, QuestionError
    from qa.generate import load_generator
    from qa.retrieve import open_retriever

    print(f"indexing {settings.articles_dir} …", file=sys.stderr, flush=True)
    retriever, report = open_retriever(settings)
    print(report.summary(), file=sys.stderr, flush=True)

    def assistant_for(model: str) -> Assistant:
        generator = load_generator(model, settings.cache_dir, threads=settings.threads, n_ctx=settings.n_ctx)
        return Assistant(retriever, generator, settings)

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
        except QuestionError as exc:
            chat[-1]["content"] = f"⚠️ {exc}"
            yield message, chat, ""
            return
        chat[-1]["content"] = final.answer
        yield "", chat, sources_html(final, show_all)

    def ask_json(question: str, history: list | None = None, model: str = settings.llm, k: int = settings.k) -> dict:
        try:
            return assistant_for(model).ask(question, history or [], k=int(k)).to_json()
        except QuestionError as exc:
            return {"question": question, "error": str(exc)}

    with gr.Blocks(title="kutip", analytics_enabled=False) as app:
        gr.Markdown("## kutip — answers from your articles, with citations")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Conversation", height=420)
                question = gr.Textbox(label="Question", placeholder="Ask in English or Bahasa Indonesia",
                                      max_length=settings.max_question_chars)
                with gr.Row():
                    send = gr.Button("Ask", variant="primary")
                    clear = gr.Button("Clear conversation")
                gr.Examples(EXAMPLES, inputs=question)
            with gr.Column(scale=2):
                sources = gr.HTML(label="Sources", elem_id="sources")
                model = gr.Dropdown(MODELS if settings.llm in MODELS else [settings.llm, *MODELS],
                                    value=settings.llm, label="Model")
                k = gr.Slider(1, 8, value=settings.k, step=1, label="Passages given to the model")
                show_all = gr.Checkbox(False, label="Show all retrieved passages, not only cited ones")
        inputs = [question, chatbot, model, k, show_all]
        question.submit(respond, inputs, [question, chatbot, sources], api_name="chat")
        send.click(respond, inputs, [question, chatbot, sources], api_name=False)
        clear.click(lambda: ([], ""), None, [chatbot, sources], api_name=False)
        api_question = gr.Textbox(visible=False)
        api_history = gr.JSON(visible=False)
        api_result = gr.JSON(visible=False)
        gr.Button(visible=False).click(ask_json, [api_question, api_history], api_result, api_name="ask")
    app.queue(default_concurrency_limit=1)  # one model, one generation at a time; requests wait in order
    return app


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="kutip web chat")
    parser.add_argument("--host", default=os.environ.get("KUTIP_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("KUTIP_PORT", "7860")))
    parser.add_argument("--articles", help="folder of .txt/.md articles (default: seeds/)")
    parser.add_argument("--model", help="qwen2.5-coder-1.5b (default), qwen2.5-coder-0.5b or a GGUF path")
    args = parser.parse_args(argv)
    settings = Settings.from_env().replace(articles_dir=args.articles, llm=args.model)
    build_app(settings).launch(server_name=args.host, server_port=args.port, share=False)


if __name__ == "__main__":
    main()
