"""``/set-password/<secret>``: the page where an invited or reset user sets their password.

A plain page (``api/plain_page.py``), not a Reflex one: the secret in its address and
the password typed never travel over the Reflex websocket or into page state. The form
posts back to the same address (same-origin only, small body); a password that is not
acceptable, or two entries that differ, show the page again with the reason, and the
link stays usable. Once set, the browser goes to the sign-in page, which says so.
"""

from __future__ import annotations

import html

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from medrec_app.api.plain_page import plain_page
from medrec_app.api.session import form_refusal
from medrec_app.domain.passwords import MAX_LENGTH, MIN_LENGTH
from medrec_app.services import password_links, unit_of_work
from medrec_app.services.errors import ServiceError
from medrec_app.services.password_links import LinkHolder, PasswordLinkRefused, Purpose

TITLE = "Set your password"
DONE_PATH = "/login?password_set=1"


def _refused_page(refused: PasswordLinkRefused) -> Response:
    body = (
        f"<h1>{TITLE}</h1>"
        f'<p class="refused" role="alert" data-testid="set-password-refused">'
        f"{html.escape(str(refused))}</p>"
        '<p><a href="/login">Go to the sign-in page</a></p>'
    )
    return plain_page(body, refused.status, title=TITLE)


def _form_page(secret: str, holder: LinkHolder, problem: str = "", status: int = 200) -> Response:
    intro = "Welcome to medrec." if holder.purpose is Purpose.INVITE else "Your password was reset."
    alert = (
        f'<p class="refused" role="alert" data-testid="set-password-problem">'
        f"{html.escape(problem)}</p>"
        if problem
        else ""
    )
    body = (
        f"<h1>{TITLE}</h1>"
        f"<p>{intro} Choose the password you will sign in with as "
        f"<strong>{html.escape(holder.full_name)}</strong> "
        f'(<span data-testid="set-password-email">{html.escape(holder.email)}</span>).</p>'
        f"<p>At least {MIN_LENGTH} characters (up to {MAX_LENGTH}); any characters, spaces "
        "too. A few unrelated words make a strong password that is easy to remember. Very "
        "common passwords and your own name are refused.</p>"
        f"{alert}"
        f'<form method="post" action="{password_links.PATH}{html.escape(secret)}">'
        # For password managers: the account the new password belongs to.
        f'<input type="hidden" name="username" autocomplete="username" '
        f'value="{html.escape(holder.email)}">'
        '<label for="password">New password</label>'
        '<input class="field" id="password" name="password" type="password" required '
        f'minlength="{MIN_LENGTH}" maxlength="{MAX_LENGTH * 4}" autocomplete="new-password" '
        'data-testid="set-password-new">'
        '<label for="repeated">The same password again</label>'
        '<input class="field" id="repeated" name="repeated" type="password" required '
        f'maxlength="{MAX_LENGTH * 4}" autocomplete="new-password" '
        'data-testid="set-password-repeat">'
        '<button class="go" type="submit" data-testid="set-password-submit">'
        "Set password</button></form>"
    )
    return plain_page(body, status, title=TITLE, posts_to_itself=True)


async def show(request: Request) -> Response:
    secret = request.path_params["secret"]
    try:
        holder = await run_in_threadpool(unit_of_work.run, password_links.link_holder, secret)
    except PasswordLinkRefused as refused:
        return _refused_page(refused)
    return _form_page(secret, holder)


async def submit(request: Request) -> Response:
    if refused := form_refusal(request, "set-password"):
        return refused
    secret = request.path_params["secret"]
    async with request.form(max_files=0, max_fields=5) as form:
        password = str(form.get("password") or "")
        repeated = str(form.get("repeated") or "")
    try:
        await run_in_threadpool(
            unit_of_work.run, password_links.set_password, secret, password, repeated
        )
    except PasswordLinkRefused as refused:
        return _refused_page(refused)
    except ServiceError as problem:
        try:
            holder = await run_in_threadpool(unit_of_work.run, password_links.link_holder, secret)
        except PasswordLinkRefused as refused:
            return _refused_page(refused)
        return _form_page(secret, holder, str(problem), status=400)
    return RedirectResponse(DONE_PATH, status_code=303)


routes = [
    Route(f"{password_links.PATH}{{secret}}", show, methods=["GET"]),
    Route(f"{password_links.PATH}{{secret}}", submit, methods=["POST"]),
]
