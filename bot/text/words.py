"""Words for days, months, numbers and answers in English, Finnish and Swedish (lower case)."""

from __future__ import annotations

# Weekday (Monday = 0) by every form people type: names, inflected forms, abbreviations.
WEEKDAYS: dict[str, int] = {}
_DAY_FORMS = (
    ("monday", "mon", "maanantai", "maanantaina", "ma", "måndag", "måndagen", "mån", "måndags"),
    (
        "tuesday",
        "tue",
        "tues",
        "tiistai",
        "tiistaina",
        "ti",
        "tisdag",
        "tisdagen",
        "tis",
        "tisdags",
    ),
    (
        "wednesday",
        "wed",
        "keskiviikko",
        "keskiviikkona",
        "ke",
        "onsdag",
        "onsdagen",
        "ons",
        "onsdags",
    ),
    (
        "thursday",
        "thu",
        "thur",
        "thurs",
        "torstai",
        "torstaina",
        "to",
        "torsdag",
        "torsdagen",
        "tor",
        "tors",
        "torsdags",
    ),
    ("friday", "fri", "perjantai", "perjantaina", "pe", "fredag", "fredagen", "fre", "fredags"),
    ("saturday", "sat", "lauantai", "lauantaina", "la", "lördag", "lördagen", "lör", "lördags"),
    ("sunday", "sun", "sunnuntai", "sunnuntaina", "su", "söndag", "söndagen", "sön", "söndags"),
)
for _index, _forms in enumerate(_DAY_FORMS):
    for _form in _forms:
        WEEKDAYS[_form] = _index

# "last Saturday", "viime lauantaina", "förra lördagen", "i lördags" (i + day + s).
LAST_WORDS = ("last", "past", "this past", "viime", "viimeksi", "förra", "senaste", "i")
ON_WORDS = ("on", "this", "tänä", "nyt", "på", "den", "klo", "kl")

TODAY = {"today", "tänään", "idag", "i dag", "tonight", "tänä iltana", "i kväll", "ikväll"}
YESTERDAY = {"yesterday", "eilen", "igår", "i går", "yesterday evening", "eilen illalla"}
DAY_BEFORE = {
    "the day before yesterday",
    "day before yesterday",
    "toissapäivänä",
    "toissa päivänä",
    "i förrgår",
    "förrgår",
}
TOMORROW = {"tomorrow", "huomenna", "imorgon", "i morgon", "imorn", "i morn"}
AFTER_TOMORROW = {"the day after tomorrow", "day after tomorrow", "ylihuomenna", "i övermorgon"}

# Months (1-12) by name, inflected form and abbreviation.
MONTHS: dict[str, int] = {}
_MONTH_FORMS = (
    ("january", "jan", "tammikuu", "tammikuuta", "tammi", "januari"),
    ("february", "feb", "helmikuu", "helmikuuta", "helmi", "februari"),
    ("march", "mar", "maaliskuu", "maaliskuuta", "maalis", "mars"),
    ("april", "apr", "huhtikuu", "huhtikuuta", "huhti"),
    ("may", "toukokuu", "toukokuuta", "touko", "maj"),
    ("june", "jun", "kesäkuu", "kesäkuuta", "kesä", "juni"),
    ("july", "jul", "heinäkuu", "heinäkuuta", "heinä", "juli"),
    ("august", "aug", "elokuu", "elokuuta", "elo", "augusti"),
    ("september", "sep", "sept", "syyskuu", "syyskuuta", "syys"),
    ("october", "oct", "lokakuu", "lokakuuta", "loka", "oktober", "okt"),
    ("november", "nov", "marraskuu", "marraskuuta", "marras"),
    ("december", "dec", "joulukuu", "joulukuuta", "joulu"),
)
for _index, _forms in enumerate(_MONTH_FORMS, start=1):
    for _form in _forms:
        MONTHS[_form] = _index

# "about 15", "ca 20", "noin 12", "ungefär 15": words that make a number approximate.
ABOUT = (
    "about",
    "around",
    "approximately",
    "approx",
    "roughly",
    "some",
    "circa",
    "ca",
    "c",
    "~",
    "noin",
    "n",
    "suunnilleen",
    "arviolta",
    "ehkä",
    "ungefär",
    "cirka",
    "runt",
    "omkring",
    "kring",
    "typ",
    "ung",
)
# Words between the two ends of a range: "15 to 20", "15–20", "15 ja 20 välillä".
RANGE_WORDS = ("-", "–", "—", "to", "or", "tai", "till", "eller", "a", "à")
# Words after a count that add nothing: "15 people", "12 henkeä", "20 personer".
COUNT_UNITS = (
    "people",
    "persons",
    "participants",
    "person",
    "participant",
    "henkeä",
    "henkilöä",
    "osallistujaa",
    "hlö",
    "hlöä",
    "henki",
    "personer",
    "deltagare",
    "pers",
    "st",
    "kpl",
)

# Whole numbers written as words (up to twelve; bigger ones people type as digits).
NUMBER_WORDS = {
    "one": 1,
    "an": 1,
    "a": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "yksi": 1,
    "yhden": 1,
    "kaksi": 2,
    "kahden": 2,
    "kolme": 3,
    "kolmen": 3,
    "neljä": 4,
    "neljän": 4,
    "viisi": 5,
    "viiden": 5,
    "kuusi": 6,
    "seitsemän": 7,
    "kahdeksan": 8,
    "yhdeksän": 9,
    "kymmenen": 10,
    "en": 1,
    "ett": 1,
    "två": 2,
    "tre": 3,
    "fyra": 4,
    "fem": 5,
    "sex": 6,
    "sju": 7,
    "åtta": 8,
    "nio": 9,
    "tio": 10,
    "elva": 11,
    "tolv": 12,
}
HALF = {"half", "puoli", "halv", "halvtimme", "halvtimma", "½"}
ONE_AND_A_HALF = {"puolitoista", "one and a half", "an hour and a half", "en och en halv", "1½"}
AND_A_HALF = ("and a half", "ja puoli", "och en halv", "½")

HOUR_UNITS = {
    "h",
    "hr",
    "hrs",
    "hour",
    "hours",
    "t",
    "tunti",
    "tuntia",
    "tunnin",
    "tuntii",
    "tim",
    "timme",
    "timmar",
    "timmen",
    "timma",
}
MINUTE_UNITS = {
    "m",
    "min",
    "mins",
    "minute",
    "minutes",
    "minuutti",
    "minuuttia",
    "minuutin",
    "minut",
    "minuter",
    "minuten",
}

YES = {
    "yes",
    "y",
    "yeah",
    "yep",
    "yup",
    "ok",
    "okay",
    "sure",
    "right",
    "correct",
    "i agree",
    "agree",
    "kyllä",
    "joo",
    "juu",
    "k",
    "kyl",
    "jep",
    "selvä",
    "oikein",
    "hyväksyn",
    "ja",
    "jo",
    "japp",
    "visst",
    "absolut",
    "stämmer",
    "det stämmer",
    "rätt",
    "jag godkänner",
    "godkänner",
}
NO = {"no", "n", "nope", "not", "wrong", "ei", "e", "eipä", "väärin", "nej", "nä", "nää", "fel"}
AND_WORDS = ("and", "ja", "och", "&", "+", ",", ";")
