# ruff: noqa: E501  (prose in two languages reads better unbroken)
"""The words of the pages, in Indonesian and English.

A key missing from this table renders as ⟦key⟧, which the page tests look for, so a
forgotten translation cannot slip through.
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # layout
    "nav.skip": ("Langsung ke isi", "Skip to content"),
    "nav.label": ("Menu utama", "Main menu"),
    "nav.services": ("Layanan", "Services"),
    "nav.track": ("Lacak permohonan", "Track an application"),
    "nav.officers": ("Masuk petugas", "Officer sign-in"),
    "nav.switch": ("English", "Bahasa Indonesia"),
    "nav.queue": ("Antrean saya", "My queue"),
    "nav.unit": ("Unit saya", "My unit"),
    "nav.admin": ("Admin instansi", "Agency admin"),
    "nav.sign_out": ("Keluar", "Sign out"),
    "footer.text": (
        "Layan: pelayanan publik yang cepat, mudah, dan akuntabel. Keluhan? Sampaikan lewat "
        "kanal pengaduan setiap layanan atau SP4N-LAPOR!",
        "Layan: fast, simple, accountable public service. A complaint? Use each service's "
        "complaints channel or SP4N-LAPOR!",
    ),
    "error.home": ("Kembali ke beranda", "Back to the home page"),
    "error.title": ("Terjadi masalah", "Something went wrong"),
    "error.not_found": ("Halaman tidak ditemukan", "Page not found"),
    "error.forbidden": ("Akses ditolak", "Access denied"),
    "error.conflict": ("Tidak dapat dilakukan sekarang", "Cannot be done now"),
    "error.invalid": ("Isian tidak sah", "Invalid input"),
    "error.server": (
        "Terjadi kesalahan di server; tidak ada yang tersimpan sebagian. Silakan coba lagi.",
        "Something went wrong on the server; nothing was half-stored. Please try again.",
    ),
    # forms
    "form.errors_title": ("Ada yang perlu diperbaiki", "There is a problem"),
    "form.optional": ("tidak wajib", "optional"),
    "form.choose": ("Pilih…", "Choose…"),
    "form.conditional": ("Diisi bila berlaku.", "Fill in if it applies."),
    "form.upload_spec": ("Berkas {types}, paling besar {kb} KB.", "{types} file, at most {kb} KB."),
    "form.kept": (
        "Sudah diunggah: {name}. Unggah lagi hanya untuk menggantinya.",
        "Already uploaded: {name}. Upload again only to replace it.",
    ),
    "fee.free": ("Gratis", "Free"),
    # officers
    "signin.title": ("Masuk petugas", "Officer sign-in"),
    "signin.heading": ("Masuk sebagai petugas", "Sign in as an officer"),
    "signin.username": ("Nama pengguna", "Username"),
    "signin.password": ("Kata sandi", "Password"),
    "signin.submit": ("Masuk", "Sign in"),
    # catalogue
    "home.title": ("Layanan publik", "Public services"),
    "home.heading": ("Layanan publik Kabupaten Suka Maju", "Public services of Suka Maju Regency"),
    "home.lead": (
        "Cari layanan, lihat persyaratan, waktu, dan biayanya, lalu ajukan dari sini.",
        "Find a service, see what it needs, how long it takes and what it costs, then apply here.",
    ),
    "home.search_label": ("Cari layanan", "Search for a service"),
    "home.search_hint": (
        "Contoh: KTP hilang, izin bangunan, akta lahir",
        "For example: lost ID card, building permit, birth certificate",
    ),
    "home.search": ("Cari", "Search"),
    "home.results_for": ("Hasil untuk “{q}”", "Results for “{q}”"),
    "home.no_results": (
        "Tidak ada layanan yang cocok. Coba kata lain, atau pilih menurut peristiwa atau instansi di bawah.",
        "No service matches. Try other words, or browse by life event or agency below.",
    ),
    "home.by_event": ("Menurut peristiwa hidup", "By life event"),
    "home.by_agency": ("Menurut instansi", "By agency"),
    "service.time": ("Waktu penyelesaian", "Completion time"),
    "service.time_hint": (
        "hari kerja, tidak termasuk hari libur",
        "working days, holidays excluded",
    ),
    "service.fee": ("Biaya", "Fee"),
    "service.output": ("Produk layanan", "What you receive"),
    "service.apply": ("Ajukan permohonan", "Apply now"),
    "service.bring": ("Persyaratan", "What you need"),
    "service.optional": ("tidak wajib", "optional"),
    "service.conditional": ("bila berlaku", "if it applies"),
    "service.upload_spec": (
        "Unggah {types}, paling besar {kb} KB",
        "Upload {types}, at most {kb} KB",
    ),
    "service.legal_basis": ("Dasar hukum", "Legal basis"),
    "service.procedure": ("Alur layanan", "How it works"),
    "service.parallel": ("Dikerjakan bersamaan:", "Done at the same time:"),
    "service.step_conditional": ("hanya bila berlaku", "only when it applies"),
    "service.complaints": ("Pengaduan, saran, dan masukan", "Complaints and suggestions"),
    "service.standard": ("Standar pelayanan", "Service standard"),
    "service.standard_caption": (
        "Empat belas komponen standar pelayanan (UU 25/2009 Pasal 21)",
        "The fourteen components of the service standard (Law 25/2009 Article 21)",
    ),
    "service.component": ("Komponen", "Component"),
    "service.content": ("Isi", "Content"),
    "service.requirements_count": (
        "{n} persyaratan (lihat di atas)",
        "{n} requirements (see above)",
    ),
    "service.steps_count": ("{n} langkah (lihat di atas)", "{n} steps (see above)"),
    "service.staff": ("{n} orang", "{n} people"),
    # applying
    "apply.title": ("Ajukan {name}", "Apply: {name}"),
    "apply.heading": ("Permohonan {name}", "Application: {name}"),
    "apply.lead": (
        "Isi data di bawah lalu periksa kembali sebelum mengirim. Waktu penyelesaian: {time}.",
        "Fill in the form, then check your answers before sending. Completion time: {time}.",
    ),
    "apply.applicant": ("Data pemohon", "About you"),
    "apply.nik_hint": (
        "16 digit angka pada KTP-el atau Kartu Keluarga",
        "The 16 digits on your e-ID card or family card",
    ),
    "apply.name": ("Nama lengkap", "Full name"),
    "apply.phone": ("Nomor HP", "Mobile number"),
    "apply.phone_hint": (
        "Untuk kabar permohonan Anda, contoh 081234567890",
        "For news of your application, e.g. 081234567890",
    ),
    "apply.email": ("Email", "Email"),
    "apply.details": ("Data permohonan", "Application details"),
    "apply.documents": ("Dokumen", "Documents"),
    "apply.documents_hint": (
        "Foto atau pindaian yang jelas. Dokumen yang sudah diterima tidak perlu diunggah ulang bila ada isian lain yang salah.",
        "A clear photo or scan. A document already accepted need not be uploaded again if another answer needs fixing.",
    ),
    "apply.continue": ("Lanjut: periksa jawaban", "Continue: check your answers"),
    "nik.ok": ("NIK sah: {province}, {sex}.", "Valid NIK: {province}, {sex}."),
    "nik.female": ("perempuan", "female"),
    "nik.male": ("laki-laki", "male"),
    "check.title": ("Periksa jawaban", "Check your answers"),
    "check.heading": ("Periksa jawaban Anda", "Check your answers"),
    "check.lead": (
        "Permohonan {name} belum terkirim. Periksa sekali lagi.",
        "Your application for {name} is not sent yet. Check it once more.",
    ),
    "check.declaration": (
        "Dengan mengirim, saya menyatakan data dan dokumen ini benar.",
        "By sending, I declare that these details and documents are true.",
    ),
    "check.send": ("Kirim permohonan", "Send the application"),
    "check.change": ("Ubah jawaban", "Change my answers"),
    "receipt.title": ("Permohonan terkirim", "Application sent"),
    "receipt.heading": ("Permohonan Anda sudah diterima", "Your application has been received"),
    "receipt.number": ("Nomor permohonan:", "Tracking number:"),
    "receipt.pin": ("PIN (rahasiakan):", "PIN (keep it secret):"),
    "receipt.due": ("Paling lambat selesai: {due}", "To be completed by: {due}"),
    "receipt.keep": (
        "Simpan, cetak, atau foto halaman ini. Nomor permohonan untuk melacak; PIN untuk membuka data Anda dan memperbaiki permohonan bila dikembalikan.",
        "Save, print or photograph this page. The tracking number lets you follow the application; the PIN opens your details and lets you fix it if it is returned.",
    ),
    "receipt.track": ("Lacak permohonan ini", "Track this application"),
    # tracking
    "track.title": ("Lacak permohonan", "Track an application"),
    "track.heading": ("Lacak permohonan", "Track an application"),
    "track.number": ("Nomor permohonan", "Tracking number"),
    "track.number_hint": (
        "12 huruf dan angka, contoh K7QM-8XPT-3RAB",
        "12 letters and digits, e.g. K7QM-8XPT-3RAB",
    ),
    "track.find": ("Lacak", "Track"),
    "track.not_found": (
        "Nomor permohonan atau PIN tidak cocok. Periksa kembali penulisannya.",
        "Tracking number or PIN does not match. Check how it was written.",
    ),
    "track.status": ("Status", "Status"),
    "track.submitted": ("Diajukan", "Submitted"),
    "track.due": ("Paling lambat selesai", "To be completed by"),
    "track.clock_stopped": (
        "waktu berhenti sampai Anda memperbaiki",
        "the clock is stopped until you fix it",
    ),
    "track.steps": ("Langkah", "Steps"),
    "track.step": ("Langkah", "Step"),
    "track.unit": ("Unit", "Unit"),
    "track.deadline": ("Batas waktu", "Deadline"),
    "track.late": ("terlambat", "late"),
    "track.reason": ("Alasan", "Reason"),
    "track.timeline": ("Riwayat", "History"),
    "track.open_heading": ("Buka data permohonan", "Open your application"),
    "track.pin_hint": (
        "6 angka yang Anda terima saat mengajukan",
        "The 6 digits you received when you applied",
    ),
    "track.open": ("Buka", "Open"),
    "track.your_application": ("Data permohonan Anda", "Your application"),
    "track.fix_heading": ("Perbaiki dan kirim ulang", "Fix and send again"),
    "track.fix_lead": (
        "Petugas mengembalikan permohonan ini (lihat alasannya di atas). Ubah isian atau unggah dokumen pengganti, lalu kirim ulang.",
        "An officer returned this application (see the reason above). Change the answers or upload replacement documents, then send it again.",
    ),
    "track.fix_send": ("Kirim ulang", "Send again"),
    "track.resubmitted": (
        "Perbaikan terkirim; waktu layanan berjalan lagi.",
        "Your correction was sent; the service clock runs again.",
    ),
    "status.in_process": ("Diproses", "In process"),
    "status.returned": ("Dikembalikan untuk diperbaiki", "Returned for correction"),
    "status.approved": ("Disetujui", "Approved"),
    "status.rejected": ("Ditolak", "Rejected"),
    "task.open": ("Menunggu", "Waiting"),
    "task.claimed": ("Sedang dikerjakan", "Being worked on"),
    "task.paused": ("Dihentikan sementara", "On hold"),
    "task.returned": ("Dikembalikan", "Returned"),
    "task.approved": ("Selesai", "Done"),
    "task.rejected": ("Ditolak", "Rejected"),
    "task.cancelled": ("Dibatalkan", "Cancelled"),
    "activity.schedule": ("dijadwalkan", "scheduled"),
    "activity.assign": ("ditugaskan", "assigned"),
    "activity.start": ("mulai dikerjakan", "started"),
    "activity.complete": ("selesai", "done"),
    "activity.suspend": ("dihentikan", "stopped"),
    "activity.resume": ("dilanjutkan", "resumed"),
    "activity.ate_abort": ("dibatalkan", "cancelled"),
    "activity.withdraw": ("ditarik", "withdrawn"),
}


def translate(key: str, lang: str, **params: object) -> str:
    """The text of `key` in `lang`; ⟦key⟧ when missing so tests catch it."""
    pair = MESSAGES.get(key)
    if pair is None:
        return f"⟦{key}⟧"
    text = pair[1] if lang == "en" else pair[0]
    return text.format(**params) if params else text
