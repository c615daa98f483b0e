"""Property tests: splitting, marker parsing and verification never raise, and offsets always point at the
text they claim to."""

from hypothesis import HealthCheck, given, settings, strategies as st

from qa.ingest import ArticleError, parse_article, sentence_spans
from qa.verify import check_answer, markers, missing_question_terms, parse_model_output, supporting_span

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=600)
NEWSY = st.lists(st.sampled_from(["Korea Utara", "mengirim", "12.000", "tentara.", "\n", "\n\n", "“Kata", "dia”.",
                                  "Dr.", "3,5", "?", "!", "…", " ", "[1]", "#", "Sumber: https://x.id/a", "\r\n"]),
                 max_size=80).map(" ".join)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(TEXT, NEWSY))
def test_sentence_spans_are_ordered_trimmed_and_inside_the_text(text):
    previous_end = 0
    for s, e in sentence_spans(text):
        assert previous_end <= s < e <= len(text)
        assert not text[s].isspace() and not text[e - 1].isspace()
        previous_end = e


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(TEXT, NEWSY), st.integers(min_value=3, max_value=60))
def test_passages_point_at_their_text(text, max_words):
    try:
        article = parse_article("a", text, max_words=max_words)
    except ArticleError:
        return
    for passage in article.passages:
        assert " ".join(article.text[passage.start:passage.end].split()) == passage.text
        assert passage.text and len(passage.text.split()) <= max_words


ANSWERS = st.lists(st.sampled_from(["[1]", "[2, 7]", "[0]", "[99]", "[1,2,3]", "(Passage 3)", "from passages 1 and 2",
                                    "12.000", "10,000", "Korea Utara", "Jake Sullivan", "Desember", "2021", "tentara",
                                    ".", " ", "\n", "NONE"]), max_size=30).map(" ".join)
PASSAGES = st.lists(st.one_of(st.none(), NEWSY, st.just("Korea Utara mengirim 12.000 tentara pada Desember.")),
                    min_size=1, max_size=5)


@settings(max_examples=400)
@given(st.one_of(TEXT, ANSWERS), PASSAGES, st.one_of(st.none(), st.lists(st.integers(-3, 9))))
def test_verification_never_raises_and_cites_only_shown_passages(answer, passages, evidence):
    checked = check_answer(answer, passages, evidence)
    assert all(1 <= n <= len(passages) and passages[n - 1] is not None for n in checked.citations)
    for _, _, numbers in markers(checked.text):
        assert all(1 <= n <= len(passages) and passages[n - 1] is not None for n in numbers)


@settings(max_examples=300)
@given(TEXT)
def test_model_output_parsing_never_raises(raw):
    evidence, answer = parse_model_output(raw)
    assert evidence is None or all(isinstance(n, int) for n in evidence)
    assert isinstance(answer, str)


@settings(max_examples=200)
@given(TEXT, st.integers(0, 5), TEXT)
def test_supporting_span_points_into_the_passage(answer, n, passage):
    span = supporting_span(answer, n, passage)
    if span is not None:
        s, e = span
        assert 0 <= s < e <= len(passage)


@settings(max_examples=200)
@given(TEXT, st.lists(TEXT, max_size=3))
def test_question_term_check_never_raises(question, passages):
    assert isinstance(missing_question_terms(question, passages), list)
