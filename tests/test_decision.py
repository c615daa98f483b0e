"""The answer decision (``qa.decision``), rule by rule, on small passages: pure logic, no model, no index."""

from __future__ import annotations

import pytest

from qa import prompts
from functools import partial

from qa.decision import abstention, after_generation, before_generation
from qa.settings import Settings

decide = partial(after_generation, coverage=Settings().quote_coverage)

PASSAGES = [
    "Surat kabar The New York Times melaporkan bahwa pengerahan pasukan itu adalah permintaan dari Pyongyang.",
    "Menurut pejabat AS, sekitar 12.000 tentara Korea Utara telah dikerahkan ke Rusia.",
    "Pejabat Korea Selatan mengatakan sedikitnya 1.000 korban di antara tentara Korea Utara.",
]


def never(answers=None) -> tuple[int, str]:
    raise AssertionError("the closest sentence was asked for where no quote is due")


def test_rule_1_abstains_without_passages_or_when_a_name_of_the_question_is_in_none():
    assert before_generation("Who won?", [], "en").problems == ("no passage was retrieved",)
    absent = before_generation("What did Zelensky say about Pyongyang?", PASSAGES, "en")
    assert absent.abstained and absent.text == prompts.ABSTAIN_REPLY["en"] and absent.citations == ()
    assert absent.problems == ("no article found mentions 'Zelensky'",)
    assert before_generation("Siapa yang meminta pengerahan pasukan Korea Utara?", PASSAGES, "id") is None


@pytest.mark.parametrize("raw", ["EVIDENCE: NONE\nANSWER: NONE", "EVIDENCE: NONE\nANSWER: Pyongyang [1]", "", "EVIDENCE: \nANSWER: "])
def test_rule_2_abstains_when_the_model_names_no_evidence(raw):
    decided = decide("Who asked for the deployment?", "en", raw, PASSAGES, never)
    assert decided.abstained and decided.text == prompts.ABSTAIN_REPLY["en"] and decided.citations == ()


def test_rule_3_keeps_an_answer_its_passages_support_and_drops_markers_that_point_nowhere():
    decided = decide("Who asked for the deployment?", "en",
                               "EVIDENCE: 1\nANSWER: Pyongyang asked for it [1] [9].", PASSAGES, never)
    assert decided.text == "Pyongyang asked for it [1]." and decided.citations == (1,)
    assert not (decided.abstained or decided.extractive)
    assert decided.problems == ("marker [9] points at no passage",)


def test_rule_3_an_answer_citing_a_passage_the_model_was_not_shown_fails():
    shown = [PASSAGES[0], None, PASSAGES[2]]
    decided = decide("Who asked for the deployment?", "en", "EVIDENCE: 2\nANSWER: Pyongyang [2]", shown,
                               lambda _: (1, "permintaan dari Pyongyang."))
    assert decided.extractive and decided.citations == (1,)


def test_rule_4_quotes_the_closest_sentence_when_the_answer_invents_a_fact():
    asked = []

    def closest(answers):
        asked.append(True)
        return 1, "Surat kabar The New York Times melaporkan [3] bahwa itu permintaan dari Pyongyang."

    decided = decide("Which newspaper reported it?", "en",
                               "EVIDENCE: 1\nANSWER: The Washington Post reported it on 23 December [1].", PASSAGES,
                               closest)
    assert asked and decided.extractive and not decided.abstained and decided.citations == (1,)
    assert decided.text == (f"{prompts.EXTRACTIVE_PREFIX['en']} “Surat kabar The New York Times melaporkan bahwa itu "
                            "permintaan dari Pyongyang.” [1]")  # a marker inside the quote is never carried over
    assert "'Washington' is not in the cited passage" in decided.problems


def test_rule_4_a_how_many_answer_with_a_figure_that_counts_something_else_is_replaced_by_the_asked_one():
    decided = decide("How many casualties have North Korean troops suffered?", "en",
                               "EVIDENCE: 2\nANSWER: 12,000 [2]", PASSAGES, never)
    # to an English question, the figure in English, hedge kept; the sentence is what it rests on
    assert decided.extractive and decided.text == "at least 1,000 [3]" and decided.citations == (3,)
    assert decided.quoted == PASSAGES[2]
    assert any("not the figure the question asks for" in p for p in decided.problems)
    asked_in_indonesian = decide("Berapa korban di antara tentara Korea Utara?", "id",
                                 "EVIDENCE: 2\nANSWER: 12.000 [2]", PASSAGES, never)
    # to an Indonesian question, the figure as the sentence writes it, hedge kept
    assert asked_in_indonesian.text == "sedikitnya 1.000 [3]" and asked_in_indonesian.quoted == PASSAGES[2]


def test_rule_4_an_english_question_gets_the_one_date_of_an_indonesian_sentence_in_english():
    passages = ["Pada tanggal 23 Desember, The New York Times melaporkan bahwa itu permintaan dari Pyongyang.",
                "Laporan itu terbit Senin (20/10) dan dikutip lagi pada 2 November 2024."]
    first = decide("When did the newspaper report it?", "en", "EVIDENCE: 1\nANSWER: On 5 May [1].", passages,
                   lambda _: (1, passages[0]))
    assert first.extractive and first.text == "23 December [1]" and first.quoted == passages[0]
    two_dates = decide("When was the report published?", "en", "EVIDENCE: 2\nANSWER: On 5 May [2].", passages,
                       lambda _: (2, passages[1]))
    assert two_dates.text.startswith(prompts.EXTRACTIVE_PREFIX["en"])  # which date answers is not guessed
    who = decide("Which newspaper reported it?", "en", "EVIDENCE: 1\nANSWER: The Washington Post [1].", passages,
                 lambda _: (1, passages[0]))
    assert who.text.startswith(prompts.EXTRACTIVE_PREFIX["en"])  # not a figure or a date: the quote itself


def test_rule_5_a_right_figure_gets_the_other_figures_that_match_as_well():
    passages = PASSAGES[:2] + ["Badan intelijen Korea Selatan memperkirakan ada 10.000 tentara Korea Utara yang dikerahkan."]
    decided = decide("How many North Korean troops have been deployed?", "en",
                               "EVIDENCE: 2\nANSWER: 12,000 [2]", passages, never)
    assert not decided.extractive
    assert decided.text == f"12,000 [2] {prompts.OTHER_FIGURES['en']} 10,000 [3]." and decided.citations == (2, 3)
    in_indonesian = decide("Berapa tentara Korea Utara yang dikerahkan?", "id", "EVIDENCE: 2\nANSWER: 12.000 [2]",
                           passages, never)
    assert in_indonesian.text == f"12.000 [2] {prompts.OTHER_FIGURES['id']} 10.000 tentara [3]."


def test_rule_4_declines_when_the_closest_sentence_does_not_answer_and_gives_it_as_related():
    closest = lambda _: (1, PASSAGES[0])  # noqa: E731
    bought = decide("How many vehicles did the army buy?", "en",
                    "EVIDENCE: 1\nANSWER: It bought 5 vehicles [1].", PASSAGES, closest)
    assert bought.abstained and bought.text == prompts.ABSTAIN_REPLY["en"]
    # the figure sentence is the quote a how-many question gets, and it counts troops, not vehicles
    assert bought.citations == () and bought.related == (2,)
    assert any("holds 1 of the question's 3 words" in p for p in bought.problems)
    priced = decide("How much did the army pay for the vehicles?", "en",
                    "EVIDENCE: 1\nANSWER: It paid 5 million dollars [1].", PASSAGES, closest)
    # no sum of money in the passages (12.000 troops is none): the closest sentence, which gives no figure
    assert priced.abstained and priced.related == (1,) and "the quoted sentence gives no figure" in priced.problems
    unpriced = decide("How much did the army pay for the vehicles?", "en", "EVIDENCE: 1\nANSWER: It paid Rp5 miliar [1].",
                      PASSAGES[:1], closest)
    assert unpriced.abstained and unpriced.related == (1,)
    assert "the quoted sentence gives no figure" in unpriced.problems
    when = decide("Kapan surat kabar itu melaporkan permintaan Pyongyang?", "id",
                  "EVIDENCE: 1\nANSWER: Pada 5 Mei [1].", PASSAGES, closest)
    assert when.abstained and "the quoted sentence gives no date" in when.problems
    off_topic = decide("Which ministry announced the hospital budget cuts?", "en",
                       "EVIDENCE: 1\nANSWER: The Jakarta ministry [1].", PASSAGES, closest)
    assert off_topic.abstained and any("holds 0 of the question's" in p for p in off_topic.problems)


def test_rule_3_an_answer_that_drops_a_not_is_not_kept():
    passages = ["Rusia belum mengkonfirmasi maupun membantah keberadaan pasukan Korea Utara di wilayahnya."]
    decided = decide("Apakah Rusia sudah mengkonfirmasi keberadaan pasukan itu?", "id",
                     "EVIDENCE: 1\nANSWER: Rusia telah mengkonfirmasi keberadaan pasukan Korea Utara [1].", passages,
                     lambda _: (1, passages[0]))
    assert decided.extractive and any("leaves the 'belum' out" in p for p in decided.problems)


def test_rule_3_an_answer_the_model_does_not_confirm_is_withdrawn_and_nothing_else_is():
    from qa.decision import after_confirmation

    answer = decide("Who asked for the deployment?", "en", "EVIDENCE: 1\nANSWER: Pyongyang asked for it [1].", PASSAGES,
                    never)
    asked: list[tuple[int, str | None]] = []
    question = "Who asked for the deployment?"
    assert after_confirmation(answer, question, lambda n, a: asked.append((n, a)) or True, "en") is answer
    assert asked == [(1, None)]  # asked whether passage [1] states the answer to the question
    withdrawn = after_confirmation(answer, question, lambda n, a: False, "en")
    assert withdrawn.abstained and withdrawn.citations == () and withdrawn.related == (1,)
    assert withdrawn.problems[-1] == "asked again, the model did not find the answer in passage [1]"
    quote = decide("Which newspaper reported it?", "en", "EVIDENCE: 1\nANSWER: The Washington Post [1].", PASSAGES,
                   lambda _: (1, PASSAGES[0]))
    assert quote.extractive and after_confirmation(quote, question, lambda n, a: True, "en") is quote
    withdrawn_quote = after_confirmation(quote, question, lambda n, a: asked.append((n, a)) or False, "en")
    assert withdrawn_quote.abstained and withdrawn_quote.related == (1,) and withdrawn_quote.citations == ()
    assert asked == [(1, None), (1, None)]  # a quote's passage is asked whether it states the answer
    # of two cited passages, the one that holds more of the question is asked about
    shown = ["Pasukan itu tiba pada Oktober.", "Pasukan Korea Utara melancarkan serangan balasan di Kursk pada Oktober."]
    attack = "Apa yang dilakukan pasukan Korea Utara di Kursk pada Oktober?"
    answered = decide(attack, "id", "EVIDENCE: 1, 2\nANSWER: Tiba pada Oktober [1] lalu serangan balasan di Kursk [2].", shown,
                      never)
    assert answered.citations == (1, 2), answered
    chosen: list[tuple[int, str | None]] = []
    after_confirmation(answered, attack, lambda n, a: chosen.append((n, a)) or True, "id", shown=shown)
    assert chosen == [(2, None)]
    declined = abstention("en", "nothing")
    assert after_confirmation(declined, question, lambda n, a: asked.append((n, a)) or False, "en") is declined
    assert len(asked) == 2  # an abstention is not put to the model
    yes_no = "Did the Washington Post report it?"
    assert after_confirmation(quote, yes_no, lambda n, a: asked.append((n, a)) or False, "en") is quote
    assert len(asked) == 2  # nor a quote given to a yes/no question: asked "states the answer?", the model says no


def test_rule_3_a_yes_no_question_puts_the_answer_to_the_model():
    from qa.decision import after_confirmation

    question = "Apakah Rusia sudah mengkonfirmasi keberadaan pasukan itu?"
    passages = ["Rusia belum mengkonfirmasi maupun membantah keberadaan pasukan Korea Utara di wilayahnya."]
    answer = decide(question, "id", "EVIDENCE: 1\nANSWER: Tidak, Rusia belum mengkonfirmasinya [1].", passages, never)
    assert not answer.abstained and not answer.extractive
    asked: list[tuple[int, str | None]] = []
    assert after_confirmation(answer, question, lambda n, a: asked.append((n, a)) or True, "id") is answer
    assert asked == [(1, "Tidak, Rusia belum mengkonfirmasinya.")]


def test_rule_3_an_answer_in_the_other_language_is_not_kept():
    copied = decide("How many North Korean troops have been deployed to Russia?", "en",
                    "EVIDENCE: 2\nANSWER: Menurut pejabat AS, sekitar 12.000 tentara Korea Utara telah dikerahkan ke "
                    "Rusia [2].", PASSAGES, never)
    assert copied.extractive and copied.text == "about 12,000 [2]"
    assert "the answer is not in the question's language" in copied.problems
    english = decide("Berapa tentara Korea Utara yang dikerahkan?", "id", "EVIDENCE: 2\nANSWER: 12.000 tentara [2]",
                     PASSAGES, never)
    assert not english.extractive  # names and figures alone are no sign of a language


def test_rule_3_an_answer_or_a_quote_from_an_article_that_does_not_name_the_question_s_subject_is_not_kept():
    """Among many articles, a passage that gives the kind of thing asked for may belong to another story: the
    passage need not name the question's subject (rule 1 found it in the retrieved articles), its article must."""
    passages = ["Perseroan berkomitmen menanamkan USD100 juta pada proyek sampah menjadi energi di Bandung.",
                "Danantara menyiapkan investasi pada proyek pengolahan sampah menjadi energi listrik.",
                "Komitmen pada proyek sampah menjadi energi itu mencapai USD50 juta, kata Rosan."]
    articles = ["Bank Jabar Salurkan Kredit. " + passages[0],
                "Danantara Garap Sampah. " + passages[1] + " " + passages[2],
                "Danantara Garap Sampah. " + passages[1] + " " + passages[2]]
    question = "How much has Danantara committed to waste-to-energy projects?"
    drawn = decide(question, "en", "EVIDENCE: 1\nANSWER: USD100 million [1]", passages, lambda _: (3, passages[2]),
                   articles=articles)
    assert "the cited article does not mention 'Danantara'" in drawn.problems
    assert drawn.extractive and drawn.citations == (3,) and "USD 50 million" in drawn.text  # the figure of its article
    assert "100" not in drawn.text  # nor listed among the other figures
    unknown = decide(question, "en", "EVIDENCE: 1\nANSWER: USD100 million [1]", passages, never)
    assert not unknown.extractive and unknown.text.startswith("USD100 million [1]")  # no articles given: unchecked
    alone = decide(question, "en", "EVIDENCE: 1\nANSWER: USD100 million [1]", passages[:1], lambda _: (1, passages[0]),
                   articles=articles[:1])
    assert alone.abstained and alone.related == (1,) and "the cited article does not mention 'Danantara'" in alone.problems


def test_rule_3_a_fact_that_only_says_again_what_the_question_asks_is_no_answer():
    passages = ["Keluarga Beckham tinggal di Rowneybury House sekitar 15 tahun sebelum menjualnya pada 2014."]
    restated = decide("Apakah keluarga Beckham sekarang masih menempati Rowneybury House?", "id",
                      "EVIDENCE: 1\nFACT: Keluarga Beckham sekarang masih menempati Rowneybury House [1].\nANSWER: Ya",
                      passages, lambda _: (1, passages[0]))
    assert not restated.text.startswith("Ya") and any("says again what the question asks" in p
                                                      for p in restated.problems)
    from qa.verify import restates_the_question

    asked = "Is Shin Tae-yong only willing to take the Indonesia job?"
    assert restates_the_question(asked, "en", "Shin Tae-yong is willing to take the Indonesia job. [1]")
    assert not restates_the_question(asked, "en", "Shin Tae-yong is open to offers from other countries [1].")
    assert not restates_the_question(asked, "en", "Shin Tae-yong is not only willing to take the Indonesia job.")
    assert not restates_the_question("Apakah rumah itu dijual?", "id", "")
    # any answer: one that only gives the question's own words and numbers answers nothing
    assert restates_the_question("BUMN mana yang menyetor dividen paling besar?", "id", "BUMN (BUMN) [1]")
    assert restates_the_question("Which of Ukraine's aspirations would the proposal set aside?", "en",
                                 "Ukraine's aspirations would the proposal set aside [1].")
    assert restates_the_question("On what day did he announce the deficit for September 2025?", "en",
                                 "September 2025 [1]")
    assert not restates_the_question("Since when has BRIN been researching microplastics?", "en", "Since 2022 [1]")
    assert not restates_the_question("Berapa nilai investasi Jepang?", "id", "Jepang tidak berinvestasi [1].")
    assert not restates_the_question("Did the minister or the president sign it?", "en", "The president [1].")
    answered = decide("BUMN mana yang menyetor dividen paling besar?", "id", "EVIDENCE: 1\nANSWER: BUMN",
                      ["BUMN menyetor dividen Rp 140 triliun ke Danantara."], lambda _: (1, "BUMN menyetor dividen."))
    assert not answered.text.startswith("BUMN [1]") and any("says again" in p for p in answered.problems)


def test_rule_3_a_yes_whose_own_fact_denies_what_is_asked_takes_the_verdict_of_its_fact():
    passages = ["Dari sembilan KSB yang dilantik, tak ada wajah baru. Beberapa pengurus melanjutkan ke periode ketiga.",
                "BPJS menyebut rencana pemutihan akan dilakukan. Kendati belum ada keputusan final, rapat digelar besok."]
    faces = decide("Apakah ada wajah baru di antara pengurus yang dilantik?", "id",
                   "EVIDENCE: 1\nFACT: Dari sembilan KSB yang dilantik, tak ada wajah baru [1].\nANSWER: Ya", passages, never)
    assert faces.text == "Tidak. Dari sembilan KSB yang dilantik, tak ada wajah baru [1]." and not faces.extractive
    assert faces.citations == (1,) and any("its own fact denies" in p for p in faces.problems)
    decided = decide("Apakah pemutihan itu sudah resmi diputuskan?", "id",
                     "EVIDENCE: 2\nFACT: Rencana pemutihan akan dilakukan [2]. Kendati belum ada keputusan final, "
                     "rapat digelar besok.\nANSWER: Ya", passages, never)
    # only the sentence that denies: the one beside it says the yes the verdict no longer says
    assert decided.text == "Belum. Kendati belum ada keputusan final, rapat digelar besok. [2]"
    assert decided.citations == (2,)
    # a question about a stop: the passage's "tidak lagi" may be its yes, so the answer is not turned
    stopped = ["Satelit itu tidak lagi beroperasi sejak 2017, kata BRIN."]
    kept_out = decide("Apakah satelit itu sudah berhenti beroperasi?", "id",
                      "EVIDENCE: 1\nFACT: Satelit itu tidak lagi beroperasi sejak 2017 [1].\nANSWER: Ya", stopped,
                      lambda _: (1, stopped[0]))
    assert not kept_out.text.startswith("Tidak")
    # a fact that denies something else than what is asked keeps its refusal
    meeting = ["Rapat itu tidak digelar hari ini, tetapi besok, dan pengurus baru hadir."]
    other = decide("Apakah ada pengurus baru yang hadir?", "id",
                   "EVIDENCE: 1\nFACT: Rapat itu tidak digelar hari ini [1].\nANSWER: Ya", meeting, lambda _: (1, meeting[0]))
    assert not other.text.startswith("Tidak")
    # a "not" that affirms, or that denies another clause, turns nothing
    for fact in ("Tak kurang dari 20 pengurus baru dilantik [1].",
                 "Ketua lama tidak hadir, tetapi pengurus baru sudah dilantik [1]."):
        kept = decide("Apakah pengurus baru sudah dilantik?", "id", f"EVIDENCE: 1\nFACT: {fact}\nANSWER: Ya",
                      [fact.replace(" [1]", "")], lambda _: (1, fact))
        assert not kept.text.startswith("Tidak"), kept.text


def test_rule_3_a_date_of_another_event_is_no_answer_nor_a_quote():
    passages = ["Majelis hakim menjatuhkan hukuman mati terhadap terdakwa Bazarsah pada Senin (11/8/2025) lalu.",
                "Informasi yang kami terima, terdakwa mengajukan kasasi, ujarnya."]
    decided = decide("When did Bazarsah file his cassation appeal?", "en", "EVIDENCE: 1\nANSWER: Senin (11/8/2025)",
                     passages, lambda _: (1, passages[0]))
    assert decided.abstained, decided.text
    assert any("is in a sentence about something else" in p for p in decided.problems)
    assert any("of something else" in p for p in decided.problems)  # the verdict's sentence is no quote either


def test_rule_3_a_year_alone_where_the_passage_gives_the_date_and_a_copied_headline_are_no_answers():
    passages = ["Prabowo meluncurkan bank emas pertama di Indonesia pada 26 Februari 2025."]
    year = decide("Kapan Prabowo meluncurkan bank emas pertama?", "id", "EVIDENCE: 1\nANSWER: 2025", passages,
                  lambda _: (1, passages[0]))
    assert year.extractive and "26 Februari 2025" in year.text
    assert any("gives the year 2025 alone" in p for p in year.problems)
    title = "Purbaya Umumkan APBN Tekor Rp 371,5 T sampai September 2025"
    body = "Purbaya mengumumkan defisit APBN di Kantor Kemenkeu, Jakarta Pusat."
    shown = f"{title}. {body}"  # a passage shown with its article's title
    copied = decide("Di mana Purbaya mengumumkan defisit APBN?", "id", f"EVIDENCE: 1\nANSWER: {title}", [shown],
                    lambda _: (1, body), articles=[f"{title}\n{body}"])
    assert not copied.text.startswith(title) and any("is a headline" in p for p in copied.problems)
