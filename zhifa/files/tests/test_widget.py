"""The upload widget include renders its parameters; its script is served as a static file."""

import json

import pytest
from django.contrib.staticfiles import finders
from django.template import Context, Template


def test_widget_renders_endpoint_purpose_and_metadata():
    html = Template(
        '{% include "files/upload_widget.html" with purpose="evidence" metadata=meta widget_id="ev" %}'
    ).render(Context({"meta": {"case_id": 12, "evidence_type": "视听资料"}}))
    assert 'data-endpoint="/files/tus/"' in html and 'data-purpose="evidence"' in html
    assert 'data-metadata-id="ev-metadata"' in html
    script = html.split('<script id="ev-metadata" type="application/json">', 1)[1].split("</script>", 1)[0]
    assert json.loads(script) == {"case_id": 12, "evidence_type": "视听资料"}
    assert "开始上传" in html and "files/tus-upload.js" in html


@pytest.mark.parametrize("path", ["files/tus-upload.js"])
def test_script_is_a_static_file(path):
    found = finders.find(path)
    assert found and "Upload-Offset" in open(found, encoding="utf-8").read()
