"""Events: the whole event table, searchable by any name form and filterable; the filtered rows as CSV.

URL: /Events?q=…&from=YYYY-MM-DD&to=YYYY-MM-DD&claimants=ua,ru&status=ru,contested&settlement=UA…,UA…
     &source=…&source=…[&names=uk]   (every filter optional; sources repeat because they may contain commas)
"""

import pandas as pd
import streamlit as st

from app import data, urls, widgets
from app import pages_support as ps
from controlmap import region
from controlmap.model import CLAIMANTS, EARLIEST_DATE, STATUSES
from controlmap.timeline import exports, history

EVENT_STATUSES = tuple(s for s in STATUSES if s != "unknown")  # what an event may state

ps.page_setup("Events")
widgets.names_switch()
name_column = widgets.name_column()
other_column = ps.other_name_column(name_column)
dataset = data.dataset()
events = dataset.events
settlements = dataset.gazetteer.settlements

st.title("Events")

dates = pd.to_datetime(events.date)
first_day = dates.min().date() if len(events) else EARLIEST_DATE
last_day = dates.max().date() if len(events) else EARLIEST_DATE
present = sorted(set(events.katottg))
names = settlements.set_index("katottg")
sources = sorted(set(events.source))


def _settlement_label(code: str) -> str:
    if code not in names.index:
        return code
    row = names.loc[code]
    return f"{row[name_column]} ({row['hromada_en']} hromada) · {code}"


def _reset() -> None:
    widgets.reset_widgets("events_query", "events_from", "events_to", "events_claimants", "events_statuses",
                        "events_settlements", "events_sources")
    urls.clear_query()


widgets.seed("events_query", urls.query_text("q"))
widgets.seed("events_from", ps.clamp(urls.query_date("from", first_day), first_day, last_day))
widgets.seed("events_to", ps.clamp(urls.query_date("to", last_day), first_day, last_day))
widgets.seed("events_claimants", urls.query_list("claimants", CLAIMANTS, list(CLAIMANTS)))
widgets.seed("events_statuses", urls.query_list("status", EVENT_STATUSES, list(EVENT_STATUSES)))
widgets.seed("events_settlements", urls.query_list("settlement", present, []))
widgets.seed("events_sources", urls.query_values("source", sources))

examples = region.current().name_examples
spellings = f" ({', '.join(examples.spellings)}…)" if examples.spellings else ""
query = st.text_input(f"Search: a settlement by any name form{spellings} or words of a source or quote",
                      key="events_query",
                      placeholder=f"e.g. {', '.join(examples.search)}" if examples.search else None)
# Wide enough for every tag of the claimant and status filters (in four columns they were cut).
row1 = st.columns([2, 2, 4, 4])
start = row1[0].date_input("From", min_value=first_day, max_value=last_day, key="events_from",
                           format="YYYY-MM-DD")
end = row1[1].date_input("To", min_value=first_day, max_value=last_day, key="events_to", format="YYYY-MM-DD")
claimants = row1[2].multiselect("Claimed by", list(CLAIMANTS), key="events_claimants")
statuses = row1[3].multiselect("Status", list(EVENT_STATUSES), key="events_statuses")
row2 = st.columns([2, 2, 1])
chosen_settlements = row2[0].multiselect("Settlements", present, key="events_settlements",
                                         format_func=_settlement_label, placeholder="all settlements")
chosen_sources = row2[1].multiselect("Sources", sources, key="events_sources", placeholder="all sources")
row2[2].button("Clear filters", key="events_reset", on_click=_reset)

# Only filters that narrow the table go to the URL, so a link to "everything" still shows later events.
urls.set_query(q=query.strip() or None,
                **{"from": None if start == first_day else start.isoformat(),
                   "to": None if end == last_day else end.isoformat()},
                claimants=urls.list_param(claimants, CLAIMANTS), status=urls.list_param(statuses, EVENT_STATUSES),
                settlement=",".join(chosen_settlements) or None)
urls.set_query_values("source", chosen_sources)

search = history.search_events(events, dataset.resolver, query)
if search.query:
    resolution = search.resolution
    assert resolution is not None, "a query is resolved"
    if resolution.status == "match":
        match = resolution.matches[0]
        st.caption(f"“{ps.md_escape(search.query)}” is {ps.md_escape(match[name_column])} "
                   f"({ps.md_escape(match['hromada_en'])} hromada, {match['katottg']}); rows whose source, quote "
                   "or note contain the text are included too.")
    elif resolution.status == "ambiguous":
        st.caption(f"“{ps.md_escape(search.query)}” names {len(resolution.matches)} settlements "
                   f"({', '.join(m['katottg'] for m in resolution.matches)}): rows about any of them are shown; "
                   "narrow with the Settlements filter.")
    else:
        hint = ", ".join(ps.md_escape(s.name_en) for s in resolution.suggestions[:5])
        st.caption(f"No settlement is called “{ps.md_escape(search.query)}”: rows whose source, quote or note "
                   f"contain it are shown." + (f" Did you mean: {hint}?" if hint else ""))

filtered = history.filter_events(events, start=start, end=end, claimants=claimants, statuses=statuses,
                                 katottgs=chosen_settlements or None, sources=chosen_sources or None,
                                 mask=search.mask)
# Oldest first (the file holds researched rows before the rows derived from maps, so its order is not the dates').
filtered = filtered.sort_values(["date", "line"], kind="stable")
st.subheader(f"{len(filtered):,} of {len(events):,} events", anchor=False)

table = ps.with_safe_urls(history.events_with_names(filtered, settlements))
table = table.rename(columns={name_column: "name", other_column: "other name"})
table["date"] = pd.to_datetime(table.date).dt.date
ps.table(table, key="events_table", height=560,
        column_order=["date", "name", "other name", "katottg", "status", "claimed_by", "source", "url",
                      "quote", "note", "settlement", "hromada_en", "raion_en", "line"],
        column_config={"url": ps.link_column(), "date": st.column_config.DateColumn(format="YYYY-MM-DD"),
                       "settlement": "as written", "hromada_en": "hromada", "raion_en": "raion",
                       "line": st.column_config.NumberColumn("line", help=f"line in {ps.EVENTS_FILE}",
                                                             format="%d")})
st.download_button(f"Download these {len(filtered):,} rows (CSV)",
                   lambda: exports.to_safe_csv(history.events_export(filtered, settlements)),
                   file_name="events_filtered.csv", mime="text/csv", key="events_download", on_click="ignore")

ps.sources_caption(dataset, [c for c in CLAIMANTS if c in claimants],
                   "click a column header to sort; the download holds exactly the rows shown")
