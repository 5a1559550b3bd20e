"""The dashboard's own words in Dutch (default) and English, and number and date formats per language.

Names from the data (points, levels, statuses, regions) come from the database in the chosen language; this
module holds only the interface texts.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Literal

Lang = Literal["nl", "en"]
LANGUAGES: tuple[Lang, ...] = ("nl", "en")
DEFAULT_LANGUAGE: Lang = "nl"
MISSING = "–"

MONTHS = {
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}  # fmt: skip

STRINGS: dict[str, tuple[str, str]] = {
    # shell
    "app.title": ("RAAK Monitor", "RAAK Monitor"),
    "app.tagline": ("Landelijke invoering van de RAAK-aanpak", "National roll-out of the RAAK approach"),
    "nav.national": ("Landelijk", "National"),
    "nav.points": ("RAAK-punten", "RAAK points"),
    "nav.completeness": ("Aanlevering", "Completeness"),
    "nav.round": ("Ronde", "Round"),
    "nav.language": ("Taal", "Language"),
    "demo.banner": (
        "Synthetische demodata: gemaakt met `raak demo`, geen echte gegevens van gemeenten.",
        "Synthetic demo data: made by `raak demo`, not real data from municipalities.",
    ),
    "footer.source": (
        "Bron: zelfevaluaties van gemeenten, RAAK Monitor (NJi).",
        "Source: municipal self-assessments, RAAK Monitor (NJi).",
    ),
    "source": ("Bron: RAAK Monitor, zelfevaluaties", "Source: RAAK Monitor, self-assessments"),
    "round": ("ronde {label}", "round {label}"),
    "reference_date": ("peildatum {date}", "reference date {date}"),
    # weighting
    "weighting.children_0_17": ("gewogen naar kinderen 0-17 jaar", "weighted by children aged 0-17"),
    "weighting.inhabitants": ("gewogen naar inwoners", "weighted by inhabitants"),
    "weighting.equal": ("elke gemeente telt even zwaar", "each municipality counts once"),
    # empty states and errors
    "empty.no_rounds": (
        "Er zijn nog geen rondes. Maak er een met `raak rounds add 2008 --reference-date 2008-12-31`, of "
        "start met voorbeeldgegevens: `raak demo`.",
        "There are no rounds yet. Add one with `raak rounds add 2008 --reference-date 2008-12-31`, or start "
        "with example data: `raak demo`.",
    ),
    "empty.no_returns": (
        "Nog geen aanleveringen voor ronde {round}: upload een ingevulde template (`raak ingest BESTAND.xlsx`) "
        "of probeer `raak demo`.",
        "No returns for round {round} yet: upload a filled template (`raak ingest FILE.xlsx`) or run `raak demo`.",
    ),
    "empty.region_no_returns": (
        "Nog geen aanleveringen uit deze regio voor ronde {round}. De coördinator kan de template downloaden met "
        "`raak template {region} {round}` en de ingevulde versie uploaden.",
        "No returns from this region for round {round} yet. The coordinator can get the template with "
        "`raak template {region} {round}` and upload the filled version.",
    ),
    "empty.no_previous": (
        "Dit is de eerste ronde: er is nog niets om mee te vergelijken.",
        "This is the first round: there is nothing to compare with yet.",
    ),
    "empty.no_change": (
        "Geen gemeente uit deze regio leverde in beide rondes aan.",
        "No municipality in this region returned in both rounds.",
    ),
    "empty.municipality": (
        "Deze gemeente heeft nog geen aanlevering in welke ronde dan ook.",
        "This municipality has no return in any round yet.",
    ),
    "empty.no_rejected": ("Geen afgewezen bestanden in deze ronde.", "No rejected files in this round."),
    "error.not_found": ("Niet gevonden", "Not found"),
    "error.unknown_page": ("Deze pagina bestaat niet.", "This page does not exist."),
    "error.back": ("Terug naar het landelijke overzicht", "Back to the national overview"),
    # downloads
    "download.csv": ("Download CSV", "Download CSV"),
    "download.xlsx": ("Download Excel", "Download Excel"),
    # national page
    "national.title": ("Landelijk overzicht", "National overview"),
    "kpi.coverage": ("Landelijke dekking", "National coverage"),
    "kpi.coverage.note": (
        "{reporting} onder gemeenten die aanleverden; {weighting}",
        "{reporting} among reporting municipalities; {weighting}",
    ),
    "kpi.on_track": ("Regio's op koers", "Regions on track"),
    "kpi.on_track.note": (
        "dekking ≥ doeltraject ({target} op de peildatum)",
        "coverage ≥ target trajectory ({target} at the reference date)",
    ),
    "kpi.completeness": ("Volledigheid", "Completeness"),
    "kpi.completeness.note": (
        "{returns} van {expected} gemeenten leverden aan",
        "{returns} of {expected} municipalities returned",
    ),
    "kpi.time_left": ("Tijd tot het doel", "Time left to the target"),
    "kpi.time_left.value": ("{days} dagen", "{days} days"),
    "kpi.time_left.passed": ("doeldatum voorbij", "target date passed"),
    "kpi.time_left.note": (
        "tot {end} ({value} landelijk), gerekend vanaf de peildatum",
        "until {end} ({value} nationwide), counted from the reference date",
    ),
    "kpi.projection": ("Prognose", "Projection"),
    "projection.projected": ("doel bereikt op {date}", "target reached on {date}"),
    "projection.reached": ("doel bereikt", "target reached"),
    "projection.not_at_current_pace": ("niet in het huidige tempo", "not at current pace"),
    "projection.too_few_rounds": ("te weinig rondes", "too few rounds"),
    "chart.trajectory": ("Dekking per ronde tegen het doeltraject", "Coverage per round against the target trajectory"),
    "chart.map": ("Dekking per {level}", "Coverage per {level}"),
    "map.regions": ("regio", "region"),
    "map.municipalities": ("gemeente", "municipality"),
    "map.toggle.regions": ("Regio's", "Regions"),
    "map.toggle.municipalities": ("Gemeenten", "Municipalities"),
    "map.hint": ("Klik op een gebied voor de details.", "Click an area for its details."),
    "chart.ranking": ("Regio's gerangschikt naar dekking", "Regions ranked by coverage"),
    "chart.groups": ("Dekking per onderdeel van de aanpak", "Coverage per part of the approach"),
    "chart.weakest": ("De tien zwakste RAAK-punten", "The ten weakest RAAK points"),
    # region page
    "region.title": ("Regio {name}", "Region {name}"),
    "region.select": ("Regio", "Region"),
    "kpi.region_coverage": ("Dekking regio", "Region coverage"),
    "kpi.vs_national": ("landelijk {value}", "national {value}"),
    "kpi.region_completeness": ("Volledigheid regio", "Region completeness"),
    "kpi.region_on_track": ("Op koers", "On track"),
    "kpi.rank": ("Positie {rank} van {count}", "Rank {rank} of {count}"),
    "yes": ("ja", "yes"),
    "no": ("nee", "no"),
    "chart.heatmap": ("Status per gemeente en RAAK-punt", "Status per municipality and RAAK point"),
    "heatmap.hint": ("Klik op een cel voor de gemeente.", "Click a cell to open the municipality."),
    "chart.levels": ("Profiel over het zorgcontinuüm (niveaus a-e)", "Profile across the care continuum (levels a-e)"),
    "chart.change": ("Verandering sinds ronde {previous}", "Change since round {previous}"),
    "chart.change.none": ("Verandering sinds de vorige ronde", "Change since the previous round"),
    "table.municipalities": ("Gemeenten in de regio", "Municipalities in the region"),
    "col.municipality": ("Gemeente", "Municipality"),
    "col.code": ("Code", "Code"),
    "col.region": ("Regio", "Region"),
    "col.has_return": ("Aangeleverd", "Returned"),
    "col.coverage": ("Dekking", "Coverage"),
    "col.implemented": ("Ingevoerd", "Implemented"),
    "col.applicable": ("Van toepassing", "Applicable"),
    "col.not_applicable": ("n.v.t.", "n/a"),
    "col.improved": ("Verbeterd", "Improved"),
    "col.regressed": ("Achteruit", "Regressed"),
    "col.unchanged": ("Gelijk", "Unchanged"),
    # municipality page
    "municipality.title": ("Gemeente {name}", "Municipality {name}"),
    "municipality.region": ("Regio: {region}", "Region: {region}"),
    "municipality.no_region": ("Niet ingedeeld in een regio", "Not assigned to a region"),
    "kpi.points.note": (
        "{implemented} van {applicable} punten ingevoerd",
        "{implemented} of {applicable} points implemented",
    ),
    "chart.municipality_coverage": ("Dekking per ronde", "Coverage per round"),
    "chart.municipality_points": ("Status per RAAK-punt en ronde", "Status per RAAK point and round"),
    "table.municipality_points": ("Statussen en toelichtingen", "Statuses and comments"),
    "col.point": ("Punt", "Point"),
    "col.level": ("Niveau", "Level"),
    "col.title": ("Titel", "Title"),
    "col.round": ("Ronde", "Round"),
    "col.status": ("Status", "Status"),
    "col.comment": ("Toelichting", "Comment"),
    "no_return": ("geen aanlevering", "no return"),
    # framework page
    "points.title": ("De 35 RAAK-punten", "The 35 RAAK points"),
    "chart.distribution": ("Landelijke statusverdeling per punt", "National status distribution per point"),
    "points.hint": (
        "Klik op een punt voor de volledige tekst en de regio's die achterblijven.",
        "Click a point for its full text and the regions where it lags.",
    ),
    "points.detail": ("Punt {number}: {title}", "Point {number}: {title}"),
    "points.text": ("Tekst uit het Actieplan (2007)", "Text from the 2007 action plan (Dutch)"),
    "points.share": ("Landelijk ingevoerd: {share}", "Implemented nationally: {share}"),
    "chart.lagging": ("Regio's voor punt {number}, laagste eerst", "Regions for point {number}, lowest first"),
    "col.share": ("Ingevoerd (aandeel)", "Implemented (share)"),
    "col.lags": ("Blijft achter", "Lags"),
    "level.general": ("Algemeen", "General"),
    # completeness page
    "completeness.title": ("Aanlevering per regio", "Returns per region"),
    "chart.completeness": ("Verwachte en ontvangen aanleveringen", "Expected and received returns"),
    "table.completeness": ("Aanlevering per regio", "Returns per region"),
    "table.rejected": ("Afgewezen bestanden en hun meldingen", "Rejected files and their issues"),
    "col.expected": ("Verwacht", "Expected"),
    "col.received": ("Ontvangen", "Received"),
    "col.completeness": ("Volledigheid", "Completeness"),
    "col.last_upload": ("Laatste upload", "Last upload"),
    "col.uploads": ("Uploads", "Uploads"),
    "col.accepted": ("Geaccepteerd", "Accepted"),
    "col.rejected": ("Afgewezen", "Rejected"),
    "col.file": ("Bestand", "File"),
    "col.uploaded_at": ("Geüpload", "Uploaded"),
    "col.uploader": ("Door", "By"),
    "col.sheet": ("Blad", "Sheet"),
    "col.cell": ("Cel", "Cell"),
    "col.message": ("Melding", "Message"),
    "col.severity": ("Ernst", "Severity"),
    "col.issue_code": ("Code", "Code"),
    "issues.count": ("{count} meldingen", "{count} issues"),
    "col.deadline": ("Deadline: {date}", "Deadline: {date}"),
    "round.open": ("open voor aanlevering", "open for returns"),
    "round.closed": ("gesloten", "closed"),
}


def normalize_language(value: str | None) -> Lang:
    """The language asked for in the URL, or Dutch for anything else."""
    return "en" if (value or "").strip().lower() == "en" else DEFAULT_LANGUAGE


def t(key: str, lang: Lang, **values: object) -> str:
    """The text `key` in `lang`, with `{placeholders}` filled in."""
    nl, en = STRINGS[key]
    text = en if lang == "en" else nl
    return text.format(**values) if values else text


def percent(value: float | None, lang: Lang, digits: int = 1) -> str:
    """A share as a percentage: `45,3%` in Dutch, `45.3%` in English; a dash when unknown."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    text = f"{value * 100:.{digits}f}"
    return (text.replace(".", ",") if lang == "nl" else text) + "%"


def integer(value: int, lang: Lang) -> str:
    """A whole number with thousands separators: `1.095` in Dutch, `1,095` in English."""
    text = f"{value:,}"
    return text.replace(",", ".") if lang == "nl" else text


def long_date(day: date | None, lang: Lang) -> str:
    """`31 december 2011` / `31 December 2011`; a dash when unknown."""
    if day is None:
        return MISSING
    return f"{day.day} {MONTHS[lang][day.month - 1]} {day.year}"
