"""Texts of approved villages, erasing data and other trust-and-safety refusals."""

from __future__ import annotations

ID: dict[str, str] = {
    "vc.requested": "Perubahan desa ke <b>{village}</b> menunggu persetujuan koordinator forum: {forums}. "
                    "Sampai disetujui, desa lama Bapak/Ibu yang berlaku.",
    "vc.to_koordinator": "<b>Permintaan ubah desa</b> di {forum}\n{name}\nDari: {old}\nMenjadi: <b>{new}</b>",
    "vc.approve": "✅ Setujui",
    "vc.reject": "❌ Tolak",
    "vc.approved": "Perubahan desa Bapak/Ibu menjadi <b>{village}</b> disetujui di {forum}.",
    "vc.rejected": "Perubahan desa Bapak/Ibu menjadi <b>{village}</b> ditolak di {forum}. Desa lama Bapak/Ibu tetap berlaku.",
    "vc.approved_note": "✅ Disetujui oleh {by}.",
    "vc.rejected_note": "❌ Ditolak oleh {by}.",
    "vc.already_decided": "Permintaan ini sudah diputuskan.",
    "vc.pending_line": "⏳ Menunggu persetujuan: desa {village} di {forum}",
    "vc.none": "belum ada",
    "vc.creator_unconfirmed": "\nDesa pembuat forum, {name} (Desa {village}), belum dikonfirmasi orang lain. "
                              "Sebagai pendamping, Bapak/Ibu dapat mengonfirmasinya bila benar.",
    "vc.creator_confirm": "✅ Konfirmasi desa pembuat forum",
    "vc.creator_confirmed": "Desa pembuat {forum} dikonfirmasi. Terima kasih.",
    "erase.last_koordinator": "Data Bapak/Ibu belum bisa dihapus: Bapak/Ibu satu-satunya koordinator {forum}, yang masih "
                              "punya anggota lain. Angkat koordinator lain dulu (atau minta anggota keluar), "
                              "lalu kirim /hapus_data lagi.",
    "erase.visit_ended": "Kunjungan kerja #{id} dengan {village} dibatalkan: kepala desa yang mengajukan atau "
                         "menerimanya telah menghapus datanya dari bot.",
    "vp.updated_by": "Terakhir diubah: {when} oleh {name}",
    "vp.unverified": "⚠️ Belum terverifikasi: diisi oleh kepala desa yang desanya belum disahkan orang lain.",
    "vp.saved_unverified": "Disimpan, ditandai <b>belum terverifikasi</b> sampai anggota desa ini yang sudah "
                           "terverifikasi memeriksanya.",
    "vp.proposed": "Usulan perubahan dikirim kepada kepala desa {village} yang sudah terverifikasi. Profil berubah "
                   "setelah mereka menerimanya.",
    "vp.proposal": "<b>Usulan perubahan profil Desa {village}</b> dari {name}:\n\n{summary}",
    "vp.accept": "✅ Terima",
    "vp.reject": "❌ Tolak",
    "vp.accepted": "Usulan perubahan profil Desa {village} Bapak/Ibu diterima.",
    "vp.rejected": "Usulan perubahan profil Desa {village} Bapak/Ibu ditolak.",
    "vp.accepted_note": "✅ Diterima.",
    "vp.rejected_note": "❌ Ditolak.",
    "vp.history": "Riwayat",
    "vp.history_title": "<b>Riwayat profil Desa {village}</b>",
    "vp.history_line": "#{number} {when} — {name}{mark}",
    "vp.history_empty": "Belum ada perubahan yang tercatat.",
    "vp.history_unverified": " (belum terverifikasi)",
    "vp.revert": "Kembalikan ke #{number}",
    "vp.reverted": "Profil dikembalikan ke isi #{number}.",
    "vp.confirm": "Sahkan isi ini",
    "vp.confirmed": "Profil desa disahkan.",
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
    "vc.creator_unconfirmed": "\nThe village of the forum's creator, {name} (village of {village}), has not been "
                              "confirmed by anyone else. As pendamping you may confirm it if it is right.",
    "vc.creator_confirm": "✅ Confirm the creator's village",
    "vc.creator_confirmed": "The village of the creator of {forum} is confirmed. Thank you.",
    "erase.last_koordinator": "Your data cannot be erased yet: you are the only coordinator of {forum}, which "
                              "still has other members. Appoint another coordinator first (or ask the members to "
                              "leave), then send /hapus_data again.",
    "erase.visit_ended": "Work visit #{id} with {village} was cancelled: the village head on the "
                         "other side erased their data from the bot.",
    "vp.updated_by": "Last changed: {when} by {name}",
    "vp.unverified": "⚠️ Not verified: filled in by a village head whose village nobody else has confirmed yet.",
    "vp.saved_unverified": "Saved, marked <b>not verified</b> until a verified member of this village reviews it.",
    "vp.proposed": "Your proposed change was sent to the verified village heads of {village}. The profile changes "
                   "once they accept it.",
    "vp.proposal": "<b>Proposed change to the profile of {village}</b> from {name}:\n\n{summary}",
    "vp.accept": "✅ Accept",
    "vp.reject": "❌ Reject",
    "vp.accepted": "Your proposed change to the profile of {village} was accepted.",
    "vp.rejected": "Your proposed change to the profile of {village} was rejected.",
    "vp.accepted_note": "✅ Accepted.",
    "vp.rejected_note": "❌ Rejected.",
    "vp.history": "History",
    "vp.history_title": "<b>History of the profile of {village}</b>",
    "vp.history_line": "#{number} {when} — {name}{mark}",
    "vp.history_empty": "No changes recorded yet.",
    "vp.history_unverified": " (not verified)",
    "vp.revert": "Revert to #{number}",
    "vp.reverted": "The profile was reverted to #{number}.",
    "vp.confirm": "Confirm this content",
    "vp.confirmed": "The village profile is confirmed.",
}
