"""Word lists of the two languages kutip reads, in one place: function words (language detection, search
terms), month names, English names as Indonesian articles write them, and capitalised words that are not
names. Data only; the English-Indonesian search glossary is ``qa/data/glossary_en_id.tsv``."""

from __future__ import annotations

ENGLISH_FUNCTION_WORDS = frozenset(
    """the a an of to in on at for from by with and or but is are was were be been has have had
    do does did what who whom whose which when where why how that this these those it its they their
    he she his her not no than then there as will would can could should about into after before
    many much more most did say says said tell""".split()
)
INDONESIAN_FUNCTION_WORDS = frozenset(
    """yang dan di ke dari untuk dengan pada adalah itu ini tidak bukan atau juga akan telah sudah
    dalam oleh sebagai bahwa mereka kami kita ia dia apa siapa kapan mana dimana mengapa kenapa
    bagaimana berapa para lebih karena saat ketika setelah sebelum tersebut namun tetapi hanya
    ada bisa dapat menurut sebuah seorang jumlah apakah""".split()
)
FUNCTION_WORDS = ENGLISH_FUNCTION_WORDS | INDONESIAN_FUNCTION_WORDS

MONTHS = {
    1: ("january", "januari"), 2: ("february", "februari"), 3: ("march", "maret"), 4: ("april",),
    5: ("may", "mei"), 6: ("june", "juni"), 7: ("july", "juli"), 8: ("august", "agustus"),
    9: ("september",), 10: ("october", "oktober"), 11: ("november", "nopember"),
    12: ("december", "desember"),
}
MONTH_OF = {name: number for number, names in MONTHS.items() for name in names}

# Words that make a sentence say when, besides years, months and "tanggal": days, seasons, relative dates.
DATE_WORDS = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday yesterday today tonight tomorrow ago
    summer winter spring autumn
    senin selasa rabu kamis jumat sabtu minggu kemarin besok lusa silam lalu musim""".split())

# Words that deny what follows them, in either language; "not only" and "tak lama" deny nothing.
NEGATIONS = frozenset("""not no never neither nor without cannot tidak tak belum bukan tanpa""".split())
NOT_A_DENIAL = frozenset("""only just lama hanya cuma kurang sedikit ragu segan less few hesitate""".split())
# A reply that opens with one of these says yes to a yes/no question.
YES_WORDS = frozenset("""yes ya iya sudah benar masih""".split())

# English names and words as Indonesian articles write them, where spelling alone does not tell.
NAME_ALIASES = {
    "north": ("utara",), "south": ("selatan",), "east": ("timur",), "west": ("barat",),
    "western": ("barat",), "us": ("as", "amerika"), "usa": ("as", "amerika"), "u.s": ("as",),
    "united": ("serikat", "as"), "states": ("serikat", "as"), "america": ("amerika", "as"),
    "american": ("amerika", "as"), "white": ("putih",), "house": ("gedung",), "europe": ("eropa",),
    "european": ("eropa",), "korean": ("korea",), "russia": ("rusia",), "russian": ("rusia",),
    "ukraine": ("ukraina",), "ukrainian": ("ukraina",), "japan": ("jepang",), "japanese": ("jepang",),
    "china": ("tiongkok", "cina"),
    "chinese": ("tiongkok", "cina", "china"), "germany": ("jerman",), "german": ("jerman",), "france": ("prancis",),
    "french": ("prancis",), "britain": ("inggris",), "british": ("inggris",), "uk": ("inggris",),
}
# Indonesian news names offices and ministries by a short form as often as in full; a question may use either.
# The Indonesian cabinet's offices and the common ranks of police, army and local government.
TITLE_ABBREVIATIONS = {
    "mendagri": "menteri dalam negeri", "kemendagri": "kementerian dalam negeri",
    "menkeu": "menteri keuangan", "kemenkeu": "kementerian keuangan",
    "menlu": "menteri luar negeri", "kemenlu": "kementerian luar negeri",
    "menhan": "menteri pertahanan", "kemenhan": "kementerian pertahanan",
    "menkes": "menteri kesehatan", "kemenkes": "kementerian kesehatan",
    "mensos": "menteri sosial", "kemensos": "kementerian sosial",
    "menag": "menteri agama", "kemenag": "kementerian agama",
    "mendikbud": "menteri pendidikan dan kebudayaan", "kemendikbud": "kementerian pendidikan dan kebudayaan",
    "mendikdasmen": "menteri pendidikan dasar dan menengah",
    "kemendikdasmen": "kementerian pendidikan dasar dan menengah",
    "mendiktisaintek": "menteri pendidikan tinggi, sains, dan teknologi",
    "menbud": "menteri kebudayaan", "kemenbud": "kementerian kebudayaan",
    "menpora": "menteri pemuda dan olahraga", "kemenpora": "kementerian pemuda dan olahraga",
    "menaker": "menteri ketenagakerjaan", "kemnaker": "kementerian ketenagakerjaan",
    "menhub": "menteri perhubungan", "kemenhub": "kementerian perhubungan",
    "mentan": "menteri pertanian", "kementan": "kementerian pertanian",
    "mendag": "menteri perdagangan", "kemendag": "kementerian perdagangan",
    "menperin": "menteri perindustrian", "kemenperin": "kementerian perindustrian",
    "menkum": "menteri hukum", "kemenkum": "kementerian hukum",
    "menkumham": "menteri hukum dan hak asasi manusia", "kemenkumham": "kementerian hukum dan hak asasi manusia",
    "menpar": "menteri pariwisata", "kemenpar": "kementerian pariwisata",
    "menparekraf": "menteri pariwisata dan ekonomi kreatif",
    "menkominfo": "menteri komunikasi dan informatika", "kemenkominfo": "kementerian komunikasi dan informatika",
    "menkomdigi": "menteri komunikasi dan digital", "komdigi": "kementerian komunikasi dan digital",
    "menpan": "menteri pendayagunaan aparatur negara", "kemenpan": "kementerian pendayagunaan aparatur negara",
    "menko": "menteri koordinator", "kemenko": "kementerian koordinator",
    "mensesneg": "menteri sekretaris negara", "kemensetneg": "kementerian sekretariat negara",
    "seskab": "sekretaris kabinet", "menkop": "menteri koperasi", "kemenkop": "kementerian koperasi",
    "esdm": "energi dan sumber daya mineral", "kkp": "kementerian kelautan dan perikanan",
    "menlhk": "menteri lingkungan hidup dan kehutanan", "klhk": "kementerian lingkungan hidup dan kehutanan",
    "menlh": "menteri lingkungan hidup", "menhut": "menteri kehutanan", "kemenhut": "kementerian kehutanan",
    "menpupr": "menteri pekerjaan umum dan perumahan rakyat", "pupr": "pekerjaan umum dan perumahan rakyat",
    "menpu": "menteri pekerjaan umum", "kemenpu": "kementerian pekerjaan umum",
    "wapres": "wakil presiden",
    "kapolri": "kepala kepolisian negara republik indonesia", "wakapolri": "wakil kepala kepolisian",
    "kapolda": "kepala kepolisian daerah", "kapolres": "kepala kepolisian resor",
    "kapolsek": "kepala kepolisian sektor", "kabareskrim": "kepala badan reserse kriminal",
    "kajati": "kepala kejaksaan tinggi", "kajari": "kepala kejaksaan negeri", "kejagung": "kejaksaan agung",
    "ksad": "kepala staf angkatan darat", "ksal": "kepala staf angkatan laut",
    "ksau": "kepala staf angkatan udara", "pangdam": "panglima komando daerah militer",
    "dandim": "komandan kodim", "danramil": "komandan koramil",
    "wagub": "wakil gubernur", "wabup": "wakil bupati", "walkot": "wali kota", "wawali": "wakil wali kota",
    "sekda": "sekretaris daerah", "kadis": "kepala dinas", "kadinkes": "kepala dinas kesehatan",
    "dirut": "direktur utama", "komut": "komisaris utama",
}
# The country Indonesian news is written in: its articles often leave it unnamed ("defisit APBN"), so a question
# that names it asks nothing the articles must name, unless they name other countries (then it is one of several)
HOME_COUNTRY = {"id": frozenset({"indonesia", "indonesian", "ri"})}
# Countries as Indonesian and English news name them ("AS" left out: it is also a person's initials)
COUNTRIES = frozenset("""
amerika america american tiongkok cina china chinese jepang japan rusia russia ukraina ukraine india
australia malaysia singapura singapore thailand vietnam filipina philippines brunei myanmar kamboja cambodia
laos timor korea inggris britain british jerman germany prancis perancis france italia italy spanyol spain
belanda netherlands belgia belgium swiss switzerland swedia sweden norwegia norway denmark finlandia finland
polandia poland turki turkey iran irak iraq israel palestina palestine suriah syria arab saudi mesir egypt
qatar yordania jordan lebanon yaman yemen pakistan bangladesh afganistan afghanistan nepal kanada canada
meksiko mexico brasil brazil argentina chili chile kolombia colombia venezuela peru afrika africa nigeria
kenya selandia zealand taiwan mongolia kazakhstan uzbekistan
""".split())

# Capitalised words that are not names: sentence openers and titles in both languages.
NOT_NAMES = FUNCTION_WORDS | frozenset(
    """according however also both during since while yes no none although meanwhile up some many most
    several only more less over under nearly almost around approximately reportedly
    menurut namun selain pada sejak meski meskipun sementara ya tidak lalu kemudian lantas selanjutnya jadi
    terus adapun sedangkan""".split())

# words that scale an amount ("Rp 1,5 juta", "$1 billion"), by the power of ten they stand for
SCALE_OF = {"thousand": 3, "million": 6, "billion": 9, "trillion": 12,
            "ribu": 3, "juta": 6, "miliar": 9, "milyar": 9, "triliun": 12}

# numerals that give a count without digits: an answer to a how-many question may give one of these
QUANTITY_WORDS = frozenset("""one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty
hundred hundreds thousand thousands million millions billion billions trillion dozen dozens none zero half
satu dua tiga empat lima enam tujuh delapan sembilan sepuluh sebelas belas puluh puluhan seratus ratus ratusan
seribu ribu ribuan juta jutaan miliar miliaran triliun setengah separuh nol""".split())

# A fact that says someone denied or refused what a yes/no question asks is no "yes" to it (unless the question asks
# about a refusal itself: any word with one of REFUSAL_STEMS, "declined", "tolak", "dibantah")
REFUSALS = frozenset("""refuse refuses refused reject rejects rejected deny denies denied menolak ditolak membantah
dibantah menampik ditampik""".split())
REFUSAL_STEMS = ("refus", "reject", "deni", "deny", "declin", "tolak", "bantah", "tampik")
# verbs and words whose meaning is itself a denial: a yes/no question that asks about an ending, a stop or a
# refusal ("Apakah satelit itu sudah berhenti beroperasi?") may be answered yes by a denial ("tidak lagi beroperasi")
NEGATIVE_PREDICATES = REFUSALS | frozenset("""stop stops stopped end ends ended over finish finished fail fails failed
lose loses lost cancel cancels cancelled canceled quit quits resign resigns resigned close closes closed halt halted
ban banned missing lack lacks lacked absent without berhenti dihentikan menghentikan berakhir selesai gagal hilang
kalah batal dibatalkan membatalkan tutup ditutup menutup mundur larang dilarang melarang tanpa kurang
kehilangan""".split())

# what a "which …" question may ask for by name ("Which investor took over …", "Kementerian mana yang …"): an
# answer to it names someone, as one to "who" does
NAMED_ASKED = frozenset("""investor investors company companies firm firms bank banks minister ministers ministry
ministries official officials agency agencies institution institutions organisation organisations organization
organizations party parties club clubs coach coaches newspaper newspapers outlet outlets court courts judge judges
governor governors mayor mayors regent regents university universities school schools general generals commander
commanders officer officers jenderal komandan perwira
perusahaan kementerian menteri lembaga badan partai klub pelatih pejabat pengadilan hakim gubernur wali bupati
universitas kampus sekolah media""".split())

# words of a how-much question that ask for a sum of money ("How much did they pay", "Berapa biayanya"), and the
# words of one that asks for a share instead ("how much of the budget, in percent")
MONEY_WORDS = frozenset("""pay pays paid paying cost costs costing price prices priced spend spends spent spending
budget budgets fee fees salary salaries wage wages compensation bayar membayar dibayar dibayarkan harga harganya
biaya biayanya anggaran anggarannya santunan gaji upah honor""".split())
SHARE_WORDS = frozenset("""percent percentage proportion persen persentase""".split())
# a how-much question about a change asks for its size in any unit ("How much did fuel prices rise?": 10 persen)
CHANGE_WORDS = frozenset("""rise rises rose risen increase increased fall falls fell fallen drop dropped decrease
decreased grow grew grown naik kenaikan turun penurunan meningkat menurun tumbuh pertumbuhan""".split())
MONEY_UNITS = frozenset("""rupiah dolar dollar dollars euro euros yuan yen ringgit""".split())
# units of time: a figure that counts one ("enam bulan ke depan") answers a how-many question only where the
# question asks for time (any of these words, or of TIME_ASKED: a span, an age, a sentence)
TIME_SPANS = frozenset("""second seconds minute minutes hour hours day days week weeks month months year years decade
decades century centuries detik menit jam hari minggu pekan bulan tahun dekade abad""".split())
TIME_ASKED = TIME_SPANS | frozenset("""long lama time waktu duration durasi period periode masa tenor age aged old usia
umur berusia sentence sentenced prison jail hukuman dihukum vonis divonis penjara""".split())

# Indonesian function words and reporting verbs in English, for the word-by-word English rendering the
# reranker reads (qa.language.english_gloss); the glossary covers content words only.
INDONESIAN_GLOSS = {
    "dan": "and", "itu": "that", "ini": "this", "dengan": "with", "yang": "which", "di": "in", "ke": "to",
    "dari": "from", "untuk": "for", "pada": "on", "tidak": "not", "tak": "not", "bukan": "not", "belum": "not yet",
    "akan": "will", "telah": "has", "sudah": "already", "oleh": "by", "dalam": "in", "kata": "said",
    "ujar": "said", "ungkap": "said", "jelas": "explained", "sebesar": "amounting to", "sebanyak": "as many as",
    "masing": "each", "tersebut": "the", "juga": "also", "atau": "or", "adalah": "is", "merupakan": "is",
    "bahwa": "that", "karena": "because", "saat": "when", "ketika": "when", "sejak": "since", "hingga": "until",
    "sampai": "until", "lebih": "more", "para": "the", "bagi": "for", "tahun": "year", "bulan": "month",
    "hari": "day", "ia": "he", "dia": "he", "mereka": "they", "kami": "we", "kita": "we", "sebagai": "as",
    "namun": "but", "tetapi": "but", "setelah": "after", "sebelum": "before", "menurut": "according to",
    "ada": "there is", "bisa": "can", "dapat": "can", "hanya": "only", "sekitar": "about", "lalu": "last",
}
