"""The simulator's Starlette application: every Nemo endpoint, the CDN, and the `/__sim` controls."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from nemo_sim import account, control, render, upload
from nemo_sim.errors import SimError, handle_sim_error
from nemo_sim.recorder import RecorderMiddleware
from nemo_sim.run_sse import run_sse
from nemo_sim.world import World

ROUTES = [
    Route("/api/auth/anonymous-token", account.anonymous_token, methods=["POST"]),
    Route("/api/auth/claim-token", account.claim_token, methods=["POST"]),
    Route("/api/tasks/me/with-session/nemo_agent", account.create_session, methods=["POST"]),
    Route("/api/credits/balance/simple", account.credits, methods=["GET"]),
    Route("/api/state/nemo_agent/{uid}/{sid}/latest", account.state, methods=["GET"]),
    Route("/api/upload-video/nemo_agent/{uid}/{sid}", upload.upload, methods=["POST"]),
    Route("/run_sse", run_sse, methods=["POST"]),
    Route("/api/render/proxy/lambda", render.submit, methods=["POST"]),
    Route("/api/render/proxy/lambda/{rid}", render.poll, methods=["GET"]),
    Route("/api/render/proxy/lambda/{rid}/cancel", render.cancel, methods=["POST"]),
    Route("/api/render/proxy/{rid}/download", render.download, methods=["GET"]),
    Route("/cdn/{path:path}", render.cdn, methods=["GET"]),
    Route("/__sim/config", control.get_config, methods=["GET"]),
    Route("/__sim/config", control.patch_config, methods=["POST"]),
    Route("/__sim/requests", control.list_requests, methods=["GET"]),
    Route("/__sim/requests", control.clear_requests, methods=["DELETE"]),
    Route("/__sim/reset", control.reset, methods=["POST"]),
    Route("/__sim/credits", control.set_credits, methods=["POST"]),
    Route("/__sim/expire-tokens", control.expire_tokens, methods=["POST"]),
]


def build_app(world: World) -> Starlette:
    """An app serving `world`; requests are recorded and faults injected before routing."""
    app = Starlette(
        routes=ROUTES,
        middleware=[Middleware(RecorderMiddleware, world=world)],
        exception_handlers={SimError: handle_sim_error},
    )
    app.state.world = world
    return app
