"""Safety alerts for staff: which are urgent, the open counts for the banner, the list (also grouped per
intake), resolving one or all of an intake's."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from bot.adapters.db import utcnow
from bot.adapters.models import Alert, Intake
from bot.domain.statuses import AlertKind, AlertPriority
from bot.services.staff.audit import record_audit
from bot.services.staff.errors import NotFound


def is_urgent(alert: Alert) -> bool:
    """An emergency, or an alert of urgent priority: shown first and highlighted."""
    return alert.kind == AlertKind.EMERGENCY or alert.priority == AlertPriority.URGENT


def urgent_condition():
    """`is_urgent` as an SQL condition on the alerts table."""
    return or_(Alert.kind == AlertKind.EMERGENCY, Alert.priority == AlertPriority.URGENT)


def open_alert_counts(session: Session) -> tuple[int, int]:
    """(unresolved alerts, of which emergency/urgent) for the banner on every page."""
    urgent = case((urgent_condition(), 1), else_=0)
    total, urgent_total = session.execute(
        select(func.count(Alert.id), func.coalesce(func.sum(urgent), 0)).where(
            Alert.resolved_at.is_(None)
        )
    ).one()
    return int(total), int(urgent_total)


def alerts_list(session: Session, include_resolved: bool = False, limit: int = 500) -> list[Alert]:
    """Unresolved alerts first (emergency/urgent first, newest first), then resolved ones."""
    urgent_first = case((urgent_condition(), 0), else_=1)
    query = select(Alert).options(selectinload(Alert.intake).selectinload(Intake.contact))
    if not include_resolved:
        query = query.where(Alert.resolved_at.is_(None))
    query = query.order_by(
        case((Alert.resolved_at.is_(None), 0), else_=1), urgent_first, Alert.created_at.desc(),
        Alert.id.desc(),
    ).limit(limit)
    return list(session.execute(query).scalars())


def resolve_alert(session: Session, alert_id: int, staff_user_id: int | None) -> Alert:
    """Mark an alert resolved (once; resolving a resolved alert changes nothing)."""
    alert = session.execute(
        select(Alert).where(Alert.id == alert_id).with_for_update()
    ).scalar_one_or_none()
    if alert is None:
        raise NotFound(f"alert {alert_id}")
    if alert.resolved_at is None:
        alert.resolved_at = utcnow()
        record_audit(session, staff_user_id, "alert_resolve", alert.intake_id,
                     f"alert {alert.id} ({alert.kind})")
        session.flush()
    return alert


@dataclass
class AlertGroup:
    """One intake's alerts together: a visitor's five alerts are one group with one resolve."""

    intake: Intake
    alerts: list[Alert]

    @property
    def open(self) -> list[Alert]:
        return [alert for alert in self.alerts if alert.resolved_at is None]

    @property
    def urgent(self) -> bool:
        return any(is_urgent(alert) for alert in self.open)


def alerts_by_intake(session: Session, include_resolved: bool = False) -> list[AlertGroup]:
    """`alerts_list` grouped per intake, in the order of each intake's first (most pressing) alert."""
    groups: dict[int, AlertGroup] = {}
    for alert in alerts_list(session, include_resolved=include_resolved):
        groups.setdefault(alert.intake_id, AlertGroup(alert.intake, [])).alerts.append(alert)
    return list(groups.values())


def resolve_intake_alerts(session: Session, intake_id: int, staff_user_id: int | None) -> int:
    """Resolve every open alert of one intake at once; how many were open. NotFound for no intake."""
    if session.get(Intake, intake_id) is None:
        raise NotFound(f"intake {intake_id}")
    alerts = session.execute(
        select(Alert).where(Alert.intake_id == intake_id, Alert.resolved_at.is_(None)).with_for_update()
    ).scalars().all()
    now = utcnow()
    for alert in alerts:
        alert.resolved_at = now
    if alerts:
        record_audit(session, staff_user_id, "alert_resolve", intake_id,
                     "alerts " + ", ".join(str(alert.id) for alert in alerts))
    session.flush()
    return len(alerts)
