"""Tibetan text in a real browser: larger than Chinese once, not again at every level.

`:lang(bo)` matches every element of a Tibetan page, so a relative font size set there
compounds with nesting; the header's language menu once came out twice the page's size
and the header filled a phone's first screen.
"""

from __future__ import annotations

from typing import Any

import pytest

from highland.testing_browser import BO, ZH, open_phone, visit

SIZES = """() => {
  const px = (el) => parseFloat(getComputedStyle(el).fontSize);
  const header = document.querySelector('header.top');
  return {
    root: px(document.documentElement),
    select: px(document.querySelector('#language-select')),
    menu: px(document.querySelector('nav.menu a') || document.body),
    paragraph: px(document.querySelector('main') || document.body),
    header_height: header.getBoundingClientRect().height,
  };
}"""


@pytest.mark.django_db(transaction=True)
def test_tibetan_is_larger_than_chinese_once_and_the_header_stays_small(
    phone_site: Any, chromium: Any
) -> None:
    sizes = {}
    for language in (ZH, BO):
        page = open_phone(chromium, phone_site, language=language, username="agent")
        try:
            visit(page, f"{phone_site.url}/network/desk/")
            sizes[language] = page.evaluate(SIZES)
        finally:
            page.context.close()

    chinese, tibetan = sizes[ZH], sizes[BO]
    # The whole page is 15 % larger in Tibetan ...
    assert tibetan["root"] == pytest.approx(chinese["root"] * 1.15, rel=0.01)
    # ... and nothing inside grows again with nesting.
    for part in ("select", "menu", "paragraph"):
        assert tibetan[part] == pytest.approx(chinese[part] * 1.15, rel=0.01), part
    # The header (brand, language, cart, person) keeps well within a third of a 740 px screen.
    assert tibetan["header_height"] < 740 / 3
