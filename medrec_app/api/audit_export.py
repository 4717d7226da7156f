"""``GET /exports/audit.csv?patient=&user=&action=&from=&to=``: the audit page's "Export
CSV" link, for a signed-in administrator or auditor (the session cookie).

A plain route, not a Reflex event: the browser downloads the file itself. The answer is
never cached and has a generic file name (no patient's name in a download folder). The
service checks the role and the filters and audits the export (``audit.export``).
"""

from __future__ import annotations

import html

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from medrec_app.api.plain_page import plain_page
from medrec_app.api.session import session_token
from medrec_app.domain.audit_query import FIELDS
from medrec_app.domain.permissions import PermissionDenied
from medrec_app.services import audit_trail, unit_of_work
from medrec_app.services.errors import NotFound, NotSignedIn, ServiceError, ServiceUnavailable

PATH = "/exports/audit.csv"
FILE_NAME = "medrec-audit.csv"
TITLE = "Audit export"


def _refusal(message: str, status: int) -> Response:
    body = (
        f"<h1>{TITLE}</h1>"
        f'<p class="refused" role="alert" data-testid="export-refused">{html.escape(message)}</p>'
        '<p><a href="/audit">Back to the audit trail</a></p>'
    )
    return plain_page(body, status, title=TITLE)


async def export_csv(request: Request) -> Response:
    filters = {name: request.query_params.get(name, "")[:200] for name in FIELDS}
    try:
        export = await run_in_threadpool(
            unit_of_work.run_as, session_token(request), audit_trail.export_audit, filters
        )
    except NotSignedIn:
        return RedirectResponse("/login?expired=1" if session_token(request) else "/login", 303)
    except PermissionDenied as refused:
        return _refusal(str(refused), 403)
    except NotFound as missing:
        return _refusal(str(missing), 404)
    except ServiceUnavailable as outage:
        return _refusal(str(outage), 503)
    except ServiceError as refused:
        return _refusal(str(refused), 422)
    headers = {
        "Content-Disposition": f'attachment; filename="{FILE_NAME}"',
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
        "X-Medrec-Rows": str(export.rows),
        "X-Medrec-Truncated": "true" if export.truncated else "false",
    }
    # A byte-order mark: spreadsheets then read the names as UTF-8.
    return Response("\ufeff" + export.csv, media_type="text/csv; charset=utf-8", headers=headers)


routes = [Route(PATH, export_csv, methods=["GET"])]
