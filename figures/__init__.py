"""Figure logic apart from Streamlit: `common` (windows, zones, hidden counts, Tile) and one module per
screen. A page names the figure function it draws; the figure function names its queries."""
