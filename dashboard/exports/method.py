"""The PDF's method chapter, written for its readers (steering group, NJi) in Dutch and English.

No table names, settings or library names: those are for developers and stay in docs/metrics.md, which holds the
same rules as formulas with a worked example. The numbers in the text (target dates and value, the projection's
completeness threshold, how many weakest points) come from `dashboard.analytics.metrics` and the report's target, so the
text cannot drift from what was calculated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from dashboard.analytics.metrics import (
    MIN_COMPLETENESS_FOR_PROJECTION,
    MIN_ROUNDS_FOR_PROJECTION,
    WEAKEST_POINTS_COUNT,
    Target,
)
from dashboard.i18n import Lang, long_date, percent

Kind = Literal["h", "p", "f"]  # a sub-heading, a paragraph, a formula (set apart, wraps inside the margins)

METHOD: dict[str, list[tuple[Kind, str]]] = {
    "nl": [
        ("h", "Wat gemeenten aanleveren"),
        (
            "p",
            "Elke gemeente beoordeelt zelf hoe ver zij is met elk van de {points} RAAK-punten, op een schaal van "
            "'niet gestart' tot 'ingevoerd en geborgd', of 'niet van toepassing' (n.v.t.). De regiocoördinator "
            "levert die zelfevaluaties per ronde aan. Een punt telt als ingevoerd bij de status 'ingevoerd' of "
            "'ingevoerd en geborgd'. Levert een gemeente opnieuw aan, dan telt alleen de laatste aanlevering.",
        ),
        ("h", "Dekking van een gemeente"),
        ("f", "dekking = aantal ingevoerde punten ÷ aantal punten dat van toepassing is"),
        ("p", "Een punt dat n.v.t. is, telt in geen van beide mee."),
        ("h", "Dekking van een regio en van het land"),
        (
            "f",
            "dekking regio = som van (gewicht × dekking) over alle verwachte gemeenten ÷ som van de gewichten",
        ),
        (
            "p",
            "Het gewicht van een gemeente is haar aantal kinderen van 0 tot en met 17 jaar (een schatting uit de "
            "leeftijdsopbouw van het CBS, tot er echte aantallen zijn), van het laatste jaar tot en met de peildatum "
            "waarvoor het CBS cijfers heeft; per ronde kan ook op inwoners of met gelijke gewichten worden gerekend. "
            "Elke ronde telt de gemeenten en regio's zoals die op haar peildatum bestonden. Een gemeente zonder "
            "aanlevering telt mee als 0 %: het doel is dat de aanpak overal werkt, en zwijgen is geen invoering. "
            "Daarom staat de volledigheid altijd naast de dekking, en daarnaast de dekking onder alleen de "
            "gemeenten die aanleverden.",
        ),
        ("f", "volledigheid = gemeenten met een aanlevering ÷ verwachte gemeenten"),
        ("h", "Onderdelen en niveaus"),
        (
            "p",
            "Dezelfde berekening, maar alleen over de punten van één onderdeel ({groups}) of één niveau van het "
            "zorgcontinuüm ({first_level} tot en met {last_level}). De algemene punten vallen onder geen niveau en "
            "tellen alleen in de totale dekking mee.",
        ),
        ("h", "Het doel en het doeltraject"),
        (
            "p",
            "Het doel is {value} dekking op {end}. Het doeltraject loopt in een rechte lijn van 0 op {start} naar "
            "dat doel; op de peildatum van elke ronde lezen we af waar het traject staat.",
        ),
        ("f", "doel op een datum = {value} × (dagen sinds {start} ÷ dagen van {start} tot {end})"),
        (
            "p",
            "Een regio ligt op koers als haar dekking minstens het doel op de peildatum is. Hoe ver zij nog van het "
            "einddoel af is, staat in procentpunten:",
        ),
        ("f", "nog te gaan = einddoel − dekking (in procentpunten)"),
        ("h", "Prognose"),
        (
            "p",
            "Door de dekking per ronde trekken we een rechte trendlijn, alleen over rondes waarin minstens "
            "{min_completeness} van de gemeenten aanleverde, en alleen bij minstens {min_rounds} zulke rondes. De "
            "prognose is de datum waarop die lijn het doel haalt. Stijgt de lijn niet, dan is het doel in het "
            "huidige tempo niet te halen.",
        ),
        ("h", "Verandering sinds de vorige ronde"),
        (
            "p",
            "Voor elke gemeente die in beide rondes aanleverde, vergelijken we per punt de status: verbeterd, "
            "teruggevallen, gelijk, of een punt dat in één van beide rondes n.v.t. was.",
        ),
        ("h", "Gemeentelijke herindelingen"),
        (
            "p",
            "Gemeenten die tussen twee rondes samengaan, vergelijken we met de som van hun voorgangers: de eerdere "
            "ronde wordt op de latere indeling omgerekend, gewogen naar bevolking. Zo vergelijkt elke trend "
            "hetzelfde gebied. Bron bevolkingscijfers: CBS.",
        ),
        ("h", "De zwakste punten"),
        ("f", "aandeel ingevoerd = antwoorden 'ingevoerd' ÷ antwoorden die van toepassing zijn"),
        (
            "p",
            "Per RAAK-punt, over alle gemeenten die aanleverden. De {weakest} punten met het laagste aandeel zijn "
            "de zwakste punten. Een regio blijft op een punt achter als haar aandeel lager is dan het landelijke.",
        ),
    ],
    "en": [
        ("h", "What municipalities return"),
        (
            "p",
            "Each municipality assesses how far it has come on each of the {points} RAAK points, on a scale from "
            "'not started' to 'implemented and secured', or 'not applicable' (n.v.t.). The regional coordinator "
            "returns these self-assessments each round. A point counts as implemented at the status 'implemented' "
            "or 'implemented and secured'. When a municipality returns again, only its latest return counts.",
        ),
        ("h", "Coverage of a municipality"),
        ("f", "coverage = points implemented ÷ points that apply"),
        ("p", "A point that does not apply (n.v.t.) counts in neither."),
        ("h", "Coverage of a region and of the country"),
        ("f", "coverage of a region = sum of (weight × coverage) over all expected municipalities ÷ sum of weights"),
        (
            "p",
            "A municipality's weight is its number of children aged 0 to 17 (estimated from CBS's age structure "
            "until real counts are loaded), from the latest year up to the reference date for which CBS has figures; "
            "a round can also be weighted by inhabitants or equally. Each round counts the municipalities and "
            "regions as they existed on its reference date. A municipality "
            "without a return counts as 0 %: the target is that the approach works everywhere, and silence is not "
            "implementation. That is why completeness is always shown next to coverage, together with the coverage "
            "among the municipalities that did return.",
        ),
        ("f", "completeness = municipalities with a return ÷ expected municipalities"),
        ("h", "Parts of the approach and levels"),
        (
            "p",
            "The same calculation, over the points of one part ({groups}) or one level of the care continuum "
            "({first_level} to {last_level}) only. The general points belong to no level and count in the overall "
            "coverage only.",
        ),
        ("h", "The target and the target trajectory"),
        (
            "p",
            "The target is {value} coverage on {end}. The target trajectory runs in a straight line from 0 on "
            "{start} to that target; at each round's reference date we read where the trajectory stands.",
        ),
        ("f", "target on a date = {value} × (days since {start} ÷ days from {start} to {end})"),
        (
            "p",
            "A region is on track when its coverage is at least the target at the reference date. How far it still "
            "is from the final target is given in percentage points:",
        ),
        ("f", "still to go = final target − coverage (in percentage points)"),
        ("h", "Projection"),
        (
            "p",
            "We draw a straight trend line through the coverage per round, using only rounds in which at least "
            "{min_completeness} of the municipalities returned, and only with at least {min_rounds} such rounds. "
            "The projection is the date on which that line reaches the target. When the line does not rise, the "
            "target cannot be reached at the current pace.",
        ),
        ("h", "Change since the previous round"),
        (
            "p",
            "For every municipality that returned in both rounds we compare each point's status: improved, "
            "regressed, unchanged, or a point that did not apply in one of the two rounds.",
        ),
        ("h", "Municipal mergers"),
        (
            "p",
            "Municipalities that merge between two rounds are compared with the sum of their predecessors: the "
            "earlier round is recalculated onto the later division, weighted by population. So every trend compares "
            "the same area. Source of the population figures: CBS.",
        ),
        ("h", "The weakest points"),
        ("f", "share implemented = answers 'implemented' ÷ answers that apply"),
        (
            "p",
            "Per RAAK point, over all municipalities that returned. The {weakest} points with the lowest share are "
            "the weakest points. A region lags on a point when its share is below the national share.",
        ),
    ],
}


def method_text(
    lang: Lang, target: Target, points: int, groups: Sequence[str], levels: Sequence[str]
) -> list[tuple[Kind, str]]:
    """The method chapter's blocks in `lang`, with the target, the thresholds and the framework's group names and
    level letters (in the report's language, from the framework data) filled in."""
    values = {
        "points": points,
        "groups": ", ".join(name.lower() for name in groups),
        "first_level": levels[0] if levels else "",
        "last_level": levels[-1] if levels else "",
        "value": percent(target.value, lang),
        "start": long_date(target.start, lang),
        "end": long_date(target.end, lang),
        "min_completeness": percent(MIN_COMPLETENESS_FOR_PROJECTION, lang),
        "min_rounds": MIN_ROUNDS_FOR_PROJECTION,
        "weakest": WEAKEST_POINTS_COUNT,
    }
    return [(kind, text.format(**values)) for kind, text in METHOD[lang]]
