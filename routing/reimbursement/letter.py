"""The Danish decision letter (afgørelse): only the grounds that exist, with appeal guidance."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from routing.reimbursement.common import decimal_da
from routing.reimbursement.facts import DecisionInputs
from routing.reimbursement.means import MeansOption
from routing.reimbursement.rates import RateTable
from routing.texts.da import kroner

if TYPE_CHECKING:
    from routing.reimbursement.decision import Ground, Outcome

LEGAL_BASIS: tuple[str, ...] = (
    "Serviceloven § 104 (aktivitets- og samværstilbud)",
    "BEK nr. 483 af 19. maj 2011 (bekendtgørelse om aflønning og befordringsudgifter m.v.), § 5 "
    "— udstedt med hjemmel i serviceloven § 105, stk. 2",
    "Serviceloven § 105, stk. 2",
    "Serviceloven § 1, stk. 3 (faglige og økonomiske hensyn)",
    "Vejledning nr. 9286 af 26. april 2018 (ministeriets vejledning)",
)
"""Legal basis cited in every decision."""

KLAGEVEJLEDNING = (
    "Klagevejledning\n"
    "Du kan klage over afgørelsen. Din klage skal være modtaget senest 4 uger efter, at du har "
    "fået afgørelsen. Du sender klagen til kommunen. Kommunen vurderer afgørelsen igen, og "
    "fastholder kommunen afgørelsen, sender den din klage videre til Ankestyrelsen. Kontakt "
    "kommunen, hvis du vil have hjælp til at klage."
)
"""General appeal guidance; a municipality's rules (:mod:`routing.municipality.rules`) may give
their own."""


def _verdict(o: MeansOption, inputs: DecisionInputs) -> str:
    if o.reasonable:
        return "forsvarlig" if o.reimbursable else "forsvarlig, men bevilges ikke som godtgørelse"
    if o.means == "wheelchair_taxi" and not inputs.wheelchair:
        return "ikke nødvendig"
    return "ikke forsvarlig"


def letter(
    inputs: DecisionInputs, rates: RateTable, outcome: Outcome, grounds: Sequence[Ground],
    reason_da: str, options: Sequence[MeansOption], chosen: MeansOption | None,
    amounts: tuple[int, int, int], by_month: Sequence[tuple[str, int]],
) -> str:
    """The letter for a decision (see :func:`routing.reimbursement.decision.decide`)."""
    per_trip, per_week, per_month = amounts
    centre = inputs.centre_name or inputs.centre_id
    parts = ["Afgørelse om befordring til aktivitets- og samværstilbud"]
    head = [f"Tilbud: {centre}"]
    if inputs.decided_on:
        head.append(f"Dato: {inputs.decided_on}")
    parts.append("\n".join(head))
    if outcome == "reimbursement" and chosen is not None:
        minimum = (" (kommunens mindstebeløb pr. tur)"
                   if per_trip > chosen.per_trip_ore else "")
        parts.append(
            "Afgørelse\n"
            f"Du får befordringsgodtgørelse i stedet for kørsel i samkørslen. Godtgørelsen svarer "
            f"til den billigste forsvarlige befordring, {chosen.name_da}: {kroner(per_trip)} "
            f"pr. tur{minimum}, {inputs.trips_per_week} ture om ugen, i alt "
            f"{kroner(per_week)} om ugen og cirka {kroner(per_month)} om måneden."
        )
        why = "\n".join(f"- {g.text_da}" for g in grounds)
        parts.append(f"Begrundelse\nDu får godtgørelse, fordi:\n{why}")
    elif outcome == "referral":
        parts.append(
            "Afgørelse\n"
            "Du får ikke befordringsgodtgørelse efter denne ordning. Individuel kørsel i taxa "
            "bevilges ikke som godtgørelse. Din sag sendes videre til en individuel afgørelse i "
            "kommunens myndighedsafdeling, som kontakter dig."
        )
        why = "\n".join(f"- {g.text_da}" for g in grounds) if grounds else ""
        parts.append(f"Begrundelse\n{reason_da}" + (f"\n{why}" if why else ""))
    elif outcome == "walk":
        parts.append("Afgørelse\nDu får ikke befordringsgodtgørelse.")
        parts.append(f"Begrundelse\n{reason_da}")
    else:
        parts.append(
            "Afgørelse\n"
            f"Du får ikke befordringsgodtgørelse. Du tilbydes kørsel i den faste samkørsel "
            f"(kørselsordningen) mellem dit hjem og {centre}."
        )
        parts.append(f"Begrundelse\n{reason_da}")
    if outcome != "shared_ride":
        lines = [f"- {o.name_da.capitalize()}: {_verdict(o, inputs)}. {o.reason_da} "
                 f"Pris pr. tur: {o.calculation_da}" for o in options]
        parts.append(
            "Vurdering af befordringsformer\n"
            "Kommunen dækker højst udgiften til den billigste forsvarlige befordring. Vi har "
            "vurderet:\n" + "\n".join(lines)
        )
    if outcome == "reimbursement" and chosen is not None:
        pay = ("Udbetaling\nGodtgørelsen udbetales månedsvis bagud mod dokumentation for de "
               "kørte ture.")
        if by_month:
            months = ", ".join(f"{m}: {kroner(a)}" for m, a in by_month)
            pay += f" Beløbet om måneden er beregnet ud fra tilbuddets åbningsdage ({months})."
        else:
            weeks = decimal_da(round(inputs.weeks_per_month, 2))
            pay += (f" Beløbet om måneden er et skøn ({weeks} uger pr. måned); lukkedage og "
                    "fravær trækkes fra.")
        parts.append(pay)
        rate_text = (f"Satser\nBeløbet er beregnet med satserne for {rates.year}. Ændres "
                     "satserne, beregnes beløbet igen.")
        if chosen.example_rate:
            rate_text += (" Bemærk: satsen for denne befordringsform er et eksempel, ikke en "
                          "offentliggjort takst.")
        parts.append(rate_text)
    parts.append("Lovgrundlag\n" + "\n".join(f"- {b}" for b in LEGAL_BASIS))
    parts.append(inputs.appeal_da.strip() or KLAGEVEJLEDNING)
    return "\n\n".join(parts) + "\n"
