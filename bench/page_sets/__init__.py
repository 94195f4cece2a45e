"""One module per page for `bench/pages.py`: the page's figures as the page computes them, the same
figures the naive way (pandas over the raw tables) and the comparison of the two."""
