"""Entry point of the Pekanbaru COVID-19 dashboard: `streamlit run dashboard.py`.

Draws the shared shell (page config, sidebar, settings and database checks, first-start demo
build), then runs the page the user chose among those their role may see. No SQL here.
"""
from ui import page

page.shell()
with page.shell_done():
    page.navigation().run()
