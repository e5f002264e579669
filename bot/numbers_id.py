"""How many: counts typed the way people write them ("30", "30 orang", "± 12 org", "tiga puluh").

Pure rules, no Telegram. Used wherever the bot asks how many people come.
"""

from __future__ import annotations

import re

_UNITS = {
    "nol": 0, "satu": 1, "se": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6,
    "tujuh": 7, "delapan": 8, "sembilan": 9,
}
# Words that may follow or precede the number and mean nothing for the count.
_FILLER = {"orang", "org", "org.", "jiwa", "peserta", "personil", "personel", "kira", "kira-kira", "sekitar",
           "lebih", "kurang", "ada", "sebanyak", "kami", "±", "+-", "+/-", "yang", "datang", "hadir"}
_DIGITS = re.compile(r"^(\d{1,6})(?:orang|org)?$")


def count_from_text(text: str) -> int | None:
    """The number in a typed count, or None when it holds no clear number.

    "30", "30 orang", "30org", "sekitar 12 orang", "tiga puluh", "sebelas", "seratus dua".
    """
    words = [w for w in re.split(r"[\s,]+", text.strip().lower()) if w]
    words = [w for w in words if w not in _FILLER]
    if len(words) == 1:
        match = _DIGITS.match(words[0].replace(".", ""))
        if match:
            return int(match.group(1))
    return _from_words(words)


def _from_words(words: list[str]) -> int | None:
    """Indonesian number words up to 9.999: "dua ribu tiga ratus empat puluh lima"."""
    if not words:
        return None
    total = 0
    current = 0
    seen = False
    for word in words:
        if word in ("sepuluh", "sebelas", "seratus", "seribu"):
            value = {"sepuluh": 10, "sebelas": 11, "seratus": 100, "seribu": 1000}[word]
            if value >= 100:
                total += value
            else:
                current += value
        elif word in _UNITS and word != "se":
            current += _UNITS[word]
        elif word == "belas":
            current += 10
        elif word == "puluh":
            current *= 10
        elif word == "ratus":
            total += current * 100
            current = 0
        elif word == "ribu":
            total = (total + current) * 1000
            current = 0
        else:
            return None
        seen = True
    return total + current if seen else None
