"""Texts of approved villages, erasing data and other trust-and-safety refusals."""

from __future__ import annotations

ID: dict[str, str] = {
    "vc.requested": "Perubahan desa ke <b>{village}</b> menunggu persetujuan koordinator forum: {forums}. "
                    "Sampai disetujui, desa lama Anda yang berlaku.",
    "vc.to_koordinator": "<b>Permintaan ubah desa</b> di {forum}\n{name}\nDari: {old}\nMenjadi: <b>{new}</b>",
    "vc.approve": "✅ Setujui",
    "vc.reject": "❌ Tolak",
    "vc.approved": "Perubahan desa Anda menjadi <b>{village}</b> disetujui di {forum}.",
    "vc.rejected": "Perubahan desa Anda menjadi <b>{village}</b> ditolak di {forum}. Desa lama Anda tetap berlaku.",
    "vc.approved_note": "✅ Disetujui oleh {by}.",
    "vc.rejected_note": "❌ Ditolak oleh {by}.",
    "vc.already_decided": "Permintaan ini sudah diputuskan.",
    "vc.pending_line": "⏳ Menunggu persetujuan: desa {village} di {forum}",
    "vc.none": "belum ada",
    "erase.last_koordinator": "Data Anda belum bisa dihapus: Anda satu-satunya koordinator {forum}, yang masih "
                              "punya anggota lain. Angkat koordinator lain dulu (atau minta anggota keluar), "
                              "lalu kirim /hapus_data lagi.",
    "erase.visit_ended": "Kunjungan kerja #{id} dengan Desa {village} dibatalkan: kepala desa yang mengajukan atau "
                         "menerimanya telah menghapus datanya dari bot.",
}

EN: dict[str, str] = {
    "vc.requested": "Your change of village to <b>{village}</b> awaits the approval of the forum coordinator: "
                    "{forums}. Until it is approved, your old village counts.",
    "vc.to_koordinator": "<b>Village change request</b> in {forum}\n{name}\nFrom: {old}\nTo: <b>{new}</b>",
    "vc.approve": "✅ Approve",
    "vc.reject": "❌ Reject",
    "vc.approved": "Your change of village to <b>{village}</b> was approved in {forum}.",
    "vc.rejected": "Your change of village to <b>{village}</b> was rejected in {forum}. Your old village still counts.",
    "vc.approved_note": "✅ Approved by {by}.",
    "vc.rejected_note": "❌ Rejected by {by}.",
    "vc.already_decided": "This request was already decided.",
    "vc.pending_line": "⏳ Awaiting approval: village {village} in {forum}",
    "vc.none": "none",
    "erase.last_koordinator": "Your data cannot be erased yet: you are the only coordinator of {forum}, which "
                              "still has other members. Appoint another coordinator first (or ask the members to "
                              "leave), then send /hapus_data again.",
    "erase.visit_ended": "Work visit #{id} with the village of {village} was cancelled: the village head on the "
                         "other side erased their data from the bot.",
}
