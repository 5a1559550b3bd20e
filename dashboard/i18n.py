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
LOCALES: dict[Lang, str] = {"nl": "nl-NL", "en": "en-GB"}  # for numbers formatted in the browser (tables)

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
    "nav.upload": ("Aanleveren", "Upload"),
    "nav.admin": ("Beheer", "Administration"),
    "nav.logout": ("Uitloggen", "Log out"),
    "role.nji": ("NJi", "NJi"),
    "role.coordinator": ("regiocoördinator", "regional coordinator"),
    "role.steering": ("stuurgroep", "steering group"),
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
    # the 2011 target and the gap (dashboard.analytics.summary)
    "headline.target": ("doel {year}: {value}", "target {year}: {value}"),
    "headline.national": ("landelijk", "national"),
    "headline.gap": ("nog {gap} procentpunt", "{gap} percentage points to go"),
    "headline.reached": ("doel bereikt", "target reached"),
    "headline.trajectory": (
        "Doeltraject op de peildatum ({date}): {value}",
        "Target trajectory at the reference date ({date}): {value}",
    ),
    "headline.behind": ("{gap} procentpunt achter", "{gap} percentage points behind"),
    "headline.on_track": ("op koers", "on track"),
    "headline.label": ("Doel en afstand", "Target and gap"),
    # the steering summary (dashboard.analytics.summary; the PDF's first page)
    "summary.title": ("Samenvatting", "Summary"),
    "summary.on_track": (
        "Op koers: {count} van de {total} regio's ({names}).",
        "On track: {count} of the {total} regions ({names}).",
    ),
    "summary.on_track.none": (
        "Geen van de {total} regio's ligt op koers.",
        "None of the {total} regions is on track.",
    ),
    "summary.region_on_track": ("De regio ligt op koers.", "The region is on track."),
    "summary.region_behind": (
        "De regio ligt {gap} procentpunt achter op het doeltraject.",
        "The region is {gap} percentage points behind the target trajectory.",
    ),
    "summary.gaps": (
        "Grootste achterstand per onderdeel (doel op de peildatum: {target}):",
        "Largest gaps per part of the approach (target at the reference date: {target}):",
    ),
    "summary.gap_item": ("{name} {coverage} ({gap} procentpunt achter)", "{name} {coverage} ({gap} pp behind)"),
    "summary.gap_none": ("alle regio's op koers", "every region on track"),
    "summary.weakest": ("Zwakste RAAK-punten landelijk: {items}.", "Weakest RAAK points nationally: {items}."),
    "summary.non_responders": (
        "Volledigheid van de gegevens: {returns} van {expected} gemeenten leverden aan ({share}); {missing} nog niet.",
        "Completeness of the data: {returns} of {expected} municipalities returned ({share}); {missing} not yet.",
    ),
    "summary.non_responders.regions": (
        "Meeste ontbrekende gemeenten: {items}.",
        "Most municipalities missing: {items}.",
    ),
    "summary.missing_item": ("{name} ({missing} van {expected})", "{name} ({missing} of {expected})"),
    "summary.silent_regions": (
        "Regio's zonder enige aanlevering: {names}.",
        "Regions without any return: {names}.",
    ),
    "summary.missing_municipalities": (
        "Gemeenten zonder aanlevering: {names}.",
        "Municipalities without a return: {names}.",
    ),
    "summary.all_returned": ("Alle gemeenten leverden aan.", "Every municipality returned."),
    # text alternatives of charts (dashboard.web.components.chart_alternative)
    "chart.table": ("Tabel bij deze grafiek", "Table for this chart"),
    "chart.table.truncated": (
        "De eerste {shown} van {total} rijen; alle rijen staan in de download (CSV of Excel).",
        "The first {shown} of {total} rows; every row is in the download (CSV or Excel).",
    ),
    # a coordinator's home (dashboard.web.pages.my_region)
    "nav.my_region": ("Mijn regio", "My region"),
    "my_region.title": ("Mijn regio", "My region"),
    "my_region.regions": ("Regio: {regions}", "Region: {regions}"),
    "my_region.returned": ("Aangeleverd", "Returned"),
    "my_region.returned.note": ("{returned} van {expected} gemeenten", "{returned} of {expected} municipalities"),
    "my_region.late": ("Te laat", "Late"),
    "my_region.late.note": ("deadline {date} verstreken", "deadline {date} passed"),
    "my_region.missing": ("Nog niet ontvangen", "Not received yet"),
    "my_region.missing.note": ("deadline {date}", "deadline {date}"),
    "my_region.no_deadline": ("geen deadline", "no deadline"),
    "my_region.state.returned": ("aangeleverd", "returned"),
    "my_region.state.late": ("te laat: deadline {date} verstreken", "late: deadline {date} passed"),
    "my_region.state.missing": ("nog niet ontvangen (deadline {date})", "not received yet (deadline {date})"),
    "my_region.last_upload": (
        "Laatste upload: {date} · {file} · door {uploader} · {municipalities} gemeente(n)",
        "Last upload: {date} · {file} · by {uploader} · {municipalities} municipality(ies)",
    ),
    "my_region.changed": (
        "{changed} punt(en) gewijzigd ten opzichte van de vorige versie in deze ronde",
        "{changed} point(s) changed against the previous version in this round",
    ),
    "my_region.first_version": ("eerste aanlevering in deze ronde", "first return in this round"),
    "my_region.no_uploads": ("Nog geen aanlevering in deze ronde.", "No returns in this round yet."),
    "my_region.template": ("Sjabloon {region} downloaden", "Download the {region} template"),
    "my_region.upload": ("Naar aanleveren", "Go to upload"),
    "my_region.table": ("Gemeenten in mijn regio", "Municipalities in my region"),
    "col.state": ("Stand", "State"),
    "col.received_at": ("Ontvangen", "Received"),
    "col.versions": ("Versies", "Versions"),
    "col.changed_since_upload": ("Gewijzigd t.o.v. vorige versie", "Changed against previous version"),
    # weighting
    "weighting.children_0_17": (
        "gewogen naar kinderen 0-17 jaar (Bron: CBS)",
        "weighted by children aged 0-17 (population: Bron: CBS)",
    ),
    "weighting.children_0_17_est": (
        "gewogen naar kinderen 0-17 (schatting CBS; Bron: CBS)",
        "weighted by children 0-17 (CBS estimate; population: Bron: CBS)",
    ),
    "weighting.inhabitants": ("gewogen naar inwoners (Bron: CBS)", "weighted by inhabitants (population: Bron: CBS)"),
    "weighting.equal": ("elke gemeente telt even zwaar", "each municipality counts once"),
    # empty states and errors
    "empty.no_rounds": ("Er zijn nog geen rondes.", "There are no rounds yet."),
    "empty.no_rounds.nji": (
        "Maak er een op de pagina Beheer of met `raak rounds add 2008 --reference-date 2008-12-31`; voorbeeldgegevens "
        "op een eigen computer geeft `raak demo`.",
        "Add one on the Administration page or with `raak rounds add 2008 --reference-date 2008-12-31`; `raak demo` "
        "gives example data on a computer of your own.",
    ),
    "empty.no_returns": ("Nog geen aanleveringen voor ronde {round}.", "No returns for round {round} yet."),
    "empty.no_returns.nji": (
        "Coördinatoren uploaden hun ingevulde templates op de pagina Aanleveren; een bestand op de server laadt u "
        "met `raak ingest BESTAND.xlsx --round {round}`.",
        "Coordinators upload their filled-in templates on the Upload page; load a file on the server with "
        "`raak ingest FILE.xlsx --round {round}`.",
    ),
    "empty.no_returns.coordinator": (
        "Download de template op de pagina Aanleveren, vul hem in en upload hem daar.",
        "Download the template on the Upload page, fill it in and upload it there.",
    ),
    "empty.region_no_returns": (
        "Nog geen aanleveringen uit deze regio voor ronde {round}.",
        "No returns from this region for round {round} yet.",
    ),
    "empty.region_no_returns.nji": (
        "De template voor de coördinator maakt u met "
        "`raak template --region {region} --round {round} --out RAAK_{round}_{region}.xlsx`.",
        "Make the coordinator's template with "
        "`raak template --region {region} --round {round} --out RAAK_{round}_{region}.xlsx`.",
    ),
    "empty.region_no_returns.coordinator": (
        "Download de template op de pagina Aanleveren, vul hem in en upload hem daar.",
        "Download the template on the Upload page, fill it in and upload it there.",
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
    "error.forbidden": ("Geen toegang", "No access"),
    "error.refused": ("Verzoek geweigerd", "Request refused"),
    "error.forbidden.coordinator": (
        "Deze pagina valt buiten uw rol of uw regio's. U ziet de landelijke overzichten en de details van uw eigen "
        "regio's.",
        "This page is outside your role or your regions. You see the national views and the detail of your own "
        "regions.",
    ),
    "error.forbidden.steering": (
        "Deze pagina is niet voor de stuurgroep: u leest alle overzichten en exporteert ze, maar levert niets aan en "
        "beheert niets.",
        "This page is not for the steering group: you read and export every view, but upload and manage nothing.",
    ),
    "error.forbidden.nji": ("U heeft geen toegang tot deze pagina.", "You have no access to this page."),
    "error.login_required": (
        "U bent niet (meer) ingelogd; log opnieuw in op /login.",
        "You are not logged in (any more); log in again at /login.",
    ),
    "error.csrf": (
        "Het verzoek mist een geldig beveiligingstoken; herlaad de pagina en probeer het opnieuw.",
        "The request lacks a valid security token; reload the page and try again.",
    ),
    "error.cross_origin": (
        "Het verzoek komt van een andere website en is geweigerd.",
        "The request comes from another web site and was refused.",
    ),
    "error.origin_missing": (
        "Het verzoek zegt niet van welke website het komt (geen Origin- of Referer-header) en is geweigerd; gebruik "
        "een gewone browser.",
        "The request does not say which web site it comes from (no Origin or Referer header) and was refused; use "
        "an ordinary browser.",
    ),
    "error.request_too_large": (
        "Het verzoek is groter dan {limit} MB, de grens voor één keer uploaden; upload minder bestanden tegelijk.",
        "The request is larger than {limit} MB, the limit for one upload; upload fewer files at once.",
    ),
    "error.unavailable": (
        "De dienst is tijdelijk niet beschikbaar (de database is niet bereikbaar); probeer het over een halve minuut "
        "opnieuw.",
        "The service is temporarily unavailable (the database cannot be reached); try again in half a minute.",
    ),
    "error.malformed_callback": (
        "Het verzoek heeft niet de vorm die deze pagina's versturen en is geweigerd; herlaad de pagina.",
        "The request does not have the form these pages send and was refused; reload the page.",
    ),
    "error.invalid_value": (
        "Een waarde in het verzoek past niet in de database (te lang of buiten het bereik); er is niets opgeslagen.",
        "A value in the request does not fit the database (too long or out of range); nothing was stored.",
    ),
    # log-in
    "login.title": ("Inloggen", "Log in"),
    "login.email": ("E-mailadres", "E-mail address"),
    "login.password": ("Wachtwoord", "Password"),
    "login.submit": ("Inloggen", "Log in"),
    "login.help": (
        "Geen account of wachtwoord vergeten? Vraag het NJi om een account of een nieuw wachtwoord.",
        "No account, or forgot your password? Ask NJi for an account or a new password.",
    ),
    "login.failed": (
        "Inloggen mislukt: controleer uw e-mailadres en wachtwoord.",
        "Log-in failed: check your e-mail address and password.",
    ),
    "login.throttled": (
        "Te veel mislukte pogingen. Probeer het over {seconds} seconden opnieuw.",
        "Too many failed attempts. Try again in {seconds} seconds.",
    ),
    "login.expired": ("Het formulier was verlopen; probeer het opnieuw.", "The form had expired; please try again."),
    "login.logged_out": ("U bent uitgelogd.", "You are logged out."),
    "logout.confirm": ("Wilt u uitloggen?", "Do you want to log out?"),
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
    "projection.insufficient_data": ("geen prognose: te weinig gegevens", "no projection: too little data"),
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
    "kpi.rank.none": ("Geen positie: geen aanlevering", "No rank: no return"),
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
    "municipality.became": ("Per {date} opgegaan in ", "On {date} it became part of "),
    "municipality.formed": (
        "Per {date} gevormd uit {names}; rondes van vóór die datum tonen het gewogen gemiddelde van deze "
        "gemeenten (Bron: CBS).",
        "Formed on {date} from {names}; rounds before that date show these municipalities' weighted mean "
        "(population: Bron: CBS).",
    ),
    "municipality.annexed": ("Per {date} kwam {names} erbij.", "On {date} {names} joined it."),
    "municipality.via": ("via {names}", "via {names}"),
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
    "not_applicable": ("n.v.t.", "not applicable"),
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
    "issues.count.one": ("1 melding", "1 issue"),
    "col.deadline": ("Deadline: {date}", "Deadline: {date}"),
    "round.open": ("open voor aanlevering", "open for returns"),
    "round.closed": ("gesloten", "closed"),
    "severity.error": ("fout", "error"),
    "severity.warning": ("waarschuwing", "warning"),
    # upload page
    "upload.title": ("Aanleveren", "Upload returns"),
    "upload.scope.all": ("U kunt aanleveren voor alle regio's.", "You can upload for every region."),
    "upload.scope.regions": ("U kunt aanleveren voor: {regions}.", "You can upload for: {regions}."),
    "upload.no_rounds": (
        "Er is nog geen ronde; NJi opent er een op de pagina Beheer.",
        "There is no round yet; NJi opens one on the Administration page.",
    ),
    "upload.no_open_round": (
        "Er is geen open ronde: alle rondes zijn gesloten en weigeren aanleveringen.",
        "No round is open: every round is closed and refuses returns.",
    ),
    "upload.drop": (
        "Sleep een of meer ingevulde werkmappen hierheen, of",
        "Drag one or more filled workbooks here, or",
    ),
    "upload.choose": ("kies bestanden", "choose files"),
    "upload.limits": (
        "Per keer hoogstens {files} bestanden van elk hoogstens {size} MB, {sheets} werkbladen, {rows} rijen en "
        "{columns} kolommen per werkblad en {cells} cellen per bestand.",
        "At most {files} files at once, each at most {size} MB, {sheets} sheets, {rows} rows and {columns} columns "
        "per sheet and {cells} cells per file.",
    ),
    "upload.too_many": (
        "Te veel bestanden tegelijk: de grens is {limit} per keer. Er is niets verstuurd.",
        "Too many files at once: the limit is {limit} per upload. Nothing was sent.",
    ),
    "upload.too_large": (
        "Samen zijn deze bestanden te groot: de grens is {limit} MB per keer. Er is niets verstuurd.",
        "Together these files are too large: the limit is {limit} MB per upload. Nothing was sent.",
    ),
    "upload.unreadable_request": (
        "De upload kon niet worden gelezen; kies de bestanden opnieuw.",
        "The upload could not be read; choose the files again.",
    ),
    "upload.unreadable_file": (
        "{file}: de inhoud kwam niet leesbaar aan; er is niets opgeslagen. Kies het bestand opnieuw.",
        "{file}: the contents did not arrive readably; nothing was stored. Choose the file again.",
    ),
    "upload.status.accepted": ("geaccepteerd", "accepted"),
    "upload.status.rejected": ("afgewezen", "rejected"),
    "upload.status.duplicate": ("al ontvangen", "duplicate"),
    "upload.outcome.accepted": (
        "Verwerkt in ronde {round}; de overzichten tonen het meteen.",
        "Loaded into round {round}; the views show it at once.",
    ),
    "upload.outcome.rejected": (
        "Niets van dit bestand is verwerkt (ronde {round}). Herstel de meldingen hieronder en upload opnieuw.",
        "Nothing of this file was loaded (round {round}). Fix the issues below and upload again.",
    ),
    "upload.outcome.duplicate": (
        "Precies dit bestand is al eerder geaccepteerd voor ronde {round}; er is niets veranderd.",
        "Exactly this file was accepted earlier for round {round}; nothing changed.",
    ),
    "upload.covered": ("Gemeenten: {municipalities}", "Municipalities: {municipalities}"),
    "upload.would_cover": ("Het bestand bevat: {municipalities}", "The file covers: {municipalities}"),
    "upload.view_region": ("Bekijk regio {region}", "View region {region}"),
    "upload.annotated": ("Download de gemarkeerde kopie", "Download the annotated copy"),
    "upload.annotated.hint": (
        "Daarin is elke foute cel rood gemaakt, met de melding als opmerking, en staan alle meldingen op het blad "
        "'Fouten'.",
        "In it every wrong cell is red, with the message as a comment, and the sheet 'Fouten' lists every issue.",
    ),
    "upload.job.queued": (
        "Ontvangen; de bestanden staan in de wachtrij …",
        "Received; the files are waiting in the queue …",
    ),
    "upload.job.file": ("Bestand {number} van {total}: {file} …", "File {number} of {total}: {file} …"),
    "upload.job.state.queued": ("in de wachtrij", "queued"),
    "upload.job.state.running": ("bezig", "processing"),
    "upload.job.state.done": ("klaar", "done"),
    "upload.job.state.failed": ("gestopt", "stopped"),
    "upload.job.done": ("Klaar.", "Done."),
    "upload.job.failed": ("Gestopt.", "Stopped."),
    "upload.job.summary": (
        "{accepted} geaccepteerd, {rejected} afgewezen, {duplicate} al ontvangen.",
        "{accepted} accepted, {rejected} rejected, {duplicate} duplicate.",
    ),
    "upload.job.stopped": (
        "Deze upload is gestopt na {done} van {total} bestanden (de server is herstart). De resultaten hieronder "
        "gelden; upload de overige bestanden opnieuw.",
        "This upload stopped after {done} of {total} files (the server restarted). The results below stand; "
        "upload the other files again.",
    ),
    "upload.job.unknown": (
        "Deze upload bestaat niet (meer) of is niet van u.",
        "This upload does not exist (any more) or is not yours.",
    ),
    "upload.file_failed": (
        "{file}: de verwerking is mislukt; er is niets van opgeslagen. Probeer het opnieuw of meld het bij NJi.",
        "{file}: processing failed; nothing of it was stored. Try again or tell NJi.",
    ),
    "upload.recent.title": ("Uw recente uploads", "Your recent uploads"),
    "upload.recent.item": (
        "{moment}: {files} bestand(en), {accepted} geaccepteerd ({state})",
        "{moment}: {files} file(s), {accepted} accepted ({state})",
    ),
    "upload.template.title": ("Template downloaden", "Download the template"),
    "upload.template.text": (
        "De werkmap om in te vullen voor een regio en de gekozen ronde: één blad per gemeente.",
        "The workbook to fill in for a region and the chosen round: one sheet per municipality.",
    ),
    "upload.template.prefill": (
        "Vooraf invullen met de statussen van de vorige ronde (gemeenten die toen niets aanleverden blijven leeg "
        "en krijgen een waarschuwing)",
        "Prefill with the previous round's statuses (municipalities that sent nothing then stay empty, with a warning)",
    ),
    "upload.template.button": ("Download template", "Download template"),
    "upload.changes": ("Wat deze upload per gemeente veranderde:", "What this upload changed per municipality:"),
    "upload.change.replaced": (
        "{name} ({code}): {changed} van {points} statussen gewijzigd ten opzichte van de geldende aanlevering",
        "{name} ({code}): {changed} of {points} statuses changed from the current return",
    ),
    "upload.change.new": (
        "{name} ({code}): nieuwe aanlevering; {changed} van {points} statussen anders dan in ronde {previous}",
        "{name} ({code}): new return; {changed} of {points} statuses differ from round {previous}",
    ),
    "upload.change.first": (
        "{name} ({code}): nieuwe aanlevering (niets uit de vorige ronde om mee te vergelijken)",
        "{name} ({code}): new return (nothing from the previous round to compare with)",
    ),
    "upload.change.copied": (
        "LET OP: {name} ({code}): nieuwe aanlevering die precies gelijk is aan ronde {previous}. Leverde deze "
        "gemeente echt aan? Zo niet, trek de aanlevering hieronder in.",
        "NOTE: {name} ({code}): a new return identical to round {previous}. Did this municipality really return? "
        "If not, withdraw the return below.",
    ),
    "upload.withdraw.title": ("Aanlevering intrekken", "Withdraw a return"),
    "upload.withdraw.text": (
        "Trek de aanlevering van één gemeente in de gekozen ronde in: de statussen tellen dan niet meer mee, niets "
        "wordt verwijderd en het auditlog bewaart wie het deed en waarom. Een coördinator kan dat tot de deadline.",
        "Withdraw one municipality's return in the chosen round: its statuses stop counting, nothing is deleted and "
        "the audit log keeps who did it and why. A coordinator can do this until the deadline.",
    ),
    "upload.withdraw.municipality": ("Gemeentecode (bijv. GM0363)", "Municipality code (e.g. GM0363)"),
    "upload.withdraw.reason": ("Reden", "Reason"),
    "upload.withdraw.button": ("Aanlevering intrekken", "Withdraw return"),
    "upload.withdraw.done": (
        "De aanlevering van {code} in ronde {round} is ingetrokken ({count} statussen tellen niet meer mee).",
        "The return of {code} in round {round} is withdrawn ({count} statuses no longer count).",
    ),
    "upload.withdraw.failed": ("Niet ingetrokken: {reason}", "Not withdrawn: {reason}"),
    "upload.template.choose": ("Kies een regio en een ronde.", "Choose a region and a round."),
    "upload.template.failed": ("Geen template: {reason}", "No template: {reason}"),
    # administration page
    "admin.title": ("Beheer", "Administration"),
    "admin.rounds": ("Rondes", "Rounds"),
    "admin.rounds.text": (
        "Een gesloten ronde weigert aanleveringen. Elke wijziging komt in het auditlog.",
        "A closed round refuses returns. Every change goes into the audit log.",
    ),
    "admin.reference_date": ("Peildatum", "Reference date"),
    "admin.division_year": ("Gemeentelijke indeling", "Municipal division"),
    "admin.state": ("Status", "State"),
    "admin.deadline": ("Deadline", "Deadline"),
    "admin.actions": ("Openen / sluiten", "Open / close"),
    "admin.open": ("Openen", "Open"),
    "admin.close": ("Sluiten", "Close"),
    "admin.save": ("Opslaan", "Save"),
    "admin.no_rounds": ("Nog geen rondes.", "No rounds yet."),
    "admin.add.title": ("Nieuwe ronde", "New round"),
    "admin.add": ("Ronde toevoegen", "Add round"),
    "admin.add.need_reference": ("Geef de peildatum van de nieuwe ronde.", "Give the new round's reference date."),
    "admin.invalid_date": ("Dat is geen datum (JJJJ-MM-DD).", "That is not a date (YYYY-MM-DD)."),
    "admin.failed": ("Niet uitgevoerd: {reason}", "Not done: {reason}"),
    "admin.done.open": ("Ronde {round} is geopend.", "Round {round} is open."),
    "admin.done.close": ("Ronde {round} is gesloten.", "Round {round} is closed."),
    "admin.done.deadline": ("Deadline van ronde {round}: {date}.", "Deadline of round {round}: {date}."),
    "admin.done.add": ("Ronde {round} is toegevoegd en open.", "Round {round} is added and open."),
    "admin.users": ("Gebruikers", "Users"),
    "admin.users.text": (
        "Toevoegen, uitschakelen en wachtwoorden: `raak users add|disable|reset-password`.",
        "Adding, disabling and passwords: `raak users add|disable|reset-password`.",
    ),
    "admin.email": ("E-mailadres", "E-mail address"),
    "admin.role": ("Rol", "Role"),
    "admin.active": ("Actief", "Active"),
    "admin.audit": ("Auditlog", "Audit log"),
    "admin.audit.text": (
        "De nieuwste {rows} regels: wie deed wat, wanneer (UTC) en vanaf welk adres.",
        "The newest {rows} entries: who did what, when (UTC) and from which address.",
    ),
    "admin.at": ("Tijdstip", "When"),
    "admin.actor": ("Wie", "Who"),
    "admin.action": ("Actie", "Action"),
    "admin.remote_addr": ("Adres", "Address"),
    "admin.detail": ("Details", "Detail"),
    # export page
    "nav.export": ("Export", "Export"),
    "export.title": ("Export voor de stuurgroep", "Export for the steering group"),
    "export.intro": (
        "Een PDF-rapportage van de ronde, elke grafiek als PNG (drukkwaliteit) en SVG, en de cijfers als Excel, "
        "samen in één zip. Een landelijke export duurt ongeveer een minuut; u kunt intussen gewoon verder werken.",
        "A PDF report of the round, every chart as PNG (print quality) and SVG, and the numbers as Excel, together "
        "in one zip. A national export takes about a minute; you can carry on working meanwhile.",
    ),
    "export.round": ("Ronde", "Round"),
    "export.region": ("Regio", "Region"),
    "export.region.all": ("Alle regio's (landelijke rapportage)", "Every region (national report)"),
    "export.lang": ("Taal van de export", "Language of the export"),
    "export.formats": ("Formaten", "Formats"),
    "export.format.pdf": ("PDF-rapportage", "PDF report"),
    "export.format.png": ("Grafieken als PNG", "Charts as PNG"),
    "export.format.svg": ("Grafieken als SVG", "Charts as SVG"),
    "export.format.xlsx": ("Cijfers als Excel", "Numbers as Excel"),
    "export.start": ("Export maken", "Make the export"),
    "export.no_formats": ("Kies ten minste één formaat.", "Choose at least one format."),
    "export.queued": ("In de wachtrij …", "Waiting in the queue …"),
    "export.step.": ("Export gestart …", "Export started …"),
    "export.step.numbers": ("Cijfers verzameld …", "Numbers gathered …"),
    "export.step.images": (
        "Grafieken tekenen: stap {done} van {total} …",
        "Drawing charts: step {done} of {total} …",
    ),
    "export.step.pdf": ("PDF-rapportage geschreven …", "PDF report written …"),
    "export.step.xlsx": ("Excel-werkmap geschreven …", "Excel workbook written …"),
    "export.step.done": ("Zip maken …", "Making the zip …"),
    "export.done": ("Klaar.", "Done."),
    "export.failed": ("Mislukt: {message}", "Failed: {message}"),
    "export.download": ("Download {name}", "Download {name}"),
    "export.unknown_job": ("Deze export bestaat niet (meer).", "This export does not exist (any more)."),
}


def normalize_language(value: object) -> Lang:
    """The language asked for in the URL, or Dutch for anything else (a crafted callback may send any JSON)."""
    return "en" if isinstance(value, str) and value.strip().lower() == "en" else DEFAULT_LANGUAGE


def t(key: str, lang: Lang, **values: object) -> str:
    """The text `key` in `lang`, with `{placeholders}` filled in."""
    nl, en = STRINGS[key]
    text = en if lang == "en" else nl
    return text.format(**values) if values else text


def percent(value: float | None, lang: Lang) -> str:
    """A share as readable text: 0.635 → "63,5 %" (nl) or "63.5%" (en); "–" when undefined."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    text = f"{value * 100:.1f}"
    return f"{text.replace('.', ',')} %" if lang == "nl" else f"{text}%"


def percentage_points(value: float | None, lang: Lang, digits: int = 1) -> str:
    """A difference of shares in percentage points, without unit: 0.414 → `41,4` (nl) / `41.4` (en)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    text = f"{value * 100:.{digits}f}"
    return text.replace(".", ",") if lang == "nl" else text


def count_text(key: str, count: int, lang: Lang) -> str:
    """`key` with {count} filled in, or its `.one` form for exactly one ("1 melding", not "1 meldingen")."""
    return t(f"{key}.one", lang) if count == 1 and f"{key}.one" in STRINGS else t(key, lang, count=count)


def grid_number_format(lang: Lang, digits: int) -> dict[str, str]:
    """A table cell formatter (AG Grid valueFormatter, assets/dashAgGridFunctions.js) that writes a number in
    `lang`: 90,6 / 1.095 in Dutch, 90.6 / 1,095 in English, a dash when empty; the cell keeps the number, so it
    still sorts as one."""
    return {"function": f"raakNumber(params.value, '{LOCALES[lang]}', {digits})"}


def integer(value: int, lang: Lang) -> str:
    """A whole number with thousands separators: `1.095` in Dutch, `1,095` in English."""
    text = f"{value:,}"
    return text.replace(",", ".") if lang == "nl" else text


def long_date(day: date | None, lang: Lang) -> str:
    """`31 december 2011` / `31 December 2011`; a dash when unknown."""
    if day is None:
        return MISSING
    return f"{day.day} {MONTHS[lang][day.month - 1]} {day.year}"
