"""Individual development plans (kompetensutvecklingsplan), agreed between employee and manager."""
