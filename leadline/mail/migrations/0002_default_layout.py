import uuid

from django.db import migrations

FONT = "-apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"

LAYOUT_HTML = """\
<table role="presentation" class="ll-wrapper" width="100%" cellpadding="0" cellspacing="0" border="0">
  <tr>
    <td align="center" class="ll-outer">
      <table role="presentation" class="ll-container" width="600" cellpadding="0" cellspacing="0" border="0">
        <tr><td class="ll-header">{{ sender_name }}</td></tr>
        <tr><td class="ll-content">{{ content }}</td></tr>
        <tr>
          <td class="ll-footer">
            <p>{{ sender_name }} · {{ postal_address }}</p>
            <p>You are receiving this email because you signed up or asked us to keep in touch.
            <a href="{{ unsubscribe_url }}">Unsubscribe</a> at any time.</p>
          </td>
        </tr>
      </table>
    </td>
  </tr>
</table>
"""

LAYOUT_CSS = f"""\
body {{ margin: 0; padding: 0; background-color: #f4f5f7; }}
.ll-wrapper {{ background-color: #f4f5f7; }}
.ll-outer {{ padding: 24px 12px; }}
.ll-container {{ width: 100%; max-width: 600px; }}
.ll-header {{ padding: 4px 4px 16px; font-family: {FONT}; font-size: 15px; font-weight: 700; color: #1b2033; }}
.ll-content {{ background-color: #ffffff; border-radius: 8px; padding: 32px; font-family: {FONT}; font-size: 16px; line-height: 1.6; color: #1b2033; }}
.ll-content h1 {{ font-size: 24px; line-height: 1.3; margin: 0 0 16px; }}
.ll-content h2 {{ font-size: 20px; line-height: 1.3; margin: 24px 0 12px; }}
.ll-content h3 {{ font-size: 17px; line-height: 1.3; margin: 20px 0 8px; }}
.ll-content p {{ margin: 0 0 16px; }}
.ll-content a {{ color: #4f46e5; }}
.ll-content ul, .ll-content ol {{ margin: 0 0 16px; padding-left: 24px; }}
.ll-content li {{ margin: 0 0 6px; }}
.ll-content blockquote {{ margin: 0 0 16px; padding: 0 0 0 16px; border-left: 3px solid #e3e6ef; color: #5d6481; }}
.ll-content img {{ max-width: 100%; height: auto; }}
.ll-content hr {{ border: 0; border-top: 1px solid #e3e6ef; margin: 24px 0; }}
.ll-footer {{ padding: 20px 4px; font-family: {FONT}; font-size: 12px; line-height: 1.5; color: #8a90a8; text-align: center; }}
.ll-footer p {{ margin: 0 0 8px; }}
.ll-footer a {{ color: #5d6481; text-decoration: underline; }}
@media only screen and (max-width: 480px) {{
  .ll-outer {{ padding: 12px 6px !important; }}
  .ll-content {{ padding: 20px !important; }}
}}
"""


def seed(apps, schema_editor):
    Layout = apps.get_model("mail", "Layout")
    if Layout.objects.filter(is_default=True).exists():
        return
    Layout.objects.create(
        name="Standard", html=LAYOUT_HTML, css=LAYOUT_CSS, is_default=True, public_id=uuid.uuid4()
    )


def unseed(apps, schema_editor):
    Layout = apps.get_model("mail", "Layout")
    Layout.objects.filter(name="Standard", is_default=True, templates__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("mail", "0001_templates_layouts_senders")]

    operations = [migrations.RunPython(seed, unseed)]
