"""Sentences of the update intake: flood control, storage trouble, replies derived after a restart."""

from __future__ import annotations

ID: dict[str, str] = {
    "rel.flood": "Terlalu banyak pesan, tunggu sebentar. Pesan Bapak/Ibu yang berikutnya belum saya proses.",
    "rel.storage_trouble": "Maaf, sedang ada gangguan penyimpanan, coba lagi sebentar lagi.",
    "rel.replayed": "Pesan Bapak/Ibu sebelumnya sudah tercatat.",
    "bc.report_maybe_dup": "Mungkin terkirim dua kali: {n} (jaringan terputus saat mengirim)",
}

EN: dict[str, str] = {
    "rel.flood": "Too many messages, please wait a moment. Your next messages were not processed.",
    "rel.storage_trouble": "Sorry, storage is having trouble right now, please try again in a moment.",
    "rel.replayed": "Your previous message has been recorded.",
    "bc.report_maybe_dup": "Possibly received twice: {n} (the connection dropped while sending)",
}
