"""Who may do what: one rule for staff and for a cohort's instructors.

- **Staff** may create cohorts and reload course files: a member with Manage
  Server, or with the server's course-staff role (set once by an admin with
  ``/setup staff-role``). Holding a role that one names oneself is never enough.
- **An instructor of cohort X** may run X: staff, or a member with X's
  instructor role. X's instructor role gives nothing on cohort Y.
- Only Manage Server may change who is staff (``/setup``).

Pure: the adapter turns a Discord member into a ``Standing``.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import InvalidInput, NotAllowed
from bot.vocabulary import DISCORD, Vocabulary


@dataclass(frozen=True)
class Standing:
    """What the rules need to know about a member of a server."""

    role_ids: frozenset[int]
    manages_server: bool  # Manage Server (or Administrator, which implies it)


@dataclass(frozen=True)
class RoleFacts:
    """What the rules need to know about a role someone names."""

    id: int
    mention: str
    everyone: bool  # the @everyone role
    managed: bool  # a bot's or an integration's role: nobody chooses who holds it
    manages_server: bool = False  # grants Manage Server (or Administrator)


def is_staff(who: Standing | None, staff_role_id: int | None) -> bool:
    if who is None:
        return False
    if who.manages_server:
        return True
    return staff_role_id is not None and staff_role_id in who.role_ids


def is_instructor(
    who: Standing | None, instructor_role_id: int | None, staff_role_id: int | None
) -> bool:
    if is_staff(who, staff_role_id):
        return True
    return who is not None and instructor_role_id is not None and instructor_role_id in who.role_ids


def takes_part(
    who: Standing | None,
    learner_role_id: int,
    instructor_role_id: int | None,
    staff_role_id: int | None,
) -> bool:
    """May see that a cohort exists (its name offered, listed): its instructors and learners."""
    if is_instructor(who, instructor_role_id, staff_role_id):
        return True
    return who is not None and learner_role_id in who.role_ids


STAFF_ONLY = (
    "Only course staff can do that: members with Manage Server, or with the staff role"
    " an admin sets with `/setup staff-role`."
)


def require_staff(who: Standing | None, staff_role_id: int | None) -> None:
    if not is_staff(who, staff_role_id):
        raise NotAllowed(STAFF_ONLY)


def require_instructor(
    who: Standing | None,
    cohort_name: str,
    instructor_role_id: int | None,
    staff_role_id: int | None,
) -> None:
    if not is_instructor(who, instructor_role_id, staff_role_id):
        raise NotAllowed(f"Only {cohort_name}'s instructors (or course staff) can do that.")


def require_admin(who: Standing | None) -> None:
    if who is None or not who.manages_server:
        raise NotAllowed("Only members with Manage Server can change the bot's set-up.")


def check_cohort_roles(
    learner: RoleFacts,
    instructor: RoleFacts | None,
    *,
    staff_role_id: int | None = None,
    learner_roles: frozenset[int] = frozenset(),
    words: Vocabulary = DISCORD,
) -> None:
    """A cohort's roles must each be a role people are given for this cohort, and its
    learners must not be staff by that role (``learner_roles``: other cohorts' here).
    ``words``: the platform's, for what it calls them (Slack's are user groups)."""
    kind = words.group
    if learner.everyone:
        raise InvalidInput(
            f"the learner {kind} can't be @everyone: choose the {kind} your learners are given"
        )
    if learner.managed:
        raise InvalidInput(
            f"{learner.mention} belongs to a bot or an integration: choose a {kind} you give"
            " learners"
        )
    if learner.manages_server:
        raise InvalidInput(
            f"{learner.mention} has Manage Server (or Administrator): every learner could run"
            f" every cohort. Choose a {kind} without it"
        )
    if learner.id == staff_role_id:
        raise InvalidInput(
            f"{learner.mention} is the course-staff {kind}: choose the {kind} your learners are"
            " given"
        )
    if instructor is None:
        return
    if instructor.id == learner.id:
        raise InvalidInput(
            f"the instructor {kind} and the learner {kind} must be different {kind}s"
        )
    if instructor.everyone or instructor.managed:
        raise InvalidInput(
            f"{instructor.mention} can't be an instructor {kind}: choose a {kind} you give"
            " instructors"
        )
    if instructor.id in learner_roles:
        raise InvalidInput(
            f"{instructor.mention} is another cohort's learner {kind}: its learners would run"
            f" this cohort. Choose a {kind} you give instructors"
        )


def check_staff_role(
    role: RoleFacts, learner_roles: frozenset[int] = frozenset(), *, words: Vocabulary = DISCORD
) -> None:
    kind = words.group
    if role.everyone or role.managed:
        raise InvalidInput(
            f"{role.mention} can't be the staff {kind}: choose a {kind} you give course staff"
        )
    if role.id in learner_roles:
        raise InvalidInput(
            f"{role.mention} is a cohort's learner {kind}: its learners would be course staff."
            f" Choose a {kind} you give course staff"
        )
