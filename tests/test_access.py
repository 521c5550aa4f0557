"""Who may do what (bot.access): table tests, no Discord and no event loop."""

from __future__ import annotations

import pytest

from bot.access import (
    RoleFacts,
    Standing,
    check_cohort_roles,
    check_staff_role,
    is_instructor,
    is_staff,
    require_admin,
    require_instructor,
    require_staff,
    takes_part,
)
from bot.errors import InvalidInput, NotAllowed

STAFF, X, Y, LEARNER = 100, 200, 300, 400


def member(*roles: int, manages: bool = False) -> Standing:
    return Standing(frozenset(roles), manages)


@pytest.mark.parametrize(
    ("who", "staff_role", "staff"),
    [
        (member(manages=True), None, True),  # Manage Server, no staff role set
        (member(STAFF), STAFF, True),
        (member(STAFF), None, False),  # the role was cleared
        (member(X), STAFF, False),  # an instructor role is not staff
        (member(LEARNER), STAFF, False),
        (member(), None, False),
        (None, STAFF, False),  # not a member of a server (a DM)
    ],
)
def test_who_is_staff(who, staff_role, staff):
    assert is_staff(who, staff_role) is staff
    if staff:
        require_staff(who, staff_role)
    else:
        with pytest.raises(NotAllowed, match="Only course staff"):
            require_staff(who, staff_role)


@pytest.mark.parametrize(
    ("who", "cohort_role", "instructs"),
    [
        (member(X), X, True),  # cohort X's instructor role
        (member(X), Y, False),  # X's instructor on cohort Y
        (member(X), None, False),  # a cohort with no instructor role: staff only
        (member(STAFF), Y, True),  # staff run every cohort
        (member(STAFF), None, True),
        (member(manages=True), Y, True),
        (member(LEARNER), Y, False),
        (None, X, False),
    ],
)
def test_who_instructs_a_cohort(who, cohort_role, instructs):
    assert is_instructor(who, cohort_role, STAFF) is instructs
    if not instructs:
        with pytest.raises(NotAllowed, match="Only Winter's instructors"):
            require_instructor(who, "Winter", cohort_role, STAFF)


def test_only_manage_server_changes_the_set_up():
    require_admin(member(manages=True))
    for who in (member(STAFF), member(X), None):
        with pytest.raises(NotAllowed, match="Manage Server"):
            require_admin(who)


def role(
    id_: int, *, everyone: bool = False, managed: bool = False, admin: bool = False
) -> RoleFacts:
    return RoleFacts(id_, f"<@&{id_}>", everyone, managed, manages_server=admin)


@pytest.mark.parametrize(
    ("learner", "instructor", "message"),
    [
        (role(LEARNER), role(X), None),
        (role(LEARNER), None, None),
        (role(1, everyone=True), role(X), "can't be @everyone"),
        (role(LEARNER, managed=True), role(X), "belongs to a bot"),
        (role(LEARNER), role(LEARNER), "must be different"),
        (role(LEARNER), role(1, everyone=True), "can't be an instructor role"),
        (role(LEARNER), role(X, managed=True), "can't be an instructor role"),
        (role(LEARNER, admin=True), role(X), "has Manage Server"),
        (role(STAFF), role(X), "is the course-staff role"),
        (role(LEARNER), role(Y), "another cohort's learner role"),  # Y: a learner role elsewhere
        (role(LEARNER), role(STAFF), None),  # the staff role may instruct
    ],
)
def test_a_cohort_needs_roles_people_are_given(learner, instructor, message):
    elsewhere = {"staff_role_id": STAFF, "learner_roles": frozenset({Y})}
    if message is None:
        check_cohort_roles(learner, instructor, **elsewhere)
    else:
        with pytest.raises(InvalidInput, match=message):
            check_cohort_roles(learner, instructor, **elsewhere)


@pytest.mark.parametrize(
    ("staff_role", "ok"),
    [(role(STAFF), True), (role(1, everyone=True), False), (role(STAFF, managed=True), False)],
)
def test_the_staff_role_is_a_role_people_are_given(staff_role, ok):
    if ok:
        check_staff_role(staff_role)
    else:
        with pytest.raises(InvalidInput, match="can't be the staff role"):
            check_staff_role(staff_role)


def test_a_cohorts_learner_role_is_never_the_staff_role():
    with pytest.raises(InvalidInput, match="its learners would be course staff"):
        check_staff_role(role(LEARNER), frozenset({LEARNER}))
    check_staff_role(role(STAFF), frozenset({LEARNER}))


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        (member(LEARNER), True),  # a learner of the cohort
        (member(X), True),  # its instructor
        (member(STAFF), True),
        (member(manages=True), True),
        (member(Y), False),  # another cohort's instructor
        (member(), False),  # an outsider
        (None, False),  # a DM
    ],
)
def test_who_is_told_a_cohort_exists(who, sees):
    assert takes_part(who, LEARNER, X, STAFF) is sees
