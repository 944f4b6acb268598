"""Static lists from the contact screens: the contact's lists panel, adding and removing there, and
"Add to list" in the contacts bulk bar. Everyone who can see the contact sees its panel; admins
and marketing keep lists."""

from __future__ import annotations

from tests.access_areas import Entry, everyone, importers, oscars

UI_ROUTES: dict[str, Entry] = {
    "segments:contact_lists": oscars("/segments/contacts/{contact}/lists/"),
    "segments:contact_list_add": importers("/segments/contacts/{contact}/lists/add/", "POST"),
    "segments:contact_list_remove": importers("/segments/contacts/{contact}/lists/{segment}/remove/", "POST"),
    "segments:bulk_picker": everyone("/segments/lists/bulk/"),
    "segments:bulk_add": importers("/segments/lists/bulk/add/", "POST"),
}
