# ruff: noqa: E501  (prose in two languages reads better unbroken)
"""The words of the pages of issued documents, the wallet and once-only requirements."""

from __future__ import annotations

DOCUMENTS: dict[str, tuple[str, str]] = {
    "error.gone": ("Sudah tidak berlaku", "No longer available"),
    "error.unavailable": ("Layanan sedang tidak tersedia", "Temporarily unavailable"),
    "nav.verify": ("Periksa dokumen", "Verify a document"),
    "nav.wallet": ("Dompet dokumen", "Document wallet"),
    "nav.outputs": ("Dokumen terbit", "Issued documents"),
    # verification
    "verify.title": ("Pemeriksaan dokumen", "Document check"),
    "verify.heading": ("Keaslian dokumen", "Is this document genuine?"),
    "verify.document_id": ("ID dokumen", "Document ID"),
    "verify.valid": ("Dokumen sah", "Valid document"),
    "verify.valid_lead": (
        "Dokumen ini diterbitkan dan ditandatangani secara elektronik oleh {agency}, tidak diubah sejak diterbitkan, dan tidak dicabut.",
        "This document was issued and electronically signed by {agency}, has not been changed since, and has not been revoked.",
    ),
    "verify.revoked": ("Dokumen dicabut", "Revoked document"),
    "verify.revoked_lead": (
        "Instansi penerbit mencabut dokumen ini pada {when}. Dokumen ini tidak berlaku lagi.",
        "The issuing agency revoked this document on {when}. It is no longer valid.",
    ),
    "verify.reason": ("Alasan", "Reason"),
    "verify.forged": ("Tanda tangan tidak sah", "Signature does not hold"),
    "verify.forged_lead": (
        "Isi dokumen ini tidak cocok dengan tanda tangan instansi: dokumen telah diubah atau bukan terbitan Layan. Jangan menerimanya.",
        "The content does not match the agency's signature: the document was changed or was not issued by Layan. Do not accept it.",
    ),
    "verify.expired": ("Masa berlaku habis", "Expired"),
    "verify.expired_lead": (
        "Dokumen ini asli, tetapi masa berlakunya berakhir pada {until}.",
        "This document is genuine, but its validity ended on {until}.",
    ),
    "verify.what": ("Isi yang ditandatangani", "What was signed"),
    "verify.kind": ("Jenis", "Kind"),
    "verify.kind.output": ("Produk layanan", "Service output"),
    "verify.kind.refusal": ("Surat penolakan", "Refusal letter"),
    "verify.service": ("Layanan", "Service"),
    "verify.number": ("Nomor dokumen", "Document number"),
    "verify.agency": ("Instansi penerbit", "Issuing agency"),
    "verify.issued_at": ("Diterbitkan", "Issued"),
    "verify.valid_until": ("Berlaku sampai", "Valid until"),
    "verify.subject": ("Atas nama", "Issued to"),
    "verify.key": ("Kunci tanda tangan", "Signing key"),
    "verify.key.active": ("aktif", "active"),
    "verify.key.retired": (
        "sudah diganti, tetap sah untuk dokumen lama",
        "rotated, still valid for earlier documents",
    ),
    "verify.key.unknown": ("tidak dikenal", "unknown"),
    "verify.compare_paper": (
        "Cocokkan nomor, tanggal, dan nama (sebagian disamarkan) dengan yang tercetak di kertas.",
        "Compare the number, the date and the name (partly hidden) with what is printed on the paper.",
    ),
    "verify.nik_heading": ("Cocokkan NIK", "Check the NIK"),
    "verify.nik_lead": (
        "Ketik NIK yang tercetak di dokumen untuk memastikan dokumen ini diterbitkan untuk orang tersebut. NIK tidak disimpan.",
        "Type the NIK printed on the document to confirm it was issued to that person. The NIK is not stored.",
    ),
    "verify.nik_label": ("NIK di dokumen", "NIK on the document"),
    "verify.nik_check": ("Cocokkan", "Check"),
    "verify.nik_match": (
        "NIK cocok: dokumen ini diterbitkan untuk NIK tersebut.",
        "The NIK matches: the document was issued to it.",
    ),
    "verify.nik_no_match": (
        "NIK tidak cocok dengan dokumen ini.",
        "The NIK does not match this document.",
    ),
    "verify.offline_heading": ("Memeriksa tanpa internet", "Checking offline"),
    "verify.offline_lead": (
        "Kode QR pada kertas memuat seluruh isi yang ditandatangani (JWS). Siapa pun dapat memeriksanya dengan kunci publik instansi:",
        "The QR code on the paper holds everything that was signed (a JWS). Anyone can check it with the agencies' public keys:",
    ),
    "verify.another": ("Periksa dokumen lain", "Check another document"),
    "verify.form_title": ("Periksa keaslian dokumen", "Check a document"),
    "verify.form_lead": (
        "Ketik ID dokumen yang tercetak di bawah kode QR, atau tempel teks yang dibaca aplikasi pemindai QR di ponsel Anda.",
        "Type the document ID printed under the QR code, or paste the text your phone's QR reader shows.",
    ),
    "verify.code_label": ("ID dokumen atau isi kode QR", "Document ID or the QR code's text"),
    "verify.code_hint": ("Contoh ID: K7QM-8XPT-3RAB", "Example ID: K7QM-8XPT-3RAB"),
    "verify.submit": ("Periksa", "Check"),
    "verify.code_required": (
        "Isi ID dokumen atau teks kode QR",
        "Enter the document ID or the QR code's text",
    ),
    "verify.code_unreadable": (
        "Ini bukan ID dokumen maupun kode QR dokumen Layan; periksa kembali ketikannya",
        "This is neither a document ID nor a Layan document's QR code; check what you typed",
    ),
    "verify.not_found": ("Tidak ada dokumen dengan ID ini", "There is no document with this ID"),
    # the applicant's issued documents
    "outputs.heading": ("Dokumen yang diterbitkan", "Documents issued"),
    "outputs.lead": (
        "Dokumen ini bertanda tangan elektronik dan sah tanpa cap basah. Siapa pun dapat memeriksa keasliannya dengan memindai kode QR-nya.",
        "These documents are electronically signed and valid without a wet stamp. Anyone can check them by scanning their QR code.",
    ),
    "outputs.download": ("Unduh PDF", "Download PDF"),
    "outputs.verify": ("Halaman verifikasi", "Verification page"),
    "outputs.jws": ("Isi kode QR (JWS)", "The QR code's content (JWS)"),
    "outputs.revoked": ("dicabut", "revoked"),
    "outputs.valid_until": ("berlaku sampai {until}", "valid until {until}"),
    "outputs.none": ("Belum ada dokumen yang diterbitkan.", "No document has been issued yet."),
    "outputs.wallet_hint": (
        "Semua dokumen yang diterbitkan untuk NIK Anda ada di Dompet dokumen.",
        "Every document issued to your NIK is in your document wallet.",
    ),
    # the issuing agency's list
    "agency_outputs.lead": (
        "Dokumen yang diterbitkan instansi Anda, terbaru lebih dulu. Membuka PDF tercatat di log akses pemohon.",
        "The documents your agency issued, newest first. Opening a PDF is written to the applicant's access log.",
    ),
    "agency_outputs.search": (
        "Cari nomor dokumen, ID dokumen, atau nomor permohonan",
        "Find a document number, a document ID or a tracking number",
    ),
    "agency_outputs.search_button": ("Cari", "Search"),
    "agency_outputs.revoke": ("Cabut dokumen", "Revoke"),
    "agency_outputs.reason": ("Alasan pencabutan", "Reason for revoking"),
    "agency_outputs.reason_hint": (
        "Ditampilkan kepada siapa pun yang memeriksa dokumen: jangan menyebut nama orang.",
        "Shown to anyone who checks the document: name no one.",
    ),
    "agency_outputs.revoke_button": ("Cabut", "Revoke"),
    "agency_outputs.revoked_notice": (
        "Dokumen dicabut; setiap pemeriksaan kini menyatakannya.",
        "The document is revoked; every check now says so.",
    ),
    "agency_outputs.valid": ("berlaku", "valid"),
    # the wallet
    "wallet.lead": (
        "Semua dokumen yang diterbitkan untuk NIK Anda, dari instansi mana pun, di satu tempat. Masuk dengan kode sekali pakai yang dikirim ke email yang Anda berikan saat mengajukan permohonan.",
        "Every document issued to your NIK, by any agency, in one place. Sign in with a one-time code sent to the email you gave when you applied.",
    ),
    "wallet.nik_hint": ("16 angka, seperti di KTP-el", "16 digits, as on the KTP-el"),
    "wallet.email_hint": (
        "Email yang Anda isi pada permohonan",
        "The email you gave on your application",
    ),
    "wallet.send_code": ("Kirim kode", "Send a code"),
    "wallet.privacy": (
        "Demi keamanan, kami tidak memberi tahu apakah NIK atau email ini dikenal: kode hanya dikirim bila keduanya cocok dengan dokumen yang diterbitkan.",
        "For your safety we never say whether a NIK or email is known: a code goes out only when both match an issued document.",
    ),
    "wallet.code_title": ("Masukkan kode", "Enter the code"),
    "wallet.code_lead": (
        "Jika NIK dan email cocok dengan dokumen yang diterbitkan, kami telah mengirim kode 6 angka ke email tersebut. Kode berlaku 10 menit.",
        "If the NIK and email match an issued document, we sent a 6-digit code to that email. It works for 10 minutes.",
    ),
    "wallet.no_mail_server": (
        "Server surel belum diatur di instalasi ini: pesan disimpan di folder outbox server (LAYAN_DATA_DIR/outbox) alih-alih dikirim.",
        "No mail server is set up on this installation: messages are kept in the server's outbox folder (LAYAN_DATA_DIR/outbox) instead of being sent.",
    ),
    "wallet.code_label": ("Kode dari email", "Code from the email"),
    "wallet.code_hint": ("6 angka", "6 digits"),
    "wallet.open": ("Buka dompet", "Open the wallet"),
    "wallet.again": ("Minta kode baru", "Ask for a new code"),
    "wallet.opened_lead": (
        "Dokumen yang diterbitkan untuk NIK Anda. Sesi ini berakhir sendiri setelah 30 menit.",
        "The documents issued to your NIK. This session ends by itself after 30 minutes.",
    ),
    "wallet.share_for": ("Bagikan lewat tautan yang berlaku", "Share by a link that works for"),
    "wallet.hours.1": ("1 jam", "1 hour"),
    "wallet.hours.24": ("1 hari", "1 day"),
    "wallet.hours.168": ("7 hari", "7 days"),
    "wallet.hours.720": ("30 hari", "30 days"),
    "wallet.share": ("Buat tautan", "Make a link"),
    "wallet.link_made": (
        "Tautan dibuat. Kirimkan kepada yang memerlukan dokumen ini:",
        "Link made. Send it to whoever needs the document:",
    ),
    "wallet.link_once": (
        "Tautan ini hanya ditampilkan sekali. Siapa pun yang memegangnya dapat membuka dokumen sampai tautan berakhir atau Anda menghentikannya.",
        "The link is shown only this once. Whoever holds it can open the document until it ends or you stop it.",
    ),
    "wallet.links": ("Tautan yang Anda buat", "Links you made"),
    "wallet.link_until": ("berlaku sampai {until}", "works until {until}"),
    "wallet.opened_times": ("dibuka {n} kali", "opened {n} times"),
    "wallet.stop": ("Hentikan", "Stop"),
    "wallet.link_ended": ("berakhir", "ended"),
    "wallet.link_stopped": ("Tautan dihentikan.", "The link is stopped."),
    "wallet.no_links": ("Belum ada tautan.", "No links yet."),
    "wallet.close": ("Tutup dompet", "Close the wallet"),
    "shared.title": ("Dokumen yang dibagikan", "A shared document"),
    "shared.lead": (
        "Pemilik dokumen ini membagikannya kepada Anda lewat tautan yang berlaku terbatas.",
        "The holder of this document shared it with you by a link that works for a limited time.",
    ),
    # once-only on the application form
    "once.issued_hint": (
        "Sudah punya {name} yang diterbitkan lewat Layan? Pakai dokumen itu: tidak perlu mengunggah apa pun.",
        "Already have a {name} issued through Layan? Use it: nothing to upload.",
    ),
    "once.pick": ("Dokumen dari Dompet dokumen Anda", "A document from your document wallet"),
    "once.pick_none": (
        "Tidak memakai dokumen terbit (unggah salinan)",
        "Do not use an issued document (upload a copy)",
    ),
    "once.id_label": ("ID dokumen terbit", "Issued document ID"),
    "once.id_hint": (
        "Tercetak di bawah kode QR dokumen, misalnya K7QM-8XPT-3RAB. Atau",
        "Printed under the document's QR code, e.g. K7QM-8XPT-3RAB. Or",
    ),
    "once.wallet_link": ("pilih dari Dompet dokumen", "pick it from your document wallet"),
    "once.registry_hint": (
        "Tidak perlu diunggah: kami memeriksanya di registri berdasarkan NIK Anda saat permohonan dikirim. Unggah salinan hanya jika datanya belum ada di registri.",
        "Nothing to upload: we check the registry by your NIK when the application is sent. Upload a copy only if the registry does not hold it yet.",
    ),
    "once.or_upload": ("atau unggah salinannya", "or upload a copy"),
    "once.check_heading": (
        "Dari data pemerintah (tanpa unggah)",
        "From government records (no upload)",
    ),
    "once.check_issued": ("dokumen terbit {id}", "issued document {id}"),
    "once.check_registry": (
        "diperiksa di registri berdasarkan NIK saat dikirim",
        "checked in the registry by NIK when sent",
    ),
    # drafts
    "draft.heading": ("Permohonan disimpan sebagai draf", "Application kept as a draft"),
    "draft.lead": (
        "Semua isian dan dokumen Anda tersimpan. Satu persyaratan belum dapat dipenuhi dari data pemerintah:",
        "Everything you gave is kept. One requirement could not yet be met from government records:",
    ),
    "draft.no_clock": (
        "Jangka waktu layanan mulai berjalan saat permohonan lengkap diterima. Lengkapi di halaman lacak dengan nomor dan PIN ini.",
        "The service time starts once the complete application is received. Complete it on the tracking page with this number and PIN.",
    ),
    "draft.status": ("Draf: belum diterima", "Draft: not received yet"),
    "draft.waiting": ("Menunggu", "Waiting for"),
    "draft.complete_heading": ("Lengkapi dan kirim lagi", "Complete and send again"),
    "draft.complete_lead": (
        "Kirim lagi untuk memeriksa registri sekali lagi, atau unggah dokumennya di sini.",
        "Send again to check the registry once more, or upload the document here.",
    ),
    "draft.send": ("Kirim lagi", "Send again"),
    "draft.attempts": ("Percobaan", "Attempts"),
    "once.officer_heading": ("Dipenuhi dari data pemerintah", "Met from government records"),
    "once.officer_issued": (
        "dokumen terbit {provider}, diperiksa saat diajukan:",
        "a document issued by {provider}, checked when submitted:",
    ),
    "once.officer_registry": (
        "ditemukan di registri {registry} ({provider}), rujukan {reference}",
        "found in the {registry} registry ({provider}), reference {reference}",
    ),
    # the requirement audit
    "audit.title": ("Audit persyaratan", "Requirement audit"),
    "audit.lead": (
        "Persyaratan yang dapat dipangkas atau dipenuhi dari data yang sudah dipegang pemerintah, agar tidak ada lagi syarat pelayanan yang rumit.",
        "Requirements that could be cut or met from what government already holds, so that no service asks for more than it must.",
    ),
    "audit.agency": ("Instansi", "Agency"),
    "audit.show": ("Tampilkan", "Show"),
    "audit.csv": ("Unduh CSV persyaratan", "Download the requirements (CSV)"),
    "audit.months_csv": ("Unduh CSV per bulan", "Download the months (CSV)"),
    "audit.without_basis": ("Tanpa dasar hukum yang jelas", "Without a clear legal basis"),
    "audit.none_without_basis": (
        "Setiap persyaratan menyebut peraturan beserta nomornya.",
        "Every requirement cites a regulation with its number.",
    ),
    "audit.candidates": (
        "Sudah dipegang pemerintah (kandidat sekali saja)",
        "Already held by government (once-only candidates)",
    ),
    "audit.candidates_hint": (
        "Dokumen yang diterbitkan instansi pemerintah tetapi masih diminta diunggah. Bila layanan penerbitnya ada di Layan, ubah persyaratannya seperti di kolom terakhir.",
        "Documents a government agency issues that applicants are still asked to upload. Where the issuing service is on Layan, change the requirement as the last column says.",
    ),
    "audit.service": ("Layanan", "Service"),
    "audit.requirement": ("Persyaratan", "Requirement"),
    "audit.held_by": ("Diterbitkan oleh", "Issued by"),
    "audit.issued_on_layan": ("Diterbitkan di Layan oleh", "Issued on Layan by"),
    "audit.not_on_layan": (
        "layanan penerbit belum ada di Layan",
        "the issuing service is not on Layan yet",
    ),
    "audit.no_candidates": (
        "Tidak ada: semua yang dipegang pemerintah sudah dipenuhi sekali saja.",
        "None: everything government holds is met once-only.",
    ),
    "audit.shared": (
        "Persyaratan yang sama di beberapa layanan",
        "The same requirement in several services",
    ),
    "audit.shared_hint": (
        "✓: sudah dipenuhi sekali saja di layanan itu.",
        "✓: already met once-only in that service.",
    ),
    "audit.months": (
        "Unggahan yang tidak lagi diminta, per bulan",
        "Uploads no longer asked for, per month",
    ),
    "audit.month": ("Bulan", "Month"),
    "audit.by_issued": ("dari dokumen terbit", "by issued documents"),
    "audit.by_registry": ("dari registri", "by registry lookups"),
    "audit.total": ("Jumlah", "Total"),
    "audit.no_months": (
        "Belum ada persyaratan yang dipenuhi sekali saja.",
        "No requirement has been met once-only yet.",
    ),
    "audit.all": ("Semua persyaratan", "Every requirement"),
    "audit.kind": ("Jenis", "Kind"),
    "audit.kind.document": ("dokumen", "document"),
    "audit.kind.issued_document": ("dokumen terbit", "issued document"),
    "audit.kind.registry": ("registri", "registry"),
    "audit.also_asked": ("Juga diminta layanan lain", "Also asked by other services"),
    "audit.link": ("Audit persyaratan", "Requirement audit"),
    # signing keys
    "keys.link": ("Kunci tanda tangan", "Signing keys"),
    "keys.title": ("Kunci tanda tangan", "Signing keys"),
    "keys.lead": (
        "Dokumen instansi ditandatangani dengan kunci Ed25519 yang aktif. Kunci privat hanya ada di folder kunci server (LAYAN_KEYS_DIR); kunci publik diterbitkan di /api/v1/keys.",
        "The agency's documents are signed with its active Ed25519 key. The private key exists only in the server's key folder (LAYAN_KEYS_DIR); public keys are published at /api/v1/keys.",
    ),
    "keys.rotate_hint": (
        "Ganti kunci bila kunci lama mungkin bocor atau secara berkala. Dokumen lama tetap sah dengan kunci lama; cabut dokumen yang diragukan satu per satu.",
        "Rotate when the key may have leaked, or as routine. Earlier documents stay valid under the old key; revoke any doubtful document one by one.",
    ),
    "keys.rotate": ("Ganti kunci sekarang", "Rotate the key now"),
    "keys.rotated": (
        "Kunci baru aktif; kunci lama tetap diterbitkan untuk dokumen lama.",
        "A new key is active; the old one stays published for earlier documents.",
    ),
}
