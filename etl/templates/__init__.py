"""Writing the Excel template per region and round; `raak template`."""
