"""Press briefing: the official figures of a day (for press as the suppression method allows: the
fixed ISO week, rounded running totals, no changes), the curve, tests and positivity by type, the
kecamatan table and map, the definitions; publishing numbered releases and downloading their files."""
import pandas as pd
import streamlit as st

import queries
from casedb import releases, settings
from casedb.engine import UNAVAILABLE_ERRORS, get_engine
from casedb.wib import today_wib
from exports import ExportUnavailable, png
from figures import briefing as figures
from figures import briefing_export
from figures.common import data_span, default_day, window
from ui import auth, charts, downloads, live, maps, tables, tiles
from ui.i18n import format_date, format_moment_wib, language, t
from ui.page import begin

role = begin("briefing")
st.title(t("page.briefing"))
lang = language()

span = live.figure(data_span)
if span is None:
    st.info(t("briefing.no_data"), icon=":material/hourglass_empty:")
    st.stop()

incomplete_days = settings.get("INCOMPLETE_DAYS")
thresholds = settings.get("ZONE_THRESHOLDS")
suppressed = role in queries.SUPPRESSED_ROLES
day = st.date_input(t("briefing.day"), value=default_day(span, today_wib()), min_value=span[0],
                    max_value=span[1], format="DD/MM/YYYY", key="briefing_day", help=t("briefing.day_help"))
shown = live.figure(figures.briefing, day, span, incomplete_days, thresholds, suppressed)
start, end = shown.period

if suppressed:
    st.subheader(t("overview.headline_week", start=format_date(start), end=format_date(end)))
    st.caption(t("briefing.press_method"))
else:
    st.subheader(t("overview.headline", date=format_date(day)))
tiles.tile_row(shown.shown.tiles[:4])  # cases
tiles.tile_row(shown.shown.tiles[4:7])  # tests by type
tiles.tile_row(shown.shown.tiles[7:])  # positivity by type

st.subheader(t("overview.curve"))
st.plotly_chart(charts.epidemic_curve(shown.shown.curve, incomplete_days, per="week" if suppressed else "day"),
                width="stretch")
st.caption(t("briefing.incomplete_caveat"))
if suppressed:
    st.caption(t("overview.curve_weekly"))
    st.caption(t("chart.suppressed_note"))

table_start, table_end = (start, end) if suppressed else window(day)
st.subheader(t("overview.kecamatan", start=format_date(table_start), end=format_date(table_end)))
left, right = st.columns([3, 2])
with left:
    tables.kecamatan_zones(shown.shown.kecamatan, thresholds, suppressed=suppressed)
with right:
    deck, legends = maps.zone_map(shown.shown.kecamatan, maps.area_boundaries(settings.get("BOUNDARIES_PATH")), lang)
    st.pydeck_chart(deck, key="briefing_map", height=380)
    st.html(maps.legend_html(legends, thresholds, lang))

with st.expander(t("briefing.definitions")):
    for text in briefing_export.definitions(lang):
        st.markdown(text)


# ------------------------------------------------------------------------------------ releases

def _press_run(name: str, **params):
    """The runner as press: a release holds only what press may see, whoever publishes it."""
    return queries.run(name, "press", at_version=live.data_version(), **params)


def _publish_panel() -> None:
    engine = get_engine(settings.database_url())
    release_figures = figures.release_figures(_press_run, day, span, incomplete_days, thresholds)
    week_start, week_end = figures.period_of(release_figures)
    previous = next((r for r in releases.list_releases(engine) if r.period_start == week_start), None)
    st.markdown(t("briefing.publish.week", start=format_date(week_start), end=format_date(week_end)))
    corrects = reason_id = reason_en = None
    if previous is not None:
        st.info(t("briefing.publish.existing", number=previous.number), icon=":material/info:")
        diff = figures.changes(releases.figures(engine, previous.id), release_figures)
        if diff.empty:
            st.caption(t("briefing.publish.no_change", number=previous.number))
            return
        st.dataframe(briefing_export.changes_table(
            [releases.Change(r.section, r.item, r.measure, r.old_value, r.new_value, "", "")
             for r in diff.itertuples(index=False)], briefing_export.labels(release_figures), lang).iloc[:, :3], hide_index=True, width="stretch")
        corrects = previous.number
        reason_id = st.text_area(t("briefing.publish.reason_id"), key="briefing_reason_id", max_chars=500)
        reason_en = st.text_area(t("briefing.publish.reason_en"), key="briefing_reason_en", max_chars=500)
    label = t("briefing.publish.correct", number=corrects) if corrects else t("briefing.publish.button")
    if not st.button(label, type="primary", key="briefing_publish"):
        return
    user = auth.current_user()
    try:
        with st.spinner(t("briefing.publish.working")):
            made = releases.publish(engine, day=day, figures_table=release_figures, data_version=live.data_version() or 0,
                                    username=user.username, role=role, make_files=briefing_export.make_files,
                                    corrects=corrects, changes_of=figures.changes, reason_id=reason_id or "",
                                    reason_en=reason_en or "")
    except releases.ReleaseRefused as refused:
        st.error(t(refused.key, **refused.detail), icon=":material/block:")
        return
    except ExportUnavailable as error:
        downloads.unavailable(error)
        return
    st.success(t("briefing.publish.done", number=made.number), icon=":material/check_circle:")


def _releases_panel() -> None:
    engine = get_engine(settings.database_url())
    listed = releases.list_releases(engine)
    if not listed:
        st.caption(t("briefing.releases.none"))
        return
    st.dataframe(pd.DataFrame({
        t("briefing.releases.number"): [r.number for r in listed],
        t("briefing.releases.week"): [f"{format_date(r.period_start)} – {format_date(r.period_end)}" for r in listed],
        t("briefing.releases.published"): [format_moment_wib(r.published_at) for r in listed],
        t("briefing.releases.corrects"): [r.corrects_number or "" for r in listed],
        t("briefing.releases.checksum"): [r.data_sha256 for r in listed],
    }), hide_index=True, width="stretch")
    number = st.selectbox(t("briefing.releases.pick"), [r.number for r in listed], key="briefing_release")
    release = next(r for r in listed if r.number == number)
    stored = releases.files(engine, release.id)
    if lang == "en" and not any(f.language == "en" for f in stored):
        if st.button(t("briefing.releases.make_english"), key="briefing_english"):
            try:
                with st.spinner(t("briefing.publish.working")):
                    releases.add_files(engine, release.id, briefing_export.english_files(
                        release, releases.figures(engine, release.id), releases.changes(engine, release.id)))
            except ExportUnavailable as error:
                downloads.unavailable(error)
                return
            stored = releases.files(engine, release.id)
    for item in stored:
        columns = st.columns([3, 5])
        downloads.download(item.name, item.content, item.name, item.mime, "briefing_release_file",
                           {"release": release.number, "sha256": item.sha256}, key=f"briefing_file_{item.name}",
                           container=columns[0])
        columns[1].caption(f"SHA-256 {item.sha256}")


def _releases() -> None:
    if releases.may_publish(role):
        try:
            png.warm()  # Chromium starts while the reader looks at the figures, not after the click
        except ExportUnavailable:
            pass  # said when publishing is asked for
        with st.container(border=True):
            st.markdown(f"**{t('briefing.publish.title')}**")
            st.caption(t("briefing.publish.explain"))
            _publish_panel()
    _releases_panel()


st.divider()
st.subheader(t("briefing.releases"))
if live.is_stale():
    st.info(t("live.not_while_stale"))  # releases are read and written live, never from the last good figures
else:
    try:
        _releases()
    except UNAVAILABLE_ERRORS:
        st.info(t("live.not_while_stale"))
