"""The routes of the invented world, pages and API: each answers a request's ``q``."""

from __future__ import annotations

from tests.worlds.mirror import TREATY

PAGES = (
    "/",
    "/search",
    "/compare",
    f"/documents/{TREATY}",
    f"/passages/{TREATY}.art-1",
    "/brief",
    "/sources",
)
API = (
    "/api/search",
    "/api/compare",
    "/api/export",
    "/api/brief",
    f"/api/documents/{TREATY}",
    f"/api/passages/{TREATY}.art-1",
    "/api/sources",
    "/api/themes",
    "/api/health",
)
