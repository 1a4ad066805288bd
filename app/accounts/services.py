"""Accounts: people, invitations, password resets and server-side sessions."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, flash, has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app.accounts.models import AccountToken, CoachAssignment, Role, TokenPurpose, User, UserSession
from app.accounts.passwords import check_password, hash_password, needs_rehash, password_problem
from app.audit.services import audit
from app.extensions import db
from app.vault.tokens import digest, new_secret
from app.mail.addresses import InvalidAddress, normalise_address
from app.mail.services import send_template
from app.tenancy.context import current_practice
from app.timeutil import utcnow
from app.web.urls import external_url


class AccountError(ValueError):
    """An account action cannot be done as asked; the message is for the person."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field



def normalise_email(email: str) -> str:
    """The address as stored and compared: validated, lowercase."""
    try:
        return normalise_address(email)
    except InvalidAddress:
        raise AccountError(_("Enter a valid e-mail address."), field="email") from None


def user_by_email(email: str) -> User | None:
    """The user with this address in the current practice."""
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def user_by_id(user_id: int) -> User | None:
    """The user with this id in the current practice."""
    return db.session.get(User, user_id)


def list_users() -> list[User]:
    """Everyone in the practice, admins and coaches first, then by name (not the anonymous shell of kept answers)."""
    order = {Role.PRACTICE_ADMIN: 0, Role.COACH: 1, Role.CLIENT: 2}
    users = db.session.scalars(
        select(User).where(User.role.in_(Role.ALL)).order_by(User.last_name, User.first_name)
    ).all()
    return sorted(users, key=lambda u: order.get(u.role, 9))


def coaches() -> list[User]:
    """The practice's active coaches and coaching admins, by name."""
    return list(
        db.session.scalars(
            select(User).where(User.role == Role.COACH, User.active.is_(True)).order_by(User.last_name)
        )
    )


def clients_of(coach: User) -> list[User]:
    """The clients assigned to coach, by name."""
    return list(
        db.session.scalars(
            select(User)
            .join(CoachAssignment, CoachAssignment.client_id == User.id)
            .where(CoachAssignment.coach_id == coach.id)
            .order_by(User.last_name, User.first_name)
        )
    )


def coaches_of(client: User) -> list[User]:
    """The coaches who guide client, by name."""
    return list(
        db.session.scalars(
            select(User)
            .join(CoachAssignment, CoachAssignment.coach_id == User.id)
            .where(CoachAssignment.client_id == client.id)
            .order_by(User.last_name, User.first_name)
        )
    )


def pending_invitation_user_ids() -> set[int]:
    """Users who were invited and have not chosen a password yet."""
    return set(db.session.scalars(select(User.id).where(User.password_hash.is_(None))))


def create_user(
    role: str, email: str, first_name: str, last_name: str, *, password: str | None = None
) -> User:
    """Add a person to the practice (not committed)."""
    if role not in Role.ALL:
        raise AccountError(_("Choose a valid role."))
    address = normalise_email(email)
    if user_by_email(address) is not None:
        raise AccountError(_("Someone in this practice already uses this e-mail address."))
    user = User(
        role=role,
        email=address,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        active=True,
        password_hash=hash_password(password) if password else None,
        password_changed_at=utcnow() if password else None,
    )
    db.session.add(user)
    db.session.flush()
    return user


def assign_coach(coach: User, client: User) -> None:
    """Let coach guide client (not committed)."""
    if coach.role != Role.COACH or client.role != Role.CLIENT:
        raise AccountError(_("Only a coach can be assigned to a client."))
    exists = db.session.scalar(
        select(CoachAssignment.id).where(
            CoachAssignment.coach_id == coach.id, CoachAssignment.client_id == client.id
        )
    )
    if not exists:
        db.session.add(CoachAssignment(coach_id=coach.id, client_id=client.id))
        audit("coach.assigned", "user", client.id, detail={"coach_id": coach.id})


def set_coaches(actor: User, client: User, coach_ids: list[int]) -> None:
    """Make exactly these coaches guide client (commits); a client always keeps at least one."""
    if not coach_ids:
        raise AccountError(_("Choose at least one coach for a client."), field="coaches")
    wanted = []
    for coach_id in coach_ids:
        coach = db.session.get(User, coach_id)
        if coach is None or coach.role != Role.COACH:
            raise AccountError(_("Choose coaches from this practice."), field="coaches")
        wanted.append(coach)
    for assignment in db.session.scalars(select(CoachAssignment).where(CoachAssignment.client_id == client.id)):
        if assignment.coach_id not in coach_ids:
            db.session.delete(assignment)
            audit("coach.unassigned", "user", client.id, actor=actor, detail={"coach_id": assignment.coach_id})
    db.session.flush()
    for coach in wanted:
        assign_coach(coach, client)
    db.session.commit()


def caseload_counts() -> dict[int, int]:
    """Number of clients per coach id, in one query."""
    rows = db.session.execute(
        select(CoachAssignment.coach_id, func.count()).group_by(CoachAssignment.coach_id)
    ).all()
    return {coach_id: count for coach_id, count in rows}


def clients_without_coach() -> list[User]:
    """Active clients nobody guides, by name."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == Role.CLIENT, ~select(CoachAssignment.id).where(CoachAssignment.client_id == User.id).exists())
            .order_by(User.last_name, User.first_name)
        )
    )


# One-time links -----------------------------------------------------------------


def issue_token(user: User, purpose: str, ttl: timedelta, created_by: User | None = None) -> str:
    """A new single-use link secret for user; earlier unused ones of the same purpose stop working."""
    now = utcnow()
    db.session.execute(
        update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.used_at.is_(None))
        .values(used_at=now)
    )
    secret = new_secret()
    db.session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=digest(secret),
            created_at=now,
            expires_at=now + ttl,
            created_by_id=created_by.id if created_by else None,
        )
    )
    return secret


def redeemable_token(secret: str, purpose: str) -> AccountToken:
    """The unused, unexpired token for secret; raises AccountError saying what is wrong."""
    token = db.session.scalar(
        select(AccountToken).where(AccountToken.token_hash == digest(secret), AccountToken.purpose == purpose)
    )
    if token is None:
        raise AccountError(_("This link is not valid. Ask for a new one."))
    if token.used_at is not None:
        raise AccountError(_("This link has already been used or was replaced by a newer one."))
    if token.expires_at <= utcnow():
        raise AccountError(_("This link has expired. Ask for a new one."))
    user = db.session.get(User, token.user_id)
    if user is None or not user.active:
        raise AccountError(_("This link is not valid. Ask for a new one."))
    return token


def _invitation_ttl() -> timedelta:
    return timedelta(days=current_app.config["INVITATION_TTL_DAYS"])


def _user_locale(user: User) -> str:
    return user.locale or current_app.config["DEFAULT_LOCALE"]


def send_invitation(user: User, invited_by: User | None) -> str:
    """Issue a fresh invitation link for user, mail it, audit it; returns the link (commit after)."""
    secret = issue_token(user, TokenPurpose.INVITATION, _invitation_ttl(), invited_by)
    link = external_url("practice.accounts.accept_invitation", practice=current_practice().slug, token=secret)
    audit("user.invited", "user", user.id, actor=invited_by)
    return link


def mail_invitation(user: User, link: str) -> None:
    """Send the invitation mail: the practice's name and the link, nothing else."""
    with force_locale(_user_locale(user)):
        send_template(
            user.email,
            "invitation",
            practice_name=current_practice().name,
            link=link,
            days=current_app.config["INVITATION_TTL_DAYS"],
        )


def invite_user(
    inviter: User,
    role: str,
    email: str,
    first_name: str,
    last_name: str,
    coach_ids: list[int],
    locale: str | None = None,
) -> tuple[User, str]:
    """Create a person, assign their coaches and send the invitation link in their language; commits."""
    user = create_user(role, email, first_name, last_name)
    user.locale = locale
    audit("user.created", "user", user.id, actor=inviter, detail={"role": role})
    if role == Role.CLIENT:
        for coach_id in coach_ids:
            coach = db.session.get(User, coach_id)
            if coach is None or coach.role != Role.COACH:
                raise AccountError(_("Choose coaches from this practice."))
            assign_coach(coach, user)
    link = send_invitation(user, inviter)
    db.session.commit()
    mail_invitation(user, link)
    return user, link


def invite_first_admin(email: str) -> str:
    """Create the first practice admin of a new practice; returns their invitation link."""
    user = create_user(Role.PRACTICE_ADMIN, email, "", "")
    audit("user.created", "user", user.id, detail={"role": Role.PRACTICE_ADMIN})
    link = send_invitation(user, None)
    db.session.commit()
    return link


def accept_invitation(secret: str, password: str, first_name: str, last_name: str) -> User:
    """Set the invited person's password and names; the link is then used up (commit after)."""
    token = redeemable_token(secret, TokenPurpose.INVITATION)
    user = db.session.get(User, token.user_id)
    problem = password_problem(password, [user.email, first_name, last_name, current_practice().name])
    if problem:
        raise AccountError(problem)
    token.used_at = utcnow()
    user.first_name = first_name.strip() or user.first_name
    user.last_name = last_name.strip() or user.last_name
    set_password(user, password)
    audit("invitation.accepted", "user", user.id, actor=user)
    return user


# Passwords ----------------------------------------------------------------------


def set_password(user: User, password: str) -> None:
    """Store a new password hash for user (not committed)."""
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()


def change_password(user: User, current: str, new: str, keep_session: str | None) -> None:
    """Change user's password after checking the current one; ends their other sessions (commits)."""
    if not check_password(user.password_hash, current):
        raise AccountError(_("Your current password is not correct."), field="current_password")
    problem = password_problem(new, [user.email, user.first_name, user.last_name, current_practice().name])
    if problem:
        raise AccountError(problem)
    set_password(user, new)
    end_sessions(user, "password_changed", keep=keep_session)
    audit("password.changed", "user", user.id, actor=user)
    db.session.commit()


def request_password_reset(email: str) -> None:
    """Mail a reset link when an active account has this address; silent otherwise (commits)."""
    try:
        user = user_by_email(normalise_email(email))
    except AccountError:
        return
    if user is None or not user.active:
        return
    minutes = current_app.config["PASSWORD_RESET_TTL_MINUTES"]
    secret = issue_token(user, TokenPurpose.PASSWORD_RESET, timedelta(minutes=minutes))
    link = external_url("practice.accounts.reset_password", practice=current_practice().slug, token=secret)
    audit("password.reset_requested", "user", user.id, actor=None)
    db.session.commit()
    with force_locale(_user_locale(user)):
        send_template(user.email, "password_reset", practice_name=current_practice().name, link=link, minutes=minutes)


def reset_password(secret: str, password: str) -> User:
    """Set a new password through a reset link; ends all the person's sessions (commits)."""
    token = redeemable_token(secret, TokenPurpose.PASSWORD_RESET)
    user = db.session.get(User, token.user_id)
    problem = password_problem(password, [user.email, user.first_name, user.last_name, current_practice().name])
    if problem:
        raise AccountError(problem)
    token.used_at = utcnow()
    set_password(user, password)
    end_sessions(user, "password_reset")
    audit("password.reset", "user", user.id, actor=user)
    db.session.commit()
    return user


# Sign-in and sessions -------------------------------------------------------------


def authenticate(email: str, password: str) -> User | None:
    """The active user these credentials belong to, or None; failures are audited (commits)."""
    user = user_by_email(email) if "@" in email else None
    # Unknown addresses are checked against a dummy hash, so both fail alike and equally slowly.
    if not check_password(user.password_hash if user else None, password) or not user.active:
        audit("login.failed", "user", user.id if user else None, actor=None)
        db.session.commit()
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def start_session(user: User, user_agent: str | None, address: str | None = None) -> str:
    """Record a new signed-in session for user and return its secret (commits).

    Only an approximate address is kept (app/accounts/sessions.py approximate_address).
    """
    from app.accounts.sessions import approximate_address

    secret = new_secret()
    now = utcnow()
    db.session.add(
        UserSession(
            user_id=user.id,
            token_hash=digest(secret),
            created_at=now,
            last_seen_at=now,
            user_agent=(user_agent or "")[:200] or None,
            address=approximate_address(address),
            password_verified_at=now,
        )
    )
    audit("login", "user", user.id, actor=user)
    db.session.commit()
    user.session_secret = secret
    return secret


def user_for_session(secret: str) -> User | None:
    """The active user of a live session, or None when it was ended or never existed."""
    session = db.session.scalar(
        select(UserSession).where(UserSession.token_hash == digest(secret), UserSession.ended_at.is_(None))
    )
    if session is None:
        return None
    user = db.session.get(User, session.user_id)
    if user is None or not user.active:
        return None
    now = utcnow()
    ended = _timed_out(user, session, now)
    if ended is not None:
        session.ended_at = now
        session.end_reason = ended
        db.session.commit()
        if has_request_context():
            if ended == "idle":
                flash(_("You were signed out because you were away for a while. Sign in again."), "info")
            else:
                flash(_("You were signed out because you have been signed in for a long time. Sign in again."), "info")
        return None
    if now - session.last_seen_at > timedelta(seconds=current_app.config["SESSION_TOUCH_INTERVAL_SECONDS"]):
        session.last_seen_at = now
        db.session.commit()
    user.session_secret = secret
    return user


def idle_limit(user: User) -> timedelta:
    """How long a session of this person may go without a request."""
    name = "SESSION_IDLE_MINUTES_CLIENT" if user.role == Role.CLIENT else "SESSION_IDLE_MINUTES_STAFF"
    return timedelta(minutes=current_app.config[name])


def _timed_out(user: User, session: UserSession, now: datetime) -> str | None:
    return session_timeout(session.created_at, session.last_seen_at, idle_limit(user), now)


def session_timeout(created_at: datetime, last_seen_at: datetime, idle: timedelta, now: datetime) -> str | None:
    """"expired" past the absolute limit, "idle" past the idle limit, else None (practice and console sessions)."""
    if now - created_at > timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"]):
        return "expired"
    if now - last_seen_at > idle:
        return "idle"
    return None


def end_session(secret: str, reason: str) -> None:
    """End one session (not committed)."""
    db.session.execute(
        update(UserSession)
        .where(UserSession.token_hash == digest(secret), UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )


def end_sessions(user: User, reason: str, keep: str | None = None) -> None:
    """End every live session of user, except the one with secret `keep` (not committed)."""
    query = update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if keep:
        query = query.where(UserSession.token_hash != digest(keep))
    db.session.execute(query.values(ended_at=utcnow(), end_reason=reason))


def sign_out(user: User) -> None:
    """End the session the user signs out of (commits)."""
    if user.session_secret:
        end_session(user.session_secret, "logout")
    audit("logout", "user", user.id, actor=user)
    db.session.commit()


def set_active(actor: User, user: User, active: bool) -> None:
    """Deactivate (ending all sessions) or reactivate a person (commits)."""
    if user.id == actor.id and not active:
        raise AccountError(_("You cannot deactivate your own account."))
    user.active = active
    if not active:
        end_sessions(user, "deactivated")
    audit("user.activated" if active else "user.deactivated", "user", user.id, actor=actor)
    db.session.commit()


def set_locale(user: User, locale: str) -> None:
    """Remember the person's language (commits)."""
    user.locale = locale
    db.session.commit()


def purge_expired(now: datetime | None = None) -> dict[str, int]:
    """Delete links and sessions that expired, were used or ended over 30 days ago (commit after)."""
    now = now or utcnow()
    cutoff = now - timedelta(days=30)
    tokens = db.session.execute(
        AccountToken.__table__.delete().where(
            (AccountToken.expires_at < cutoff) | (AccountToken.used_at < cutoff)
        )
    ).rowcount
    sessions = db.session.execute(
        UserSession.__table__.delete().where(
            (UserSession.ended_at < cutoff) | (UserSession.last_seen_at < cutoff)
        )
    ).rowcount
    return {"tokens": tokens, "sessions": sessions}
