"""The demo's customers: the products of FLOW.md, 300 restaurants in Japan and abroad, two API partners."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from hikeshi.catalog import partners as catalog_partners
from hikeshi.catalog import service as catalog

DEMO_PRODUCTS = (
    ("ipad-app", "予約台帳アプリ (iPad)", "Reservation ledger (iPad app)"),
    ("store-web", "店舗向け Web アプリ", "Store web app"),
    ("web-booking", "Web 予約", "Web booking"),
    ("email", "メール配信", "Email delivery"),
    ("fax", "FAX 送信", "FAX delivery"),
    ("sms", "SMS 送信", "SMS delivery"),
    ("partner-api", "パートナー API", "Partner API"),
)
# (city, area code): 15 cities × 17 restaurants = 255 stores in Japan.
DEMO_CITIES_JP = (
    ("銀座", "03"),
    ("新宿", "03"),
    ("渋谷", "03"),
    ("恵比寿", "03"),
    ("横浜", "045"),
    ("梅田", "06"),
    ("難波", "06"),
    ("京都", "075"),
    ("神戸", "078"),
    ("名古屋", "052"),
    ("博多", "092"),
    ("札幌", "011"),
    ("仙台", "022"),
    ("金沢", "076"),
    ("那覇", "098"),
)
# The first four are chains: their head office signs in to every one of its stores' accounts.
DEMO_CHAINS_JP = (
    ("鮨 はなぶさ", "hanabusa.example.jp"),
    ("焼肉 みやび", "miyabi.example.jp"),
    ("ビストロ ソレイユ", "soleil.example.jp"),
    ("天ぷら 光風", "kofu.example.jp"),
)
DEMO_SHOPS_JP = (
    "割烹 こはる",
    "蕎麦 やまぶき",
    "炉端 いさりび",
    "中華 紅蓮",
    "トラットリア ルーチェ",
    "うなぎ 川瀬",
    "おでん 千鳥",
    "とんかつ 雅",
    "鉄板焼 凪",
    "日本料理 桜井",
    "カフェ ミモザ",
    "ラーメン 一心",
    "居酒屋 まる",
)
# (city, time zone, phone prefix): 9 cities × 5 restaurants = 45 stores abroad.
DEMO_CITIES_ABROAD = (
    ("Los Angeles", "America/Los_Angeles", "+1 213 555"),
    ("San Francisco", "America/Los_Angeles", "+1 415 555"),
    ("New York", "America/New_York", "+1 212 555"),
    ("Honolulu", "Pacific/Honolulu", "+1 808 555"),
    ("Singapore", "Asia/Singapore", "+65 6555"),
    ("Bangkok", "Asia/Bangkok", "+66 2 555"),
    ("Taipei", "Asia/Taipei", "+886 2 5555"),
    ("London", "Europe/London", "+44 20 7555"),
    ("Paris", "Europe/Paris", "+33 1 5555"),
)
DEMO_SHOPS_ABROAD = ("Sushi Hanabusa", "Yakiniku Miyabi", "Ramen Isshin", "Izakaya Maru", "Tempura Kofu")
CHAIN_DOMAINS_ABROAD = {"Sushi Hanabusa": "hanabusa.example.jp", "Yakiniku Miyabi": "miyabi.example.jp"}


def load_demo_catalog(*, session: Session, ids: dict[str, int], now: datetime) -> None:
    """The products, 300 stores (each with the products it uses, its accounts and phone), two partners."""
    for position, (slug, name_ja, name_en) in enumerate(DEMO_PRODUCTS):
        catalog.create_product(
            session=session, slug=slug, name_ja=name_ja, name_en=name_en, position=position, now=now
        )
    sales = (ids["watanabe"], ids["yamamoto"])
    number = 0
    shops = [(name, domain) for name, domain in DEMO_CHAINS_JP] + [(name, None) for name in DEMO_SHOPS_JP]
    for city, area in DEMO_CITIES_JP:
        for shop, chain in shops:
            number += 1
            phone = f"{area}-5555-{number:04d}"
            _demo_store(session, number, f"{shop} {city}店", "jp", "Asia/Tokyo", phone, chain, sales, now)
    for city, zone, prefix in DEMO_CITIES_ABROAD:
        for shop in DEMO_SHOPS_ABROAD:
            number += 1
            chain = CHAIN_DOMAINS_ABROAD.get(shop)
            phone = f"{prefix} {number:04d}"
            _demo_store(session, number, f"{shop} {city}", "overseas", zone, phone, chain, sales, now)
    load_demo_partners(session=session, now=now)


def load_demo_partners(*, session: Session, now: datetime) -> None:
    catalog_partners.create_partner(
        session=session,
        name="グルメ予約ナビ",
        product_slugs=["web-booking", "partner-api"],
        contacts=[catalog_partners.ContactIn("連携担当 小林", "api@gourmet-navi.example.jp", "03-5555-0101")],
        notes="Web 予約の空席を API で取得して掲載",
        now=now,
    )
    catalog_partners.create_partner(
        session=session,
        name="POS レジ連携 株式会社",
        product_slugs=["partner-api", "ipad-app"],
        contacts=[
            catalog_partners.ContactIn("サポート窓口", "support@pos-renkei.example.jp", "06-5555-0202")
        ],
        now=now,
    )


def _demo_store(
    session: Session,
    number: int,
    name: str,
    region: str,
    zone: str,
    phone: str,
    chain: str | None,
    sales: tuple[int, int],
    now: datetime,
) -> None:
    # Every store keeps its ledger on the iPad; most take web bookings; some send SMS, email or FAX.
    products = ["ipad-app", "store-web"]
    products += ["web-booking"] if number % 5 else []
    products += [("sms", "email", "fax")[number % 3]]
    # One to three accounts: the owner's, often the floor staff's, and a chain's head office (shared).
    emails = [f"owner{number:04d}@store.example.jp"]
    emails += [f"staff{number:04d}@store.example.jp"] if number % 4 else []
    emails += [f"honbu@{chain}"] if chain else []
    catalog.create_store(
        session=session,
        external_id=f"DEMO-{number:04d}",
        name=name,
        region=region,
        timezone=zone,
        language="ja" if region == "jp" else "en",
        product_slugs=products,
        account_emails=emails,
        phone=phone,
        sales_rep_user_id=sales[number % 2],
        now=now,
    )
