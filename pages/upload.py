"""Data upload for the health office and operators: choose the source, download its template,
upload a file, see the preview and every row that would be rejected (downloadable, formula-safe),
then confirm; nothing is written before the confirmation."""
import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from casedb.engine import DatabaseUnavailable, get_engine
from casedb.ingest import SOURCE_CHOICES, IngestRefused, Message, load, preview, resolve_pepper
from casedb.ingest.read import mask_cell
from casedb.ingest.sources import SOURCES, TEMPLATE_VERSION
from casedb.ingest.templates import dictionary_markdown, template_csv
from exports.csv import to_csv_bytes
from ui import auth, downloads, errors
from ui.i18n import format_number, language, t
from ui.page import begin

PREVIEW_KEY = "upload_preview"


def dictionary_table(spec, lang: str) -> pd.DataFrame:
    """The source's data dictionary (the downloadable one's rows), the NIK example masked as in the preview."""
    yes, no = t("upload.dictionary_table.yes"), t("upload.dictionary_table.no")
    return pd.DataFrame({
        t("upload.dictionary_table.column"): [f.headers[0] for f in spec.fields],
        t("upload.dictionary_table.required"): [yes if f.required else no for f in spec.fields],
        t("upload.dictionary_table.example"): [mask_cell(f.example, "nik" if f.kind == "nik" else None)
                                               for f in spec.fields],
        t("upload.dictionary_table.description"): [f.description[lang] for f in spec.fields],
        t("upload.dictionary_table.other_headers"): [", ".join(f.headers[1:]) for f in spec.fields],
    })


role = begin("upload")
st.title(t("page.upload"))
st.caption(t("upload.intro"))
lang = language()
# Loading writes: it goes through DATABASE_URL, never the read-only role the pages read with.
engine = get_engine()

try:
    resolve_pepper(engine)
except IngestRefused as refused:
    st.error(refused.message.render(lang), icon=":material/key_off:")
    st.stop()

# The facility registry is the operators' (admin) to change, as on the Facilities page.
choices = [s for s in SOURCE_CHOICES if s != "facilities" or role == "admin"]
source = st.selectbox(t("upload.source"), choices, format_func=lambda s: t(f"upload.source.{s}", lang),
                      key="upload_source")
spec = SOURCES["test_results" if source == "fhir" else source]
if source == "fhir":
    st.caption(t("upload.fhir_help"))
else:
    left, right = st.columns(2)
    left.download_button(t("upload.template", version=TEMPLATE_VERSION), data=template_csv(spec),
                         file_name=spec.template_name, mime="text/csv", icon=":material/table_view:")
    right.download_button(t("upload.dictionary"), data=dictionary_markdown(spec, lang).encode("utf-8"),
                          file_name=f"dictionary_{spec.name}_v{TEMPLATE_VERSION}.{lang}.md", mime="text/markdown",
                          icon=":material/menu_book:")

uploaded = st.file_uploader(t("upload.file"), type=["csv", "txt", "xlsx", "json"], key="upload_file",
                            help=t("upload.file_help"))
if uploaded is None:
    st.session_state.pop(PREVIEW_KEY, None)
    if source != "fhir":  # what the file must hold, before one is chosen
        st.subheader(t("upload.dictionary_table"))
        st.dataframe(dictionary_table(spec, lang), hide_index=True, width="stretch")
    st.stop()

# The preview reads the whole file once; it is kept until the file or the source changes.
identity = (uploaded.file_id, source)
shown = st.session_state.get(PREVIEW_KEY)
if shown is None or shown[0] != identity:
    try:
        with st.spinner(t("upload.checking")), errors.database_or_stop(SQLAlchemyError):
            st.session_state[PREVIEW_KEY] = shown = (identity, preview(engine, source, uploaded.getvalue()))
    except IngestRefused as refused:
        st.error(refused.message.render(lang), icon=":material/block:")
        st.stop()
result = shown[1]

counts = st.columns(3)
counts[0].metric(t("upload.rows_in"), format_number(result.rows_in))
counts[1].metric(t("upload.valid"), format_number(result.valid))
counts[2].metric(t("upload.rejected"), format_number(len(result.rejected)))
for note in result.notes:
    st.info(note.render(lang), icon=":material/info:")

if not result.sample.empty:
    st.subheader(t("upload.sample"))
    st.dataframe(result.sample, hide_index=True, width="stretch")

if not result.rejected.empty:
    st.subheader(t("upload.errors"))
    table = result.rejected.assign(
        reasons=["; ".join(m.render(lang) for m in reasons) for reasons in result.rejected["reasons"]])
    table.columns = [t("upload.column.row"), t("upload.column.reasons"), t("upload.column.raw")]
    st.dataframe(table, hide_index=True, width="stretch")
    downloads.download(t("upload.errors_download"), to_csv_bytes(table),
                       f"{uploaded.name.rsplit('.', 1)[0]}-errors.csv", downloads.CSV, "upload_errors",
                       {"source": source, "rows": len(table)})

st.caption(t("upload.confirm_help"))
if st.button(t("upload.confirm", rows=format_number(result.valid)), type="primary", disabled=result.rows_in == 0,
             icon=":material/cloud_upload:"):
    user = auth.current_user()
    bar = st.progress(0.0, text=t("upload.loading"))
    try:
        summary = load(engine, source, uploaded.getvalue(), file_name=uploaded.name,
                       created_by=user.username if user else None,
                       progress=lambda done, total: bar.progress(min(done / total, 1.0) if total else 1.0))
    except IngestRefused as refused:
        auth.record("upload", "refused", {"file": uploaded.name, "source": source, "reason": refused.message.key})
        st.error(refused.message.render(lang), icon=":material/block:")
    except (DatabaseUnavailable, SQLAlchemyError) as error:
        # The batch's transaction was rolled back: nothing of the file is in the database.
        auth.record("upload", "failure", {"file": uploaded.name, "source": source})
        st.error(Message("ingest.failed", {"detail": str(error).splitlines()[0]}).render(lang), icon=":material/error:")
    else:
        auth.record("upload", "success", {"file": uploaded.name, "source": source, "batch": summary.batch_id,
                                          "accepted": summary.accepted, "rejected": summary.rejected,
                                          "duplicates": summary.duplicates})
        st.success("\n\n".join(summary.render(lang)), icon=":material/check_circle:")
        st.session_state.pop(PREVIEW_KEY, None)
