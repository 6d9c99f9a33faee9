"""What the flash sale needs: a hot SKU and buyers, each with their own device token.

Everything goes through Highland's services (register_person, add_membership,
issue_api_token), as an operator would do it. Writes the ids and raw tokens to a JSON
file in the bench's temporary work directory, which run.sh deletes at the end.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench.django_setup import setup

COUNTY_CODE = "513334"  # Litang, the demo county
HOT_SKU_CODE = "LT-YJ-100"  # 牦牛肉干 100 g: the demo catalogue's cheapest yak jerky
SEARCH_QUERY = "牦牛"  # "yak": matches several demo products
BUYERS = 500
WARM_UP_BUYERS = 16


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    setup()

    from django.db import transaction

    from highland.catalog.models import Sku
    from highland.core import services as core_services
    from highland.core.models import County, Role, User

    county = County.objects.get(code=COUNTY_CODE)
    operator = User.objects.get(username="operator")
    hot = Sku.objects.select_related("product__category").get(county=county, code=HOT_SKU_CODE)

    def buyer_with_token(username: str) -> dict[str, object]:
        person = core_services.register_person(
            county, actor=operator, username=username, display_name=username
        )
        core_services.add_membership(person, actor=operator, role=Role.BUYER, county=county)
        issued = core_services.issue_api_token(person, actor=operator, name="bench phone")
        return {"id": person.pk, "token": issued.raw_key}

    # One transaction: 516 people with tokens in seconds rather than 1,500 commits.
    with transaction.atomic():
        buyers = [buyer_with_token(f"bench_buyer_{index:03d}") for index in range(BUYERS)]
        warm_up = [buyer_with_token(f"bench_warm_{index:02d}") for index in range(WARM_UP_BUYERS)]
    fixtures = {
        "county_code": county.code,
        "hot_sku_id": hot.pk,
        "hot_sku_code": hot.code,
        "product_id": hot.product_id,
        "category_code": hot.product.category.code,
        "search_query": SEARCH_QUERY,
        "buyers": buyers,
        "warm_up_buyers": warm_up,
    }
    args.out.write_text(json.dumps(fixtures, ensure_ascii=False, indent=1), encoding="utf-8")
    print(
        f"bench: hot SKU {hot.code} (id {hot.pk}), product {hot.product_id}, "
        f"category {hot.product.category.code}, {len(buyers)} buyers with tokens"
    )


if __name__ == "__main__":
    main()
