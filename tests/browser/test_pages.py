"""Every page of every role, in both languages, as a signed-in user sees it in Chromium.

The pages come from the role's own sidebar, so a page added to a role's navigation is covered here
without a new test. A screenshot of each is kept under artifacts/screenshots/.
"""
from __future__ import annotations

import pytest

from tests.browser import harness

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", harness.LANGUAGES)
@pytest.mark.parametrize("role", harness.ROLES)
def test_every_page_of_the_role_renders(signed_in, catalogs, role, lang):
    page = signed_in(role)
    harness.switch_language(page, lang)
    pages = harness.nav_pages(page)
    declared = {path for path, roles in harness.declared_pages().items() if role in roles}
    assert len(pages) == len(declared) and {p.path for p in pages if not p.is_default} <= declared, (
        f"{role}'s navigation {pages} is not the pages declared for it: {sorted(declared)}")

    problems = []
    for target in pages:
        harness.go_to(page, target)
        problems += [f"{role}/{target.slug} ({lang}): {p}" for p in harness.page_problems(page, catalogs)]
        problems += [f"{role}/{target.slug} ({lang}): {p}" for p in harness.language_problems(page, catalogs, lang)]
        harness.screenshot(page, role, target.slug, lang)
    assert not problems, "\n".join(problems)
