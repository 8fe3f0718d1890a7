"""A page fetcher for tests that checks every page it gets, like a careful reviewer.

Each page must parse as valid HTML5, have a title, carry no untranslated message key,
and every form must have an action and, when it posts, an anti-forgery token.
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import Element

import html5lib
from fastapi.testclient import TestClient

NS = "{http://www.w3.org/1999/xhtml}"


def parse(html: str) -> Element:
    """Parse strictly: any HTML5 parse error fails the test."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=True).parse(html)


def check_page(html: str) -> Element:
    assert "⟦" not in html, re.findall(r"⟦[^⟧]+⟧", html)
    document = parse(html)
    title = document.find(f".//{NS}title")
    assert title is not None and (title.text or "").strip(), "a page needs a title"
    assert document.find(f".//{NS}h1") is not None, "a page needs a heading"
    for form in document.iter(f"{NS}form"):
        assert form.get("action"), "every form has an action"
        if (form.get("method") or "get").lower() == "post":
            tokens = [i for i in form.iter(f"{NS}input") if i.get("name") == "csrf_token"]
            assert tokens and tokens[0].get("value"), f"form {form.get('action')} lacks a token"
    return document


def get_page(client: TestClient, url: str, status: int = 200, **kwargs: Any) -> Element:
    response = client.get(url, **kwargs)
    assert response.status_code == status, (url, response.status_code, response.text[:500])
    return check_page(response.text)


def text_of(element: Element | None) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def find_all(document: Element, tag: str) -> list[Element]:
    return list(document.iter(f"{NS}{tag}"))


def by_id(document: Element, element_id: str) -> Element | None:
    return next((e for e in document.iter() if e.get("id") == element_id), None)


def csrf(document: Element) -> str:
    token = next(i for i in document.iter(f"{NS}input") if i.get("name") == "csrf_token")
    return str(token.get("value"))


def sign_in_page(client: TestClient, username: str, password: str = "layan-demo") -> None:
    """Sign an officer in to the pages through the real form (CSRF cookie, then session)."""
    form = get_page(client, "/petugas/masuk")
    response = client.post(
        "/petugas/masuk",
        data={"csrf_token": csrf(form), "username": username, "password": password},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:300]
