"""The actor's clinic's clock: its time zone, and what day it is there.

Days a person sees or types (a day list, a birth date, an audit filter) are the clinic's,
wherever the server runs.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from medrec_app.domain.permissions import Actor
from medrec_app.models import Clinic


def clinic_zone(session: Session, actor: Actor) -> ZoneInfo:
    clinic = session.get(Clinic, actor.clinic_id)
    return ZoneInfo(clinic.timezone if clinic else "UTC")


def clinic_today(session: Session, actor: Actor) -> date:
    return datetime.now(clinic_zone(session, actor)).date()
