"""The simulator's Starlette application: every Nemo endpoint, the CDN, and the `/__sim` controls."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from bot.nemo.wire import Endpoint
from nemo_sim import account, control, render, upload
from nemo_sim.errors import SimError, handle_sim_error
from nemo_sim.recorder import RecorderMiddleware
from nemo_sim.run_sse import run_sse
from nemo_sim.world import World

# (path, method, handler): every Nemo endpoint, the public CDN, then the test controls.
TABLE = (
    (Endpoint.ANONYMOUS_TOKEN, "POST", account.anonymous_token),
    (Endpoint.CLAIM_TOKEN, "POST", account.claim_token),
    (Endpoint.SESSION, "POST", account.create_session),
    (Endpoint.CREDITS, "GET", account.credits),
    (Endpoint.STATE, "GET", account.state),
    (Endpoint.UPLOAD, "POST", upload.upload),
    (Endpoint.RUN_SSE, "POST", run_sse),
    (Endpoint.RENDER, "POST", render.submit),
    (Endpoint.RENDER_STATUS, "GET", render.poll),
    (Endpoint.RENDER_CANCEL, "POST", render.cancel),
    (Endpoint.RENDER_DOWNLOAD, "GET", render.download),
    ("/cdn/{path:path}", "GET", render.cdn),
    ("/__sim/config", "GET", control.get_config),
    ("/__sim/config", "POST", control.patch_config),
    ("/__sim/requests", "GET", control.list_requests),
    ("/__sim/requests", "DELETE", control.clear_requests),
    ("/__sim/renders", "GET", control.list_renders),
    ("/__sim/reset", "POST", control.reset),
    ("/__sim/credits", "POST", control.set_credits),
    ("/__sim/expire-tokens", "POST", control.expire_tokens),
)
ROUTES = [Route(path, handler, methods=[method]) for path, method, handler in TABLE]


def build_app(world: World) -> Starlette:
    """An app serving `world`; requests are recorded and faults injected before routing."""
    app = Starlette(
        routes=ROUTES,
        middleware=[Middleware(RecorderMiddleware, world=world)],
        exception_handlers={SimError: handle_sim_error},
    )
    app.state.world = world
    return app
