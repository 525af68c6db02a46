import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese():
    r = Client().get("/console/login/")
    assert r.status_code == 200
    assert "登录" in r.content.decode()


def test_console_requires_login():
    r = Client().get("/console/")
    assert r.status_code == 302
    assert r["Location"].startswith("/console/login/")


def test_login_and_home_for_every_role(world):
    for user in [world.officer, world.reviewer, world.head, world.supervisor, world.admin, world.officer_b]:
        c = Client()
        assert (
            c.post("/console/login/", {"username": user.username, "password": "Pass-1234!"}).status_code
            == 302
        )
        page = c.get("/console/").content.decode()
        assert "待办与提醒" in page, user.username
        if user.officer_id:
            assert "我的执法证" in page
            assert user.officer.certificates.first().number in page
        if user.role == "supervisor":
            assert "辖区概况" in page


def test_wrong_password_message():
    r = Client().post("/console/login/", {"username": "nobody", "password": "x"})
    assert "用户名或密码不正确" in r.content.decode()


def test_registry_pages_render(world):
    c = Client()
    c.force_login(world.supervisor)
    assert "昌吉市市场监督管理局" in c.get("/console/registry/").content.decode()
    assert c.get(f"/console/registry/agencies/{world.market.pk}/").status_code == 200
    assert c.get(f"/console/registry/officers/{world.market_officer.pk}/").status_code == 200
    assert c.get("/console/registry/certificates/?state=expiring").status_code == 200
    assert c.get("/console/laws/").status_code == 200


def test_alert_page_lists_only_visible_alerts(world):
    from zhifa.core.services import raise_alert

    raise_alert("t.market", kind="test", title="市场监管局的预警", agency=world.market)
    raise_alert("t.eco", kind="test", title="生态环境局的预警", agency=world.ecology)
    c = Client()
    c.force_login(world.officer)
    page = c.get("/console/alerts/").content.decode()
    assert "市场监管局的预警" in page
    assert "生态环境局的预警" not in page
    c.force_login(world.supervisor)
    page = c.get("/console/alerts/?kind=test").content.decode()
    assert "市场监管局的预警" in page and "生态环境局的预警" in page
