"""The three dashboards as page models: figure cards, and tables that each carry the chart drawn
from them, the link behind every number, and the rows of their CSV export."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from leadline.analytics import brand, selectors
from leadline.analytics.metrics import ReportFilters, change

NONE = "—"


@dataclass
class Cell:
    value: Any
    href: str = ""
    numeric: bool = False

    @property
    def text(self) -> str:
        if self.value is None:
            return NONE
        if isinstance(self.value, float):
            return f"{self.value:.1f}"
        return str(self.value)


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Cell]]
    chart: dict[str, Any] | None = None
    note: str = ""
    empty: str = "Nothing in this period."
    export_url: str = ""
    # A way out of the empty state (a settings page), shown to the roles that may use it.
    empty_link: str = ""
    empty_action: str = ""

    def chart_id(self) -> str:
        return f"chart-{self.key}"

    def data_id(self) -> str:
        return f"chart-{self.key}-data"


@dataclass
class Figure:
    label: str
    value: Any
    previous: Any = None
    href: str = ""
    hint: str = ""
    compare: bool = False

    @property
    def change(self) -> float | None:
        if not isinstance(self.value, (int, float)) or not isinstance(self.previous, (int, float)):
            return None
        return change(self.value, self.previous)


@dataclass
class Dashboard:
    key: str
    title: str
    figures: list[Figure]
    tables: list[Table]
    extra: dict[str, Any] = field(default_factory=dict)

    def table(self, key: str) -> Table | None:
        return next((table for table in self.tables if table.key == key), None)


def drill_url(filters: ReportFilters, metric: str, value: str = "") -> str:
    params = {**filters.query(), "metric": metric}
    if value:
        params["value"] = value
    return f"{reverse('analytics:drill')}?{urlencode(params)}"


def number_cell(value: Any, href: str = "") -> Cell:
    return Cell(value, href, numeric=True)


def chart_spec(kind: str, labels: list[str], datasets: list[tuple[str, list[Any]]]) -> dict[str, Any]:
    return {
        "type": kind,
        "labels": labels,
        "datasets": [
            {"label": label, "data": [float(value or 0) for value in values]} for label, values in datasets
        ],
    }


# --- Shared ----------------------------------------------------------------------------------------


def shared_dashboard(filters: ReportFilters, *, compare: bool) -> Dashboard:
    steps = selectors.funnel(filters)
    previous = {row.key: row for row in selectors.funnel(filters.previous())} if compare else {}
    leaks = selectors.handoff_leaks(filters)
    figures = [
        Figure(
            row.label,
            row.count,
            previous[row.key].count if row.key in previous else None,
            drill_url(filters, "funnel", row.key) if row.key != "visitor" else "",
            compare=compare,
        )
        for row in steps
    ]
    funnel_rows = [
        [
            Cell(row.label),
            number_cell(row.count, drill_url(filters, "funnel", row.key) if row.key != "visitor" else ""),
            number_cell(None if row.conversion is None else row.conversion),
            number_cell(row.median_hours),
            *([number_cell(previous[row.key].count)] if compare else []),
        ]
        for row in steps
    ]
    funnel_table = Table(
        "funnel",
        "The full funnel",
        [
            "Step",
            "Reached in period",
            "Conversion from previous step (%)",
            "Median hours from previous step",
            *(["Previous period"] if compare else []),
        ],
        funnel_rows,
        chart=chart_spec(
            "bar", [row.label for row in steps], [("Reached in period", [row.count for row in steps])]
        ),
        note="A contact counts at a step the first time its lifecycle stage reaches that step or a later one. "
        "Visitors are browsers whose first visit fell in the period.",
    )
    leak_rows = [
        [Cell(row["label"]), number_cell(row["count"], drill_url(filters, "rejected", row["key"]))]
        for row in leaks.by_reason
    ]
    leak_table = Table(
        "rejections",
        "Leads sent back by sales, by reason",
        ["Reason", "Leads"],
        leak_rows,
        chart=chart_spec(
            "bar",
            [row["label"] for row in leaks.by_reason],
            [("Leads", [row["count"] for row in leaks.by_reason])],
        ),
        empty="No lead was sent back in this period.",
    )
    handoff_table = Table(
        "handoff",
        "At the hand-off",
        ["Hand-offs", "Accepted", "Sent back", "Waiting", "Recycled leads that came back"],
        [
            [
                number_cell(leaks.handed_off),
                number_cell(leaks.accepted),
                number_cell(leaks.rejected),
                number_cell(leaks.pending),
                number_cell(leaks.came_back, drill_url(filters, "came_back")),
            ]
        ],
    )
    by_source = selectors.conversion_by_source(filters)
    source_table = Table(
        "conversion_by_source",
        "Lead to customer by source",
        ["Source", "New leads", "Became customers", "Conversion (%)"],
        [
            [
                Cell(row["label"]),
                number_cell(row["leads"], drill_url(filters, "leads", row["source"])),
                number_cell(row["customers"]),
                number_cell(row["conversion"]),
            ]
            for row in by_source
        ],
        chart=chart_spec(
            "bar",
            [row["label"] for row in by_source],
            [("Conversion (%)", [row["conversion"] for row in by_source])],
        ),
        note="Contacts who became leads in the period, and how many of them are customers by now.",
    )
    cohort_rows = selectors.cohorts(filters)
    cohort_table = Table(
        "cohorts",
        "Cohorts by first-touch month",
        ["Month", "Contacts", "Leads", "MQLs", "SQLs", "Opportunities", "Customers"],
        [
            [
                Cell(row["month"].strftime("%Y-%m")),
                number_cell(row["contacts"]),
                number_cell(row["lead"]),
                number_cell(row["mql"]),
                number_cell(row["sql"]),
                number_cell(row["opportunity"]),
                number_cell(row["customer"]),
            ]
            for row in cohort_rows
        ],
        note="Contacts whose first visit (or, without one, becoming a lead) fell in the period, and how far each "
        "month's cohort has come so far.",
    )
    return Dashboard(
        "shared",
        "Shared funnel",
        figures,
        [funnel_table, source_table, leak_table, handoff_table, cohort_table],
    )


# --- Marketing -------------------------------------------------------------------------------------


def marketing_dashboard(filters: ReportFilters, *, compare: bool) -> Dashboard:
    # Each period's visits are read once and shared by every traffic number below.
    frame = selectors.traffic_frame(filters)
    frame_before = selectors.traffic_frame(filters.previous()) if compare else None
    totals = selectors.traffic_totals(filters, frame)
    before = selectors.traffic_totals(filters.previous(), frame_before) if frame_before else {}
    by_source = selectors.contacts_by_source(filters)
    new_contacts = sum(row["new_contacts"] for row in by_source)
    leads = sum(row["leads"] for row in by_source)
    previous_sources = selectors.contacts_by_source(filters.previous()) if compare else []
    terms = brand.brand_terms()
    reach = selectors.brand_reach(filters, terms, frame)
    reach_before = selectors.brand_reach(filters.previous(), terms, frame_before) if frame_before else None
    figures = [
        Figure("Visitors", totals["visitors"], before.get("visitors"), compare=compare),
        Figure("Visits", totals["sessions"], before.get("sessions"), compare=compare),
        Figure("Page views", totals["page_views"], before.get("page_views"), compare=compare),
        Figure(
            "Returning visitors",
            totals["returning_visitors"],
            before.get("returning_visitors"),
            compare=compare,
        ),
        Figure(
            "Direct visits",
            totals["direct_sessions"],
            before.get("direct_sessions"),
            hint="typed in or bookmarked",
            compare=compare,
        ),
        Figure(
            "Branded search visits",
            reach["branded_search_sessions"] if reach["has_terms"] else None,
            reach_before["branded_search_sessions"] if reach_before and reach["has_terms"] else None,
            hint="searched for your name" if reach["has_terms"] else "no brand terms set",
            compare=compare and reach["has_terms"],
        ),
        Figure(
            "New contacts",
            new_contacts,
            sum(row["new_contacts"] for row in previous_sources) if compare else None,
            drill_url(filters, "new_contacts", "*"),
            compare=compare,
        ),
        Figure(
            "New leads",
            leads,
            sum(row["leads"] for row in previous_sources) if compare else None,
            drill_url(filters, "leads", "*"),
            compare=compare,
        ),
    ]
    days = selectors.traffic_by_day(filters, frame)
    traffic = Table(
        "traffic",
        "Traffic per day",
        ["Day", "Visitors", "Visits", "Page views"],
        [
            [
                Cell(row["day"].isoformat()),
                number_cell(row["visitors"]),
                number_cell(row["sessions"]),
                number_cell(row["page_views"]),
            ]
            for row in days
        ],
        chart=chart_spec(
            "line",
            [row["day"].isoformat() for row in days],
            [
                ("Visitors", [row["visitors"] for row in days]),
                ("Visits", [row["sessions"] for row in days]),
                ("Page views", [row["page_views"] for row in days]),
            ],
        ),
    )
    pages = selectors.top_pages(filters)
    top = Table(
        "pages",
        "Top pages",
        ["Page", "Views"],
        [[Cell(row["path"]), number_cell(row["views"])] for row in pages],
        chart=chart_spec("bar", [row["path"] for row in pages], [("Views", [row["views"] for row in pages])]),
        note="Counted per day for the whole site; the source and campaign filters do not apply.",
    )
    sources = selectors.traffic_sources(filters, frame=frame)
    source_table = Table(
        "sources",
        "Sources and mediums",
        ["Source", "Medium", "Visits", "Visitors", "Page views"],
        [
            [
                Cell(row["source"] or "(direct)"),
                Cell(row["medium"]),
                number_cell(row["sessions"]),
                number_cell(row["visitors"]),
                number_cell(row["page_views"]),
            ]
            for row in sources
        ],
        chart=chart_spec(
            "doughnut",
            [row["source"] or "(direct)" for row in sources],
            [("Visits", [row["sessions"] for row in sources])],
        ),
    )
    campaigns = selectors.traffic_campaigns(filters, frame=frame)
    campaign_table = Table(
        "campaigns",
        "Campaigns",
        ["Campaign", "Source", "Medium", "Visits", "Visitors"],
        [
            [
                Cell(row["campaign"]),
                Cell(row["source"]),
                Cell(row["medium"]),
                number_cell(row["sessions"]),
                number_cell(row["visitors"]),
            ]
            for row in campaigns
        ],
        empty="No visit carried a UTM campaign in this period.",
    )
    contacts_table = Table(
        "contacts_by_source",
        "New contacts and leads by source",
        ["Source", "New contacts", "New leads"],
        [
            [
                Cell(row["label"]),
                number_cell(row["new_contacts"], drill_url(filters, "new_contacts", row["source"])),
                number_cell(row["leads"], drill_url(filters, "leads", row["source"])),
            ]
            for row in by_source
        ],
        chart=chart_spec(
            "bar",
            [row["label"] for row in by_source],
            [
                ("New contacts", [row["new_contacts"] for row in by_source]),
                ("New leads", [row["leads"] for row in by_source]),
            ],
        ),
    )
    forms_rows = selectors.form_conversion(filters, totals["sessions"])
    forms_table = Table(
        "forms",
        "Form conversion",
        ["Form", "Submissions", "Contacts", "Submissions per 100 visits"],
        [
            [
                Cell(row["form"]),
                number_cell(row["submissions"]),
                number_cell(row["contacts"]),
                number_cell(row["rate"]),
            ]
            for row in forms_rows
        ],
        empty="No form was submitted in this period.",
    )
    email = selectors.email_by_day(filters)
    email_table = Table(
        "email",
        "Marketing email",
        ["Day", "Sent", "Opened", "Clicked", "Open rate (%)", "Click rate (%)"],
        [
            [
                Cell(row["day"].isoformat()),
                number_cell(row["sent"]),
                number_cell(row["opened"]),
                number_cell(row["clicked"]),
                number_cell(row["open_rate"]),
                number_cell(row["click_rate"]),
            ]
            for row in email
        ],
        chart=chart_spec(
            "line",
            [row["day"].isoformat() for row in email],
            [
                ("Sent", [row["sent"] for row in email]),
                ("Opened", [row["opened"] for row in email]),
                ("Clicked", [row["clicked"] for row in email]),
            ],
        ),
        note="Opens and clicks by people only: mail scanners and privacy proxies are left out.",
    )
    return Dashboard(
        "marketing",
        "Marketing",
        figures,
        [
            traffic,
            brand_reach_table(reach, reach_before),
            top,
            source_table,
            campaign_table,
            contacts_table,
            forms_table,
            email_table,
        ],
    )


BRAND_SIGNALS = (
    ("direct_sessions", "Direct visits"),
    ("branded_search_sessions", "Branded search visits"),
    ("non_branded_search_sessions", "Non-branded search visits"),
    ("unknown_term_search_sessions", "Search visits, search not known"),
    ("returning_visitors", "Returning visitors"),
)


def brand_reach_table(reach: dict[str, Any], before: dict[str, Any] | None) -> Table:
    """Direct, branded and other search visits and returning visitors, against the period before;
    empty (pointing to the setting) until brand terms are set."""
    compare = before is not None
    rows = [
        [
            Cell(label),
            number_cell(reach[key]),
            *([number_cell(before[key]), number_cell(change(reach[key], before[key]))] if before else []),
        ]
        for key, label in BRAND_SIGNALS
    ]
    labels = [label for _, label in BRAND_SIGNALS]
    datasets = [("This period", [reach[key] for key, _ in BRAND_SIGNALS])]
    if before is not None:
        datasets.append(("Previous period", [before[key] for key, _ in BRAND_SIGNALS]))
    return Table(
        "brand_reach",
        "Brand reach",
        ["Signal", "This period", *(["Previous period", "Change (%)"] if compare else [])],
        rows if reach["has_terms"] else [],
        chart=chart_spec("bar", labels, datasets),
        note="A search visit is branded when what was searched for (utm_term on the landing page, else "
        "the search in the referring address) contains one of your brand terms. Search engines often keep "
        "the search to themselves: those visits are counted apart. Visits are counted, returning "
        "visitors once each.",
        empty="Set your brand terms (your company's and products' names) to tell searches for you "
        "from other searches.",
        empty_link=reverse("analytics:report_settings"),
        empty_action="Set brand terms",
    )


# --- Sales -----------------------------------------------------------------------------------------


def sales_dashboard(filters: ReportFilters, *, compare: bool) -> Dashboard:
    wins = selectors.win_figures(filters)
    before = selectors.win_figures(filters.previous()) if compare else {}
    speed = selectors.speed_to_lead(filters)
    revenue = selectors.revenue_totals(filters)
    figures = [
        Figure("Deals won", wins["won"], before.get("won"), drill_url(filters, "deals_won"), compare=compare),
        Figure(
            "Deals lost", wins["lost"], before.get("lost"), drill_url(filters, "deals_lost"), compare=compare
        ),
        Figure("Win rate (%)", wins["win_rate"], before.get("win_rate"), compare=compare),
        Figure(
            "Median sales cycle (days)",
            wins["median_cycle_days"],
            before.get("median_cycle_days"),
            compare=compare,
        ),
        Figure(
            "Median hours to first touch",
            speed["median_hours_to_first_touch"],
            hint=f"{speed['handoffs']} hand-offs",
        ),
        Figure(
            "SLA compliance (%)",
            speed["sla_compliance"],
            hint=f"{speed['sla_on_time']} of {speed['sla_due']} on time",
        ),
        *[
            Figure(
                f"Revenue ({row['currency']})",
                row["net"],
                href=drill_url(filters, "customers_revenue", row["currency"]),
                hint=f"net of {row['refunded']} refunded",
            )
            for row in revenue
        ],
    ]
    pipeline = selectors.pipeline_by_close_month(filters)
    pipeline_table = Table(
        "pipeline",
        "Open pipeline by expected close month",
        ["Close month", "Currency", "Deals", "Value", "Weighted forecast"],
        [
            [
                Cell(row["month"].strftime("%Y-%m") if row["month"] else "No date"),
                Cell(row["currency"]),
                number_cell(
                    row["deals"],
                    drill_url(
                        filters, "pipeline", row["month"].strftime("%Y-%m") if row["month"] else "none"
                    ),
                ),
                number_cell(row["value"]),
                number_cell(row["weighted"]),
            ]
            for row in pipeline
        ],
        chart=chart_spec(
            "bar",
            [
                f"{row['month'].strftime('%Y-%m') if row['month'] else 'No date'} {row['currency']}"
                for row in pipeline
            ],
            [
                ("Value", [row["value"] for row in pipeline]),
                ("Weighted", [row["weighted"] for row in pipeline]),
            ],
        ),
        note="Every open deal, whatever the period; the forecast weighs each by its stage's win probability.",
        empty="No open deal.",
    )
    stages = selectors.stage_conversion(filters)
    stage_table = Table(
        "stages",
        "Stage-to-stage conversion and time in stage",
        ["Pipeline", "Stage", "Entered", "Moved forward", "Conversion (%)", "Median hours in stage"],
        [
            [
                Cell(row["pipeline"]),
                Cell(row["stage"].name),
                number_cell(row["entered"]),
                number_cell(row["advanced"]),
                number_cell(row["conversion"]),
                number_cell(row["median_hours"]),
            ]
            for row in stages
        ],
        chart=chart_spec(
            "bar",
            [row["stage"].name for row in stages],
            [
                ("Entered", [row["entered"] for row in stages]),
                ("Moved forward", [row["advanced"] for row in stages]),
            ],
        ),
    )
    size_table = Table(
        "deal_size",
        "Average won deal",
        ["Currency", "Deals won", "Average amount"],
        [
            [Cell(row["currency"]), number_cell(row["deals"]), number_cell(row["average"])]
            for row in wins["average_size"]
        ],
        empty="No deal with an amount was won in this period.",
    )
    months = selectors.revenue_by_month(filters)
    month_table = Table(
        "revenue_month",
        "Revenue by month",
        ["Month", "Currency", "Orders", "Gross", "Refunded", "Net"],
        [
            [
                Cell(row["month"].strftime("%Y-%m")),
                Cell(row["currency"]),
                number_cell(row["orders"]),
                number_cell(row["gross"]),
                number_cell(row["refunded"]),
                number_cell(row["net"], drill_url(filters, "customers_revenue", row["currency"])),
            ]
            for row in months
        ],
        chart=chart_spec(
            "bar",
            [f"{row['month']:%Y-%m} {row['currency']}" for row in months],
            [("Net", [row["net"] for row in months])],
        ),
        note="Each currency on its own row: amounts in different currencies are never added up. Refunds count against the month of their order.",
    )
    products = selectors.revenue_by_product(filters)
    product_table = Table(
        "revenue_product",
        "Revenue by product",
        ["Product", "Currency", "Net"],
        [[Cell(row["product"]), Cell(row["currency"]), number_cell(row["net"])] for row in products],
        note="Refunds are shared over an order's lines in proportion to their totals.",
    )
    owners = selectors.revenue_by_owner(filters)
    owner_table = Table(
        "revenue_owner",
        "Revenue by owner",
        ["Owner", "Currency", "Orders", "Net"],
        [
            [
                Cell(row["owner"].display_name if row["owner"] else "Nobody"),
                Cell(row["currency"]),
                number_cell(row["orders"]),
                number_cell(row["net"]),
            ]
            for row in owners
        ],
    )
    tasks = selectors.overdue_tasks(filters)
    task_table = Table(
        "overdue_tasks",
        "Tasks overdue now",
        ["Assignee", "Overdue tasks"],
        [
            [Cell(row["user"].display_name if row["user"] else "Nobody"), number_cell(row["overdue"])]
            for row in tasks
        ],
        empty="No task is overdue.",
    )
    return Dashboard(
        "sales",
        "Sales",
        figures,
        [pipeline_table, stage_table, size_table, month_table, product_table, owner_table, task_table],
    )


BUILDERS = {"shared": shared_dashboard, "marketing": marketing_dashboard, "sales": sales_dashboard}
