"""Marker parsing, claim checks and fallbacks on hand-written model outputs."""

import pytest

from qa.verify import (written_fact, check_answer, markers, missing_question_terms, parse_model_output, question_type, quote_misses,
                       unsupported_facts)

P1 = "Diperkirakan hingga 12.000 tentara Korea Utara telah dikerahkan untuk mendukung pasukan Rusia."
P2 = "Pada tanggal 23 Desember, The New York Times melaporkan bahwa pengerahan itu adalah permintaan dari Pyongyang."
P3 = "Presiden Ukraina, Volodymyr Zelenskyy, mengklaim bahwa korban telah melebihi 3.000 orang."


def test_parse_constrained_output():
    assert parse_model_output("EVIDENCE: 2, 3\nANSWER: Pyongyang asked [2].") == ([2, 3], "Pyongyang asked [2].")
    assert parse_model_output("EVIDENCE: NONE\nANSWER: NONE") == (None, "")
    assert parse_model_output("EVIDENCE: 1\nANSWER: NONE") == ([1], "")
    assert parse_model_output("just text [1]") == ([], "just text [1]")


def test_a_yes_no_answer_is_its_verdict_then_the_fact_that_settles_it():
    raw = "EVIDENCE: 2\nFACT: The appeal was rejected [2].\nANSWER: No"
    assert parse_model_output(raw) == ([2], "No. The appeal was rejected [2].")
    assert written_fact(raw) == "The appeal was rejected [2]."
    assert parse_model_output("EVIDENCE: 2\nFACT: The appeal was rej") == ([2], "")  # no verdict yet
    assert written_fact("EVIDENCE: 2\nFACT: The appeal was rej") == "The appeal was rej"
    assert parse_model_output("EVIDENCE: 1\nFACT: NONE\nANSWER: Yes") == ([1], "")  # a verdict with no fact
    assert parse_model_output("EVIDENCE: 1\nFACT: Gedung itu tak layak [1].\nANSWER: Belum") == (
        [1], "Belum. Gedung itu tak layak [1].")
    assert parse_model_output("EVIDENCE: NONE\nANSWER: NONE") == (None, "")
    assert written_fact("EVIDENCE: 1\nANSWER: Pyongyang [1]") is None
    inline = "EVIDENCE: 1\nFACT: He is open to offers from anywhere [1]. ANSWER: No\nANSWER: No"  # its verdict twice
    assert parse_model_output(inline) == ([1], "No. He is open to offers from anywhere [1].")


def test_markers_single_and_grouped():
    assert markers("A [1]. B [2, 3].") == [(2, 5, [1]), (9, 15, [2, 3])]


def test_supported_answer_passes_with_number_forms_and_months():
    checked = check_answer("Up to 12,000 North Korean soldiers were deployed [1]. The New York Times reported it on "
                           "23 December [2].", [P1, P2])
    assert checked.ok, checked.problems
    assert checked.citations == [1, 2]


def test_marker_pointing_at_no_passage_is_dropped():
    checked = check_answer("Zelenskyy claimed more than 3,000 casualties [1][7].", [P3])
    assert checked.text == "Zelenskyy claimed more than 3,000 casualties [1]."
    assert checked.dropped == ["marker [7] points at no passage"]
    assert checked.ok


def test_number_not_in_the_cited_passage_fails():
    checked = check_answer("About 10,000 soldiers were deployed [1].", [P1, P3])
    assert not checked.ok and "'10,000' is not in the cited passage" in checked.problems


def test_a_number_the_passage_writes_in_words_supports_its_digits():
    passage = "Sebelumnya, tim kepelatihan terikat kontrak kerja sama berdurasi dua tahun dengan dua belas ribu penonton."
    assert check_answer("The contract ran for 2 years before 12,000 fans [1].", [passage]).ok
    assert check_answer("Kontrak berlaku 3 tahun [1].", [passage]).problems == ["'3' is not in the cited passage"]


def test_an_amount_is_checked_with_its_scale():
    passage = "AS dan Australia masing-masing akan menginvestasikan $1 miliar (Rp15,8 triliun) dalam enam bulan."
    assert check_answer("$1 billion (Rp15,8 trillion) each [1]", [passage]).ok
    assert check_answer("$1 million (Rp15,8 triliun) each [1]", [passage]).problems == [
        "'1 million' is not in the cited passage"]  # the 1.5B's "million" for "miliar"
    assert unsupported_facts("Rp 1.5 million", "Santunan Rp 1.500.000 per orang.") == []
    assert unsupported_facts("Rp 1 million", "Harganya Rp 20 juta, dibeli 1 kali.") == ["1 million"]
    assert unsupported_facts("Rp 3 million", "Harganya Rp 20 juta.") == ["3"]


def test_claim_checked_against_its_own_citation_not_another():
    checked = check_answer("Zelenskyy claimed 3,000 casualties [1].", [P1, P3])
    # 3,000 and Zelenskyy are in passage 2, not in the cited passage 1: the claim cites passage 2 instead
    assert checked.ok and checked.text == "Zelenskyy claimed 3,000 casualties [2]."
    assert not check_answer("Zelenskyy claimed 3,000 casualties [1].", [P1, None]).ok  # not a passage it was shown


def test_invented_year_and_name_fail():
    assert not check_answer("It was reported on December 23, 2021 [2].", [P2]).ok
    assert not check_answer("Jake Sullivan asked for the troops [1].", [P1]).ok
    assert not check_answer("Canberra [1].", [P1]).ok
    # a common English word opening the answer is no name, unless written in capitals throughout
    assert not check_answer("BANANA [1].", [P1]).ok


def test_month_in_the_other_language_is_the_same_month():
    assert unsupported_facts("on 23 December", P2) == []
    assert unsupported_facts("in June", P2) == ["June"]


def test_english_names_match_indonesian_spellings():
    assert unsupported_facts("North Korean troops support Russia", P1) == []
    assert unsupported_facts("Ukrainian President Zelenskyy", P3) == []


def test_answer_without_markers_takes_the_evidence():
    checked = check_answer("The New York Times.", [P1, P2], evidence=[2])
    assert checked.text == "The New York Times [2]." and checked.ok


def test_answer_without_any_citation_fails():
    checked = check_answer("The New York Times.", [P1, P2])
    assert not checked.ok and checked.problems == ["the answer cites no passage"]


def test_question_terms_missing_from_the_passages():
    assert missing_question_terms("What is the capital of Australia?", [P1, P2]) == ["Australia"]
    assert missing_question_terms("Who asked for the North Korean deployment?", [P1, P2]) == []
    assert missing_question_terms("What happened in 1998?", [P1]) == ["1998"]


@pytest.mark.parametrize("text", ["", "[1]", "[[[", "EVIDENCE: 9\nANSWER: [99]", "\x00\x01", "Ω [0] [-1]"])
def test_odd_outputs_never_raise(text):
    evidence, answer = parse_model_output(text)
    check_answer(answer, [P1, P2], evidence)


def test_a_list_that_gives_an_item_again_keeps_it_once_with_its_markers():
    from qa.verify import without_repeated_items

    assert without_repeated_items("Rosan Roeslani, Rosan Roeslani, Rosan Roeslani")[0] == "Rosan Roeslani"
    assert without_repeated_items("Kopral Dua, Kopral dua, Kopral Dua [1].") == ("Kopral Dua [1].", ["2 repeated list items dropped"])
    assert without_repeated_items("Purbaya [1], Mu'ti [2], Purbaya.")[0] == "Purbaya [1], Mu'ti [2]."
    assert without_repeated_items("Purbaya [1], Purbaya [2]")[0] == "Purbaya [1, 2]"
    for distinct in ("Rp 1,5 triliun, Rp 2 triliun [1]", "Iswan, Danny, dan Arso [1].", "$3, 8 million",
                     "2, 2 dan 1 medali [1].", "X, kata dia, Y. Z, kata dia, W [1]."):
        assert without_repeated_items(distinct) == (distinct, [])
    checked = check_answer("Andriy Yermak, Andriy Yermak [2]", ["other", "Andriy Yermak bertemu"])
    assert checked.ok and checked.text == "Andriy Yermak [2]" and checked.dropped == ["1 repeated list item dropped"]


def test_passage_named_in_words_becomes_a_marker():
    from qa.verify import check_answer, normalise_references

    assert normalise_references("12,000 (Passage 2) and 10,000 (from passages 1 and 3)") == "12,000 [2] and 10,000 [1, 3]"
    assert normalise_references("It rose in 2024, as claimed in passage 3 and 4.") == "It rose in 2024, as claimed [3, 4]."
    assert normalise_references("It applies to luxury goods (Passage 2, 3, and 4).") == \
        "It applies to luxury goods [2, 3, 4]."  # a serial comma before the last number
    assert normalise_references("It talks with China (1) and the NDRC(2).") == "It talks with China [1] and the NDRC [2]."
    assert normalise_references("The passage states that the balance was positive. The passages 1 and 2 say that it "
                                "rose.") == "the balance was positive. it rose [1, 2]."
    assert normalise_references("Rp 5 (lima) juta in 2024 (2025)") == "Rp 5 (lima) juta in 2024 (2025)"  # no passages
    checked = check_answer("Andriy Yermak (from Passage 2)", ["other", "Andriy Yermak bertemu"])
    assert checked.ok and checked.text == "Andriy Yermak [2]"


def test_supporting_span_is_the_sentence_that_shares_the_answers_facts():
    from qa.verify import supporting_span

    passage = "Putin dan Kim bertemu di wilayah Amur. Pada tanggal 23 Desember, The New York Times melaporkan hal itu."
    s, e = supporting_span("The New York Times reported it on 23 December [2]. They met in Amur [1].", 2, passage)
    assert passage[s:e].startswith("Pada tanggal 23 Desember")
    s, e = supporting_span("They met in Amur [1].", 1, passage)
    assert passage[s:e] == "Putin dan Kim bertemu di wilayah Amur."
    assert supporting_span("Nothing shared [1].", 1, passage) is None


def test_citations_of_passages_that_do_not_hold_the_claim_are_pruned():
    from qa.verify import check_answer

    passages = ["Pinjaman sebesar $20 miliar didukung aset Rusia.", "Trump bersiap menjadi panglima tertinggi.",
                "Korea Utara mengirim 10.000 kontainer."]
    checked = check_answer("$20 miliar [1, 2, 3].", passages)
    assert checked.ok and checked.text == "$20 miliar [1]." and checked.citations == [1]
    both = check_answer("A loan of $20 miliar [1] and 10.000 kontainer [3].", passages)
    assert both.citations == [1, 3]
    unclear = check_answer("Aid was promised [1, 2].", passages)  # no passage holds it better: all kept
    assert unclear.citations == [1, 2]


def test_possessive_names_are_the_name():
    assert missing_question_terms("Which of Ukraine's aspirations would Trump's team set aside?",
                                  ["Trump mengesampingkan aspirasi keanggotaan Ukraina di NATO."]) == []


FIGURE_PASSAGES = [
    "Diperkirakan hingga 12.000 tentara Korea Utara telah dikerahkan untuk mendukung pasukan Rusia.",
    "Ukraina meyakini bahwa pemimpin Korea Utara Kim Jong-un telah mengerahkan setidaknya 10.000 tentara ke Rusia.",
    "Pyongyang dilaporkan telah mengirimkan lebih dari 10.000 kontainer berisi peluru artileri ke Rusia.",
    "Menurut AFP pada 24 Desember, Korea Selatan mengklaim bahwa lebih dari 1.000 tentara Korea Utara tewas "
    "atau terluka, sementara Ukraina mengklaim jumlahnya lebih dari 3.000.",
]


def test_figures_are_scored_by_what_their_sentence_says():
    from qa.verify import passage_figures

    figures = passage_figures("How many containers has North Korea shipped?", "en", FIGURE_PASSAGES)
    by_value = {f.value: f for f in figures}
    assert "24" not in by_value  # 24 Desember is a date, not a count
    assert by_value["10000"].n in (2, 3)
    best = max(figures, key=lambda f: f.relevance)
    assert (best.n, best.written) == (3, "10.000 kontainer")
    # a bare figure after another counts the same thing
    killed = passage_figures("Berapa tentara yang tewas atau terluka?", "id", FIGURE_PASSAGES)
    assert {(f.written, f.relevance) for f in killed if f.n == 4} == {("1.000 tentara", 5), ("3.000", 5)}


def test_a_figure_that_counts_something_else_fails():
    from qa.verify import check_figures

    casualties = check_figures("Berapa banyak tentara Korea Utara yang tewas atau terluka?", "id", "12.000 [1]",
                               FIGURE_PASSAGES)
    assert casualties.problems and "12000" in casualties.problems[0]
    assert [(f.n, f.value) for f in casualties.best] == [(4, "1000"), (4, "3000")]
    right = check_figures("Berapa banyak tentara Korea Utara yang tewas atau terluka?", "id", "1.000 [4]",
                          FIGURE_PASSAGES)
    assert not right.problems
    containers = check_figures("How many containers were shipped?", "en", "12,000 [1]", FIGURE_PASSAGES)
    assert containers.problems and containers.best[0].written == "10.000 kontainer"
    # the same value cited from the passage where it counts something else is no defence
    assert check_figures("How many containers were shipped?", "en", "10,000 [2]", FIGURE_PASSAGES).problems
    assert not check_figures("How many containers were shipped?", "en", "10,000 [3]", FIGURE_PASSAGES).problems


def test_a_figure_that_counts_time_answers_no_question_that_asks_for_none():
    from qa.verify import check_figures

    pact = ("AS dan Australia masing-masing akan menginvestasikan $1 miliar dalam enam bulan ke depan untuk proyek "
            "pertambangan. Kesepakatan ini mencakup 6 proyek baru.")
    only_months = pact.split(". ")[0] + "."
    projects = "How many mining projects are included in the pact?"
    assert check_figures(projects, "en", "6 [1]", [only_months]).problems == [
        "6 counts bulan in the cited passages, and the question asks for no time"]
    assert not check_figures(projects, "en", "6 [1]", [pact]).problems  # "6 proyek" counts projects too
    assert not check_figures("How many months will they invest over?", "en", "6 [1]", [only_months]).problems
    assert not any("time" in p for p in check_figures("Berapa lama investasi itu?", "id", "6 bulan [1]",
                                                     [only_months]).problems)
    sentenced = "Hakim memvonis terdakwa 10 tahun penjara."
    for question, answer in (("Berapa hukuman untuk terdakwa?", "10 tahun [1]"), ("How old is he?", "10 [1]"),
                             ("What punishment did the court give him, and how much?", "10 years [1]")):
        assert not any("time" in p for p in check_figures(question, "en", answer, [sentenced]).problems)


def test_figure_checks_leave_other_questions_and_figures_in_words_alone():
    from qa.verify import check_figures

    assert check_figures("Who deployed the troops?", "en", "Kim Jong-un [2]", FIGURE_PASSAGES).best == []
    words = check_figures("How many troops were deployed?", "en", "More than ten thousand [2]", FIGURE_PASSAGES)
    assert not words.problems and words.best
    assert check_figures("How many troops?", "en", "12,000 [1]", ["No figures here.", None]).best == []


def test_of_the_figures_in_one_sentence_the_one_in_the_clause_the_question_asks_about_comes_first():
    from qa.verify import check_figures

    passages = ["Di New York lebih dari 100.000 orang berkumpul, sementara di Washington kerumunan diperkirakan "
                "antara 8.000 dan 10.000 orang."]
    washington = check_figures("Berapa orang yang ikut demo di Washington?", "id", "7.000 [1]", passages)
    assert [f.value for f in washington.best] == ["8000", "10000", "100000"]
    new_york = check_figures("How many people gathered in New York?", "en", "7,000 [1]", passages)
    assert new_york.best[0].value == "100000"

def test_figures_written_in_words_are_figures_of_the_passage():
    from qa.verify import check_figures

    passages = ["Sekolah itu memiliki 21 guru. Namun hanya satu guru yang berstatus aparatur sipil negara (ASN)."]
    right = check_figures("How many teachers are civil servants (ASN)?", "en", "Only 1 teacher [1].", passages)
    assert not right.problems and right.best[0].written == "satu guru"
    assert check_figures("How many teachers are civil servants (ASN)?", "en", "21 teachers [1].", passages).problems
    # in words, a number that counts something else is a phrase, not an amount
    invest = ["Dalam lima tahun ke depan Danantara bisa berinvestasi hingga Rp 750 triliun, kata satu orang pejabat."]
    assert [f.written for f in check_figures("Over the next five years, how much could Danantara invest?", "en",
                                             "Rp 750 trillion [1]", invest).best] == ["750 triliun"]


def test_a_figure_the_question_gives_is_not_its_answer():
    from qa.verify import passage_figures

    passages = ["Dari 186 siswa yang keracunan, 158 siswa dirawat di Puskesmas Kairatu."]
    assert [f.value for f in passage_figures("Berapa dari 186 siswa itu yang dirawat di Puskesmas Kairatu?", "id",
                                             passages)] == ["158"]
    pact = ["Kesepakatan senilai $1 miliar itu mencakup 6 proyek tambang."]
    assert [f.value for f in passage_figures("How many mining projects does the pact include?", "en", pact)] == ["6"]
    assert [f.value for f in passage_figures("How much is the pact worth?", "en", pact)] == ["1", "6"]


def test_an_answer_must_hold_the_kind_of_thing_asked_for():
    from qa.verify import kind_misses

    assert kind_misses("Berapa lama dia ditahan?", "Iswan Ibrahim, Komisaris PT IAE pada 2006-2023") == [
        "the answer gives no figure"]  # names and tenure years
    assert kind_misses("How many suspects were detained?", "Three of them") == []
    assert kind_misses("How many projects does the pact include?", "$1 billion (Rp 16,6 triliun)") == [
        "the answer gives a sum of money, not a count"]
    assert kind_misses("How many projects does the pact include?", "10 projects worth $1 billion") == []
    assert kind_misses("How many people were arrested?", "Demo 'No Kings', warga kibarkan bendera One Piece") == [
        "the answer gives no figure"]
    assert kind_misses("Berapa kompensasi untuk Kluivert?", "PSSI berterima kasih kepada seluruh tim") == [
        "the answer gives no figure"]
    assert kind_misses("Sampai tahun berapa masa jabatan pengurus itu?", "3 years") == ["the answer gives no date"]
    assert kind_misses("Kapan pembangunan dimulai?", "Menteri PU masih menunggu keputusan Cak Imin") == [
        "the answer gives no date"]
    assert kind_misses("Kapan pembangunan dimulai?", "Pada Januari 2026") == []
    assert kind_misses("Kapan tambang itu ditemukan?", "Satgas menemukannya pada tanggal dan") == [
        "the answer gives no date"]  # "tanggal" without one
    assert kind_misses("Berapa lama nota itu berlaku?", "11-12 September 2025") == ["the answer gives no figure"]
    assert kind_misses("Siapa arsitek renovasinya?", "Menurut dia, rumah itu mewah. Fasilitas di dalamnya luas.") == [
        "the answer names no one the question does not (who)"]  # the first word of a later sentence
    assert kind_misses("Where was the summit held?", "Bali hosted the summit last week") == []  # the answer's first
    assert kind_misses("Kapan laba itu tercatat?", "Pada kuartal III 2024 [1]") == []  # a period's year is a date
    assert kind_misses("Who bought the house from the Beckhams?", "Beckham and his wife bought it") == [
        "the answer names no one the question does not (who)"]
    assert kind_misses("Selain kajian itu, Danantara berkoordinasi dengan siapa?", "China") == []  # a first word
    # "when" inside a question that asks something else
    assert kind_misses("What did Djarot mean when he called it a forced marriage?", "a bad match") == []
    assert kind_misses("Where was he speaking when he said it?", "at Sarinah, Jakarta") == []
    assert kind_misses("Di mana saja lokasi yang digeledah KPK?", "KPK menyita uang USD 1 juta (Rp 16,6 miliar).") == [
        "the answer names no one the question does not (where)"]  # a currency code is no place


def test_other_figures_are_the_best_ones_the_answer_leaves_out():
    from qa.verify import check_figures

    deployed = check_figures("How many North Korean troops were deployed to Russia?", "en", "12,000 [1]",
                             FIGURE_PASSAGES)
    assert not deployed.problems
    assert deployed.others("12,000 [1]") == [(2, "10.000 tentara")]
    assert deployed.others("12,000 [1] and 10,000 [2]") == []
    killed = check_figures("Berapa tentara yang tewas atau terluka?", "id", "1.000 [4]", FIGURE_PASSAGES)
    assert killed.others("1.000 [4]") == [(4, "3.000")]
    # only figures that match the question at least as well as the answer's
    quick = check_figures("How many hours would Trump need to end the conflict?", "en", "24 hours [1]",
                          ["Trump bisa mengakhiri konflik dalam waktu 24 jam.", FIGURE_PASSAGES[0]])
    assert not quick.problems and quick.others("24 hours [1]") == []


def test_evidence_given_without_markers_is_pruned_too():
    from qa.verify import check_answer

    passages = ["Korea Utara mengirim 10.000 kontainer.", "Diperkirakan hingga 12.000 tentara dikerahkan."]
    checked = check_answer("12.000", passages, evidence=[1, 2])
    assert checked.ok and checked.text == "12.000 [2]" and checked.citations == [2]


def test_a_marker_after_the_full_stop_belongs_to_the_sentence_before():
    from qa.verify import supporting_span

    passage = "Putin dan Kim bertemu di wilayah Amur. Pada tanggal 23 Desember, The New York Times melaporkan hal itu."
    s, e = supporting_span("The New York Times melaporkan hal itu. [1]", 1, passage)
    assert passage[s:e].startswith("Pada tanggal 23 Desember")


def test_a_marker_written_after_a_full_stop_cites_the_sentence_it_follows():
    from qa.verify import markers_before_stops

    assert markers_before_stops("Ada tiga mandat. [2] Pada kesempatan ini, Gus Ipul hadir. [3]") == \
        "Ada tiga mandat [2]. Pada kesempatan ini, Gus Ipul hadir [3]."
    assert markers_before_stops('Ia berkata "tidak". [1]') == 'Ia berkata "tidak" [1].'
    assert markers_before_stops("Klaim. [1] [2] Berikutnya.") == "Klaim [1] [2]. Berikutnya."  # the whole run
    assert markers_before_stops("The U.S. [1] and Japan [2].") == "The U.S. [1] and Japan [2]."  # no new sentence
    passages = ["Mensos menyebut ada tiga mandat dari Presiden Prabowo.", "Gus Ipul menyerahkan santunan kepada 38 ahli waris."]
    checked = check_answer("Ada tiga mandat dari Presiden Prabowo. [1] Gus Ipul menyerahkan santunan kepada 38 ahli "
                           "waris. [2]", passages)
    assert checked.ok and checked.text.endswith("Prabowo [1]. Gus Ipul menyerahkan santunan kepada 38 ahli waris [2].")


def test_evidence_named_for_an_answer_without_markers_marks_each_of_its_sentences():
    from qa.verify import with_evidence

    assert with_evidence("Ya. A memang hadir. B juga.", [1, 2]) == "Ya. A memang hadir [1, 2]. B juga [1, 2]."
    assert with_evidence("Not yet.", [3]) == "Not yet. [3]"  # a verdict alone: the marker still goes somewhere
    assert with_evidence("A hadir", []) == "A hadir" and with_evidence("", [1]) == ""
    assert with_evidence('Yes. "Trump menarik AS. "', [2]) == 'Yes. "Trump menarik AS [2]. "'  # not the stray quote
    assert with_evidence("148.", [1]) == "148 [1]."
    # then each sentence keeps the passages that hold its facts, and a claim from a passage the model did not
    # name cites the passage that holds it
    passages = ["Korea Utara mengirim 10.000 kontainer.", "Diperkirakan hingga 12.000 tentara dikerahkan.",
                "Basuki memasang plang di Bukit Tengkorak, Kutai Kartanegara."]
    checked = check_answer("Hingga 12.000 tentara. Ada 10.000 kontainer.", passages, evidence=[1, 2])
    assert checked.ok and checked.text == "Hingga 12.000 tentara [2]. Ada 10.000 kontainer [1]."
    moved = check_answer("Di Bukit Tengkorak, Kutai Kartanegara.", passages, evidence=[1, 2],
                         question="Di mana Basuki memasang plang?")
    assert moved.ok and moved.text == "Di Bukit Tengkorak, Kutai Kartanegara [3]."


def test_pruning_and_reciting_leave_the_names_the_question_gives_to_the_articles():
    from qa.verify import prune_citations, recite

    passages = ["Menurutnya, langkah restrukturisasi belum memiliki keputusan final.",
                "Danantara masih mengkaji utang Whoosh bersama China."]
    question = "Has Danantara settled on a restructuring plan for the Whoosh debt?"
    given = {"danantara", "whoosh", "debt", "has", "settled", "on", "a", "restructuring", "plan", "for", "the"}
    claim = "Danantara has no final restructuring plan for the Whoosh debt [1, 2]."
    # a name check of every name would keep [2] alone, the passage that does not say it
    assert prune_citations(claim, passages, asked=given, given=given) == claim
    # a yes/no answer's names are claims (check_answer looks for them): the kept passages still hold them together
    assert prune_citations(claim, passages, asked=set(), given=given) == claim
    assert check_answer("No. Danantara has no final restructuring plan for the Whoosh debt.", passages,
                        evidence=[1, 2], question=question).citations == [1, 2]
    assert recite("Danantara belum memiliki keputusan final [1].", passages, given)[1] == []
    # markers at several places in a sentence cite its parts: nothing is pruned
    parts = "29,2% (China) [1] dan CAT menilai upaya China 'sangat tidak memadai' [2]"
    assert prune_citations(parts, ["China menyumbang 29,2% emisi.", "CAT menilai upaya China sangat tidak memadai."]) \
        == parts
    # markers side by side are one: pruned as one
    assert prune_citations("China menyumbang 29,2% [1][2].", ["China menyumbang 29,2% emisi.", "Emisi AS naik."]) == \
        "China menyumbang 29,2% [1]."


def test_an_answer_of_markers_alone_fails():
    checked = check_answer("[2]", [P1, P2], evidence=[1, 2])
    assert not checked.ok and checked.problems == ["the answer has no words, only markers"]


def test_digits_of_addresses_and_ids_are_no_figures():
    from qa.verify import passage_figures

    text = ("Sumber: https://news.detik.com/berita/d-8123456/banjir-2025 dan www.bnpb.go.id/data/838. "
            "Rumah di blok B4 dan tipe covid19 tercatat, dan 120 rumah terendam banjir.")
    assert [f.value for f in passage_figures("Berapa rumah yang terendam?", "id", [text])] == ["120"]
    # an amount glued to its currency is no id: "Rp15 juta", "USD100 juta"
    glued = ["Masing-masing ahli waris mendapat santunan Rp15 juta, dan perseroan menanam USD100 juta."]
    assert [f.written for f in passage_figures("How much did each heir get?", "en", glued)] == ["15 juta", "100 juta"]
    assert check_answer("Rp 15 million [1]", glued).ok and not check_answer("Rp 25 million [1]", glued).ok


def test_a_how_much_question_about_money_takes_sums_of_money_and_a_count_may_be_said_in_words():
    from qa.verify import asks_for_money, asks_for_share, passage_figures

    house = ["Beckham membeli rumah itu seharga US$ 3,8 juta. Mereka tinggal di sana sekitar 15 tahun.",
             "Renovasinya menelan 2 juta poundsterling, atau 40 miliar rupiah."]
    paid = passage_figures("How much did the Beckhams pay for the house?", "en", house)
    assert [f.written for f in paid] == ["3,8 juta", "40 miliar"]  # not 15 years, nor a currency it does not know
    assert asks_for_money("Berapa biaya renovasinya?") and not asks_for_money("Berapa persen anggaran yang terserap?")
    assert not asks_for_money("How much did the deficit widen?") and not asks_for_money("How much did fuel prices rise?")
    assert not asks_for_share("Berapa porsi makanan yang dibagikan?") and asks_for_share("What interest rate is charged?")
    sworn = ["Sebanyak sembilan ketua DPC di Bali resmi dilantik, kata dia di satu acara."]
    assert [f.written for f in passage_figures("How many branch boards were sworn in?", "en", sworn)] == ["sembilan ketua"]


def test_other_figures_count_what_the_question_counts_and_are_at_most_two():
    from qa.verify import check_figures

    passages = ["Sebanyak 120 rumah terendam banjir selama 13 hari di 8 desa.",
                "BPBD mencatat 150 rumah terendam banjir. Warga menyebut 200 rumah terendam banjir.",
                "Pemerintah menyebut 90 rumah terendam banjir."]
    found = check_figures("Berapa rumah yang terendam banjir?", "id", "120 rumah [1]", passages)
    assert found.others("120 rumah [1]") == [(2, "150 rumah"), (2, "200 rumah")]
    assert found.others("120 rumah [1]", most=5) == [(2, "150 rumah"), (2, "200 rumah"), (3, "90 rumah")]
    # an answer without a figure, passages whose figures count days and villages: nothing to add
    vague = check_figures("Berapa rumah yang terendam banjir?", "id", "Banyak rumah [1]",
                          ["Banjir merendam rumah warga selama 13 hari di 8 desa."])
    assert vague.best and vague.others("Banyak rumah [1]") == []


@pytest.mark.parametrize("question, kind", [
    ("How many troops were sent?", "quantity"), ("Berapa jumlah korban?", "quantity"),
    ("When did they meet?", "when"), ("Sejak kapan pasukan itu di sana?", "when"), ("In what year was it?", "when"),
    ("What year did it start?", "when"), ("Who asked for it?", "who"), ("Siapa yang meminta?", "who"),
    ("Where did they meet?", "where"), ("Di mana mereka bertemu?", "where"), ("Why did they go?", ""),
    ("Tanggal berapa bangunan itu runtuh?", "when"), ("Sampai tahun berapa masa jabatannya?", "when"),
    ("Pukul berapa gempa terjadi?", "when"), ("Berapa tahun masa jabatannya?", "quantity"),
    ("Where was he speaking when he said it?", "where"), ("What did he mean when he said it?", ""),
    ("And when did he say it?", "when"), ("Pembangunannya mulai kapan?", "when"),
    ("Which investor took over the lease?", "who"), ("Kementerian mana yang memberi santunan?", "who"),
    ("Which national teams will they no longer handle?", ""), ("According to him, who will design it?", "who"),
    ("How large are the arrears of members who have since switched status?", "quantity"),  # a relative "who"
    ("What did the man who led it say?", ""), ("What interest rate does the bank charge?", "quantity"),
])
def test_question_type(question, kind):
    assert question_type(question) == kind


def test_of_several_questions_the_last_is_the_one_asked():
    """A follow-up searched with the question before it asks what the follow-up asks."""
    from qa.verify import asked_question, is_quantity_question, is_yes_no_question

    joined = "Siapa yang dipecat PSSI? Tim nasional mana yang tidak lagi mereka tangani?"
    assert asked_question(joined) == "Tim nasional mana yang tidak lagi mereka tangani?"
    assert question_type(joined) == ""
    assert question_type("Who did PSSI dismiss? When did it happen?") == "when"
    assert not is_yes_no_question("Apakah Moskow meminta? Siapa yang meminta?")
    assert is_yes_no_question("Siapa yang meminta? Apakah Moskow?")
    assert question_type("Where was Dr. Ramadan? ") == "where"  # one question, whatever its full stops
    assert question_type("Who is Dr. Ramadan? Where does he work?") == "where"
    # a request after the question asks nothing of its own
    assert question_type("Siapa Menteri Keuangan saat ini? Jawab singkat saja.") == "who"
    assert is_yes_no_question("Apakah Kluivert dipecat? Jelaskan.")
    # "what about …" asks what the question before it asked
    elliptical = "Berapa tentara Korea Utara yang dikerahkan? Bagaimana dengan perkiraan Ukraina?"
    assert asked_question(elliptical) == elliptical and is_quantity_question(elliptical)


def test_an_english_decimal_is_the_indonesian_one():
    from qa.verify import check_figures

    passages = ["Keluarga Beckham membeli rumah itu seharga US$ 3,8 juta. Mereka tinggal di sana selama 15 tahun."]
    question = "How much did the Beckhams pay for the house?"
    assert check_figures(question, "en", "$3.8 million [1]", passages).problems == []
    assert check_figures(question, "id", "US$ 3,8 juta [1]", passages).problems == []


def test_the_number_of_an_item_in_a_list_counts_nothing():
    from qa.verify import check_figures

    passages = ["3. DPC PDIP Buleleng Ketua: Gede Supriatna Sekretaris: Ketut Ngurah Arya",
                "Sebanyak 9 ketua DPC PDI Perjuangan di Bali resmi dilantik. Daftarnya: 1) Badung, 2) Gianyar."]
    figures = check_figures("How many PDIP branch (DPC) chairs in Bali were sworn in?", "en", "", passages)
    assert [f.value for f in figures.best] == ["9"]
    from qa.verify import _figures_in

    assert [v for _, _, v in _figures_in("Korban tewas mencapai 50 orang (sebelumnya 35)")] == ["50", "35"]


def test_a_name_the_question_gives_need_not_be_in_the_cited_passage_but_a_number_must():
    passages = ["Kerja sama itu berakhir melalui pemutusan kontrak atas kesepakatan bersama pada 2025."]
    question = "How was the deal between PSSI and Kluivert ended?"
    assert check_answer("PSSI and Kluivert ended it by mutual agreement [1].", passages, question=question).ok
    assert check_answer("PSSI ended it [1].", passages).problems == ["'PSSI' is not in the cited passage"]
    assert check_answer("FIFA ended it [1].", passages, question=question).problems == [
        "'FIFA' is not in the cited passage"]
    assert check_answer("It ended in 2024 [1].", passages, question="When did it end, in 2024?").problems == [
        "'2024' is not in the cited passage"]
    assert check_answer("PSSI ended it in May [1].", passages, question="Did PSSI end it in May?").problems == [
        "'PSSI' is not in the cited passage", "'May' is not in the cited passage"]  # a yes/no fact's names are claims


def test_a_year_alone_answers_when_only_where_no_passage_cited_gives_the_date():
    from qa.verify import year_of_a_fuller_date

    launched = ["Prabowo meluncurkan bank emas pertama di Indonesia pada 26 Februari 2025."]
    assert year_of_a_fuller_date("Kapan Prabowo meluncurkan bank emas?", "2025 [1]", launched) == "2025"
    assert year_of_a_fuller_date("When was it launched?", "In 2025 [1].", ["Diluncurkan Rabu (26/2/2025)."]) == "2025"
    assert year_of_a_fuller_date("When was it launched?", "In 2025 [1].", ["It opened on February 26, 2025."]) == \
        "2025"
    assert year_of_a_fuller_date("Kapan Prabowo meluncurkan bank emas?", "26 Februari 2025 [1]", launched) is None
    assert year_of_a_fuller_date("Tahun berapa bank emas diluncurkan?", "2025 [1]", launched) is None  # a year asked
    assert year_of_a_fuller_date("Since when has BRIN studied it?", "Since 2022 [1]", ["BRIN meneliti sejak 2022."]) \
        is None


def test_a_date_or_name_must_stand_with_what_the_question_asks():
    from qa.verify import apart_from_the_event

    verdict = ["Majelis hakim menjatuhkan hukuman mati terhadap terdakwa Bazarsah pada Senin (11/8/2025) lalu.",
               "Terdakwa mengajukan kasasi, kata kuasa hukum korban."]
    cassation = "When did Bazarsah file his cassation appeal?"
    assert apart_from_the_event(cassation, "en", "Senin (11/8/2025) [1]", verdict) == "2025"  # the verdict's day
    assert apart_from_the_event("Kapan hukuman mati dijatuhkan kepada Bazarsah?", "id", "Senin (11/8/2025) [1]",
                                verdict) is None
    # the sentence before the date's names the event ("Hal itu …")
    announced = ["Purbaya mengumumkan defisit APBN. Hal itu disampaikan pada Senin (20/10/2025)."]
    assert apart_from_the_event("When did Purbaya announce the deficit?", "en", "On Monday (20/10/2025) [1].",
                                announced) is None
    # a date the passages do not write as the answer does is left to the other checks
    assert apart_from_the_event(cassation, "en", "In 2024 [1].", verdict) is None
    # who: the name must be in a sentence about the asked act, not only in the cited passage
    board = ["Ketua DPC dilantik oleh Djarot Saiful Hidayat di Denpasar. Cuaca cerah sepanjang hari. Gede Supriatna "
             "berasal dari Buleleng."]
    assert apart_from_the_event("Siapa yang melantik ketua DPC?", "id", "Djarot Saiful Hidayat [1]", board) is None
    assert apart_from_the_event("Siapa yang melantik ketua DPC?", "id", "Gede Supriatna [1]", board) == "Gede"
    # a date whose day stands with the event, its year elsewhere
    split = ["Terdakwa mengajukan kasasi pada 11 Agustus.", "Vonis pertama dijatuhkan pada 2025."]
    assert apart_from_the_event(cassation, "en", "11 Agustus 2025 [1, 2]", split) is None
    # a question that asks nothing beside its names and the time
    assert apart_from_the_event("When was Bazarsah?", "en", "Senin (11/8/2025) [1]", verdict) is None


def test_a_yes_must_not_say_more_of_what_is_asked_than_its_passages():
    from qa.verify import yes_beyond_the_passages

    stages = ["Rosan menyebut Danantara menerima dividen BUMN sekitar Rp 140 triliun secara bertahap tahun ini."]
    asked = "Did Danantara receive this year's SOE dividends in a single payment?"
    said = "Yes. Danantara received this year's SOE dividends in a single payment [1]."
    # "single" is not in the glossary: its absence from an Indonesian passage says nothing
    assert yes_beyond_the_passages(asked, "en", said, stages) == ["payment"]
    in_english = ["Rosan said Danantara received SOE dividends of about Rp 140 trillion in stages this year."]
    assert yes_beyond_the_passages(asked, "en", said, in_english) == ["single", "payment"]
    assert yes_beyond_the_passages("Did Indonesia ban the export of nickel ore?", "en",
                                   "Yes, Indonesia banned the export of nickel ore [1].",
                                   ["Indonesia melarang ekspor bijih nikel sejak 2020."]) == []
    # what the passage holds in translation is said by it; a "no" and a question that is not yes/no are left alone
    assert yes_beyond_the_passages("Did Danantara receive SOE dividends this year?", "en",
                                   "Yes. Danantara received SOE dividends this year [1].", stages) == []
    assert yes_beyond_the_passages(asked, "en", "No. The dividends came in stages [1].", stages) == []
    assert yes_beyond_the_passages("How did Danantara receive the dividends, in a single payment?", "en",
                                   "In a single payment [1].", stages) == []
    assert yes_beyond_the_passages("Apakah Danantara menerima dividen secara bertahap?", "id",
                                   "Ya. Danantara menerima dividen secara bertahap [1].", stages) == []


def test_who_is_not_answered_by_whoever_said_it():
    from qa.verify import only_speakers

    said = ["John Kirby, penasihat komunikasi keamanan nasional AS, mengatakan kepada wartawan pada hari Jumat "
            "bahwa pasukan Korea Utara menderita lebih dari 1.000 korban di dekat perbatasan Kursk."]
    general = "Which North Korean general commands the troops fighting in Kursk?"
    assert only_speakers(general, "John Kirby [1]", said) == ["John", "Kirby"]
    assert only_speakers(general, "Kirby [1]", ["Pasukan itu bertempur di Kursk, kata Kirby."]) == ["Kirby"]
    # named as the one who does it as well: an answer
    led = said + ["Pasukan itu dipimpin oleh Kirby sejak Oktober."]
    assert only_speakers(general, "Kirby [1, 2]", led) == []
    # a question that asks who said it
    assert only_speakers("Who said the troops suffered 1,000 casualties?", "John Kirby [1]", said) == []
    # "jelas" is also "clear"; a name after "said" is whom someone spoke of
    for passage in ("Belum jelas apakah Jenderal Kim Yong Bok memimpin pasukan di Kursk.",
                    "The ministry said General Kim Yong Bok commands the troops in Kursk."):
        for name in ("Kim", "Yong", "Bok"):  # none of them is a speaker
            assert only_speakers(general, f"{name} [1]", [passage]) == [], (name, passage)
    # the quote of the speaker's sentence names no one else: no answer ("Jumat" is a day, "Utara" the question's)
    assert "the quoted sentence names only who said it (John, Kirby)" in quote_misses(general, "en", said[0], 0.0,
                                                                                     passage=said[0])


def test_a_quote_to_why_must_give_a_reason_other_than_what_is_asked_about():
    collapse = "What caused the Al-Khoziny pesantren building to collapse?"
    deaths = "Adapun total korban meninggal akibat runtuhnya bangunan Ponpes Al-Khoziny mencapai 63 jiwa."
    assert "the quoted sentence gives what the question asks about as the reason for something else" in \
        quote_misses(collapse, "en", deaths, 0.0)
    cause = "Bangunan Ponpes Al-Khoziny runtuh karena fondasinya tidak kuat menahan beban lantai empat."
    assert quote_misses(collapse, "en", cause, 0.0) == []
    # after "menyebabkan", "sehingga", "caused" comes the effect; one shared word is not the asked event
    assert quote_misses("Mengapa bangunan itu runtuh?", "id", "Gempa menyebabkan bangunan itu runtuh.", 0.0) == []
    assert quote_misses("Mengapa harga beras naik?", "id", "Harga beras naik karena harga pupuk melonjak.", 0.0) == []
    fired = "Diketahui, pos pelatih Timnas Indonesia masih lowong setelah Patrick Kluivert dipecat."
    assert "the quoted sentence gives no reason" in quote_misses("Kenapa Patrick Kluivert dipecat?", "id", fired, 0.0)
    not_why = quote_misses("Di mana Patrick Kluivert dipecat?", "id", fired, 0.0)
    assert "the quoted sentence gives no reason" not in not_why


def test_the_model_is_asked_again_about_the_cited_passage_that_holds_most_of_the_question():
    from qa.verify import confirmed_passage

    shown = ["Pasukan itu dikirim pada Oktober.", "Pasukan Korea Utara melancarkan serangan balasan di Kursk.", None]
    question = "Apa yang dilakukan pasukan Korea Utara di Kursk?"
    assert confirmed_passage(question, "id", [1, 2], shown) == 2
    assert confirmed_passage(question, "id", [2, 1], shown) == 2
    assert confirmed_passage("Kapan pasukan dikirim?", "id", [1, 2], shown) == 1  # a tie: the first cited
    assert confirmed_passage(question, "id", [3, 1], shown) == 1  # a passage not shown is never asked about


def test_which_with_a_name_between_asks_for_a_name():
    from qa.verify import question_type

    assert question_type("Which North Korean general commands the troops?") == "who"
    assert question_type("What do US officials think Kim expects?") == ""  # "do" is no name
    assert question_type("What Supreme Court ruling annulled the election law?") == ""  # a name that ends in "Court"


def test_an_answer_that_copies_a_headline_of_its_article():
    from qa.verify import copies_a_headline

    article = "Purbaya Umumkan APBN Tekor Rp 371,5 T sampai September 2025\nMenteri Keuangan Purbaya Yudhi Sadewa " \
              "mengumumkan defisit APBN."
    assert copies_a_headline("Purbaya Umumkan APBN Tekor Rp 371,5 T sampai September 2025 [1]", [article])
    assert not copies_a_headline("Menteri Keuangan Purbaya Yudhi Sadewa [1]", [article])  # a name, not a line


def test_a_headline_is_no_quote():
    headline = "Kemenbud Tanda Tangani Sejumlah MoU dengan Kementerian & Lembaga Terkait"
    assert quote_misses("Where did the Ministry sign the MoU?", "en", headline, 0.0) == [
        "the quoted sentence is a headline"]
    listed = "DPC PDIP Buleleng Ketua: Gede Supriatna Sekretaris: Ketut Ngurah Arya"  # a line of a list
    assert quote_misses("Siapa ketua DPC PDIP Buleleng?", "id", listed, 0.0) == []


def test_a_quote_must_hold_the_kind_of_thing_asked_for():
    sentence = "Putin dan Kim bertemu di wilayah Amur, Rusia pada September 2023."
    assert quote_misses("Where did Putin and Kim meet?", "en", sentence, 0.34) == []
    assert quote_misses("When did Putin and Kim meet?", "en", sentence, 0.34) == []
    assert quote_misses("How many times did Putin and Kim meet?", "en", sentence, 0.34) == [
        "the quoted sentence gives no figure"]  # 2023 is a year, not a count
    assert quote_misses("Who did Putin meet?", "en", "Putin bertemu di Amur.", 0.0) == []  # Amur: a name not asked
    assert quote_misses("Who did Putin meet?", "en", "Putin bertemu di sana.", 0.0) == [
        "the quoted sentence names no one the question does not (who)"]
    assert quote_misses("Kapan mereka bertemu?", "id", "Mereka bertemu pada hari Senin.", 0.34) == []


def test_a_quote_must_hold_what_the_question_asks_about_its_names_not_the_names_alone():
    asked = "What has Frank De Boer said about coaching Indonesia?"
    assert quote_misses(asked, "en", "Mulai dari Frank De Boer, Timur Kapadze, hingga Shin Tae-yong.", 0.34) == [
        "the quoted sentence holds the question's names and none of its other words"]
    assert quote_misses(asked, "en", "Frank De Boer mengatakan siap melatih Indonesia.", 0.34) == []
    # a figure's sentence is weighed by what its figure counts (check_figures), not by the question's words
    assert quote_misses("Berapa jumlah murid SMKN Restorasi Pulau Komodo?", "id",
                        "SMKN Restorasi Pulau Komodo punya 148 siswa.", 0.34, figure_weighed=True) == []
    assert quote_misses("Berapa jumlah murid SMKN Restorasi Pulau Komodo?", "id",
                        "SMKN Restorasi Pulau Komodo dibangun 2022 dengan 3 ruang.", 0.34) == [
        "the quoted sentence holds the question's names and none of its other words"]  # the closest, no figure chosen


def test_a_span_of_time_in_words_counts_nothing_a_question_counts_unless_it_asks_for_time():
    from qa.verify import kind_misses

    sentence = "AS dan Australia akan menginvestasikan $1 miliar (Rp15,8 triliun) dalam enam bulan untuk proyek."
    assert kind_misses("How many projects are in the pact?", sentence) == ["the answer gives a sum of money, not a count"]
    assert kind_misses("How many months will the investment take?", sentence) == []
    assert kind_misses("How many projects are in the pact?", "Ada enam proyek senilai $1 miliar.") == []


def test_a_quote_must_come_from_a_passage_with_the_questions_numbers():
    deficit = "Defisit APBN sampai 30 September 2025 mencapai Rp 371,5 triliun."
    assert quote_misses("Berapa defisit APBN pada tahun 2024?", "id", deficit, 0.34) == [
        "the quoted passage does not mention '2024'"]
    assert quote_misses("How big was the deficit through September 2025?", "en", deficit, 0.34) == []
    # names are rule 1's, over whole articles: the sentence may leave to its article the war the question names
    war = "Trump berulang kali mengatakan dia bisa mengakhiri konflik dalam waktu 24 jam."
    assert quote_misses("Trump mengaku bisa menghentikan perang di Ukraina dalam waktu berapa lama?", "id", war,
                        0.0) == []
    # the number may be in the passage around the sentence
    tenure = "Ia menjabat sebagai direktur sampai Juli 2019."
    question = "Sampai kapan direktur yang diangkat pada 2016 itu menjabat?"
    assert quote_misses(question, "id", tenure, 0.0) == ["the quoted passage does not mention '2016'"]
    assert quote_misses(question, "id", tenure, 0.0, passage=f"Ia diangkat pada 2016. {tenure}") == []


def test_a_quote_must_hold_enough_of_the_questions_words():
    sentence = "Sekitar 11.000 tentara Korea Utara dikirim ke wilayah Kursk."
    assert quote_misses("How many North Korean soldiers were sent to Kursk?", "en", sentence, 0.5) == []
    misses = quote_misses("How many hospitals were built with the budget?", "en", sentence, 0.34)
    assert misses == ["the quoted sentence holds 0 of the question's 3 words"]


POLARITY = ["Rusia belum mengkonfirmasi maupun membantah keberadaan pasukan Korea Utara di wilayahnya.",
            "Misi satelit itu sudah berakhir dan tidak lagi beroperasi sejak 2017.",
            "Permintaan itu datang dari Pyongyang, bukan Moskow. Tak lama kemudian pasukan dikirim."]


def test_an_answer_that_drops_the_not_of_its_sentence_fails():
    from qa.verify import check_polarity

    assert check_polarity("Has Russia confirmed it?", "en", "Russia has confirmed the North Korean troops [1].",
                          POLARITY) == ["the cited sentence says belum 'mengkonfirmasi maupun membantah' and the "
                                        "answer leaves the 'belum' out"]
    assert check_polarity("Has Russia confirmed it?", "en", "Russia has not confirmed the troops [1].", POLARITY) == []
    assert check_polarity("Has Russia confirmed it?", "en", "Russia hasn't confirmed the troops [1].", POLARITY) == []
    assert check_polarity("Who asked?", "en", "Pyongyang asked for it [3].", POLARITY) == []  # "bukan" is Moscow's
    assert check_polarity("Who asked?", "en", "Moskow asked for it [3].", POLARITY) != []
    assert check_polarity("When were troops sent?", "en", "Troops were sent soon after [3].", POLARITY) == []  # tak lama


def test_yes_to_a_question_whose_sentence_denies_fails():
    from qa.verify import check_polarity

    assert check_polarity("Apakah satelit itu masih beroperasi?", "id", "Ya [2].", POLARITY) == [
        "the answer says yes, and the cited sentence says tidak 'lagi beroperasi sejak'"]
    assert check_polarity("Apakah satelit itu masih beroperasi?", "id", "Tidak, misi sudah berakhir [2].", POLARITY) == []
    assert check_polarity("Who asked?", "en", "Yes [3].", POLARITY) == []  # not a yes/no question


def test_yes_whose_own_fact_says_it_was_denied_fails_unless_the_question_asks_about_the_denial():
    from qa.verify import check_polarity

    passages = ["Para demonstran menjuluki Trump raja. Trump membantah dirinya raja."]
    assert check_polarity("Did Trump accept the 'king' label?", "en",
                          "Yes. The protesters called Trump a king, which he denied [1].", passages) == [
        "a yes whose own fact says 'denied'"]
    assert check_polarity("Did Trump deny the 'king' label?", "en", "Yes. Trump denied he is a king [1].", passages) == []
    assert check_polarity("Did Trump decline the label?", "en", "Yes. Trump rejected the label [1].", passages) == []


def test_a_denial_that_opens_a_quoted_name_denies_nothing():
    from qa.verify import check_polarity

    protests = ["Protes 'No Kings' digelar di lebih dari 2.600 lokasi di seluruh AS pada Sabtu (18/10)."]
    assert check_polarity("Were the 'No Kings' protests held in many places?", "en", "Yes [1].", protests) == []
    assert check_polarity("Were the protests held on Sunday?", "en", "Yes [1].",
                          ["Protes itu tidak digelar pada hari Minggu."]) != []


def test_question_terms_are_found_in_translation_by_their_parts_and_within_their_name():
    passages = ["Menteri Keuangan Purbaya mengatakan dividen BUMN naik 5,7 persen.",
                "Kesepakatan AS-Australia ditandatangani di Pondok Pesantren Al-Khoziny."]
    assert missing_question_terms("Why did Finance Minister Purbaya say SOE dividends rose?", passages, "en") == []
    assert missing_question_terms("Did dividends rise by 5.7 percent?", passages, "en") == []
    assert missing_question_terms("What triggered the US-Australia deal at Al Khoziny?", passages, "en") == []
    assert missing_question_terms("Apa kata Menkeu Purbaya?", passages, "id") == []
    # an office by its short form or in full, whichever the article uses
    assert missing_question_terms("Siapa yang menjabat Mendagri?", ["Menteri Dalam Negeri Tito Karnavian."], "id") == []
    assert missing_question_terms("Apa kata Menteri Dalam Negeri?", ["Kata Mendagri Tito, …"], "id") == []
    assert missing_question_terms("Apa kata Menteri Keuangan?", ["Kata Mendagri Tito, …"], "id") == ["Menteri Keuangan"]
    assert check_answer("Mendagri Tito [1]", ["Menteri Dalam Negeri Tito Karnavian."]).ok
    assert not check_answer("Menkeu Tito [1]", ["Menteri Dalam Negeri Tito Karnavian."]).ok
    assert not check_answer("Jaksa Agung berkata [1]", ["Kejagung menahan tersangka."]).ok  # one word of an office
    # Indonesian news leaves its own country unnamed; another country must be there
    deficit = ["Sampai 30 September 2025, APBN mengalami defisit Rp 371,5 triliun, kata Menteri Keuangan yang hadir di sana."]
    assert missing_question_terms("How big was Indonesia's budget deficit in September 2025?", deficit, "en") == []
    assert missing_question_terms("How big was Malaysia's budget deficit in September 2025?", deficit, "en") == [
        "Malaysia"]
    emissions = ["China menyumbang 29,2% emisi dunia, sementara India menyumbang 8,2% dari emisi yang tercatat."]
    assert missing_question_terms("Berapa persen emisi dunia yang berasal dari Indonesia?", emissions, "id") == [
        "Indonesia"]  # the articles name other countries: Indonesia would be one of them
    # a name stays a name: another word of it being there does not bring in one that is not
    assert missing_question_terms("What did Minister Macron say about the SOE dividends?", passages, "en") == [
        "Macron"]
    assert missing_question_terms("What did Emmanuel Macron say?", passages, "en") == ["Emmanuel", "Macron"]
    assert missing_question_terms("Apa kata Menteri Purbaya Emmanuel Macron?", passages, "id") == ["Emmanuel", "Macron"]
    assert missing_question_terms("Did dividends rise by 5.8 percent?", passages, "en") == ["5.8"]
    # a follow-up joined to the question before it: its opening word is no name
    assert missing_question_terms("Apa kata Menkeu Purbaya? Lalu menurut dia, berapa dividen BUMN?", passages, "id") == []


def test_an_english_word_of_the_answer_is_in_its_passage_in_translation():
    passages = ["Danantara menerima dividen BUMN sebesar Rp 140 triliun secara bertahap."]
    assert check_answer("No, the SOE dividends came in stages [1].", passages).problems == []
    assert check_answer("No, the VAT dividends came in stages [1].", passages).problems == [
        "'VAT' is not in the cited passage"]  # the glossary's PPN is not there


def test_a_claim_cited_to_the_wrong_passage_cites_the_one_that_holds_it():
    passages = ["Menurut pejabat AS, sekitar 12.000 tentara Korea Utara telah dikerahkan ke Rusia.",
                "Banding Kopda Bazarsah diputus majelis hakim pada Senin (11/8/2025) di Medan.",
                "Pejabat Korea Selatan mengatakan sedikitnya 1.000 korban."]
    moved = check_answer("Bazarsah's appeal was decided on Senin (11/8/2025) [1].", passages)
    assert moved.ok and moved.text == "Bazarsah's appeal was decided on Senin (11/8/2025) [2]."
    assert moved.dropped == ["marker [1] moved to [2], the passage that holds the claim"]
    # facts in no single shown passage: it still fails
    assert check_answer("Bazarsah's appeal was decided on Senin (11/8/2025) with 12.000 troops [1].", passages).problems
