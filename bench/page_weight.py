"""Page weight: bytes a real browser transfers on a first visit (empty cache).

Debian's Chromium through Playwright (never `playwright install`). Each page loads in
a fresh browser context, so nothing is cached; the weight is the sum over every
response the page caused of its headers plus its body as sent on the wire (compressed
when the server compressed it). The browser's own /favicon.ico probe is left out: no
page links it, and it is the browser's doing, not the page's.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 30_000


def measure(browser: Any, url: str) -> dict[str, Any]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 900})
    try:
        page = context.new_page()
        responses: list[Any] = []
        # A lambda, not the bound method: Playwright tags its handlers with an attribute.
        page.on("response", lambda response: responses.append(response))
        main = page.goto(url, wait_until="load", timeout=WAIT_MS)
        if main is None or main.status != 200:
            raise SystemExit(f"bench: {url} answered {main.status if main else 'nothing'}")
        page.wait_for_load_state("networkidle", timeout=WAIT_MS)
        resources = []
        for response in responses:
            if response.url.endswith("/favicon.ico"):
                continue
            response.finished()
            sizes = response.request.sizes()
            resources.append(
                {
                    "url": response.url,
                    "type": response.request.resource_type,
                    "status": response.status,
                    "transferred": sizes["responseHeadersSize"] + sizes["responseBodySize"],
                    "body_on_wire": sizes["responseBodySize"],
                    "decoded": len(response.body()) if response.status < 300 else 0,
                }
            )
    finally:
        context.close()
    return {
        "url": url,
        "requests": len(resources),
        "transferred": sum(item["transferred"] for item in resources),
        "decoded": sum(item["decoded"] for item in resources),
        "resources": resources,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--fixtures", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    fixtures = json.loads(args.fixtures.read_text(encoding="utf-8"))
    pages = {
        "home": "/shop/",
        "category": f"/shop/categories/{fixtures['category_code']}/",
        "search": f"/shop/search/?q={quote(fixtures['search_query'])}",
        "product": f"/shop/products/{fixtures['product_id']}/",
    }

    from playwright.sync_api import sync_playwright

    results = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name, path in pages.items():
                results[name] = measure(browser, args.base_url + path) | {"path": path}
                print(
                    f"bench: page weight {name} {path}: {results[name]['transferred']} bytes "
                    f"transferred in {results[name]['requests']} requests"
                )
            version = browser.version
        finally:
            browser.close()
    args.out.write_text(
        json.dumps({"chromium": version, "pages": results}, ensure_ascii=False, indent=1)
    )


if __name__ == "__main__":
    main()
