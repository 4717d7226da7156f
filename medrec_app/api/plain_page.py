"""Small server-made pages outside the Reflex app: the phone upload page and the
set-password page. Plain HTML with one stylesheet, readable on a phone, no script of its
own unless the page asks for one; their addresses hold a secret, so their answers are
never cached and never send a referrer."""

from __future__ import annotations

import html

from fastapi.responses import HTMLResponse

# The secret is in these pages' addresses: never send it on (to our own origin only where
# a form must post back, ``plain_page(posts_to_itself=True)``).
PAGE_HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "private, no-store"}
_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;padding:16px;color:#1c2024;background:#fff}
main{max-width:28rem;margin:0 auto}
h1{font-size:1.3rem;margin:0 0 8px} p{margin:0 0 12px;line-height:1.4}
.pick,.go{display:block;width:100%;padding:16px;font-size:1.1rem;border:0;border-radius:8px;
background:#0d74ce;color:#fff;text-align:center;box-sizing:border-box}
.pick+.pick{margin-top:8px} .pick input{display:none} ul{list-style:none;padding:0;margin:16px 0}
li{padding:8px 0;border-bottom:1px solid #e0e1e6} .name{word-break:break-all}
progress{width:100%;height:12px} .failed{color:#ce2c31} .done{color:#218358}
.refused{padding:12px;border-radius:8px;background:#ffefef;color:#a1232a}
label{display:block;font-weight:600;margin:12px 0 4px}
input.field{display:block;width:100%;padding:10px;font-size:1rem;border:1px solid #8b8d98;
border-radius:6px;box-sizing:border-box} .go{margin-top:16px}
"""


def plain_page(
    body: str, status: int = 200, *, title: str = "Add files", posts_to_itself: bool = False
) -> HTMLResponse:
    """``body`` (already escaped HTML) as a whole page titled ``title · medrec``.

    A page whose form ``posts_to_itself`` sends its address as referrer to its own origin
    only: under ``no-referrer`` a form's POST carries ``Origin: null``, which the
    cross-site check must refuse.
    """
    document = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} · medrec</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )
    headers = PAGE_HEADERS | ({"Referrer-Policy": "same-origin"} if posts_to_itself else {})
    return HTMLResponse(document, status_code=status, headers=headers)
