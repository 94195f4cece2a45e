"""What each source sends: its fields, the headers Indonesian facilities use for them, their
vocabularies, and a data dictionary in Bahasa Indonesia and English.

A field's first alias is the header of the source's template; the others are headers seen in the
exports of lab and hospital systems and hand-made spreadsheets. Headers and vocabulary values are
matched after `normalise`, so case, spacing, dots and dashes do not matter.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

TEMPLATE_VERSION = "1.0"

_PUNCTUATION = re.compile(r"[\s._\-/():]+")


def normalise(text: str) -> str:
    """Header or vocabulary text reduced for matching: 'Tgl. Hasil ' -> 'tgl hasil'."""
    return _PUNCTUATION.sub(" ", str(text).replace("\ufeff", "").lower()).strip()


def _vocabulary(groups: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {normalise(alias): value for value, aliases in groups.items() for alias in (value, *aliases)}


# LOINC codes of SARS-CoV-2 tests (DESIGN section 2) stand beside the names labs write.
TEST_TYPE = _vocabulary({
    "pcr": ("rt-pcr", "rtpcr", "swab pcr", "pcr swab", "tcm", "naat", "molekuler", "94500-6"),
    "antigen": ("rapid antigen", "swab antigen", "antigen swab", "rdt-ag", "rdt antigen", "ag", "94558-4", "97097-0"),
    "antibody": ("antibodi", "rapid antibodi", "rapid test", "rapid test antibodi", "serologi", "igg", "igm",
                 "igg/igm", "94762-2", "94563-4", "94564-2"),
})
# SNOMED CT result codes and HL7 v3 interpretation codes stand beside Indonesian words.
# Antibody tests report "reaktif"/"non reaktif", which mean positive/negative.
RESULT = _vocabulary({
    "positive": ("positif", "pos", "reaktif", "reactive", "terdeteksi", "detected", "260373001", "10828004"),
    "negative": ("negatif", "neg", "non reaktif", "nonreaktif", "non reactive", "tidak reaktif",
                 "tidak terdeteksi", "not detected", "260415000", "260385009"),
    "invalid": ("tidak valid", "inkonklusif", "inconclusive"),
})
PURPOSE = _vocabulary({
    "diagnostic": ("diagnostik", "diagnosis", "bergejala"),
    "screening": ("skrining", "penapisan"),
    "travel": ("perjalanan", "pelaku perjalanan", "syarat perjalanan"),
    "contact_tracing": ("pelacakan kontak", "kontak erat", "tracing", "contact tracing"),
})
SEX = _vocabulary({"M": ("l", "laki-laki", "laki laki", "pria", "male"), "F": ("p", "perempuan", "wanita", "female")})
DIRECTION = _vocabulary({"in": ("masuk", "datang", "kedatangan"), "out": ("keluar", "berangkat", "keberangkatan")})
MODE = _vocabulary({
    "air": ("pesawat", "udara"),
    "bus": ("bis",),
    "car": ("mobil",),
    "motorcycle": ("motor", "sepeda motor"),
    "boat": ("kapal", "speedboat", "perahu"),
})
DOCUMENT_STATUS = _vocabulary({
    "valid": ("sah",),
    "expired": ("kedaluwarsa", "kadaluarsa", "kadaluwarsa", "kedaluarsa"),
    "not_found": ("tidak ditemukan", "not found"),
    "issuer_unauthorized": ("penerbit tidak berwenang", "tidak berwenang", "issuer unauthorized"),
    "mismatch": ("tidak cocok", "tidak sesuai"),
    "none": ("tidak ada", "tanpa dokumen"),
})


@dataclass(frozen=True)
class Field:
    """One column of a source. `kind` says how its text is parsed and checked (casedb.ingest.validate)."""

    name: str
    kind: str
    required: bool
    headers: tuple[str, ...]
    example: str
    description: dict[str, str]
    vocabulary: dict[str, str] | None = None
    max_length: int | None = None


@dataclass(frozen=True)
class Source:
    name: str
    title: dict[str, str]
    fields: tuple[Field, ...]
    # Columns the sender must not be asked for, but whose cells must never be kept: personal data
    # that facilities' exports carry (names, addresses, phone numbers, full birth dates).
    personal_headers: tuple[str, ...] = field(default=())

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def template_name(self) -> str:
        return f"template_{self.name}_v{TEMPLATE_VERSION}.csv"


PERSONAL_HEADERS = ("nama", "nama pasien", "nama lengkap", "alamat", "alamat domisili", "no hp", "nomor hp",
                    "telepon", "no telepon", "email", "nama ibu kandung")

_VALUES = {
    "id": "Nilai yang diterima: {values}.",
    "en": "Accepted values: {values}.",
}


def _values(shown: dict[str, str]) -> dict[str, str]:
    """Dictionary text listing a vocabulary, e.g. "PCR (pcr), Antigen (antigen)"."""
    values = ", ".join(f"{label} -> {value}" for label, value in shown.items())
    return {lang: text.format(values=values) for lang, text in _VALUES.items()}


def _describe(id_text: str, en_text: str, values: dict[str, str] | None = None) -> dict[str, str]:
    if values is None:
        return {"id": id_text, "en": en_text}
    return {"id": f"{id_text} {values['id']}", "en": f"{en_text} {values['en']}"}


_PERSON_FIELDS = (
    Field("nik", "nik", True, ("NIK", "No NIK", "Nomor NIK", "NIK Pasien", "No KTP", "Nomor Induk Kependudukan"),
          "1471011203850001",
          _describe("Nomor Induk Kependudukan, 16 angka. Disamarkan (hash berkunci) saat dimuat; NIK tidak disimpan.",
                    "National identity number, 16 digits. Pseudonymised (keyed hash) on loading; the NIK is not "
                    "stored.")),
    Field("sex", "vocabulary", False, ("Jenis Kelamin", "JK", "L/P", "Gender", "Sex"), "P",
          _describe("Jenis kelamin.", "Sex.", _values({"L": "M", "P": "F"})), vocabulary=SEX),
    Field("birth_year", "birth_year", False, ("Tahun Lahir", "Thn Lahir", "Tanggal Lahir", "Tgl Lahir", "Birth Year"),
          "1985",
          _describe("Tahun lahir (atau tanggal lahir; hanya tahunnya yang disimpan).",
                    "Year of birth (or date of birth; only the year is kept).")),
    Field("kelurahan", "kelurahan", False, ("Kode Kelurahan", "Kelurahan", "Kelurahan Domisili", "Kode Kel",
                                            "Desa/Kelurahan"), "14.71.08.1010",
          _describe("Kelurahan tempat tinggal di Pekanbaru: kode Kemendagri (14.71.xx.xxxx, boleh tanpa titik) atau "
                    "nama. Kosong bila tinggal di luar kota.",
                    "Home kelurahan in Pekanbaru: Kemendagri code (14.71.xx.xxxx, dots optional) or name. Empty when "
                    "the person lives outside the city.")),
    Field("home_region", "region", False, ("Kode Wilayah Domisili", "Kab/Kota Domisili", "Kode Kab/Kota"), "14.06",
          _describe("Untuk yang tinggal di luar Pekanbaru: kode Kemendagri provinsi (xx) atau kabupaten/kota (xx.xx).",
                    "For people living outside Pekanbaru: Kemendagri code of the province (xx) or regency (xx.xx).")),
)

TEST_RESULTS = Source(
    "test_results",
    {"id": "Hasil pemeriksaan", "en": "Test results"},
    (
        Field("source_ref", "text", True, ("No Sampel", "Nomor Sampel", "No Spesimen", "Nomor Spesimen",
                                           "ID Pemeriksaan", "No Lab", "No Registrasi Lab"), "LAB-2021-000123",
              _describe("Nomor unik pemeriksaan di sistem faskes. Mengirim ulang nomor yang sama tidak menambah data.",
                        "The facility's own unique number for the test. Sending the same number again adds nothing."),
              max_length=80),
        Field("facility", "facility", True, ("Kode Faskes", "Kode Fasyankes", "Kode RS", "Kode Lab",
                                             "Kode Faskes Pemeriksa"), "1471398",
              _describe("Kode registrasi faskes pemeriksa, terdaftar di Dinkes.",
                        "Registry code of the testing facility, registered with Dinkes.")),
        *_PERSON_FIELDS,
        Field("test_type", "vocabulary", True, ("Jenis Pemeriksaan", "Jenis Tes", "Metode Pemeriksaan", "Kode LOINC"), "PCR",
              _describe("Jenis pemeriksaan SARS-CoV-2.", "Kind of SARS-CoV-2 test.",
                        _values({"PCR / RT-PCR / TCM / 94500-6": "pcr",
                                            "Antigen / Rapid Antigen / 94558-4 / 97097-0": "antigen",
                                            "Antibodi / Rapid Test / IgG / IgM / 94762-2": "antibody"})),
              vocabulary=TEST_TYPE),
        Field("purpose", "vocabulary", False, ("Tujuan Pemeriksaan", "Tujuan", "Kriteria"), "Skrining",
              _describe("Tujuan pemeriksaan; kosong berarti diagnostik.", "Purpose of the test; empty means diagnostic.",
                        _values({"Diagnostik": "diagnostic", "Skrining": "screening",
                                          "Perjalanan": "travel", "Pelacakan Kontak": "contact_tracing"})),
              vocabulary=PURPOSE),
        Field("specimen_at", "datetime", True, ("Tanggal Pengambilan Spesimen", "Tgl Pengambilan Spesimen",
                                                "Tgl Ambil Sampel", "Tanggal Pengambilan Sampel", "Tgl Swab",
                                                "Tanggal Swab"), "05/08/2021 08:15",
              _describe("Waktu pengambilan spesimen, WIB: dd/mm/yyyy atau dd-mm-yyyy, jam opsional (HH:MM).",
                        "When the specimen was taken, WIB: dd/mm/yyyy or dd-mm-yyyy, time optional (HH:MM).")),
        Field("result_at", "datetime", True, ("Tanggal Hasil", "Tgl Hasil", "Tgl Keluar Hasil", "Waktu Hasil"),
              "05/08/2021 20:40",
              _describe("Waktu hasil keluar, WIB; tidak sebelum pengambilan spesimen.",
                        "When the result came out, WIB; not before the specimen was taken.")),
        Field("reported_at", "datetime", False, ("Tanggal Lapor", "Tgl Lapor", "Waktu Lapor", "Tgl Input"),
              "06/08/2021 09:00",
              _describe("Waktu hasil dilaporkan, WIB; kosong berarti saat dimuat.",
                        "When the result was reported, WIB; empty means when it is loaded.")),
        Field("result", "vocabulary", True, ("Hasil", "Hasil Pemeriksaan", "Hasil Tes", "Hasil Lab"), "Positif",
              _describe("Hasil pemeriksaan. Reaktif/Non Reaktif (antibodi) berarti positif/negatif.",
                        "Test result. Reaktif/Non Reaktif (antibody) mean positive/negative.",
                        _values({"Positif / Reaktif / Terdeteksi": "positive",
                                         "Negatif / Non Reaktif / Tidak Terdeteksi": "negative",
                                         "Invalid": "invalid"})),
              vocabulary=RESULT),
    ),
    PERSONAL_HEADERS,
)

FACILITY_REPORTS = Source(
    "facility_reports",
    {"id": "Laporan harian faskes", "en": "Facility daily reports"},
    (
        Field("facility", "facility", True, ("Kode Faskes", "Kode Fasyankes", "Kode RS", "Kode Lab"), "PKM-SAIL",
              _describe("Kode registrasi faskes pelapor.", "Registry code of the reporting facility.")),
        Field("report_day", "date", True, ("Tanggal Laporan", "Tgl Laporan", "Tanggal", "Hari Laporan"), "05/08/2021",
              _describe("Hari (WIB) yang dilaporkan: dd/mm/yyyy.", "The day (WIB) the report covers: dd/mm/yyyy.")),
        Field("submitted_at", "datetime", False, ("Waktu Kirim", "Tgl Kirim", "Tanggal Kirim", "Waktu Lapor"),
              "06/08/2021 10:30",
              _describe("Waktu laporan dikirim, WIB; kosong berarti saat dimuat.",
                        "When the report was sent, WIB; empty means when it is loaded.")),
        Field("tests_done", "count", True, ("Jumlah Pemeriksaan", "Jumlah Tes", "Jml Diperiksa", "Total Pemeriksaan"),
              "125",
              _describe("Jumlah pemeriksaan hari itu, bilangan bulat (1.234 boleh).",
                        "Number of tests that day, a whole number (1.234 allowed).")),
        Field("positives", "count", True, ("Jumlah Positif", "Jml Positif", "Positif", "Total Positif"), "7",
              _describe("Jumlah hasil positif hari itu; tidak lebih dari jumlah pemeriksaan.",
                        "Number of positive results that day; not more than the tests.")),
    ),
)

MOVEMENTS = Source(
    "movements",
    {"id": "Catatan pos pemeriksaan", "en": "Checkpoint records"},
    (
        Field("source_ref", "text", True, ("No Catatan", "Nomor Catatan", "ID Catatan", "No Registrasi"), "SSK2-000981",
              _describe("Nomor unik catatan di pos. Mengirim ulang nomor yang sama tidak menambah data.",
                        "The checkpoint's own unique record number. Sending it again adds nothing."), max_length=80),
        Field("entry_point", "entry_point", True, ("Kode Pos", "Kode Pos Pemeriksaan", "Pos", "Titik Masuk"), "SSK2",
              _describe("Kode pos pemeriksaan (bandara, terminal, pelabuhan, pos perbatasan).",
                        "Code of the checkpoint (airport, terminal, port, border post).")),
        *_PERSON_FIELDS,
        Field("direction", "vocabulary", True, ("Arah", "Kedatangan/Keberangkatan", "Masuk/Keluar"), "Masuk",
              _describe("Masuk atau keluar kota.", "Entering or leaving the city.",
                        _values({"Masuk / Datang": "in", "Keluar / Berangkat": "out"})),
              vocabulary=DIRECTION),
        Field("at", "datetime", True, ("Waktu", "Tanggal", "Waktu Pemeriksaan", "Tgl Periksa"), "05/08/2021 14:05",
              _describe("Waktu pemeriksaan di pos, WIB.", "When the traveller was checked, WIB.")),
        Field("region", "region", False, ("Asal/Tujuan", "Kode Asal/Tujuan", "Kode Wilayah Asal/Tujuan", "Asal", "Tujuan"),
              "13.71",
              _describe("Kode Kemendagri provinsi atau kabupaten/kota asal (masuk) atau tujuan (keluar).",
                        "Kemendagri code of the province or regency of origin (in) or destination (out).")),
        Field("mode", "vocabulary", True, ("Moda", "Moda Transportasi", "Kendaraan"), "Pesawat",
              _describe("Moda perjalanan.", "Mode of travel.",
                        _values({"Pesawat": "air", "Bus": "bus", "Mobil": "car", "Motor": "motorcycle",
                                       "Kapal": "boat"})),
              vocabulary=MODE),
        Field("certificate_number", "text", False, ("Nomor Sertifikat", "No Sertifikat", "No Surat Keterangan",
                                                    "Nomor Surat"), "SK/1471398/2021/000456",
              _describe("Nomor surat keterangan kesehatan yang ditunjukkan; kosong bila tidak ada.",
                        "Number of the health certificate shown; empty when none."), max_length=40),
        Field("document_status", "vocabulary", False, ("Status Dokumen", "Status Sertifikat", "Hasil Verifikasi"),
              "Valid",
              _describe("Hasil verifikasi dokumen; kosong berarti tidak ada dokumen.",
                        "Outcome of the document check; empty means no document.",
                        _values({"Valid": "valid", "Kedaluwarsa": "expired",
                                                  "Tidak Ditemukan": "not_found",
                                                  "Penerbit Tidak Berwenang": "issuer_unauthorized",
                                                  "Tidak Cocok": "mismatch", "Tidak Ada": "none"})),
              vocabulary=DOCUMENT_STATUS),
        Field("screening_result", "vocabulary", False, ("Hasil Skrining", "Hasil Tes di Pos", "Hasil Rapid di Pos"),
              "Negatif",
              _describe("Hasil tes di pos bila dites di tempat; kosong bila tidak.",
                        "Result of an on-the-spot test, if one was done.",
                        _values({"Positif": "positive", "Negatif": "negative", "Invalid": "invalid"})),
              vocabulary=RESULT),
        Field("screening_test_type", "vocabulary", False, ("Jenis Tes di Pos", "Jenis Skrining", "Jenis Tes Skrining"),
              "Antigen",
              _describe("Jenis tes di pos (PCR, Antigen, Antibodi) bila dites di tempat; kosong bila tidak.",
                        "Type of the on-the-spot test (PCR, antigen, antibody), if one was done.",
                        _values({"PCR": "pcr", "Antigen": "antigen", "Antibodi": "antibody"})),
              vocabulary=TEST_TYPE),
    ),
    PERSONAL_HEADERS,
)

OUTCOME = _vocabulary({
    "admission": ("masuk rs", "masuk rumah sakit", "dirawat", "rawat inap", "mulai dirawat", "admisi", "admitted"),
    "discharge": ("keluar rs", "keluar rumah sakit", "pulang", "pulang rawat", "selesai dirawat", "discharged"),
    "recovery": ("sembuh", "selesai isolasi", "recovered"),
    "death": ("meninggal", "meninggal dunia", "wafat", "died", "dead"),
})
FACILITY_TYPE = _vocabulary({
    "hospital": ("rumah sakit", "rs", "rsu", "rsud", "rumah sakit umum"),
    "puskesmas": ("pkm",),
    "clinic": ("klinik", "klinik pratama", "klinik utama"),
    "lab": ("laboratorium", "laboratorium klinik", "labkes"),
    "practice": ("praktik", "praktik mandiri", "praktik dokter", "dokter praktik mandiri", "dpm"),
})
YES_NO = _vocabulary({"yes": ("ya", "y", "wajib", "1", "true"), "no": ("tidak", "t", "n", "tidak wajib", "0", "false")})

# Outcomes of confirmed cases, as hospitals and puskesmas report them (casedb.ingest.outcomes). A
# case is named by the sample number of its confirming result, by the person's NIK, or by both.
OUTCOMES = Source(
    "outcomes",
    {"id": "Perkembangan kasus", "en": "Case outcomes"},
    (
        Field("sample_number", "text", False, ("No Sampel", "Nomor Sampel", "No Sampel Konfirmasi", "No Spesimen",
                                               "Nomor Spesimen"), "LAB-2021-000123",
              _describe("Nomor sampel pemeriksaan yang mengonfirmasi kasus. Isi ini atau NIK (atau keduanya).",
                        "Sample number of the test that confirmed the case. Give this or the NIK (or both)."),
              max_length=80),
        Field("nik", "nik", False, ("NIK", "No NIK", "Nomor NIK", "NIK Pasien", "No KTP",
                                    "Nomor Induk Kependudukan"), "1471011203850001",
              _describe("NIK pasien, 16 angka; disamarkan saat dimuat, tidak disimpan.",
                        "The patient's NIK, 16 digits; pseudonymised on loading, never stored.")),
        Field("outcome", "vocabulary", True, ("Status", "Perkembangan", "Jenis Kejadian", "Status Pasien",
                                              "Keterangan"), "Sembuh",
              _describe("Apa yang terjadi.", "What happened.",
                        _values({"Masuk RS / Dirawat": "admission", "Keluar RS / Pulang": "discharge",
                                 "Sembuh": "recovery", "Meninggal": "death"})),
              vocabulary=OUTCOME),
        Field("at", "datetime", True, ("Tanggal", "Tanggal Kejadian", "Tgl Kejadian", "Waktu", "Tanggal Status"),
              "20/08/2021 10:00",
              _describe("Kapan, WIB: dd/mm/yyyy, jam opsional (HH:MM). Sembuh dan meninggal tidak sebelum konfirmasi.",
                        "When, WIB: dd/mm/yyyy, time optional (HH:MM). Recovery and death not before confirmation.")),
        Field("facility", "facility", False, ("Kode Faskes", "Kode RS", "Kode Fasyankes", "Kode Faskes Pelapor"),
              "1471398",
              _describe("Kode registrasi faskes yang melapor (rumah sakit tempat dirawat); boleh kosong.",
                        "Registry code of the reporting facility (the hospital); may be empty.")),
    ),
    PERSONAL_HEADERS,
)

# The health office's own facility registry (casedb.ingest.registry): loading it again adds new
# facilities and updates changed ones, audited; none is deleted.
FACILITIES = Source(
    "facilities",
    {"id": "Daftar faskes", "en": "Facility registry"},
    (
        Field("registry_code", "text", True, ("Kode Faskes", "Kode Registrasi", "Kode Fasyankes", "Kode RS"),
              "1471398",
              _describe("Kode registrasi faskes (huruf, angka, . / -; paling banyak 20). Tidak berubah.",
                        "Registry code (letters, digits, . / -; at most 20). It does not change."), max_length=20),
        Field("name", "text", True, ("Nama Faskes", "Nama Fasyankes", "Nama RS", "Nama Fasilitas"),
              "RS Daerah Madani",
              _describe("Nama faskes.", "Name of the facility."), max_length=120),
        Field("type", "vocabulary", True, ("Jenis Faskes", "Jenis Fasyankes", "Tipe Faskes", "Jenis"), "Rumah Sakit",
              _describe("Jenis faskes.", "Kind of facility.",
                        _values({"Rumah Sakit": "hospital", "Puskesmas": "puskesmas", "Klinik": "clinic",
                                 "Laboratorium": "lab", "Praktik Mandiri": "practice"})),
              vocabulary=FACILITY_TYPE),
        Field("kelurahan", "kelurahan", True, ("Kode Kelurahan", "Kelurahan", "Kode Kel", "Desa/Kelurahan"),
              "14.71.08.1010",
              _describe("Kelurahan tempat faskes: kode Kemendagri (juga kode lama 2020) atau nama.",
                        "Kelurahan of the facility: Kemendagri code (2020 codes too) or name.")),
        Field("lat", "text", True, ("Lintang", "Latitude", "Lat"), "0,482256",
              _describe("Lintang dalam derajat desimal (koma atau titik desimal).",
                        "Latitude in decimal degrees (decimal comma or point)."), max_length=20),
        Field("lon", "text", True, ("Bujur", "Longitude", "Lon", "Lng"), "101,363718",
              _describe("Bujur dalam derajat desimal.", "Longitude in decimal degrees."), max_length=20),
        Field("opened_on", "text", True, ("Tanggal Buka", "Tgl Buka", "Tanggal Beroperasi", "Tanggal Mulai"),
              "01/01/2015",
              _describe("Hari mulai beroperasi: dd/mm/yyyy.", "Day it opened: dd/mm/yyyy."), max_length=20),
        Field("closed_weekdays", "text", False, ("Hari Tutup", "Hari Libur", "Tutup Hari"), "Minggu",
              _describe("Hari tutup tiap minggu, dipisah koma (Senin ... Minggu, atau 1-7 dengan 1 = Senin); "
                        "kosong berarti buka setiap hari.",
                        "Weekdays it is closed, comma separated (Senin ... Minggu, or 1-7 with 1 = Monday); empty "
                        "means open every day."), max_length=60),
        Field("reports_daily", "vocabulary", False, ("Wajib Lapor Harian", "Lapor Harian", "Wajib Lapor"), "Ya",
              _describe("Wajib mengirim laporan harian; kosong berarti ya.", "Must send a daily report; empty means "
                        "yes.", _values({"Ya": "yes", "Tidak": "no"})), vocabulary=YES_NO),
        Field("beds", "count", False, ("Jumlah Tempat Tidur", "Tempat Tidur", "Jumlah TT", "TT"), "62",
              _describe("Jumlah tempat tidur rawat inap; kosong bila tidak ada atau tidak diketahui.",
                        "Inpatient beds; empty when none or unknown.")),
    ),
)

# What a certificate certifies: the result it states. "Bebas COVID-19" (free of COVID-19) is the
# negative certificate travellers carry.
CERTIFICATE_KIND = {**{alias: value for alias, value in RESULT.items() if value != "invalid"}, **_vocabulary({
    "negative": ("bebas covid", "bebas covid 19", "surat keterangan bebas covid 19", "skb", "sehat", "hasil negatif"),
    "positive": ("hasil positif", "surat keterangan positif"),
})}

CERTIFICATES = Source(
    "certificates",
    {"id": "Surat keterangan kesehatan", "en": "Health certificates"},
    (
        Field("number", "text", True, ("Nomor Sertifikat", "No Sertifikat", "Nomor Surat Keterangan",
                                       "No Surat Keterangan", "Nomor Surat", "No Surat"), "SKB-1471398-211005-000123",
              _describe("Nomor surat keterangan, unik di seluruh kota: huruf, angka, - / atau titik, tanpa spasi. "
                        "Mengirim ulang nomor yang sama tidak menambah data.",
                        "The certificate's number, unique in the city: letters, digits, - / or dots, no spaces. "
                        "Sending the same number again adds nothing."), max_length=40),
        Field("facility", "facility", True, ("Kode Faskes", "Kode Faskes Penerbit", "Kode Fasyankes", "Kode RS",
                                             "Kode Lab"), "1471398",
              _describe("Kode registrasi faskes yang menerbitkan surat, terdaftar di Dinkes.",
                        "Registry code of the issuing facility, registered with Dinkes.")),
        Field("test_ref", "text", False, ("No Sampel", "Nomor Sampel", "No Spesimen", "Nomor Spesimen",
                                          "ID Pemeriksaan", "No Lab"), "LAB-2021-000123",
              _describe("Nomor sampel pemeriksaan yang mendasari surat, seperti dikirim faskes yang sama di hasil "
                        "pemeriksaan. Surat tanpa pemeriksaan yang cocok tetap dimuat, tanpa tautan ke hasil, dan "
                        "ditandai pada pemeriksaan keaslian.",
                        "Sample number of the test behind the certificate, as the same facility sends it with its "
                        "test results. A certificate without a matching test is still loaded, linked to no test, "
                        "and flagged when checked."), max_length=80),
        *_PERSON_FIELDS,
        Field("test_type", "vocabulary", True, ("Jenis Pemeriksaan", "Jenis Tes", "Metode Pemeriksaan", "Kode LOINC"),
              "Antigen",
              _describe("Jenis pemeriksaan yang diterangkan.", "Kind of test the certificate states.",
                        _values({"PCR / RT-PCR / TCM / 94500-6": "pcr", "Antigen / Rapid Antigen / 94558-4": "antigen",
                                 "Antibodi / Rapid Test": "antibody"})),
              vocabulary=TEST_TYPE),
        Field("certified_result", "vocabulary", True, ("Jenis Surat", "Hasil yang Diterangkan", "Hasil",
                                                       "Kesimpulan"), "Bebas COVID-19",
              _describe("Jenis surat: hasil yang diterangkan.", "Kind of certificate: the result it states.",
                        _values({"Bebas COVID-19 / Negatif / Non Reaktif": "negative",
                                 "Positif / Reaktif": "positive"})),
              vocabulary=CERTIFICATE_KIND),
        Field("issued_at", "datetime", True, ("Tanggal Terbit", "Tgl Terbit", "Waktu Terbit", "Tanggal Surat",
                                              "Tgl Surat"), "05/10/2021 10:15",
              _describe("Waktu surat diterbitkan, WIB.", "When the certificate was issued, WIB.")),
        Field("valid_until", "until", False, ("Berlaku Sampai", "Berlaku Hingga", "Masa Berlaku", "Tgl Kedaluwarsa"),
              "08/10/2021 10:15",
              _describe("Akhir masa berlaku, WIB; kosong berarti 3 hari (antigen, antibodi) atau 7 hari (PCR) "
                        "sejak terbit.",
                        "End of validity, WIB; empty means 3 days (antigen, antibody) or 7 days (PCR) after issue.")),
        Field("revoked_at", "datetime", False, ("Tanggal Dicabut", "Tgl Dicabut", "Waktu Pencabutan", "Dicabut"), "",
              _describe("Waktu surat dicabut, WIB; kosong bila tidak dicabut. Mengirim ulang surat yang sudah dimuat "
                        "dengan kolom ini terisi mencabutnya.",
                        "When the certificate was revoked, WIB; empty when it was not. Sending a loaded certificate "
                        "again with this column filled revokes it.")),
        Field("check_code", "text", False, ("Kode Verifikasi", "Kode Cek", "Check Code"), "",
              _describe("Kode verifikasi dibuat oleh sistem Dinkes saat dimuat; kosongkan. Bila diisi, harus sama "
                        "dengan kode sistem, atau baris ditolak.",
                        "The check code is made by the Dinkes system when loaded; leave it empty. When filled, it "
                        "must equal the system's code, or the row is rejected."), max_length=12),
    ),
    PERSONAL_HEADERS,
)

RELATION = _vocabulary({
    "household": ("serumah", "satu rumah", "keluarga serumah", "rumah tangga", "keluarga"),
    "workplace": ("tempat kerja", "rekan kerja", "kantor", "pekerjaan", "sekolah"),
    "social": ("sosial", "kegiatan sosial", "teman", "tetangga", "ibadah", "acara"),
    "travel": ("perjalanan", "satu kendaraan", "transportasi", "penumpang"),
    "healthcare": ("fasyankes", "faskes", "tenaga kesehatan", "nakes", "rumah sakit", "pasien"),
})

# The tracing teams' line lists (WHO Go.Data's contact follow-up): each row a close contact of a
# confirmed case, named by the sample number of the case's confirming result or by its case id, the
# contact by NIK (pseudonymised like every other). A contact sent again for the same index case
# adds no row; what the new list knows and the stored one did not (tracing, test, a later follow-up
# visit, a longer quarantine) is filled in (casedb.ingest.contacts).
CONTACTS = Source(
    "contacts",
    {"id": "Daftar kontak erat", "en": "Contact line lists"},
    (
        Field("index_sample", "text", False, ("No Sampel Kasus Indeks", "Nomor Sampel Kasus Indeks",
                                              "No Sampel Kasus", "No Sampel Konfirmasi Kasus Indeks"),
              "LAB-2021-000123",
              _describe("Nomor sampel pemeriksaan yang mengonfirmasi kasus indeks. Isi ini atau ID kasus (atau "
                        "keduanya).",
                        "Sample number of the test that confirmed the index case. Give this or the case id (or "
                        "both)."), max_length=80),
        Field("index_case", "count", False, ("ID Kasus Indeks", "ID Kasus", "Nomor Kasus Indeks", "No Kasus"),
              "1234",
              _describe("Nomor kasus indeks di dasbor (ID kasus).", "The index case's number in the dashboard "
                        "(case id).")),
        *_PERSON_FIELDS,
        Field("relation", "vocabulary", True, ("Hubungan", "Hubungan dengan Kasus", "Jenis Kontak", "Kategori Kontak"),
              "Serumah",
              _describe("Hubungan kontak dengan kasus indeks.", "How the contact knows the index case.",
                        _values({"Serumah / Keluarga": "household", "Tempat Kerja / Sekolah": "workplace",
                                 "Sosial / Tetangga": "social", "Perjalanan": "travel",
                                 "Fasyankes / Nakes": "healthcare"})),
              vocabulary=RELATION),
        Field("listed_at", "datetime", True, ("Tanggal Didata", "Tgl Didata", "Tanggal Pendataan", "Tgl Pendataan",
                                              "Waktu Didata"), "05/08/2021 15:00",
              _describe("Kapan kontak dicatat dalam daftar, WIB.", "When the contact was listed, WIB.")),
        Field("traced_at", "datetime", False, ("Tanggal Dilacak", "Tgl Dilacak", "Waktu Dilacak", "Tanggal Dihubungi",
                                               "Tgl Dihubungi"), "06/08/2021 09:30",
              _describe("Kapan kontak berhasil dihubungi tim pelacak, WIB; kosong bila belum. Tidak sebelum didata.",
                        "When the tracing team reached the contact, WIB; empty when not yet. Not before listing.")),
        Field("tested_at", "datetime", False, ("Tanggal Dites", "Tgl Dites", "Tanggal Swab Kontak", "Tgl Swab"),
              "07/08/2021 08:00",
              _describe("Kapan kontak dites (pengambilan spesimen), WIB; kosong bila belum.",
                        "When the contact was tested (specimen taken), WIB; empty when not yet.")),
        Field("test_result", "vocabulary", False, ("Hasil Tes", "Hasil Tes Kontak", "Hasil Swab", "Hasil"), "Negatif",
              _describe("Hasil tes kontak bila sudah ada; perlu Tanggal Dites.",
                        "Result of the contact's test, when known; needs the test date.",
                        _values({"Positif": "positive", "Negatif": "negative", "Invalid": "invalid"})),
              vocabulary=RESULT),
        Field("quarantine_until", "until_day", False, ("Karantina Sampai", "Akhir Karantina", "Tgl Selesai Karantina",
                                                       "Selesai Karantina"), "19/08/2021",
              _describe("Hari terakhir karantina (WIB): dd/mm/yyyy; tidak sebelum hari didata.",
                        "Last day of quarantine (WIB): dd/mm/yyyy; not before the day of listing.")),
        Field("last_followup_at", "datetime", False, ("Kunjungan Terakhir", "Tgl Kunjungan Terakhir",
                                                      "Pemantauan Terakhir", "Tgl Pemantauan Terakhir"),
              "12/08/2021 10:00",
              _describe("Kunjungan (atau pemantauan) terakhir selama karantina, WIB; kosong bila belum ada.",
                        "The last follow-up visit (or call) during quarantine, WIB; empty when none yet.")),
    ),
    PERSONAL_HEADERS,
)

SOURCES = {s.name: s for s in (TEST_RESULTS, FACILITY_REPORTS, MOVEMENTS, OUTCOMES, FACILITIES, CERTIFICATES,
                               CONTACTS)}
