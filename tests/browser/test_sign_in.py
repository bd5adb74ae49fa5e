import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_head_teacher_signs_in_and_sees_the_home_page(signed_in_page, head, live_server):
    page = signed_in_page("head")
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_test_id("signed-in-as")).to_contain_text("Head Teacher")
    expect(page.get_by_role("heading", level=1)).to_contain_text(head.first_name)
